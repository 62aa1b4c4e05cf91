"""``zhixin demo --database-url`` loads the same demo into SQLite, PostgreSQL and MariaDB (a
scratch database each, dropped afterwards), and the other commands then work on it with the two
settings the demo prints (and the README states): ZHIXIN_MODE=demo and ZHIXIN_DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.databases import fresh_database
from zhixin.cli._app import run
from zhixin.config import get_settings
from zhixin.demo.elsewhere import FIRMS


def test_demo_loads_into_the_database_url_and_the_commands_work_on_it(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fresh_database(backend, str(tmp_path)) as engine:
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        assert run(["demo", "--database-url", url, "--no-serve", "--enterprises", "120"]) == 0
        printed = capsys.readouterr().out
        # the 120 drawn and the hand-written firms elsewhere (every product's eligible case)
        assert f"演示数据已装载：{120 + len(FIRMS)} 家经营主体" in printed
        assert "export ZHIXIN_MODE=demo ZHIXIN_DATABASE_URL=" in printed

        monkeypatch.setenv("ZHIXIN_MODE", "demo")
        monkeypatch.setenv("ZHIXIN_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            assert run(["applications", "list", "--json"]) == 0
            queue = json.loads(capsys.readouterr().out)
            states = sorted(a["state"] for a in queue)
            # the applications' demo states, and the loan book's five signed contracts
            assert states == ["contracted"] * 5 + ["rejected", "submitted", "under_review"]
            assert run(["audit", "verify"]) == 0
            assert "审计日志完整" in capsys.readouterr().out
            # a second demo run finds the demo and adds nothing
            assert run(["demo", "--database-url", url, "--no-serve"]) == 0
            assert "使用已有演示库" in capsys.readouterr().out
        finally:
            get_settings.cache_clear()


def test_demo_never_writes_into_a_database_with_real_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    monkeypatch.setenv("ZHIXIN_MODE", "development")
    monkeypatch.setenv("ZHIXIN_DATABASE_URL", url)
    monkeypatch.setenv("P", "Cli-Password-123")
    get_settings.cache_clear()
    try:
        assert run(["db", "upgrade"]) == 0
        made = run(
            [
                *("users", "create", "wang", "--tenant", "amr", "--tenant-kind", "regulator"),
                *("--tenant-name", "市场监管局", "--role", "regulator", "--password-env", "P"),
            ]
        )
        assert made == 0
        capsys.readouterr()
        assert run(["demo", "--database-url", url, "--no-serve", "--enterprises", "50"]) == 1
        assert "已有非演示的用户" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
