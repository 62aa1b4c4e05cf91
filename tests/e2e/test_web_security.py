"""Sessions, CSRF, tokens, tenant isolation and error hygiene through the real web app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import PASSWORD, make_user
from tests.support.web import csrf_of, login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User, WebSession
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work

USCC_A = "91110000600037341L"
USCC_B = "91350200MA2XXXXX0M"


def _enterprises(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as s:
        a = Enterprise(uscc=USCC_A, name="甲公司", kind="企业", status="存续")
        b = Enterprise(uscc=USCC_B, name="乙公司", kind="企业", status="存续")
        s.add_all([a, b])
        s.flush()
        return a.id, b.id


def test_session_cookie_flags_and_rotation(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={"username": "reg", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    cookie = next(h for h in resp.headers.get_list("set-cookie") if h.startswith("zhixin_sid="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind HTTPS it is __Host- and Secure
    first = client.cookies.get("zhixin_sid")
    with unit_of_work(factory) as s:
        stored = s.scalars(select(WebSession.token_hash)).all()
    assert first not in stored and len(stored) == 1  # only a hash is kept server-side
    # Logging in again gives a new id and ends the old session.
    page = client.get("/login")
    client.post(
        "/login", data={"username": "reg", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    second = client.cookies.get("zhixin_sid")
    assert second and second != first
    with unit_of_work(factory) as s:
        assert len(s.scalars(select(WebSession)).all()) == 1


def test_https_uses_host_prefix_and_secure(app, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    make_user(factory, "reg", Role.regulator)
    with TestClient(app, base_url="https://zhixin.example") as c:
        page = c.get("/login")
        resp = c.post(
            "/login",
            data={"username": "reg", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        cookie = next(h for h in resp.headers.get_list("set-cookie") if "zhixin_sid" in h)
        assert cookie.startswith("__Host-zhixin_sid=") and "Secure" in cookie
        assert c.get("/api/v1/me").json()["username"] == "reg"


def test_logout_ends_the_session(client: TestClient, factory: sessionmaker[Session]) -> None:
    make_user(factory, "reg", Role.regulator)
    token = login(client, "reg")
    old = client.cookies.get("zhixin_sid")
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    client.cookies.set("zhixin_sid", old)  # replaying the old cookie gets nothing
    assert client.get("/api/v1/me").status_code == 401
    with unit_of_work(factory) as s:
        assert s.scalars(select(WebSession)).all() == []


def test_forms_without_csrf_are_refused(client: TestClient, factory: sessionmaker[Session]) -> None:
    make_user(factory, "reg", Role.regulator)
    token = login(client, "reg")
    body = {"uscc": USCC_A, "name": "甲公司"}
    refused = client.post("/api/v1/enterprises", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    assert client.post("/logout", follow_redirects=False).status_code == 403
    ok = client.post("/api/v1/enterprises", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    # The login form itself is protected by its own token.
    bad_login = client.post(
        "/login", data={"username": "reg", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert bad_login.status_code == 403


def test_login_failure_reveals_nothing_and_is_audited(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    texts = []
    for name in ("reg", "ghost"):
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"username": name, "password": "Wrong-pass-123", "csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 401
        texts.append(r.text.split('<p class="error" role="alert">')[1].split("</p>")[0])
    assert texts[0] == texts[1]
    assert "Wrong-pass-123" not in r.text
    with unit_of_work(factory) as s:
        outcomes = s.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "login")).all()
    assert outcomes == ["failure", "failure"]


def test_bearer_tokens_header_only(client: TestClient, factory: sessionmaker[Session]) -> None:
    _enterprises(factory)
    uid = make_user(factory, "bank-sys", Role.bank_officer, service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        raw = accounts.create_token(s, user=user, name="信贷系统", scopes=["enterprise:read"]).raw
    ok = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200 and ok.json()["total"] == 2
    in_query = client.get(f"/api/v1/enterprises?access_token={raw}")
    assert in_query.status_code == 400 and raw not in in_query.text
    assert (
        client.get("/api/v1/enterprises", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    # Scope limits: the token cannot create an enterprise even if the role could not either.
    denied = client.post(
        "/api/v1/enterprises",
        json={"uscc": USCC_A, "name": "x"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert denied.status_code == 403
    # A service account cannot log in with a password.
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "bank-sys", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 401


def test_other_tenants_enterprise_is_a_404_like_a_missing_one(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    own, other = _enterprises(factory)
    make_user(factory, "firm", Role.enterprise, enterprise_id=own)
    login(client, "firm")
    assert client.get(f"/api/v1/enterprises/{own}").status_code == 200
    foreign = client.get(f"/api/v1/enterprises/{other}")
    missing = client.get("/api/v1/enterprises/999999")
    assert foreign.status_code == missing.status_code == 404
    # the same answer but for the request id, which is every request's own
    assert {**foreign.json(), "request_id": ""} == {**missing.json(), "request_id": ""}
    assert client.get(f"/api/v1/enterprises/{other}/records").status_code == 404
    assert client.get(f"/enterprises/{other}").status_code == 404
    listing = client.get("/api/v1/enterprises").json()
    assert [e["id"] for e in listing["items"]] == [own]


def test_validation_errors_never_echo_values(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    token = login(client, "reg")
    secret_like = "91110000600037341M"  # bad check character (the valid one ends in L)
    r = client.post(
        "/api/v1/enterprises",
        json={"uscc": secret_like, "name": "丙公司"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422 and "校验位" in r.text and secret_like not in r.text
    r = client.post(
        "/api/v1/enterprises",
        json={"uscc": secret_like, "name": "丙", "established_on": "not-a-date-XYZ"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422 and "not-a-date-XYZ" not in r.text and secret_like not in r.text
    page = client.get("/login")
    r = client.post(
        "/login", data={"username": "reg", "password": "p" * 300, "csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 422 and "p" * 300 not in r.text


def test_pages_need_login_and_carry_security_headers(client: TestClient) -> None:
    r = client.get("/enterprises", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "http://" not in r.text.replace("http://127.0.0.1", "") and "https://" not in r.text


def test_private_pages_are_never_cached(client: TestClient, factory: sessionmaker[Session]) -> None:
    """Loan, quote and consultation pages carry no-store, so a shared browser or proxy keeps none
    of them; the login page and static files may be cached."""
    make_user(factory, "tf", Role.task_force)
    login(client, "tf")
    for path in ("/consultations", "/applications", "/quotes/new", "/api/v1/me", "/enterprises"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers.get("cache-control") == "no-store", path
    assert "cache-control" not in client.get("/login").headers
