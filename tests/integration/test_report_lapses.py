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
        [E1, "甲银行", "管理体系认证", "ISO 9001", date(2026, 11, 20), 0, None],
        [E2, "乙银行", "产品和服务认证", "CCC", date(2026, 12, 1), 11, None],
        [E1, "甲银行", "实验室认可与资质认定", "CNAS", date(2026, 12, 20), 30, None],
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


# 专利年费 — enterprise, type, number, status, filed, granted (period: 2026-11-20, window to 12-20)
PATENTS = [
    ("E1", "发明", "ZL201912101234.5", "有效", date(2019, 12, 10), date(2022, 5, 6)),  # due 12-10
    ("E2", "实用新型", "ZL201612010001.1", "有效", date(2016, 12, 1), date(2017, 6, 1)),  # term ran
    ("E2", "外观设计", "ZL202330000002.2", "有效", None, date(2023, 11, 25)),  # by grant: 11-25
    ("E1", "发明", "ZL201912010003.3", "失效", date(2019, 12, 1), date(2021, 1, 1)),  # lapsed
    ("E5", "发明", "ZL201912010004.4", "有效", date(2019, 12, 1), date(2021, 1, 1)),  # no loan
    ("E1", "发明", "ZL201906010005.5", "有效", date(2019, 6, 1), date(2021, 1, 1)),  # due in June
]


@pytest.fixture
def patents(world: tuple[Session, World]) -> tuple[Session, World]:
    session, w = world
    for n, (ent, sub, ref, status, filed, granted) in enumerate(PATENTS):
        placeholder_row(
            session,
            "quality_record",
            enterprise_id=w.enterprises[ent],
            kind="patent",
            natural_key=f"p{n}",
            subtype=sub,
            ref=ref,
            title=None,
            status=status,
            valid_from=filed,
            event_date=granted,
        )
    # bank B valued E1's first patent as a pledge basis (written without the ZL prefix)
    placeholder_row(
        session,
        "patent_valuation",
        enterprise_id=w.enterprises["E1"],
        tenant_id=w.banks["B"],
        patent_no="201912101234.5",
        pledgeable=True,
    )
    session.commit()
    return session, w


def test_patent_annual_fees_by_hand(patents: tuple[Session, World]) -> None:
    session, w = patents
    rows = table(session, service.Scope())
    fees = [r for r in rows if r[2].startswith("专利年费")]
    assert fees == [
        [
            E2,
            "乙银行",
            "专利年费（第 4 年）",
            "外观设计 ZL202330000002.2（无申请日，按授权日推算）",
            date(2026, 11, 25),
            5,
            date(2027, 5, 25),
        ],
        # E1 borrows from bank A; bank B holds the patent as a pledge basis: both are warned
        [
            E1,
            "乙银行",
            "专利年费（第 8 年）",
            "发明 ZL201912101234.5（已质押）",
            date(2026, 12, 10),
            20,
            date(2027, 6, 10),
        ],
        [
            E1,
            "甲银行",
            "专利年费（第 8 年）",
            "发明 ZL201912101234.5（已质押）",
            date(2026, 12, 10),
            20,
            date(2027, 6, 10),
        ],
    ]
    # the certificates are still there, in due-day order with the fees
    assert [r[4] for r in rows] == sorted(r[4] for r in rows)
    assert len(rows) == 3 + 3
    # bank A's own report: its borrower's fee, not bank B's pledge row
    mine = table(session, service.Scope(bank_tenant_id=w.banks["A"]))
    assert [(r[0], r[1], r[4]) for r in mine if r[2].startswith("专利")] == [
        (E1, "甲银行", date(2026, 12, 10))
    ]
    # a month later the window holds no fee of these patents
    later = table(session, service.Scope(), rules.daily("2026-12-21"))
    assert [r for r in later if r[2].startswith("专利")] == []
