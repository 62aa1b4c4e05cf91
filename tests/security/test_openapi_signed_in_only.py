"""Issue 15, low: the OpenAPI schema is served only to signed-in users in production (and no
interactive docs at all); outside production it stays public for developers."""

from __future__ import annotations

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.app import create_app
from zhixin.config import Mode, Settings


def _production(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "mode": Mode.production,
            "secret_key": "s" * 48,
            "audit_key": "a" * 48,
            "data_key": Fernet.generate_key().decode(),
        }
    )


def test_openapi_needs_a_signed_in_user_in_production(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    app = create_app(_production(settings), session_factory=factory)
    make_user(factory, "reg", Role.regulator)
    with TestClient(app) as c:
        anonymous = c.get("/api/v1/openapi.json")
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
        assert "paths" not in anonymous.text
        for docs in ("/docs", "/redoc", "/api/v1/docs"):
            assert c.get(docs).status_code == 404, docs
        login(c, "reg")
        signed_in = c.get("/api/v1/openapi.json")
        assert signed_in.status_code == 200 and "/api/v1/me" in signed_in.json()["paths"]
        assert signed_in.headers["cache-control"] == "no-store"


def test_openapi_is_public_outside_production(client: TestClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200
