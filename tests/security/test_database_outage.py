"""Issue 15 item 15: a database outage answers 503 with Retry-After in the API's error format
or the Chinese error page, and logs one line per failure (no traceback)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from zhixin.app import create_app
from zhixin.config import Mode, Settings
from zhixin.kit.db import make_engine, make_sessionmaker
from zhixin.web.middleware import SECURITY_HEADERS


@pytest.fixture
def outage(tmp_path: Path) -> TestClient:
    # a database file in a folder that is not there: every connection fails
    url = f"sqlite:///{tmp_path / 'gone' / 'zhixin.sqlite3'}"
    settings = Settings(mode=Mode.test, database_url=url, secret_key="t" * 40)
    engine = make_engine(url)
    return TestClient(create_app(settings, session_factory=make_sessionmaker(engine)))


def _failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_api_answers_503_in_its_error_format(
    outage: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        r = outage.get("/api/v1/me", headers={"Authorization": "Bearer zx_not_checkable"})
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    body = r.json()
    assert body["code"] == "database_unavailable"
    assert body["request_id"] == r.headers["X-Request-ID"]
    assert "数据库暂时无法访问" in body["message"]
    for key in SECURITY_HEADERS:
        assert key in r.headers
    (line,) = _failures(caplog)
    assert line.exc_info is None and "\n" not in line.getMessage()
    assert "database unavailable" in line.getMessage() and body["request_id"] in line.getMessage()
    assert "unable to open database file" in line.getMessage()


def test_a_page_answers_the_chinese_error_page(
    outage: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    outage.cookies.set("zhixin_sid", "some-session-id")
    with caplog.at_level(logging.INFO):
        r = outage.get("/enterprises")
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert r.headers["content-type"].startswith("text/html")
    assert "数据库暂时无法访问" in r.text and r.headers["X-Request-ID"] in r.text
    assert "Traceback" not in r.text
    assert len(_failures(caplog)) == 1
    # one line per failure: two more requests, two more lines
    with caplog.at_level(logging.INFO):
        outage.get("/enterprises")
        outage.get("/api/v1/me", headers={"Authorization": "Bearer zx_x"})
    lines = _failures(caplog)
    assert len(lines) == 3 and all(line.exc_info is None for line in lines)
