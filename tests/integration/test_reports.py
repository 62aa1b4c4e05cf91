"""The reports reconcile with the records: on a seeded world (tests/support/report_book.py)
every figure of every section equals the number worked out by hand below, and equals the same
figure recomputed here by plain SQL over the tables, for the whole platform, one jurisdiction and
one bank.

The SQL is assembled from fixed fragments written here (bound parameters for every value).
"""
# ruff: noqa: S608

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.report_book import TODAY, World, build
from zhixin.kit.clock import end_of_day
from zhixin.kit.divisions import industry_name, region_name
from zhixin.reports import rules, service
from zhixin.reports.sections import CLASS_LABELS

D = Decimal
NOV = rules.monthly("2026-11")


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def report(session: Session, scope: service.Scope, period: rules.Period = NOV) -> service.Report:
    return service.build(session, period, scope, today=TODAY)


def tenth(x: Decimal | None) -> Decimal | None:
    return None if x is None else Decimal(x).quantize(Decimal("0.1"), ROUND_HALF_UP)


def pct(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (D(part) * 100 / D(whole)).quantize(D("0.01"), ROUND_HALF_UP)


# -- independent SQL ----------------------------------------------------------------------------


def _where(scope: service.Scope, alias: str = "a") -> tuple[str, dict[str, Any]]:
    sql, params = "", {}
    if scope.bank_tenant_id is not None:
        sql += f" AND {alias}.bank_tenant_id = :bank"
        params["bank"] = scope.bank_tenant_id
    if scope.region_prefix is not None:
        sql += (
            f" AND {alias}.enterprise_id IN "
            "(SELECT id FROM enterprise WHERE region_code LIKE :region)"
        )
        params["region"] = scope.region_prefix + "%"
    return sql, params


def sql_banks(session: Session, scope: service.Scope, p: rules.Period) -> dict[str, list[Any]]:
    where, params = _where(scope)
    params |= {"s": p.start, "e": p.end, "today": TODAY}
    out = {}
    banks = session.execute(
        text("SELECT id, name FROM tenant WHERE kind = 'bank' ORDER BY code")
    ).all()
    for bank_id, name in banks:
        if scope.bank_tenant_id is not None and bank_id != scope.bank_tenant_id:
            continue
        q = dict(params, b=bank_id)
        base = f"FROM loan_application a WHERE a.bank_tenant_id = :b {where}"

        def one(cond: str, what: str = "count(*)", q: dict[str, Any] = q, base: str = base) -> Any:
            return session.execute(text(f"SELECT {what} {base} AND {cond}"), q).scalar()

        decided = "a.decided_on BETWEEN :s AND :e"
        approved = f"a.state IN ('approved', 'contracted') AND {decided}"
        row = session.execute(
            text(
                f"SELECT sum(a.decision_workdays), count(a.decision_workdays) {base} AND "
                f"a.state IN ('approved', 'contracted', 'rejected') AND {decided}"
            ),
            q,
        ).one()
        out[name] = [
            name,
            one("a.submitted_on BETWEEN :s AND :e"),
            one("a.accepted_on BETWEEN :s AND :e"),
            one(approved),
            one(f"a.state = 'rejected' AND {decided}"),
            D(one(approved, "coalesce(sum(a.approved_amount), 0)")).quantize(D("0.01")),
            tenth(D(row[0]) / row[1]) if row[1] else None,
            one(
                "a.deadline BETWEEN :s AND :e AND a.state <> 'withdrawn' AND "
                "(a.decided_on > a.deadline OR (a.decided_on IS NULL AND a.deadline < :today))"
            ),
        ]
    return out


def sql_publication(session: Session, day: date, scope: service.Scope) -> tuple[int, int]:
    pub = session.execute(
        text(
            "SELECT id FROM whitelist_publication WHERE status = 'published' AND published_at < :t "
            "ORDER BY version DESC LIMIT 1"
        ),
        {"t": end_of_day(day).replace(tzinfo=None)},
    ).scalar()
    if pub is None:
        return 0, 0
    region = ""
    params: dict[str, Any] = {"p": pub}
    if scope.region_prefix:
        region = " AND enterprise_id IN (SELECT id FROM enterprise WHERE region_code LIKE :r)"
        params["r"] = scope.region_prefix + "%"
    firms, entries = session.execute(
        text(
            "SELECT count(DISTINCT enterprise_id), count(*) FROM whitelist_entry "
            f"WHERE publication_id = :p{region}"
        ),
        params,
    ).one()
    return int(firms), int(entries)


def sql_conversion(session: Session, scope: service.Scope, p: rules.Period) -> list[int]:
    pub = session.execute(
        text(
            "SELECT id FROM whitelist_publication WHERE status = 'published' AND published_at < :t "
            "ORDER BY version DESC LIMIT 1"
        ),
        {"t": end_of_day(p.end).replace(tzinfo=None)},
    ).scalar()
    where, params = _where(scope)
    params |= {"p": pub, "e": p.end}
    listed = "SELECT enterprise_id FROM whitelist_entry WHERE publication_id = :p"
    if scope.region_prefix:
        listed += " AND enterprise_id IN (SELECT id FROM enterprise WHERE region_code LIKE :region)"
    counts = [
        session.execute(
            text(f"SELECT count(DISTINCT enterprise_id) FROM ({listed}) x"), params
        ).scalar()
    ]
    for cond in (
        "a.submitted_on <= :e",
        "a.state IN ('approved', 'contracted') AND a.decided_on <= :e",
    ):
        counts.append(
            session.execute(
                text(
                    f"SELECT count(DISTINCT a.enterprise_id) FROM loan_application a WHERE {cond} "
                    f"AND a.enterprise_id IN ({listed}) {where}"
                ),
                params,
            ).scalar()
        )
    cwhere, _ = _where(scope, "c")
    counts.append(
        session.execute(
            text(
                "SELECT count(DISTINCT c.enterprise_id) FROM loan_drawdown d JOIN loan_contract c "
                "ON c.id = d.contract_id WHERE d.status IN ('disbursed', 'settled', 'renewed') "
                f"AND d.value_date <= :e AND c.enterprise_id IN ({listed}) {cwhere}"
            ),
            params,
        ).scalar()
    )
    return [int(c) for c in counts]


def sql_loans(
    session: Session, scope: service.Scope, p: rules.Period, by: str
) -> dict[str, list[Any]]:
    where, params = _where(scope, "c")
    params |= {"s": p.start, "e": p.end}
    rows = session.execute(
        text(
            "SELECT c.product_code, d.classification, e.region_code, e.industry_code, "
            "CASE WHEN d.value_date BETWEEN :s AND :e AND c.renewed_from_id IS NULL "
            "THEN 1 ELSE 0 END, "
            "d.amount, CASE WHEN d.status = 'disbursed' THEN 1 ELSE 0 END, d.outstanding_principal "
            "FROM loan_drawdown d JOIN loan_contract c ON c.id = d.contract_id "
            "JOIN enterprise e ON e.id = c.enterprise_id "
            "WHERE d.status IN ('disbursed', 'settled', 'renewed') AND d.value_date <= :e" + where
        ),
        params,
    ).all()
    names = {"luzhidai": "鹭质贷", "xingbaodai": "兴保贷"}
    key = {
        "product": lambda r: names[r[0]],
        "class": lambda r: CLASS_LABELS[r[1]],
        "district": lambda r: region_name(r[2]),
        "industry": lambda r: industry_name(r[3]),
    }[by]
    out: dict[str, list[Any]] = {}
    for r in rows:
        slot = out.setdefault(key(r), [0, D("0.00"), 0, D("0.00")])
        if r[4]:
            slot[0] += 1
            slot[1] += D(r[5])
        if r[6]:
            slot[2] += 1
            slot[3] += D(r[7])
    return out


def sql_npl(session: Session, scope: service.Scope, p: rules.Period, quality: bool) -> list[Any]:
    where, params = _where(scope, "c")
    # quality: the contract's application, or the application of the contract it renews
    q = (
        " AND coalesce(c.application_id, (SELECT p.application_id FROM loan_contract p "
        "WHERE p.id = c.renewed_from_id)) IN (SELECT id FROM loan_application WHERE listed = :t)"
        if quality
        else ""
    )
    params["t"] = True
    n, balance, bad = session.execute(
        text(
            "SELECT count(*), coalesce(sum(d.outstanding_principal), 0), coalesce(sum(CASE WHEN "
            "d.classification IN ('substandard', 'doubtful', 'loss') THEN d.outstanding_principal "
            "ELSE 0 END), 0) FROM loan_drawdown d JOIN loan_contract c ON c.id = d.contract_id "
            "WHERE d.status = 'disbursed' AND d.value_date <= :e" + where + q
        ),
        params | {"e": p.end},
    ).one()
    return [int(n), D(balance).quantize(D("0.01")), D(bad).quantize(D("0.01")), pct(bad, balance)]


def sql_consultations(session: Session, scope: service.Scope, p: rules.Period) -> list[Any]:
    where, params = _where(scope, "a")
    params |= {"s": p.start, "e": p.end}
    base = (
        "FROM consultation c JOIN loan_application a ON a.id = c.application_id "
        f"WHERE c.opened_on <= :e {where}"
    )

    def one(cond: str, what: str = "count(*)") -> Any:
        return session.execute(text(f"SELECT {what} {base} AND {cond}"), params).scalar()

    opened = "c.opened_on BETWEEN :s AND :e"
    resolved = "c.status = 'resolved' AND c.resolved_on BETWEEN :s AND :e"
    total, n = session.execute(
        text(
            f"SELECT sum(c.resolution_workdays), count(c.resolution_workdays) {base} AND {resolved}"
        ),
        params,
    ).one()
    return [
        one(opened),
        *[one(f"{opened} AND c.status = '{s}'") for s in ("open", "planned", "resolved", "closed")],
        one(resolved),
        one(f"{resolved} AND c.resolution_workdays <= 5"),
        tenth(D(total) / n) if n else None,
        one("c.status IN ('open', 'planned')"),
    ]


# -- the checks ---------------------------------------------------------------------------------


def reconcile(session: Session, scope: service.Scope, r: service.Report) -> None:
    """Every figure of ``r`` equals its SQL recomputation."""
    p = r.period
    banks = sql_banks(session, scope, p)
    rows = {row[0]: row for row in r.table("banks").rows}
    for name, expected in banks.items():
        assert rows[name] == expected, name
    if len(banks) > 1:
        total = rows["合计"]
        for i in (1, 2, 3, 4, 5, 7):
            assert total[i] == sum(b[i] for b in banks.values())
    wl = r.table("whitelist").rows
    assert tuple(wl[0][3:5]) == sql_publication(session, p.start - timedelta(days=1), scope)
    assert tuple(wl[1][3:5]) == sql_publication(session, p.end, scope)
    conv = sql_conversion(session, scope, p)
    assert [row[1] for row in r.table("conversion").rows] == conv
    for by in ("product", "class", "district", "industry"):
        got = {row[0]: row[1:] for row in r.table(f"loans_by_{by}").rows}
        expected = sql_loans(session, scope, p, by)
        assert {k: v for k, v in got.items() if k != "合计"} == expected, by
        assert got["合计"] == [
            sum((v[i] for v in expected.values()), D(0) if i in (1, 3) else 0) for i in range(4)
        ]
    npl = r.table("npl").rows
    assert npl[0][1:] == sql_npl(session, scope, p, quality=True)
    assert npl[1][1:] == sql_npl(session, scope, p, quality=False)
    assert [row[1] for row in r.table("consultations").rows] == sql_consultations(session, scope, p)


def test_november_for_the_task_force(world: tuple[Session, World]) -> None:
    session, _w = world
    scope = service.Scope()
    r = report(session, scope)
    # worked out by hand (see the world's tables)
    assert r.table("banks").rows == [
        ["甲银行", 5, 3, 3, 1, D("1700000.00"), D("3.5"), 1],
        ["乙银行", 3, 2, 1, 1, D("300000.00"), D("2.0"), 1],
        ["合计", 8, 5, 4, 2, D("2000000.00"), D("3.0"), 2],
    ]
    assert [row[1] for row in r.table("ranking").rows] == ["甲银行", "乙银行"]
    assert [row[3:5] for row in r.table("whitelist").rows] == [[3, 4], [4, 6], [1, 2]]
    assert r.table("conversion").rows == [
        ["白名单企业", 4, D("100.00"), None],
        ["已申请", 4, D("100.00"), D("100.00")],
        ["已获批", 3, D("75.00"), D("75.00")],
        ["已用信（放款）", 3, D("75.00"), D("100.00")],
    ]
    assert r.table("loans_by_product").rows == [
        ["兴保贷", 1, D("300000.00"), 1, D("250000.00")],
        ["鹭质贷", 2, D("1200000.00"), 3, D("1200000.00")],
        ["合计", 3, D("1500000.00"), 4, D("1450000.00")],
    ]
    assert r.table("loans_by_class").rows == [
        ["正常", 2, D("1300000.00"), 1, D("900000.00")],
        ["关注", 0, D("0.00"), 1, D("100000.00")],
        ["次级", 1, D("200000.00"), 1, D("200000.00")],
        ["可疑", 0, D("0.00"), 1, D("250000.00")],
        ["合计", 3, D("1500000.00"), 4, D("1450000.00")],
    ]
    assert r.table("npl").rows == [
        ["质量贷款（申请时在白名单上）", 2, D("1000000.00"), D("0.00"), D("0.00")],
        ["平台全部贷款", 4, D("1450000.00"), D("450000.00"), D("31.03")],
    ]
    assert [row[1] for row in r.table("consultations").rows] == [2, 1, 0, 1, 0, 1, 1, D("3.0"), 2]
    reconcile(session, scope, r)


def test_a_jurisdiction_sees_its_enterprises_only(world: tuple[Session, World]) -> None:
    session, _w = world
    scope = service.Scope(region_prefix="350206")  # 湖里区: E2, E3, E6
    r = report(session, scope)
    assert r.table("banks").rows[0] == ["甲银行", 3, 2, 2, 1, D("700000.00"), D("3.7"), 1]
    assert r.table("banks").rows[1] == ["乙银行", 1, 0, 0, 0, D("0.00"), None, 0]
    assert [row[3:5] for row in r.table("whitelist").rows] == [[2, 2], [1, 1], [-1, -1]]
    assert [row[0] for row in r.table("loans_by_district").rows] == [region_name("350206"), "合计"]
    reconcile(session, scope, r)


def test_a_bank_sees_its_own_rows(world: tuple[Session, World]) -> None:
    session, w = world
    scope = service.Scope(bank_tenant_id=w.banks["B"])
    r = report(session, scope)
    assert r.table("banks").rows == [["乙银行", 3, 2, 1, 1, D("300000.00"), D("2.0"), 1]]
    assert [row[1] for row in r.table("conversion").rows] == [4, 3, 2, 2]
    reconcile(session, scope, r)


@pytest.mark.parametrize(
    ("period", "scope"),
    [
        (rules.daily("2026-11-20"), service.Scope()),
        (rules.weekly("2026-W47"), service.Scope()),
        (rules.weekly("2026-W48"), service.Scope(region_prefix="3502")),
        (rules.monthly("2026-10"), service.Scope()),
        (rules.monthly("2026-12"), service.Scope(region_prefix="3501")),
    ],
)
def test_every_period_reconciles(
    world: tuple[Session, World], period: rules.Period, scope: service.Scope
) -> None:
    session, _w = world
    reconcile(session, scope, report(session, scope, period))


def _totals(r: service.Report) -> list[Any]:
    """An area's row recomputed from the report of that area alone."""
    banks = r.table("banks").rows
    total = banks[-1] if len(banks) > 1 else banks[0]
    npl = r.table("npl").rows[1]
    listed = r.table("conversion").rows[0][1]
    return [total[1], total[3], total[5], npl[1], npl[2], npl[3], npl[4], listed]


@pytest.mark.parametrize(
    ("prefix", "children"),
    [(None, ["3501", "3502"]), ("35", ["3501", "3502"]), ("3502", ["350203", "350206"])],
)
def test_areas_roll_up(
    world: tuple[Session, World], prefix: str | None, children: list[str]
) -> None:
    session, _w = world
    r = report(session, service.Scope(region_prefix=prefix))
    rows = r.table("areas").rows
    assert [row[0] for row in rows] == [*(region_name(c) for c in children), "合计"]
    for code, row in zip(children, rows, strict=False):
        assert row[1:] == _totals(report(session, service.Scope(region_prefix=code))), code
    assert rows[-1][1:] == _totals(r)


def test_quality_after_a_loan(world: tuple[Session, World]) -> None:
    """以贷提质 in December 2027 (every November 2026 loan is 12 months old): 甲银行·鹭质贷 has E1
    (72 → 80) and E3 (65 → 65); 乙银行·兴保贷 has E5 (no evaluation after) and E2 (60 → 55);
    E1's December drawdown and the renewal are not first loans."""
    session, _w = world
    r = report(session, service.Scope(), rules.monthly("2027-12"))
    assert r.table("uplift").rows == [
        ["乙银行", "兴保贷", 2, 1, 0, 0, 1, D("-5.00")],
        ["甲银行", "鹭质贷", 2, 2, 1, 1, 0, D("4.00")],
    ]
    # November 2026: no loan is 12 months old yet
    assert report(session, service.Scope()).table("uplift").rows == []
