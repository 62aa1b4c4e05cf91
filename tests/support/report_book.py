"""A small world with known numbers for the report tests: two banks, six enterprises in three
districts, three whitelist versions, applications in every state, consultations and loans, all
written straight into the tables (placeholders where the reports read nothing).

The period the tests read is November 2026, "today" 2026-12-07. The numbers each section must
show are worked out by hand in tests/integration/test_reports.py and recomputed there by SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from tests.support.loan_book import placeholder_row

D = Decimal
TODAY = date(2026, 12, 7)


@dataclass
class World:
    banks: dict[str, int] = field(default_factory=dict)  # code → tenant id
    enterprises: dict[str, int] = field(default_factory=dict)  # E1… → id
    applications: dict[str, int] = field(default_factory=dict)  # a1… → id
    contracts: dict[str, int] = field(default_factory=dict)
    drawdowns: dict[str, int] = field(default_factory=dict)


# name, region, industry
ENTERPRISES = {
    "E1": ("甲电子科技有限公司", "350203", "C39"),  # 思明区
    "E2": ("乙贸易有限公司", "350206", "F51"),  # 湖里区
    "E3": ("丙精密制造有限公司", "350206", "C34"),  # 湖里区
    "E4": ("丁软件有限公司", "350203", "I65"),  # 思明区
    "E5": ("戊食品有限公司", "350102", "C14"),  # 福州鼓楼区
    "E6": ("己材料有限公司", "350206", "C39"),  # 湖里区
}

# key: bank, enterprise, product, listed, submitted, accepted, decided, state,
#      approved amount, decision workdays, deadline
APPLICATIONS = {
    "a1": (
        "A",
        "E1",
        "luzhidai",
        True,
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 5),
        "contracted",
        D("1000000.00"),
        3,
        date(2026, 11, 6),
    ),
    "a2": (
        "A",
        "E2",
        "luzhidai",
        True,
        date(2026, 11, 10),
        date(2026, 11, 10),
        date(2026, 11, 20),
        "approved",
        D("500000.00"),
        8,
        date(2026, 11, 13),
    ),
    "a3": (
        "A",
        "E3",
        "luzhidai",
        False,
        date(2026, 11, 12),
        None,
        date(2026, 11, 13),
        "rejected",
        None,
        1,
        None,
    ),
    "a4": (
        "B",
        "E4",
        "xingbaodai",
        True,
        date(2026, 11, 25),
        date(2026, 11, 26),
        None,
        "accepted",
        None,
        None,
        date(2026, 11, 27),
    ),
    "a5": (
        "B",
        "E5",
        "xingbaodai",
        True,
        date(2026, 10, 28),
        date(2026, 10, 29),
        date(2026, 11, 2),
        "contracted",
        D("300000.00"),
        3,
        date(2026, 11, 2),
    ),
    "a6": (
        "B",
        "E6",
        "xingbaodai",
        False,
        date(2026, 11, 30),
        None,
        None,
        "submitted",
        None,
        None,
        None,
    ),
    "a7": (
        "A",
        "E1",
        "luzhidai",
        True,
        date(2026, 11, 4),
        None,
        None,
        "withdrawn",
        None,
        None,
        date(2026, 11, 10),
    ),
    "a8": (
        "A",
        "E3",
        "luzhidai",
        False,
        date(2026, 11, 16),
        date(2026, 11, 16),
        date(2026, 11, 18),
        "contracted",
        D("200000.00"),
        2,
        None,
    ),
    "a9": (
        "B",
        "E2",
        "xingbaodai",
        True,
        date(2026, 12, 1),
        None,
        None,
        "submitted",
        None,
        None,
        None,
    ),
    "a10": (
        "B",
        "E6",
        "xingbaodai",
        False,
        date(2026, 10, 20),
        date(2026, 10, 21),
        date(2026, 10, 25),
        "rejected",
        None,
        4,
        None,
    ),
    "a11": (
        "B",
        "E5",
        "xingbaodai",
        True,
        date(2026, 11, 5),
        date(2026, 11, 5),
        date(2026, 11, 6),
        "rejected",
        None,
        1,
        date(2026, 11, 9),
    ),
    "a12": (
        "B",
        "E2",
        "xingbaodai",
        False,
        date(2026, 5, 1),
        date(2026, 5, 2),
        date(2026, 5, 10),
        "contracted",
        D("400000.00"),
        6,
        None,
    ),
}

# key: application, status, opened, resolved, resolution workdays, planned
CONSULTATIONS = {
    "c1": ("a3", "resolved", date(2026, 11, 13), date(2026, 11, 18), 3, True),
    "c2": ("a10", "planned", date(2026, 10, 25), None, None, True),
    "c3": ("a11", "open", date(2026, 11, 6), None, None, False),
}

# key: application (None: a renewal of the contract named last), bank, enterprise, product
CONTRACTS = {
    "k1": ("a1", "A", "E1", "luzhidai", None),
    "k2": ("a8", "A", "E3", "luzhidai", None),
    "k3": ("a5", "B", "E5", "xingbaodai", None),
    "k4": (None, "A", "E1", "luzhidai", "k1"),
    "k5": ("a12", "B", "E2", "xingbaodai", None),
}

# key: contract, value date, amount, outstanding, class, status
DRAWDOWNS = {
    "d1": ("k1", date(2026, 11, 8), D("1000000.00"), D("900000.00"), "normal", "disbursed"),
    "d2": ("k2", date(2026, 11, 20), D("200000.00"), D("200000.00"), "substandard", "disbursed"),
    "d3": ("k3", date(2026, 11, 3), D("300000.00"), D("0.00"), "normal", "settled"),
    "d4": (
        "k4",
        date(2026, 11, 25),
        D("100000.00"),
        D("100000.00"),
        "special_mention",
        "disbursed",
    ),
    "d5": ("k5", date(2026, 6, 1), D("400000.00"), D("250000.00"), "doubtful", "disbursed"),
    "d6": ("k1", date(2026, 12, 3), D("50000.00"), D("50000.00"), "normal", "disbursed"),
}

# version: published at (UTC), status, {enterprise: dimensions}
PUBLICATIONS = {
    1: (datetime(2026, 10, 15, 2, tzinfo=UTC), "published", {"E1": 2, "E2": 1, "E3": 1}),
    2: (datetime(2026, 11, 20, 2, tzinfo=UTC), "published", {"E1": 2, "E2": 1, "E4": 1, "E5": 2}),
    3: (datetime(2026, 11, 25, 2, tzinfo=UTC), "draft", {"E6": 1}),
    4: (datetime(2026, 12, 2, 2, tzinfo=UTC), "published", {"E6": 3}),
}
DIMENSIONS = ("overall", "standards", "brand")

# 以贷提质: finished evaluation runs (as-of) and each enterprise's total score in them
RUNS = {
    "R00": date(2026, 3, 31),
    "R0": date(2026, 6, 30),
    "R1": date(2027, 11, 30),
}
SCORES = {
    "E1": {"R00": "70.00", "R0": "72.00", "R1": "80.00"},  # before R0 (loan 2026-11-08) → +8
    "E2": {"R00": "60.00", "R1": "55.00"},  # loan 2026-06-01: before R00 → -5
    "E3": {"R0": "65.00", "R1": "65.00"},  # 0
    "E5": {"R00": "50.00"},  # no evaluation after
}


def build(session: Session) -> World:
    w = World()
    for code, name in (("A", "甲银行"), ("B", "乙银行")):
        w.banks[code] = placeholder_row(
            session, "tenant", kind="bank", code=f"bank-{code.lower()}", name=name
        )
    placeholder_row(session, "tenant", kind="taskforce", code="taskforce", name="专班")
    user = placeholder_row(session, "app_user", tenant_id=w.banks["A"])
    for key, (name, region, industry) in ENTERPRISES.items():
        w.enterprises[key] = placeholder_row(
            session, "enterprise", name=name, region_code=region, industry_code=industry
        )
    version = placeholder_row(session, "product_version")
    names = {"luzhidai": "鹭质贷", "xingbaodai": "兴保贷"}
    for key, (
        bank,
        ent,
        product,
        listed,
        sub,
        acc,
        dec,
        state,
        amount,
        wd,
        deadline,
    ) in APPLICATIONS.items():
        quote = placeholder_row(
            session, "quote", enterprise_id=w.enterprises[ent], product_version_id=version
        )
        w.applications[key] = placeholder_row(
            session,
            "loan_application",
            enterprise_id=w.enterprises[ent],
            bank_tenant_id=w.banks[bank],
            bank_name={"A": "甲银行", "B": "乙银行"}[bank],
            product_code=product,
            product_name=names[product],
            product_version_id=version,
            quote_id=quote,
            listed=listed,
            amount=D("1000000.00"),
            state=state,
            submitted_on=sub,
            accepted_on=acc,
            decided_on=dec,
            approved_amount=amount,
            decision_workdays=wd,
            fast_lane_days=3 if deadline else None,
            deadline=deadline,
            submitted_by_id=user,
            version=1,
        )
    for app, status, opened, resolved, days, planned in CONSULTATIONS.values():
        ent = APPLICATIONS[app][1]
        placeholder_row(
            session,
            "consultation",
            application_id=w.applications[app],
            enterprise_id=w.enterprises[ent],
            status=status,
            opened_on=opened,
            resolved_on=resolved,
            resolution_workdays=days,
            planned_at=datetime(2026, 11, 14, tzinfo=UTC) if planned else None,
        )
    for key, (app, bank, ent, product, renewed) in CONTRACTS.items():
        quote = placeholder_row(
            session, "quote", enterprise_id=w.enterprises[ent], product_version_id=version
        )
        w.contracts[key] = placeholder_row(
            session,
            "loan_contract",
            bank_tenant_id=w.banks[bank],
            bank_code=f"bank-{bank.lower()}",
            enterprise_id=w.enterprises[ent],
            application_id=w.applications[app] if app else None,
            renewed_from_id=w.contracts[renewed] if renewed else None,
            product_version_id=version,
            quote_id=quote,
            product_code=product,
            rate_kind="fixed",
            spread=D(0),
            contract_rate=D("3.85"),
            penalty_markup=D("0.5"),
            principal_limit=D("10000000.00"),
            term_months=12,
            method="等额本金",
            start_date=date(2026, 1, 1),
            maturity_date=date(2027, 12, 31),
            status="active",
            version=1,
        )
    for key, (contract, value, amount, outstanding, grade, status) in DRAWDOWNS.items():
        w.drawdowns[key] = placeholder_row(
            session,
            "loan_drawdown",
            contract_id=w.contracts[contract],
            amount=amount,
            requested_by_id=user,
            status=status,
            value_date=value,
            maturity=date(2027, 11, 1),
            term_months=12,
            annual_rate=D("3.85"),
            method="等额本金",
            outstanding_principal=outstanding,
            classification=grade,
        )
    run = placeholder_row(session, "evaluation_run")
    for v, (at, status, listed) in PUBLICATIONS.items():
        pub = placeholder_row(
            session,
            "whitelist_publication",
            version=v,
            status=status,
            run_id=run,
            as_of=date(2026, 9, 30),
            basis_at=at,
            published_at=at,
            enterprises=len(listed),
            entries=sum(listed.values()),
        )
        for ent, dims in listed.items():
            for dim in DIMENSIONS[:dims]:
                placeholder_row(
                    session,
                    "whitelist_entry",
                    publication_id=pub,
                    enterprise_id=w.enterprises[ent],
                    dimension=dim,
                    level="A",
                    level_rank=0,
                    points=90,
                    run_id=run,
                )
    for key, as_of in RUNS.items():
        run_id = placeholder_row(
            session, "evaluation_run", status="finished", as_of=as_of, catalog_name="xiamen"
        )
        for ent, scores in SCORES.items():
            if key in scores:
                placeholder_row(
                    session,
                    "evaluation_result",
                    run_id=run_id,
                    enterprise_id=w.enterprises[ent],
                    total_score=D(scores[key]),
                    overall_level="A",
                    listed=True,
                    entries=1,
                    gates_failed=[],
                )
    session.flush()
    return w
