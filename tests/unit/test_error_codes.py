"""Stable error codes (issue 16 item 4): the registry is fixed (a rename fails here), every
error class names a registered code, and every API operation documents its error answers."""

from __future__ import annotations

import inspect

import pytest

import zhixin.models  # noqa: F401 - every domain imported, so every error class is defined
from zhixin import errors
from zhixin.config import Mode, Settings

# Published: a client branches on these. Add new codes at will; never rename or remove one.
STABLE = {
    "bad_request": 400,
    "busy": 429,
    "conflict": 409,
    "consent_required": 403,
    "database_unavailable": 503,
    "forbidden": 403,
    "internal_error": 500,
    "invalid": 422,
    "method_not_allowed": 405,
    "not_found": 404,
    "out_of_range": 422,
    "password_expired": 403,
    "payload_too_large": 413,
    "rate_limited": 429,
    "service_unavailable": 503,
    "unauthenticated": 401,
    "validation_failed": 422,
}


def test_codes_are_stable() -> None:
    assert {c: errors.CODES[c].status for c in STABLE if c in errors.CODES} == STABLE
    for code, meaning in errors.CODES.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in meaning.meaning), code


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_every_error_class_names_a_registered_code() -> None:

    classes = [errors.ZhixinError, *_subclasses(errors.ZhixinError)]
    assert len(classes) > 10
    for cls in classes:
        assert cls.code in errors.CODES, cls
        if not inspect.isabstract(cls) and cls.code != "bad_request":
            assert errors.CODES[cls.code].status == cls.status, cls
    with pytest.raises(KeyError):
        errors.ZhixinError("x", code="no_such_code")
    # a status given at the raise site picks that status's code
    assert errors.Invalid("太大", status=413).code == "payload_too_large"


def test_every_api_operation_documents_its_errors() -> None:
    from zhixin.app import create_app

    app = create_app(Settings(mode=Mode.test, database_url="sqlite://", secret_key="t" * 40))
    schema = app.openapi()
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]) == set(
        errors.CODES
    )
    walked = 0
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            walked += 1
            errs = {s: r for s, r in op["responses"].items() if s[0] in "45"}
            assert "500" in errs and "503" in errs, (method, path)
            for status, answer in errs.items():
                codes = answer["x-error-codes"]
                assert codes, (method, path, status)
                assert all(errors.CODES[c].status == int(status) for c in codes), (path, codes)
                assert answer["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"
                }
            if "{" in path:
                assert "not_found" in errs["404"]["x-error-codes"], path
    assert walked > 50


def test_docs_list_every_code_and_every_routes_codes() -> None:
    from pathlib import Path

    from zhixin.app import create_app
    from zhixin.web.openapi import route_table

    page = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    for code, meaning in errors.CODES.items():
        assert f"| `{code}` | {meaning.status} | {meaning.meaning} |" in page, code
    app = create_app(Settings(mode=Mode.test, database_url="sqlite://", secret_key="t" * 40))
    assert route_table(app) in page, "docs/errors.md: regenerate the table of codes per route"
