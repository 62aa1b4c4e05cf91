"""Walk every GET route of the app (API and pages) as one signed-in user; read each answer as
text (PDF through pdftotext, XLSX cell by cell) so it can be searched for what must not leak."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from starlette.routing import Route

# References to single records a body may carry besides their fields' values: ids in JSON,
# "记录 #12" in a sentence, links and forms to one record.
RECORD_ID_PATTERNS = (
    re.compile(r'"record_ids":\s*\[\s*\d'),
    re.compile(r'"records":\s*\[\s*\{'),
    re.compile(r'"record_id":\s*\d'),
    re.compile(r"记录\s*#\s*\d"),
    re.compile(r"/records/\d"),
)


def get_routes(app: FastAPI) -> list[str]:
    """Every GET path the app serves, read from its route table (included routers too)."""
    found: set[str] = set()

    def walk(routes: Iterable[Any], prefix: str) -> None:
        for r in routes:
            if hasattr(r, "original_router"):  # FastAPI ≥ 0.116 keeps included routers nested
                walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif isinstance(r, Route) and "GET" in (r.methods or ()):
                found.add(prefix + r.path)

    walk(app.routes, "")
    assert len(found) > 50, f"the route walk found only {sorted(found)}"
    return sorted(found)


def fill(path: str, params: Mapping[str, object]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        assert name in params, f"no value to fill {{{name}}} of {path}"
        return str(params[name])

    return re.sub(r"\{(\w+)\}", one, path)


def pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) not installed: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


def xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


def text_of(content_type: str, body: bytes, fallback: str) -> str:
    if content_type.startswith("application/pdf"):
        return pdf_text(body)
    if "spreadsheetml" in content_type:
        return xlsx_text(body)
    if content_type.startswith("image/png"):
        return ""
    return fallback


@dataclass(frozen=True)
class Answer:
    path: str
    status: int
    kind: str
    text: str


def walk_as(
    client: TestClient,
    routes: list[str],
    params: Mapping[str, object],
    queries: Mapping[str, Mapping[str, object]],
) -> list[Answer]:
    answers = []
    for route in routes:
        url = fill(route, params)
        resp = client.get(url, params=dict(queries.get(route, {})), follow_redirects=False)
        kind = resp.headers.get("content-type", "")
        answers.append(Answer(url, resp.status_code, kind, text_of(kind, resp.content, resp.text)))
    return answers


def leaks(answers: list[Answer], markers: Iterable[str]) -> list[str]:
    """Every record reference found: a marker value, or a record id in one of its forms."""
    found = []
    for a in answers:
        for m in markers:
            if m in a.text:
                found.append(f"{a.path} [{a.status}]: {m}")
        for p in RECORD_ID_PATTERNS:
            hit = p.search(a.text)
            if hit:
                found.append(f"{a.path} [{a.status}]: {hit.group(0)!r}")
    return found
