"""Issue 15, low: no ``server: uvicorn`` banner: ``zhixin serve`` (and ``zhixin demo``) start
uvicorn with ``server_header=False``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zhixin.cli import app as cli
from zhixin.config import get_settings


def test_serve_starts_uvicorn_without_the_server_header(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("ZHIXIN_MODE", "development")
    monkeypatch.setenv("ZHIXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'z.sqlite3'}")
    get_settings.cache_clear()  # the environment above, not a process-wide earlier read
    try:
        done = CliRunner().invoke(cli, ["serve", "--port", "8123"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    assert calls and calls[0]["server_header"] is False and calls[0]["port"] == 8123
