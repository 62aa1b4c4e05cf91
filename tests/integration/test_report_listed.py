"""The whitelist and its conversion pre-aggregated per publication (report_listed_firm): computed
on the first read and equal then to the figures recomputed by plain SQL
(tests/integration/test_reports.py); stale after new events until the worker's pass (yesterday
and today) or ``report refresh`` recomputes the firms concerned, then equal again; recomputing
is idempotent, and the incremental pass leaves the rows a whole recomputation gives."""

# ruff: noqa: S608

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_reports import NOV, report, sql_conversion, sql_publication
from tests.support.loan_book import placeholder_row
from tests.support.report_book import TODAY, World, build
from zhixin.kit.clock import end_of_day
from zhixin.reports import listed, rules, service

ALL = service.Scope()
DEC = rules.custom(date(2026, 12, 1), TODAY)  # the dashboard's month to date


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def _rows(session: Session) -> list[tuple[object, ...]]:
    return sorted(
        (
            tuple(r)
            for r in session.execute(
                text(
                    "SELECT publication_id, enterprise_id, coalesce(bank_tenant_id, 0), "
                    "coalesce(product_code, ''), coalesce(region_code, ''), entries, applied_on, "
                    "approved_on, drawn_on FROM report_listed_firm"
                )
            )
        ),
        key=repr,
    )


def _conversion(r: service.Report) -> list[int]:
    return [row[1] for row in r.table("conversion").rows]


def _scopes(w: World) -> list[service.Scope]:
    return [
        ALL,
        service.Scope(bank_tenant_id=w.banks["A"]),
        service.Scope(bank_tenant_id=w.banks["B"]),
        service.Scope(region_prefix="3502"),
        service.Scope(product_code="xingbaodai"),
        service.Scope(bank_tenant_id=w.banks["B"], product_code="xingbaodai"),
    ]


def _reconciles(session: Session, w: World, period: rules.Period) -> None:
    for scope in _scopes(w):
        r = report(session, scope, period)
        expected = sql_conversion(session, scope, period)
        if scope.product_code is not None:  # the test's SQL knows no product: narrow it here
            expected = _by_product(session, scope, period)
        assert _conversion(r) == expected, scope
        wl = r.table("whitelist").rows
        assert tuple(wl[1][3:5]) == sql_publication(session, period.end, scope), scope


def _by_product(session: Session, scope: service.Scope, p: rules.Period) -> list[int]:
    """sql_conversion within one product (and bank)."""
    pub = session.execute(
        text(
            "SELECT id FROM whitelist_publication WHERE status = 'published' "
            "AND published_at < :t ORDER BY version DESC LIMIT 1"
        ),
        {"t": end_of_day(p.end).replace(tzinfo=None)},
    ).scalar()
    listed_ids = "SELECT enterprise_id FROM whitelist_entry WHERE publication_id = :p"
    params = {"p": pub, "e": p.end, "pr": scope.product_code, "b": scope.bank_tenant_id}
    bank = " AND a.bank_tenant_id = :b" if scope.bank_tenant_id is not None else ""
    cbank = " AND c.bank_tenant_id = :b" if scope.bank_tenant_id is not None else ""
    out = [
        session.execute(
            text(f"SELECT count(DISTINCT enterprise_id) FROM ({listed_ids}) x"), params
        ).scalar_one()
    ]
    for cond in (
        "a.submitted_on <= :e",
        "a.state IN ('approved', 'contracted') AND a.decided_on <= :e",
    ):
        out.append(
            session.execute(
                text(
                    "SELECT count(DISTINCT a.enterprise_id) FROM loan_application a "
                    f"WHERE {cond} AND a.product_code = :pr AND a.enterprise_id IN ({listed_ids})"
                    + bank
                ),
                params,
            ).scalar_one()
        )
    out.append(
        session.execute(
            text(
                "SELECT count(DISTINCT c.enterprise_id) FROM loan_drawdown d JOIN loan_contract c "
                "ON c.id = d.contract_id WHERE d.status IN ('disbursed', 'settled', 'renewed') "
                f"AND d.value_date <= :e AND c.product_code = :pr AND c.enterprise_id IN "
                f"({listed_ids})" + cbank
            ),
            params,
        ).scalar_one()
    )
    return [int(n) for n in out]


def _listed_firm_without(session: Session, period: rules.Period, what: str, bank: int = 0) -> int:
    """A firm listed at the period's end with no application approved (``approved``) or with
    no 鹭质贷 application at ``bank`` (``applied``)."""
    pub = session.execute(
        text(
            "SELECT id FROM whitelist_publication WHERE status = 'published' "
            "AND published_at < :t ORDER BY version DESC LIMIT 1"
        ),
        {"t": end_of_day(period.end).replace(tzinfo=None)},
    ).scalar()
    cond = {
        "approved": "a.state IN ('approved', 'contracted')",
        "applied": "a.product_code = 'luzhidai' AND a.bank_tenant_id = :b",
    }[what]
    found = (
        session.execute(
            text(
                "SELECT DISTINCT e.enterprise_id FROM whitelist_entry e "
                "WHERE e.publication_id = :p AND NOT EXISTS (SELECT 1 FROM loan_application a "
                "WHERE a.enterprise_id = "
                f"e.enterprise_id AND {cond}) ORDER BY e.enterprise_id"
            ),
            {"p": pub, "b": bank},
        )
        .scalars()
        .first()
    )
    assert found is not None, what
    return int(found)


def test_the_first_read_equals_the_records(world: tuple[Session, World]) -> None:
    session, w = world
    for period in (NOV, DEC, rules.monthly("2026-10"), rules.weekly("2026-W48")):
        _reconciles(session, w, period)


def test_an_approval_is_stale_until_the_pass_recomputes_it(world: tuple[Session, World]) -> None:
    session, w = world
    before = _conversion(report(session, ALL))
    firm = _listed_firm_without(session, NOV, "approved")
    day = date(2026, 11, 20)
    app = session.execute(
        text("SELECT id FROM loan_application WHERE enterprise_id = :e ORDER BY id"), {"e": firm}
    ).scalar()
    if app is None:  # the firm never applied: it applies and is approved on the day
        app = placeholder_row(
            session,
            "loan_application",
            enterprise_id=firm,
            bank_tenant_id=w.banks["A"],
            product_code="luzhidai",
            submitted_on=day,
        )
    session.execute(
        text(
            "UPDATE loan_application SET state = 'approved', decided_on = :d, "
            "submitted_on = coalesce(submitted_on, :d) WHERE id = :i"
        ),
        {"d": day, "i": app},
    )
    # stale: the publication was computed before the approval
    assert _conversion(report(session, ALL)) == before
    assert sql_conversion(session, ALL, NOV)[2] == before[2] + 1
    listed.refresh(session, day, day)  # what `zhixin report refresh --from D --to D` does
    assert _conversion(report(session, ALL))[2] == before[2] + 1
    _reconciles(session, w, NOV)


def test_todays_application_shows_after_the_workers_pass(world: tuple[Session, World]) -> None:
    session, w = world
    _reconciles(session, w, DEC)
    firm = _listed_firm_without(session, DEC, "applied", w.banks["B"])
    scope = service.Scope(bank_tenant_id=w.banks["B"], product_code="luzhidai")
    before = _conversion(report(session, scope, DEC))
    placeholder_row(
        session,
        "loan_application",
        enterprise_id=firm,
        bank_tenant_id=w.banks["B"],
        product_code="luzhidai",
        submitted_on=TODAY,
    )
    contract = placeholder_row(
        session,
        "loan_contract",
        enterprise_id=firm,
        bank_tenant_id=w.banks["B"],
        product_code="luzhidai",
    )
    placeholder_row(
        session, "loan_drawdown", contract_id=contract, status="disbursed", value_date=TODAY
    )
    assert _conversion(report(session, scope, DEC)) == before  # stale
    computed = report(session, scope, DEC).as_of
    listed.refresh(session, TODAY - timedelta(days=1), TODAY)  # the worker's pass
    after = report(session, scope, DEC)
    assert _conversion(after)[1] == before[1] + 1  # applied
    assert _conversion(after)[3] == before[3] + 1  # drawn
    assert computed is not None and after.as_of is not None and after.as_of >= computed
    _reconciles(session, w, DEC)


def test_the_pass_leaves_what_a_whole_recompute_gives(world: tuple[Session, World]) -> None:
    session, _w = world
    for period in (NOV, DEC, rules.monthly("2026-10")):
        report(session, ALL, period)  # computes the publications those read
    computed = _rows(session)
    assert computed
    assert set(listed.computed(session)) == {r[0] for r in computed}
    listed.refresh(session, date(2026, 11, 1), TODAY)
    assert _rows(session) == computed
    listed.refresh(session, date(2026, 11, 1), TODAY, whole=True)
    assert _rows(session) == computed
