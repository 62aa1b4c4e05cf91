"""担保 · 风险补偿 · 贴息 in the report reconcile with the records: support rows seeded on the
report book's world (tests/support/report_book.py), the section's figures worked out by hand for
November and recomputed by plain SQL for the platform, one bank and one jurisdiction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.report_book import TODAY, World, build
from zhixin.kit.clock import end_of_day
from zhixin.reports import rules, service

D = Decimal
NOV = rules.monthly("2026-11")

# key: bank, enterprise, contract, amount, coverage %, status, approved at (UTC), ended on
GUARANTEES = {
    "g1": ("A", "E1", "k1", D("1000000.00"), D("80"), "approved", datetime(2026, 11, 5, 2), None),
    "g2": ("A", "E3", "k2", D("200000.00"), D("70.5"), "called", datetime(2026, 10, 20, 2),
           date(2026, 11, 21)),
    # 2026-12-01 01:00 in Beijing: December's
    "g3": ("B", "E5", "k3", D("300000.00"), D("50"), "released", datetime(2026, 11, 30, 17),
           date(2026, 11, 29)),
    "g4": ("B", "E2", "k5", D("333333.33"), D("33.3333"), "approved", datetime(2026, 11, 10, 3),
           None),
    "g5": ("A", "E1", "k4", D("50000.00"), D("80"), "requested", None, None),
}  # fmt: skip
# key: bank, enterprise, contract, guarantee, fund part, status, paid on
CLAIMS = {
    "c1": ("A", "E3", "k2", "g2", D("50000.00"), "paid", date(2026, 11, 25)),
    "c2": ("B", "E5", "k3", None, D("1000.00"), "paid", date(2026, 12, 2)),
    "c3": ("A", "E1", "k1", None, D("7000.00"), "approved", None),
}
# claim, amount, on
RECOVERIES = [("c1", D("10000.00"), date(2026, 11, 28)), ("c1", D("5000.00"), date(2026, 12, 5))]
# quarter claim: status, paid on, lines (contract, bank, enterprise, amount)
SUBSIDIES = {
    "s1": ("paid", date(2026, 11, 15), [("k1", "A", "E1", D("1234.56")),
                                         ("k5", "B", "E2", D("99.99"))]),
    "s2": ("approved", None, [("k3", "B", "E5", D("500.00"))]),
    "s3": ("paid", date(2026, 10, 15), [("k2", "A", "E3", D("88.00"))]),
}  # fmt: skip


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)
    user = placeholder_row(session, "app_user", tenant_id=w.banks["A"])
    guarantees: dict[str, int] = {}
    for key, (bank, ent, k, amount, cov, status, at, ended) in GUARANTEES.items():
        guarantees[key] = placeholder_row(
            session,
            "support_guarantee",
            bank_tenant_id=w.banks[bank],
            enterprise_id=w.enterprises[ent],
            contract_id=w.contracts[k],
            amount=amount,
            coverage=cov,
            fee_rate=D("1"),
            status=status,
            requested_by_id=user,
            decided_at=at.replace(tzinfo=UTC) if at else None,
            ended_on=ended,
        )
    claims: dict[str, int] = {}
    for key, (bank, ent, k, g, part, status, paid) in CLAIMS.items():
        claims[key] = placeholder_row(
            session,
            "support_claim",
            bank_tenant_id=w.banks[bank],
            enterprise_id=w.enterprises[ent],
            contract_id=w.contracts[k],
            guarantee_id=guarantees[g] if g else None,
            fund_part=part,
            status=status,
            filed_by_id=user,
            paid_on=paid,
        )
    for claim, amount, on in RECOVERIES:
        placeholder_row(
            session,
            "support_recovery",
            claim_id=claims[claim],
            amount=amount,
            on_date=on,
            created_by_id=user,
        )
    for status, paid, lines in SUBSIDIES.values():
        claim = placeholder_row(
            session, "support_subsidy_claim", status=status, paid_on=paid, quarter="2026Q4"
        )
        for k, bank, ent, amount in lines:
            placeholder_row(
                session,
                "support_subsidy_line",
                claim_id=claim,
                contract_id=w.contracts[k],
                bank_tenant_id=w.banks[bank],
                enterprise_id=w.enterprises[ent],
                amount=amount,
            )
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def table(session: Session, scope: service.Scope, period: rules.Period = NOV) -> list[list[Any]]:
    return service.build(session, period, scope, today=TODAY).table("support").rows


def sql_support(session: Session, scope: service.Scope, p: rules.Period) -> list[list[Any]]:
    """The section recomputed from the tables, one statement per figure."""
    region = ""
    params: dict[str, Any] = {"s": p.start, "e": p.end}
    if scope.region_prefix is not None:
        region = " AND x.enterprise_id IN (SELECT id FROM enterprise WHERE region_code LIKE :r)"
        params["r"] = scope.region_prefix + "%"
    params["from"] = end_of_day(date.fromordinal(p.start.toordinal() - 1))
    params["until"] = end_of_day(p.end)

    def one(sql: str, q: dict[str, Any]) -> Any:
        return session.execute(text(sql + region), q).scalar()

    banks = session.execute(text("SELECT id, name FROM tenant WHERE kind = 'bank' ORDER BY code"))
    out = []
    for bank_id, name in banks:
        if scope.bank_tenant_id is not None and bank_id != scope.bank_tenant_id:
            continue
        q = dict(params, b=bank_id)
        issued = (
            "FROM support_guarantee x WHERE x.bank_tenant_id = :b "
            "AND x.status IN ('approved', 'released', 'called') "
            "AND x.decided_at >= :from AND x.decided_at < :until"
        )
        liabilities = session.execute(text(f"SELECT x.amount, x.coverage {issued}{region}"), q)
        paid = (
            "FROM support_claim x WHERE x.bank_tenant_id = :b AND x.status = 'paid' "
            "AND x.paid_on BETWEEN :s AND :e"
        )
        recovered = (
            "FROM support_recovery r JOIN support_claim x ON x.id = r.claim_id "
            "WHERE x.bank_tenant_id = :b AND r.on_date BETWEEN :s AND :e"
        )
        subsidy = (
            "FROM support_subsidy_line x JOIN support_subsidy_claim c ON c.id = x.claim_id "
            "WHERE x.bank_tenant_id = :b AND c.status = 'paid' AND c.paid_on BETWEEN :s AND :e"
        )
        out.append(
            [
                name,
                one(f"SELECT count(*) {issued}", q),
                D(one(f"SELECT coalesce(sum(x.amount), 0) {issued}", q)).quantize(D("0.01")),
                sum(
                    (
                        (D(a) * D(c) / 100).quantize(D("0.01"), ROUND_HALF_UP)
                        for a, c in liabilities
                    ),
                    D("0.00"),
                ),
                one(
                    "SELECT count(*) FROM support_guarantee x WHERE x.bank_tenant_id = :b "
                    "AND x.status = 'called' AND x.ended_on BETWEEN :s AND :e",
                    q,
                ),
                one(f"SELECT count(*) {paid}", q),
                D(one(f"SELECT coalesce(sum(x.fund_part), 0) {paid}", q)).quantize(D("0.01")),
                one(f"SELECT count(*) {recovered}", q),
                D(one(f"SELECT coalesce(sum(r.amount), 0) {recovered}", q)).quantize(D("0.01")),
                D(one(f"SELECT coalesce(sum(x.amount), 0) {subsidy}", q)).quantize(D("0.01")),
            ]
        )
    if len(out) > 1:
        out.append(["合计", *[sum(r[i] for r in out) for i in range(1, 10)]])
    return out


def test_november_by_hand(world: tuple[Session, World]) -> None:
    session, _w = world
    # A: g1 issued (800,000.00 covered); g2 called; c1 paid; one recovery; 贴息 1,234.56
    # B: g4 issued (333,333.33 × 33.3333% = 111,110.999… → 111,111.00); 贴息 99.99
    assert table(session, service.Scope()) == [
        ["甲银行", 1, D("1000000.00"), D("800000.00"), 1, 1, D("50000.00"), 1, D("10000.00"),
         D("1234.56")],
        ["乙银行", 1, D("333333.33"), D("111111.00"), 0, 0, D("0.00"), 0, D("0.00"),
         D("99.99")],
        ["合计", 2, D("1333333.33"), D("911111.00"), 1, 1, D("50000.00"), 1, D("10000.00"),
         D("1334.55")],
    ]  # fmt: skip


@pytest.mark.parametrize(
    "period", [NOV, rules.monthly("2026-10"), rules.monthly("2026-12"), rules.daily("2026-11-25")]
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
    assert table(session, scope, period) == sql_support(session, scope, period)
