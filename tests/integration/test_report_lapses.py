"""到期预警 in the report: certificates expiring within 30 days of the period's last day, per
borrower and lending bank, from the quality records seeded on the report book's world
(tests/support/report_book.py); worked out by hand and recomputed by plain SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.report_book import ENTERPRISES, TODAY, World, build
from zhixin.reports import rules, service

DAY = rules.daily("2026-11-20")
E1, E2 = ENTERPRISES["E1"][0], ENTERPRISES["E2"][0]

# enterprise, kind, title, valid to, superseded
RECORDS = [
    ("E1", "certification", "ISO 9001", date(2026, 11, 20), False),  # the day itself
    ("E1", "accreditation", "CNAS", date(2026, 12, 20), False),  # the 30th day
    ("E1", "certification", "ISO 14001", date(2026, 12, 21), False),  # the 31st: not yet
    ("E2", "product_certification", "CCC", date(2026, 12, 1), False),
    ("E5", "certification", "ISO 9001", date(2026, 11, 25), False),  # loan settled
    ("E3", "certification", "ISO 9001", date(2026, 11, 30), True),  # superseded
    ("E3", "patent", "发明专利", date(2026, 11, 30), False),  # not a certificate
    ("E3", "certification", "ISO 45001", date(2026, 11, 19), False),  # already lapsed
]


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)
    for n, (ent, kind, title, valid_to, superseded) in enumerate(RECORDS):
        placeholder_row(
            session,
            "quality_record",
            enterprise_id=w.enterprises[ent],
            kind=kind,
            natural_key=f"k{n}",
            title=title,
            valid_to=valid_to,
            superseded_at=datetime(2026, 11, 1, tzinfo=UTC) if superseded else None,
        )
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def table(session: Session, scope: service.Scope, period: rules.Period = DAY) -> list[list[Any]]:
    return service.build(session, period, scope, today=TODAY).table("lapses").rows


def sql_lapses(session: Session, scope: service.Scope, p: rules.Period) -> list[tuple[Any, ...]]:
    """(enterprise, bank, title, valid to) of every warning, recomputed from the tables."""
    sql = (
        "SELECT DISTINCT e.name, t.name, r.title, r.valid_to FROM quality_record r "
        "JOIN enterprise e ON e.id = r.enterprise_id "
        "JOIN loan_contract c ON c.enterprise_id = r.enterprise_id "
        "JOIN loan_drawdown d ON d.contract_id = c.id "
        "JOIN tenant t ON t.id = c.bank_tenant_id "
        "WHERE r.kind IN ('certification', 'product_certification', 'accreditation', 'title') "
        "AND r.superseded_at IS NULL AND r.valid_to BETWEEN :e AND :last "
        "AND d.status = 'disbursed' AND d.value_date <= :e"
    )
    params: dict[str, Any] = {"e": p.end, "last": p.end + timedelta(days=30)}
    if scope.bank_tenant_id is not None:
        sql += " AND c.bank_tenant_id = :b"
        params["b"] = scope.bank_tenant_id
    if scope.region_prefix is not None:
        sql += " AND e.region_code LIKE :r"
        params["r"] = scope.region_prefix + "%"
    return sorted(
        (a, b, c, v if isinstance(v, date) else date.fromisoformat(v))
        for a, b, c, v in session.execute(text(sql), params)
    )


def test_the_day_by_hand(world: tuple[Session, World]) -> None:
    session, _w = world
    assert table(session, service.Scope()) == [
        [E1, "甲银行", "管理体系认证", "ISO 9001", date(2026, 11, 20), 0],
        [E2, "乙银行", "产品和服务认证", "CCC", date(2026, 12, 1), 11],
        [E1, "甲银行", "实验室认可与资质认定", "CNAS", date(2026, 12, 20), 30],
    ]


@pytest.mark.parametrize(
    "period", [DAY, rules.daily("2026-11-26"), rules.weekly("2026-W47"), rules.monthly("2026-10")]
)
@pytest.mark.parametrize("which", ["all", "bank B", "湖里区"])
def test_reconciles_with_the_tables(
    world: tuple[Session, World], period: rules.Period, which: str
) -> None:
    session, w = world
    scope = {
        "all": service.Scope(),
        "bank B": service.Scope(bank_tenant_id=w.banks["B"]),
        "湖里区": service.Scope(region_prefix="350206"),
    }[which]
    rows = table(session, scope, period)
    assert sorted((r[0], r[1], r[3], r[4]) for r in rows) == sql_lapses(session, scope, period)
