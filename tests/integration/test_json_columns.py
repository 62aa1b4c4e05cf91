"""JSON columns: a document already serialised (``kit.db.RawJSON``) is stored as it is; any
other value, a plain string included, is serialised as before. On all three databases."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from zhixin.kit.db import RawJSON, unit_of_work
from zhixin.products.models import ProductVersion


def _store(factory: sessionmaker[Session], code: str, body: object) -> object:
    with unit_of_work(factory) as s:
        s.execute(
            insert(ProductVersion).values(
                code=code, version="1", sha256=code.ljust(64, "0"), bank_code="bank-t", body=body
            )
        )
    with unit_of_work(factory) as s:
        return s.scalar(select(ProductVersion.body).where(ProductVersion.code == code))


def test_raw_json_is_stored_as_the_document_it_holds(factory: sessionmaker[Session]) -> None:
    text = '{"名称":"鹭质贷","额度":"3000000.00","期数":[1,2,3],"有效":true,"备注":null}'
    assert _store(factory, "raw", RawJSON(text)) == {
        "名称": "鹭质贷",
        "额度": "3000000.00",
        "期数": [1, 2, 3],
        "有效": True,
        "备注": None,
    }


def test_other_values_are_serialised_as_before(factory: sessionmaker[Session]) -> None:
    assert _store(factory, "dict", {"a": [1, "二"]}) == {"a": [1, "二"]}
    # a plain string is a JSON string value, never taken for a document
    assert _store(factory, "str", '{"a": 1}') == '{"a": 1}'
