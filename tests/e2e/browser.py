"""A live server on a random localhost port and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from zhixin.config import Mode, Settings
from zhixin.kit.db import make_engine, make_sessionmaker
from zhixin.kit.migrate import upgrade

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = os.environ.get("ZHIXIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_skip_reason() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return "Chromium: install Debian's chromium package to run browser journeys"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright: pip install playwright to run browser journeys"
    return None


@dataclass
class LiveServer:
    url: str
    factory: sessionmaker[Session]
    settings: Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(tmp: Path) -> Iterator[LiveServer]:
    from zhixin.web.app import create_app

    url = f"sqlite:///{tmp}/browser.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    settings = Settings(
        mode=Mode.test,
        database_url=url,
        secret_key="browser-" + "x" * 32,
        voucher_dir=tmp / "vouchers",
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, session_factory=factory),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", factory, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@contextmanager
def chromium_page() -> Iterator[Page]:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
