"""The enterprise reads why its 众商贷 renewal moved a notch: on its own page (/me) and on the
renewed loan's page, the 续贷升档 action with both classes, both rates and both limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.test_linkage_renewal_notch import (  # noqa: F401 - the fixture
    RENEW_ON,
    Book,
    _listed,
    _loan,
    book,
)
from tests.support.grades import Grade, publish_grades
from tests.support.web import login
from zhixin.kit.db import unit_of_work
from zhixin.linkage import renewals


def test_the_enterprise_sees_why_its_renewal_moved_a_notch(app: FastAPI, book: Book) -> None:  # noqa: F811
    cid = _loan(book, "owner-raised")
    publish_grades(
        book.factory,
        catalog="xiamen",
        grades={book.raised: Grade("II", {"credit": "II", "management": "II"}, Decimal("74.00"))},
        as_of=date(2025, 10, 31),
        published_at=datetime(2025, 11, 3, 2, 0, tzinfo=UTC),
    )
    with unit_of_work(book.factory) as s:
        nid = renewals.renew(
            s, actor=book.who("zb-officer"), contract_id=cid, today=RENEW_ON, listed=_listed
        ).id
    client = TestClient(app)
    client.__enter__()
    login(client, "owner-raised")
    for path in ("/me", f"/loans/{nid}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "续贷升档" in page.text, path
        assert "由贷款时的Ⅲ类上调为Ⅱ类" in page.text and "下调 40bp" in page.text, path
        assert "60万元 → 120万元" in page.text, path
    client.__exit__(None, None, None)
