"""``zhixin serve --workers N``: uvicorn's own multi-process mode, given the application factory
as an import string (each worker builds its app from the environment's settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from uvicorn.importer import import_from_string

from zhixin.cli import serving
from zhixin.cli._app import run
from zhixin.config import get_settings


@pytest.fixture
def development(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZHIXIN_MODE", "development")
    monkeypatch.setenv("ZHIXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    get_settings.cache_clear()
    yield tmp_path  # type: ignore[misc]
    get_settings.cache_clear()


def test_serve_workers_hands_uvicorn_the_factory_import_string(
    development: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    assert run(["serve", "--workers", "3", "--port", "8123"]) == 0
    [(target, kw)] = calls
    assert target == serving.APP_FACTORY and isinstance(target, str)
    assert kw["factory"] is True and kw["workers"] == 3 and kw["port"] == 8123
    assert "数据库已升级到" in capsys.readouterr().out  # migrated once, before the workers


def test_the_import_string_builds_the_app(development: Path) -> None:
    factory = import_from_string(serving.APP_FACTORY)
    assert factory is serving.app_factory()
    assert isinstance(factory(), FastAPI)


def test_workers_must_be_at_least_one(
    development: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["serve", "--workers", "0"]) == 2
    assert "参数 --workers 的取值无效" in capsys.readouterr().err


def test_production_without_keys_refuses_before_starting(
    development: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ZHIXIN_MODE", "production")
    get_settings.cache_clear()
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("started"))
    assert run(["serve", "--workers", "2"]) == 1
    assert capsys.readouterr().err.startswith("配置错误：未配置安全密钥")
