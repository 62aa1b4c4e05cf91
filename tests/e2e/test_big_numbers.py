"""20 or 30 digits never give a 500 (issue 21 item 3): every form each demo actor reaches from
the home page, posted with 20- and 30-digit numbers in its fields, and every operation of the
API, called with them in its path and body, answer a person's mistake, not a server error; a
form that fails comes back as the form (never the dead-end error page)."""

from __future__ import annotations

import html
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.slow

BIG = ("1" * 20, "9" * 30)
MAX_PAGES = 40
_HREF = re.compile(r'href="(/[^"#]*)')
_SKIP = re.compile(r"(\.xlsx|\.csv|\.png|\.svg|\.json|/logout|/static/|/api/|/export|/download)")
# forms whose success would end the walk (signing out, a new password) or that need a file
_SKIP_ACTIONS = re.compile(r"^(/logout|/account/password|/imports|/loans/\d+/vouchers)")


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, default value, options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str, str]]]] = []
        self.current: list[tuple[str, str, str]] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current = []
            self.forms.append((html.unescape(a.get("action", "")), self.current))
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            self.current.append((a["name"], a.get("type", "text").lower(), a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self.current.append((a["name"], "textarea", ""))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select is not None:
            self.current.append((self.select, "option", a.get("value", "")))
            self.select = None  # the first option stands for the select

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        if tag == "select":
            self.select = None


def _data(fields: list[tuple[str, str, str]], big: str) -> dict[str, str]:
    data: dict[str, str] = {}
    for name, kind, value in fields:
        if kind in ("hidden", "option", "submit", "checkbox", "radio"):
            data.setdefault(name, value or "on")
        elif kind in ("file", "password"):
            continue
        else:
            data[name] = big
    return data


def _walk_forms(client: TestClient) -> tuple[int, list[str]]:
    """Every POST form reached from the home page, posted with big numbers: (forms posted,
    the answers that were server errors or dead ends)."""
    seen: set[str] = set()
    posted: set[str] = set()
    bad: list[str] = []
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        page = queue.popleft()
        if page in seen:
            continue
        seen.add(page)
        resp = client.get(page)
        if resp.status_code != 200 or "text/html" not in resp.headers.get("content-type", ""):
            continue
        for href in _HREF.findall(resp.text):
            link = html.unescape(href)
            if link not in seen and not _SKIP.search(link):
                queue.append(link)
        parser = _Forms()
        parser.feed(resp.text)
        for action, fields in parser.forms:
            shape = re.sub(r"\d+", "N", action)
            if not action.startswith("/") or _SKIP_ACTIONS.match(action) or shape in posted:
                continue
            posted.add(shape)
            for big in BIG:
                answer = client.post(
                    action,
                    data=_data(fields, big),
                    headers={"Referer": f"http://testserver{page}"},
                )
                if answer.status_code >= 500 or (
                    "无法完成操作" in answer.text and answer.status_code in (400, 409, 422)
                ):
                    bad.append(f"{action} ← {page}: {answer.status_code}")
    return len(posted), bad


@pytest.fixture
def demo_app(app: FastAPI, factory: sessionmaker[Session], tmp_path: Path) -> FastAPI:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    return app


ACTORS = ["regulator", "xmrcb-officer", "xmrcb-approver", "enterprise1", "sysadmin", "taskforce"]


def test_every_form_takes_big_numbers_without_a_server_error(demo_app: FastAPI) -> None:
    total = 0
    bad: list[str] = []
    for username in ACTORS:
        with TestClient(demo_app) as client:
            login(client, username, DEMO_PASSWORD)
            count, found = _walk_forms(client)
            total += count
            bad += [f"{username}: {b}" for b in found]
    assert total >= 15, total  # the walk reaches the forms (a broken walk posts none)
    assert bad == []


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _body(schema: dict[str, Any], spec: dict[str, Any], big: str) -> Any:
    schema = _resolve(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [_resolve(s, spec) for s in schema[key]]
            real = [s for s in options if s.get("type") != "null"]
            return _body(real[0], spec, big) if real else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _body(v, spec, big) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_body(schema.get("items", {}), spec, big)]
    if kind == "integer":
        return int(big)
    if kind == "number":
        return big
    if kind == "boolean":
        return True
    return big


def test_every_api_operation_takes_big_numbers_without_a_server_error(demo_app: FastAPI) -> None:
    spec = demo_app.openapi()
    bad: list[str] = []
    with TestClient(demo_app) as client:
        csrf = login(client, "regulator", DEMO_PASSWORD)
        for path, operations in sorted(spec["paths"].items()):
            for method, op in operations.items():
                for big in BIG:
                    url = re.sub(r"\{[^}]+\}", big, path)
                    kwargs: dict[str, Any] = {"headers": {"X-CSRF-Token": csrf}}
                    content = op.get("requestBody", {}).get("content", {})
                    if "application/json" in content:
                        kwargs["json"] = _body(content["application/json"]["schema"], spec, big)
                    params = {
                        p["name"]: big for p in op.get("parameters", ()) if p["in"] == "query"
                    }
                    if method == "get" and path.endswith("/logout"):
                        continue
                    resp = client.request(method.upper(), url, params=params, **kwargs)
                    if resp.status_code >= 500:
                        bad.append(f"{method.upper()} {path}: {resp.status_code} {resp.text[:200]}")
    assert bad == []
