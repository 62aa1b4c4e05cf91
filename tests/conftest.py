"""Shared fixtures: real databases (SQLite always; PostgreSQL / MariaDB when configured).

With ``ZHIXIN_FORBID_SKIPS=1`` (set by .ci/run) any skipped test fails the run, so nothing that
needs PostgreSQL, MariaDB or Chromium is silently left out there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.databases import BACKENDS, fresh_database, skip_reason, wipe
from zhixin.audit import keys as audit_keys
from zhixin.config import Mode, Settings
from zhixin.kit.db import make_sessionmaker
from zhixin.kit.migrate import upgrade

# The audit log's keys of the test process: the public demo keys of a test-mode settings
# (services append audit rows without an app; the environment's settings would be production).
audit_keys.configure(audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("ZHIXIN_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(  # type: ignore[union-attr]
            f"ZHIXIN_FORBID_SKIPS=1 but {len(skipped)} test(s) were skipped: failing the run",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    reason = skip_reason(request.param)
    if reason:
        pytest.skip(reason)
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database of ``backend`` brought to head by the Alembic migrations."""
    with fresh_database(backend, str(tmp_path_factory.mktemp("db"))) as engine:
        upgrade(engine)
        yield engine


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    wipe(migrated_engine)
    yield migrated_engine


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(
        mode=Mode.test,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-" + "x" * 32,
    )


@pytest.fixture
def app(settings: Settings, factory: sessionmaker[Session]) -> FastAPI:
    from zhixin.web.app import create_app

    return create_app(settings, session_factory=factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
