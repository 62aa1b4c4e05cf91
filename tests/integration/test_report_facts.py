"""The reports' daily facts (report_fact): computed on the first read, stale after a change to
a day's records until that day is recomputed, then equal again to the figures recomputed by
plain SQL (tests/integration/test_reports.py); recomputing is idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_reports import NOV, report, sql_banks, sql_loans
from tests.support.report_book import World, build
from zhixin.reports import daily, service

ALL = service.Scope()


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def _facts(session: Session) -> list[tuple[object, ...]]:
    return sorted(
        tuple(r)
        for r in session.execute(
            text(
                "SELECT day, measure, bank_tenant_id, product_code, region_code, industry_code, "
                "kind, quality, n, total FROM report_fact"
            )
        )
    )


def test_a_changed_day_is_stale_until_it_is_recomputed(world: tuple[Session, World]) -> None:
    session, _w = world
    before = report(session, ALL)
    assert before.as_of is not None and before.as_of.tzinfo is not None
    approved = session.execute(
        text(
            "SELECT id, decided_on FROM loan_application WHERE state IN ('approved', 'contracted') "
            "AND decided_on BETWEEN :s AND :e ORDER BY id"
        ),
        {"s": NOV.start, "e": NOV.end},
    ).first()
    assert approved is not None
    app_id, decided = approved
    decided = date.fromisoformat(decided) if isinstance(decided, str) else decided
    session.execute(
        text("UPDATE loan_application SET approved_amount = approved_amount + 1 WHERE id = :i"),
        {"i": app_id},
    )
    # stale: the day was computed before the change
    assert report(session, ALL).table("banks").rows == before.table("banks").rows
    daily.refresh(session, decided, decided)
    after = report(session, ALL)
    total = after.table("banks").rows[-1]
    assert total[5] == before.table("banks").rows[-1][5] + Decimal(1)
    for row in after.table("banks").rows[:-1]:
        assert row == sql_banks(session, ALL, NOV)[row[0]]


def test_balances_show_after_the_nightly_recompute(world: tuple[Session, World]) -> None:
    session, _w = world
    report(session, ALL)
    session.execute(
        text(
            "UPDATE loan_drawdown SET outstanding_principal = outstanding_principal - 100 "
            "WHERE status = 'disbursed'"
        )
    )
    stale = report(session, ALL).table("loans_by_product").rows
    first = daily.first_day(session)
    assert first is not None
    daily.refresh(session, first, date(2026, 12, 7))
    fresh = report(session, ALL).table("loans_by_product").rows
    assert fresh != stale
    expected = sql_loans(session, ALL, NOV, "product")
    for row in fresh[:-1]:
        assert row[1:] == expected[row[0]]


def test_recomputing_gives_the_same_rows(world: tuple[Session, World]) -> None:
    session, _w = world
    report(session, ALL)  # the first read computes every day
    computed = _facts(session)
    assert computed
    first = daily.first_day(session)
    assert first is not None
    daily.refresh(session, first, NOV.end, step=7)  # the report read up to November's end
    assert _facts(session) == computed
    daily.refresh(session, date(2026, 11, 1), date(2026, 11, 30))
    assert _facts(session) == computed
