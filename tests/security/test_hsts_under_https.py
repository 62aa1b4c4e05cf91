"""Issue 15, low: HSTS under ``ZHIXIN_HTTPS`` (and not without it: a plain-HTTP development
server must not pin browsers to HTTPS)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from zhixin.app import create_app
from zhixin.config import Settings
from zhixin.web.middleware import HSTS


def test_hsts_only_behind_https(settings: Settings, factory: sessionmaker[Session]) -> None:
    behind_tls = create_app(settings.model_copy(update={"https": True}), session_factory=factory)
    plain = create_app(settings, session_factory=factory)
    with TestClient(behind_tls, base_url="https://testserver") as c:
        for path in ("/login", "/static/zhixin.css", "/api/v1/me", "/no-such-page"):
            assert c.get(path).headers["Strict-Transport-Security"] == HSTS, path
    with TestClient(plain) as c:
        assert "Strict-Transport-Security" not in c.get("/login").headers
    assert "max-age=31536000" in HSTS
