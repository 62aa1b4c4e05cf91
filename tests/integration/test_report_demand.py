"""融资需求与对接台账 in the report reconcile with the records: needs, their events and ledger
rows seeded on the report book's world (tests/support/report_book.py); November worked out by
hand, and every period and scope recomputed by plain SQL."""
# ruff: noqa: S608

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.report_book import TODAY, World, build
from zhixin.reports import rules, service
from zhixin.reports.demand import NO_BANK

D = Decimal
NOV = rules.monthly("2026-11")
STAGES = ("listed", "needed", "taken", "granted", "disbursed")

NEEDS = {"n1": "E1", "n2": "E2", "n3": "E3"}
# need, kind, day, bank holding it, late
EVENTS = [
    ("n1", "posted", date(2026, 11, 2), None, False),
    ("n1", "taken", date(2026, 11, 3), "bank-a", False),
    ("n1", "contacted", date(2026, 11, 10), "bank-a", True),
    ("n1", "escalated", date(2026, 11, 12), "bank-a", False),
    ("n2", "posted", date(2026, 10, 30), None, False),
    ("n2", "escalated", date(2026, 11, 5), None, False),  # nobody took it
    ("n2", "assigned", date(2026, 11, 6), "bank-b", False),
    ("n2", "contacted", date(2026, 11, 9), "bank-b", False),
    ("n2", "refused", date(2026, 12, 1), "bank-b", True),
    ("n3", "posted", date(2026, 11, 20), "bank-b", False),  # directed to a bank
    ("n3", "taken", date(2026, 11, 21), "bank-b", False),
]
# bank, enterprise, source, need, pushed, listed, granted on/amount, disbursed on/amount
LEDGER = [
    ("bank-a", "E1", "need", "n1", date(2026, 11, 3), True,
     date(2026, 11, 15), D("500000.00"), date(2026, 11, 20), D("400000.00")),
    ("bank-a", "E4", "whitelist", None, date(2026, 10, 1), True,
     date(2026, 12, 2), D("100000.00"), None, None),
    ("bank-b", "E2", "need", "n2", date(2026, 11, 6), False,
     date(2026, 11, 10), D("200000.00"), date(2026, 12, 3), D("200000.00")),
    ("bank-b", "E1", "whitelist", None, date(2026, 11, 1), True, None, None, None, None),
    ("bank-a", "E1", "preapproved", None, date(2026, 11, 4), True,
     date(2026, 11, 16), D("50000.00"), None, None),
    ("bank-b", "E3", "need", "n3", date(2026, 12, 1), False, None, None, None, None),
]  # fmt: skip


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)
    needs = {
        key: placeholder_row(session, "financing_need", enterprise_id=w.enterprises[ent])
        for key, ent in NEEDS.items()
    }
    for need, kind, day, bank, late in EVENTS:
        placeholder_row(
            session,
            "financing_need_event",
            need_id=needs[need],
            kind=kind,
            day=day,
            bank_code=bank,
            late=late,
        )
    for bank, ent, source, need, pushed, listed, g_on, g_amt, d_on, d_amt in LEDGER:
        placeholder_row(
            session,
            "ledger_entry",
            bank_code=bank,
            enterprise_id=w.enterprises[ent],
            source=source,
            need_id=needs[need] if need else None,
            pushed_on=pushed,
            listed=listed,
            granted_on=g_on,
            granted_amount=g_amt,
            disbursed_on=d_on,
            disbursed_amount=d_amt,
        )
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def table(session: Session, scope: service.Scope, period: rules.Period = NOV) -> list[list[Any]]:
    return service.build(session, period, scope, today=TODAY).table("demand").rows


def sql_demand(session: Session, scope: service.Scope, p: rules.Period) -> list[list[Any]]:
    params: dict[str, Any] = {"s": p.start, "e": p.end}
    region = ""
    if scope.region_prefix is not None:
        region = " AND x.enterprise_id IN (SELECT id FROM enterprise WHERE region_code LIKE :r)"
        params["r"] = scope.region_prefix + "%"
    events = (
        "SELECT count(*) FROM financing_need_event v JOIN financing_need x ON x.id = v.need_id "
        "WHERE v.day BETWEEN :s AND :e AND {bank} AND {cond}" + region
    )
    ledger = "FROM ledger_entry x WHERE x.pushed_on <= :e AND {bank}" + region
    stage = {
        "listed": "x.listed",
        "needed": "x.need_id IS NOT NULL",
        "taken": "x.source = 'need'",
        "granted": "x.granted_on <= :e",
        "disbursed": "x.disbursed_on <= :e",
    }

    def one(sql: str, q: dict[str, Any]) -> Any:
        return session.execute(text(sql), q).scalar()

    def row(label: str, bank: str, q: dict[str, Any], ev_bank: str) -> list[Any]:
        def ev(cond: str) -> int:
            return int(one(events.format(bank=ev_bank, cond=cond), q))

        led = ledger.format(bank=bank)
        return [
            label,
            ev("v.kind = 'posted'"),
            ev("v.kind = 'taken'"),
            ev("v.kind IN ('contacted', 'onsite', 'applied', 'refused') AND v.late"),
            ev("v.kind = 'escalated'"),
            *[
                int(one(f"SELECT count(DISTINCT x.enterprise_id) {led} AND {stage[s]}", q))
                for s in STAGES
            ],
            D(one(f"SELECT coalesce(sum(x.granted_amount), 0) {led} AND x.granted_on <= :e", q))
            .quantize(D("0.01")),
            D(one(f"SELECT coalesce(sum(x.disbursed_amount), 0) {led} AND x.disbursed_on <= :e", q))
            .quantize(D("0.01")),
        ]  # fmt: skip

    banks = session.execute(
        text("SELECT id, code, name FROM tenant WHERE kind = 'bank' ORDER BY code")
    )
    out = []
    for bank_id, code, name in banks:
        if scope.bank_tenant_id is not None and bank_id != scope.bank_tenant_id:
            continue
        q = dict(params, b=code)
        out.append(row(name, "x.bank_code = :b", q, "v.bank_code = :b"))
    if scope.bank_tenant_id is None:
        none = row(NO_BANK, "1 = 0", params, "v.bank_code IS NULL")
        if any(none[1:5]):
            out.append(none)
        out.append(row("合计", "1 = 1", params, "1 = 1"))
    return out


def test_november_by_hand(world: tuple[Session, World]) -> None:
    session, _w = world
    z = D("0.00")
    assert table(session, service.Scope()) == [
        ["甲银行", 0, 1, 1, 1, 2, 1, 1, 1, 1, D("550000.00"), D("400000.00")],
        ["乙银行", 1, 1, 0, 0, 1, 1, 1, 1, 0, D("200000.00"), z],
        [NO_BANK, 1, 0, 0, 1, 0, 0, 0, 0, 0, z, z],
        ["合计", 2, 2, 1, 2, 2, 2, 2, 2, 1, D("750000.00"), D("400000.00")],
    ]


@pytest.mark.parametrize(
    "period", [NOV, rules.monthly("2026-10"), rules.monthly("2026-12"), rules.weekly("2026-W46")]
)
@pytest.mark.parametrize("which", ["all", "bank B", "思明区"])
def test_reconciles_with_the_tables(
    world: tuple[Session, World], period: rules.Period, which: str
) -> None:
    session, w = world
    scope = {
        "all": service.Scope(),
        "bank B": service.Scope(bank_tenant_id=w.banks["B"]),
        "思明区": service.Scope(region_prefix="350203"),
    }[which]
    assert table(session, scope, period) == sql_demand(session, scope, period)
