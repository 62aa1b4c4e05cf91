"""The LPR table on a real database: shipped history, operator entries, replacement, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.lpr import service as lpr
from zhixin.lpr.models import LprRate

D = Decimal


@pytest.fixture
def people(factory: sessionmaker[Session]) -> dict[str, int]:
    return {
        "regulator": make_user(factory, "reg-lpr", Role.regulator),
        "bank": make_user(factory, "bank-lpr", Role.bank_officer),
        "auditor": make_user(factory, "aud-lpr", Role.auditor),
    }


def _events(factory: sessionmaker[Session]) -> list[AuditEvent]:
    with unit_of_work(factory) as s:
        return list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.action.like("lpr.%")).order_by(AuditEvent.seq)
            )
        )


def test_a_fresh_database_knows_the_published_history(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        found = lpr.rates_on(s, date(2024, 3, 1))
        assert (found.effective_on, found.one_year, found.five_year) == (
            date(2024, 2, 20),
            D("3.45"),
            D("3.95"),
        )
        assert "2024年2月20日" in found.source and not found.stale
        with pytest.raises(Invalid, match="2019-08-20"):
            lpr.rates_on(s, date(2019, 8, 19))
        # with nothing entered after 2025-05-20, a day after 2025-06-20 is marked stale
        assert lpr.rates_on(s, date(2025, 7, 1)).stale


def test_operator_entry_clears_the_staleness_and_replacing_is_audited(
    factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    reg = principal(factory, people["regulator"])
    with unit_of_work(factory) as s:
        lpr.set_rate(
            s,
            actor=reg,
            effective_on=date(2025, 6, 20),
            one_year=D("3.00"),
            five_year=D("3.50"),
            note="2025年6月20日公告，维持不变",
        )
    with unit_of_work(factory) as s:
        found = lpr.rates_on(s, date(2025, 7, 1))
        assert found.effective_on == date(2025, 6, 20) and not found.stale
        assert found.source == "操作员录入：2025年6月20日公告，维持不变"
        # replace the same day: one row, new values
        lpr.set_rate(
            s,
            actor=reg,
            effective_on=date(2025, 6, 20),
            one_year=D("2.95"),
            five_year=D("3.45"),
        )
    with unit_of_work(factory) as s:
        rows = list(s.scalars(select(LprRate)))
        assert [(r.effective_on, r.one_year, r.five_year) for r in rows] == [
            (date(2025, 6, 20), D("2.9500"), D("3.4500"))
        ]
        assert lpr.rates_on(s, date(2025, 7, 1)).one_year == D("2.9500")
    first, second = _events(factory)
    assert (first.action, first.object_id, first.actor) == ("lpr.set", "2025-06-20", "reg-lpr")
    assert first.detail["old"] is None
    assert second.action == "lpr.replace"
    assert second.detail["old"] == {
        "one_year": "3.0000",
        "five_year": "3.5000",
        "origin": "operator",
        "source": "操作员录入：2025年6月20日公告，维持不变",
    }
    assert second.detail["new"] == {
        "one_year": "2.9500",
        "five_year": "3.4500",
        "origin": "operator",
        "source": "操作员录入",
    }


def test_an_operator_row_overrides_a_shipped_one_until_deleted(
    factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    reg = principal(factory, people["regulator"])
    with unit_of_work(factory) as s:
        lpr.set_rate(
            s, actor=reg, effective_on=date(2025, 5, 20), one_year=D("3.05"), five_year=D("3.55")
        )
    with unit_of_work(factory) as s:
        assert lpr.rates_on(s, date(2025, 5, 21)).one_year == D("3.05")
        row = lpr.entry_on(s, actor=reg, day=date(2025, 5, 20))
        assert row is not None
        assert (row.origin, row.overrides_shipped, row.set_by) == ("operator", True, "reg-lpr")
        lpr.delete_rate(s, actor=reg, effective_on=date(2025, 5, 20))
    with unit_of_work(factory) as s:
        back = lpr.rates_on(s, date(2025, 5, 21))
        assert (back.one_year, back.five_year) == (D("3.00"), D("3.50"))
        assert back.source.startswith("全国银行间同业拆借中心公告")
        with pytest.raises(Conflict, match="随软件发布"):
            lpr.delete_rate(s, actor=reg, effective_on=date(2025, 5, 20))
        with pytest.raises(NotFound, match="2025-06-03"):
            lpr.delete_rate(s, actor=reg, effective_on=date(2025, 6, 3))
    replace, deleted = _events(factory)
    assert replace.action == "lpr.replace" and replace.detail["old"]["origin"] == "shipped"  # type: ignore[index]
    assert deleted.action == "lpr.delete"
    assert deleted.detail["restored_shipped"]["one_year"] == "3.0000"  # type: ignore[index]


def test_table_is_newest_first_with_sources(
    factory: sessionmaker[Session], people: dict[str, int]
) -> None:
    with unit_of_work(factory) as s:
        lpr.set_rate_as_operator(
            s, effective_on=date(2025, 6, 20), one_year=D("3"), five_year=D("3.5"), note="维持"
        )
    bank = principal(factory, people["bank"])
    with unit_of_work(factory) as s:
        rows = lpr.table(s, actor=bank)
    assert [r.effective_on for r in rows[:3]] == [
        date(2025, 6, 20),
        date(2025, 5, 20),
        date(2024, 10, 21),
    ]
    assert len(rows) == 16
    assert (rows[0].origin, rows[0].set_by, rows[0].source) == (
        "operator",
        "cli",
        "操作员录入：维持",
    )
    assert (rows[1].origin, rows[1].set_by, rows[1].set_at) == ("shipped", None, None)
    (event,) = _events(factory)
    assert (event.actor, event.actor_id) == ("cli", None)


def test_permissions_and_validation(factory: sessionmaker[Session], people: dict[str, int]) -> None:
    reg = principal(factory, people["regulator"])
    bank = principal(factory, people["bank"])
    auditor = principal(factory, people["auditor"])
    with unit_of_work(factory) as s:
        with pytest.raises(Forbidden):
            lpr.set_rate(
                s, actor=bank, effective_on=date(2025, 6, 20), one_year=D(3), five_year=D("3.5")
            )
        with pytest.raises(Forbidden):
            lpr.delete_rate(s, actor=bank, effective_on=date(2025, 5, 20))
        with pytest.raises(Forbidden):
            lpr.table(s, actor=auditor)
        with pytest.raises(Invalid, match="大于 0%"):
            lpr.set_rate(
                s, actor=reg, effective_on=date(2025, 6, 20), one_year=D(0), five_year=D("3.5")
            )
        with pytest.raises(Invalid, match="31 天"):
            lpr.set_rate(
                s,
                actor=reg,
                effective_on=date(2025, 8, 1),
                one_year=D(3),
                five_year=D("3.5"),
                on=date(2025, 6, 20),
            )
        with pytest.raises(Invalid, match="2019-08-20"):
            lpr.set_rate(
                s, actor=reg, effective_on=date(2019, 7, 22), one_year=D(3), five_year=D("3.5")
            )
    with unit_of_work(factory) as s:
        assert list(s.scalars(select(LprRate))) == []
    assert _events(factory) == []
