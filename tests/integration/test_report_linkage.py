"""质量联动 in the report reconciles with the records: freezes, unfreezes and covenant results
seeded on the report book's world (tests/support/report_book.py); November worked out by hand,
and every period and scope recomputed by plain SQL."""
# ruff: noqa: S608

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.report_book import CONTRACTS, TODAY, World, build
from zhixin.kit.clock import end_of_day
from zhixin.reports import rules, service

NOV = rules.monthly("2026-11")
KINDS = ("quality_use_share", "whitelisted", "no_serious_penalty")

# contract, kind, created at (UTC)
ACTIONS = [
    ("k1", "freeze", datetime(2026, 11, 3, 2)),
    ("k1", "unfreeze", datetime(2026, 11, 30, 16, 30)),  # 2026-12-01 00:30 in Beijing
    ("k2", "freeze", datetime(2026, 11, 10, 2)),
    ("k5", "freeze", datetime(2026, 10, 31, 15)),  # 2026-10-31 23:00 in Beijing
    ("k5", "unfreeze", datetime(2026, 11, 20, 2)),
    ("k3", "rate_step_up", datetime(2026, 11, 20, 2)),  # not a freeze
]
# contract, covenant code, kind, period, met, checked at (UTC)
RESULTS = [
    ("k1", "qu", "quality_use_share", "2026Q3", False, datetime(2026, 11, 2, 1)),
    ("k1", "wl", "whitelisted", "2026Q3", True, datetime(2026, 11, 2, 1)),
    ("k2", "qu", "quality_use_share", "2026Q3", False, datetime(2026, 11, 2, 1)),
    ("k2", "pen", "no_serious_penalty", "2026Q3", False, datetime(2026, 11, 2, 1)),
    ("k5", "wl", "whitelisted", "2026Q3", False, datetime(2026, 11, 2, 1)),
    ("k5", "wl", "whitelisted", "2026M11", False, datetime(2026, 12, 1, 1)),
]


@pytest.fixture
def world(factory: sessionmaker[Session]) -> tuple[Session, World]:
    session = factory()
    w = build(session)

    def who(k: str) -> dict[str, int]:
        _app, bank, ent, _product, _renewed = CONTRACTS[k]
        return {
            "contract_id": w.contracts[k],
            "bank_tenant_id": w.banks[bank],
            "enterprise_id": w.enterprises[ent],
        }

    for k, kind, at in ACTIONS:
        placeholder_row(
            session,
            "linkage_action",
            **who(k),
            kind=kind,
            status="effective",
            created_at=at.replace(tzinfo=UTC),
        )
    for k, covenant, kind, period, met, at in RESULTS:
        placeholder_row(
            session,
            "linkage_covenant_result",
            **who(k),
            covenant=covenant,
            kind=kind,
            period=period,
            met=met,
            checked_at=at.replace(tzinfo=UTC),
        )
    session.commit()
    yield session, w  # type: ignore[misc]
    session.close()


def table(session: Session, scope: service.Scope, period: rules.Period = NOV) -> list[list[Any]]:
    return service.build(session, period, scope, today=TODAY).table("linkage").rows


def sql_linkage(session: Session, scope: service.Scope, p: rules.Period) -> list[list[Any]]:
    params: dict[str, Any] = {
        "from": end_of_day(p.start - timedelta(days=1)),
        "until": end_of_day(p.end),
    }
    region = ""
    if scope.region_prefix is not None:
        region = " AND x.enterprise_id IN (SELECT id FROM enterprise WHERE region_code LIKE :r)"
        params["r"] = scope.region_prefix + "%"
    acts = (
        "SELECT count(*) FROM linkage_action x WHERE x.bank_tenant_id = :b AND x.kind = :k "
        "AND x.created_at >= :from AND x.created_at < :until" + region
    )
    results = (
        "SELECT count(*) FROM linkage_covenant_result x WHERE x.bank_tenant_id = :b "
        "AND x.checked_at >= :from AND x.checked_at < :until" + region
    )

    def one(sql: str, **q: Any) -> int:
        return int(session.execute(text(sql), params | q).scalar() or 0)

    out: list[list[Any]] = []
    banks = session.execute(text("SELECT id, name FROM tenant WHERE kind = 'bank' ORDER BY code"))
    for bank_id, name in banks:
        if scope.bank_tenant_id is not None and bank_id != scope.bank_tenant_id:
            continue
        out.append(
            [
                name,
                one(acts, b=bank_id, k="freeze"),
                one(acts, b=bank_id, k="unfreeze"),
                one(results, b=bank_id),
                *[one(results + " AND NOT x.met AND x.kind = :k", b=bank_id, k=k) for k in KINDS],
                one(results + " AND NOT x.met", b=bank_id),
            ]
        )
    if len(out) > 1:
        out.append(["合计", *[sum(r[i] for r in out) for i in range(1, len(out[0]))]])
    return out


def test_november_by_hand(world: tuple[Session, World]) -> None:
    session, _w = world
    # A (k1, k2): freezes k1, k2; the unfreeze of k1 is December's in Beijing;
    # checked 4, broken: quality use ×2, penalty ×1. B (k3, k5): k5's unfreeze; its freeze is
    # October's; checked 1, broken: whitelisted ×1 (the 2026M11 result was checked in December)
    assert table(session, service.Scope()) == [
        ["甲银行", 2, 0, 4, 2, 0, 1, 3],
        ["乙银行", 0, 1, 1, 0, 1, 0, 1],
        ["合计", 2, 1, 5, 2, 1, 1, 4],
    ]


@pytest.mark.parametrize(
    "period",
    [NOV, rules.monthly("2026-10"), rules.monthly("2026-12"), rules.daily("2026-11-02")],
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
    assert table(session, scope, period) == sql_linkage(session, scope, period)


def test_a_day_is_a_beijing_day(world: tuple[Session, World]) -> None:
    session, _w = world
    assert table(session, service.Scope(), rules.daily("2026-12-01"))[-1][:3] == ["合计", 0, 1]
