"""Shared fixtures: real databases (SQLite always; PostgreSQL / MariaDB when configured).

Which databases a test runs on: a test that uses a database runs on SQLite; it also runs on
PostgreSQL and MariaDB (each when its URL is set) when its SQL can differ there — every test
under ``tests/integration`` (repositories, services, migrations, concurrency) and any test
marked ``databases``. The HTTP, page, CLI and browser tests of ``tests/e2e`` exercise the same
services through adapters whose SQL does not depend on the server: SQLite only.

A server variant whose URL is not set is skipped, and all of them are reported as one line.
With ``ZHIXIN_FORBID_SKIPS=1`` (set by .ci/run) any skipped test fails the run, so nothing that
needs PostgreSQL, MariaDB or Chromium is silently left out there.

The tests run in parallel (``-n auto`` in pyproject.toml): each xdist worker migrates its own
database per backend (named after the worker, see tests/support/databases.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.databases import (
    BACKENDS,
    SKIPPED_SERVERS,
    fresh_database,
    skip_reason,
    wipe,
)
from zhixin.accounts import passwords
from zhixin.audit import keys as audit_keys
from zhixin.config import Mode, Settings, get_settings
from zhixin.kit.db import make_sessionmaker
from zhixin.kit.migrate import upgrade

# argon2id with the production profile (64 MiB, 3 passes) costs about a quarter of a second per
# hash on the CI machine, and the test worlds create and sign in thousands of users: in this
# process the tests hash with argon2's cheapest profile — still argon2id, still verified the
# same way (tests/integration/test_accounts.py). The servers and CLIs the tests start as
# subprocesses keep the production profile.
passwords._hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)
passwords._DUMMY_HASH = passwords._hasher.hash("zhixin-dummy-password-for-timing")

# The audit log's keys of the test process: the public demo keys of a test-mode settings
# (services append audit rows without an app; the environment's settings would be production).
TEST_AUDIT_KEYS = audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test))
audit_keys.configure(TEST_AUDIT_KEYS)


@pytest.fixture(autouse=True)
def _process_globals() -> Iterator[None]:
    """Every test starts with the test process's audit keys and no cached settings: an app or
    CLI command built with other settings (a production key, say) configures the process's keys
    and caches ``get_settings()``, and must not change the next test's."""
    audit_keys.configure(TEST_AUDIT_KEYS)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    audit_keys.configure(TEST_AUDIT_KEYS)


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


_BACKEND_LINE = next(
    n
    for n, line in enumerate(Path(__file__).read_text(encoding="utf-8").splitlines(), 1)
    if line.startswith("def backend(")
)


def _every_backend(item: pytest.Function | pytest.FunctionDefinition) -> bool:
    """Does this test's SQL differ by database? Integration tests and ``databases``-marked."""
    return "integration" in item.path.parts or item.get_closest_marker("databases") is not None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = BACKENDS if _every_backend(metafunc.definition) else ("sqlite",)
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        if reason in SKIPPED_SERVERS.values():
            # one location and reason for every server variant: -ra folds them into one line
            report.longrepr = (__file__, _BACKEND_LINE, SKIPPED_SERVERS["summary"])
    return report


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:  # _BACKEND_LINE points here
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
    from zhixin.app import create_app

    return create_app(settings, session_factory=factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
