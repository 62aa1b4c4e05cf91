"""Log in through the real login form with a TestClient."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests.support.people import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in; return the session's CSRF token (read from a page's form)."""
    page = client.get("/login")
    token = _CSRF.search(page.text)
    assert token, "login form has no CSRF field"
    resp = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    home = client.get("/")
    found = _CSRF.search(home.text)
    assert found, "no CSRF token on the home page after login"
    return found.group(1)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found
    return found.group(1)


def same_answer(resp: httpx.Response) -> dict[str, object]:
    """An error body without its request id (unique to each request): two refusals that must
    not be told apart (a missing firm, a firm without consent) compare equal on the rest."""
    body = resp.json()
    assert isinstance(body, dict)
    return {k: v for k, v in body.items() if k != "request_id"}
