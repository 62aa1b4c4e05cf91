"""The operator's calendar on a real database: entering, replacing, preferring, refusing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal
from tests.support.people import make_user
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.errors import Forbidden, Invalid
from zhixin.kit.db import unit_of_work
from zhixin.workdays import service as workdays
from zhixin.workdays.models import CalendarDay, CalendarYear
from zhixin.workdays.rules import UnknownYear, YearSchedule, schedule_of

D = date

# TEST schedules (not official): 2027 with Fri 1 Jan and Mon 4 Jan off and Sat 9 Jan worked.
TEST_2027 = schedule_of(
    2027,
    {D(2027, 1, 1): "元旦", D(2027, 1, 4): "元旦"},
    {D(2027, 1, 9): "元旦"},
    "测试通知 1",
)


@pytest.fixture
def people(factory: sessionmaker[Session]) -> dict[str, Principal]:
    ids = {
        "reg": make_user(factory, "reg", Role.regulator),
        "bank": make_user(factory, "bank", Role.bank_officer),
        "auditor": make_user(factory, "auditor", Role.auditor),
    }
    return {k: principal(factory, v) for k, v in ids.items()}


def _deadline(factory: sessionmaker[Session], actor: Principal, start: date, days: int) -> date:
    with unit_of_work(factory) as s:
        return workdays.deadline(s, actor=actor, start=start, days=days).deadline


def test_a_deadline_across_the_new_year_needs_the_entered_year(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    bank, reg = people["bank"], people["reg"]
    assert _deadline(factory, bank, D(2026, 12, 29), 2) == D(2026, 12, 31)
    with pytest.raises(UnknownYear) as caught:
        _deadline(factory, bank, D(2026, 12, 29), 3)
    assert caught.value.year == 2027 and "2027 年" in caught.value.message
    with unit_of_work(factory) as s:
        workdays.set_year(s, actor=reg, year=2027, schedule=TEST_2027)
    # Tue 29 Dec 2026 + 3: Wed 30, Thu 31, then Fri 1 and Mon 4 Jan off → Tue 5 Jan 2027;
    # + 7 lands on the make-up Saturday 9 Jan; + 8 on Monday 11 Jan.
    assert _deadline(factory, bank, D(2026, 12, 29), 3) == D(2027, 1, 5)
    assert _deadline(factory, bank, D(2026, 12, 29), 7) == D(2027, 1, 9)
    assert _deadline(factory, bank, D(2026, 12, 29), 8) == D(2027, 1, 11)
    with unit_of_work(factory) as s:
        out = workdays.deadline(s, actor=bank, start=D(2026, 12, 29), days=7)
        assert [(y.year, y.origin) for y in out.years] == [
            (2026, "chinese-calendar"),
            (2027, "operator"),
        ]
        assert out.weekday == "星期六"
        cal = workdays.calendar(s)
        assert cal.origin(2027) == "operator" and cal.is_workday(D(2027, 1, 9))


def test_entering_a_year_is_stored_shown_and_audited(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    reg = people["reg"]
    with unit_of_work(factory) as s:
        before = workdays.get_year(s, actor=people["bank"], year=2027)
        assert (before.origin, before.holidays, before.working_days) == ("unknown", [], None)
        assert before.message.startswith("2027 年的法定节假日与调休安排尚未录入")
        workdays.set_year(s, actor=reg, year=2027, schedule=TEST_2027)
    with unit_of_work(factory) as s:
        out = workdays.get_year(s, actor=people["bank"], year=2027)
        assert out.origin == "operator" and out.source == "测试通知 1"
        assert out.entered_by == "reg" and out.entered_at is not None
        assert [(d.day, d.weekday, d.name) for d in out.holidays] == [
            (D(2027, 1, 1), "星期五", "元旦"),
            (D(2027, 1, 4), "星期一", "元旦"),
        ]
        assert [(d.day, d.weekday) for d in out.workdays] == [(D(2027, 1, 9), "星期六")]
        # 2027 has 261 weekdays; minus 2 holidays, plus 1 make-up Saturday.
        assert out.working_days == 260
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.set_year")).one()
        assert event.object_id == "2027" and event.actor == "reg"
        assert event.detail == {
            "source": "测试通知 1",
            "holidays": 2,
            "workdays": 1,
            "replaced": False,
            "previous_holidays": 0,
            "previous_workdays": 0,
            "differs_from_package": None,
        }
        listed = workdays.list_years(s, actor=people["bank"])
        assert [(y.year, y.holidays, y.workdays) for y in listed] == [(2027, 2, 1)]


def test_entering_a_year_again_replaces_all_its_days(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    reg = people["reg"]
    with unit_of_work(factory) as s:
        workdays.set_year(s, actor=reg, year=2027, schedule=TEST_2027)
    second = schedule_of(2027, {D(2027, 2, 8): "春节"}, {}, "测试通知 2")
    with unit_of_work(factory) as s:
        cal = workdays.calendar(s)  # loaded in the same transaction: no stale rows get in the way
        assert not cal.is_workday(D(2027, 1, 1))
        checked = workdays.check(s, actor=reg, year=2027, schedule=second)
        assert (checked.replaces, checked.previous_holidays, checked.previous_workdays) == (
            True,
            2,
            1,
        )
        workdays.set_year(s, actor=reg, year=2027, schedule=second)
    with unit_of_work(factory) as s:
        rows = s.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)).all()
        assert [tuple(r) for r in rows] == [(D(2027, 2, 8), "休", "春节")]
        assert s.get(CalendarYear, 2027).source == "测试通知 2"  # type: ignore[union-attr]
        cal = workdays.calendar(s)
        assert cal.is_workday(D(2027, 1, 1)) and not cal.is_workday(D(2027, 1, 9))
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "calendar.set_year")
            .order_by(AuditEvent.seq)
        ).all()
        assert [e.detail["replaced"] for e in events] == [False, True]
        assert events[1].detail["previous_holidays"] == 2
        assert events[1].detail["previous_workdays"] == 1


def test_operator_data_wins_over_the_package(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    bank = people["bank"]
    # chinese-calendar: Mon 27 Jan 2025 + 5 → Mon 10 Feb (5, 6, 7, Sat 8, 10 Feb).
    assert _deadline(factory, bank, D(2025, 1, 27), 5) == D(2025, 2, 10)
    only_new_year = schedule_of(2025, {D(2025, 1, 1): "元旦"}, {}, "测试")
    with unit_of_work(factory) as s:
        checked = workdays.check(s, actor=people["reg"], year=2025, schedule=only_new_year)
        assert checked.problems == [] and "与本次录入有" in checked.warnings[0]
        workdays.set_year(s, actor=people["reg"], year=2025, schedule=only_new_year)
    # Now 28 Jan – 4 Feb are ordinary weekdays and Sat 8 Feb is a rest day:
    # 28, 29, 30, 31 Jan, 3 Feb.
    assert _deadline(factory, bank, D(2025, 1, 27), 5) == D(2025, 2, 3)
    with unit_of_work(factory) as s:
        out = workdays.get_year(s, actor=bank, year=2025)
        assert out.origin == "operator"
        assert out.warnings and "chinese-calendar" in out.warnings[0]
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.set_year")).one()
        # every package holiday weekday of 2025 but 1 Jan (17) and its 5 make-up days differ
        assert event.detail["differs_from_package"] == 22


def test_refusals_list_every_problem_and_store_nothing(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    bad = YearSchedule(
        2027,
        holidays=frozenset({D(2026, 12, 31)}),
        workdays=frozenset({D(2027, 2, 10)}),
        source="",
    )
    with unit_of_work(factory) as s, pytest.raises(Invalid) as caught:
        workdays.set_year(s, actor=people["reg"], year=2027, schedule=bad)
    assert caught.value.detail == {
        "problems": [
            "2026-12-31 不属于 2027 年",
            "2027-02-10 是星期三，本来就上班；调休上班日（班）只能是星期六或星期日",
        ]
    }
    assert caught.value.message.startswith("2027 年的工作日历有 2 处错误，未保存")
    for who in ("bank", "auditor"):
        with unit_of_work(factory) as s, pytest.raises(Forbidden, match="只有监管人员"):
            workdays.set_year(s, actor=people[who], year=2027, schedule=TEST_2027)
    with unit_of_work(factory) as s, pytest.raises(Forbidden):
        workdays.get_year(s, actor=people["auditor"], year=2027)
    with unit_of_work(factory) as s, pytest.raises(Forbidden):
        workdays.deadline(s, actor=people["auditor"], start=D(2025, 1, 2), days=1)
    with unit_of_work(factory) as s:
        assert s.scalars(select(CalendarYear)).all() == []
        assert s.scalars(select(CalendarDay)).all() == []


def test_a_refused_replacement_keeps_the_old_year(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    with unit_of_work(factory) as s:
        workdays.set_year(s, actor=people["reg"], year=2027, schedule=TEST_2027)
    clash = schedule_of(2027, {D(2027, 2, 13)}, {D(2027, 2, 13)}, "冲突")
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="既是休假日"):
        workdays.set_year(s, actor=people["reg"], year=2027, schedule=clash)
    with unit_of_work(factory) as s:
        assert len(s.scalars(select(CalendarDay)).all()) == 3


def test_deadline_days_are_bounded(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="0 或正整数"):
        workdays.deadline(s, actor=people["bank"], start=D(2025, 1, 2), days=-1)
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="最多 1000"):
        workdays.deadline(s, actor=people["bank"], start=D(2025, 1, 2), days=1001)
    with unit_of_work(factory) as s:
        zero = workdays.deadline(s, actor=people["bank"], start=D(2025, 1, 28), days=0)
        assert zero.deadline == D(2025, 1, 28)
