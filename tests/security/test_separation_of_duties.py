"""Finding 2 (三权分立): the sysadmin could POST /api/v1/tokens for any user (the regulator) and
act as them. Tokens are for service accounts only, minted by the security officer, audited."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.models import ApiToken, User
from zhixin.accounts.passwords import sha256_hex
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.kit.db import unit_of_work


def _people(factory: sessionmaker[Session]) -> dict[str, int]:
    return {
        "admin": make_user(factory, "admin", Role.sysadmin),
        "officer": make_user(factory, "officer", Role.security_officer),
        "regulator": make_user(factory, "regulator-li", Role.regulator),
        "feed": make_user(factory, "amr-feed", Role.regulator, service=True),
        "bank-sys": make_user(factory, "bank-sys", Role.bank_officer, service=True),
    }


def _tokens(factory: sessionmaker[Session]) -> list[ApiToken]:
    with unit_of_work(factory) as s:
        return list(s.scalars(select(ApiToken)))


def test_the_sysadmin_cannot_mint_a_token_for_anyone(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    _people(factory)
    with TestClient(app) as client:
        csrf = login(client, "admin")
        for holder in ("regulator-li", "amr-feed", "admin"):
            resp = client.post(
                "/api/v1/tokens",
                json={"username": holder, "name": "x", "scopes": ["enterprise:read"]},
                headers={"X-CSRF-Token": csrf},
            )
            assert resp.status_code == 403, (holder, resp.text)
        page = client.post(
            "/admin/tokens",
            data={"username": "regulator-li", "name": "x", "scopes": "enterprise:read"},
            headers={"X-CSRF-Token": csrf},
        )
        assert page.status_code == 403
        assert client.get("/api/v1/tokens").status_code == 403
    assert _tokens(factory) == []


def test_no_person_holds_a_token_not_even_from_the_security_officer(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    _people(factory)
    with TestClient(app) as client:
        csrf = login(client, "officer")
        for holder in ("regulator-li", "officer", "admin"):
            resp = client.post(
                "/api/v1/tokens",
                json={"username": holder, "name": "x", "scopes": ["enterprise:read"]},
                headers={"X-CSRF-Token": csrf},
            )
            assert resp.status_code == 403, (holder, resp.text)
            assert "服务账户" in resp.json()["error"] or "自己" in resp.json()["error"]
        # a scope the service account's roles do not grant is refused as well
        beyond = client.post(
            "/api/v1/tokens",
            json={"username": "bank-sys", "name": "x", "scopes": ["record:write"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert beyond.status_code == 403 and "record:write" in beyond.json()["error"]
    assert _tokens(factory) == []
    with unit_of_work(factory) as s:
        denied = s.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.action == "access.denied", AuditEvent.outcome == "denied"
            )
        ).all()
    assert denied == ["officer"] * 4  # every refusal is in the audit log


def test_the_security_officer_mints_for_a_service_account_and_it_is_audited(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    ids = _people(factory)
    with TestClient(app) as client:
        csrf = login(client, "officer")
        resp = client.post(
            "/api/v1/tokens",
            json={"username": "bank-sys", "name": "信贷系统", "scopes": ["enterprise:read"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert (body["holder"], body["created_by"]) == ("bank-sys", "officer")
        shown = client.post(
            "/admin/tokens",
            data={"username": "amr-feed", "name": "监管数据接口", "scopes": "record:read"},
            headers={"X-CSRF-Token": csrf},
        )
        assert shown.status_code == 200 and 'id="new-token"' in shown.text
        assert shown.headers["cache-control"] == "no-store"  # shown once, never cached
        listed = client.get("/api/v1/tokens").json()
        assert [(t["holder"], t["created_by"]) for t in listed] == [
            ("bank-sys", "officer"),
            ("amr-feed", "officer"),
        ]
    raw = body["token"]
    with TestClient(app) as system:
        me = system.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        assert me.status_code == 200 and me.json()["username"] == "bank-sys"
    with unit_of_work(factory) as s:
        token = s.scalars(select(ApiToken).order_by(ApiToken.id)).first()
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "token.create").order_by(AuditEvent.seq)
        ).first()
        assert token is not None and event is not None
    assert token.created_by_id == ids["officer"] and token.user_id == ids["bank-sys"]
    assert (event.actor_id, event.actor, event.object_id) == (
        ids["officer"],
        "officer",
        str(token.id),
    )
    assert event.detail["holder"] == "bank-sys" and event.detail["holder_id"] == ids["bank-sys"]
    assert event.detail["scopes"] == ["enterprise:read"] and event.detail["name"] == "信贷系统"
    assert event.detail["prefix"] == token.prefix


def test_a_token_a_person_held_before_the_upgrade_no_longer_works(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    ids = _people(factory)
    raw = "zx_legacy1_" + "a" * 40
    with unit_of_work(factory) as s:  # as the sysadmin could mint them before
        s.add(
            ApiToken(
                user_id=ids["regulator"],
                name="旧令牌",
                prefix="legacy1",
                token_hash=sha256_hex(raw),
                scopes=["enterprise:read"],
            )
        )
    resp = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {raw}"})
    assert resp.status_code == 401
    with unit_of_work(factory) as s:  # the same token moved to a service account works
        token = s.scalars(select(ApiToken)).one()
        token.user_id = ids["feed"]
    ok = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200


def test_the_admin_page_offers_only_service_accounts(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    _people(factory)
    with TestClient(app) as client:
        login(client, "officer")
        page = client.get("/admin/users").text
    options = page.split('<select name="username" required>')[1].split("</select>")[0]
    assert "amr-feed" in options and "bank-sys" in options
    assert "regulator-li" not in options and "admin" not in options
    with unit_of_work(factory) as s:
        assert s.scalar(select(User.is_service).where(User.username == "bank-sys"))
