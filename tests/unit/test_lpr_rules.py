"""The LPR table's pure rules, and the shipped history file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhixin.lpr import rules
from zhixin.lpr.rules import OPERATOR, LprRefused, Point
from zhixin.lpr.service import shipped

D = Decimal


def test_shipped_history_is_the_published_change_points() -> None:
    points = shipped()
    assert [(p.effective_on, p.one_year, p.five_year) for p in points] == [
        (date(2019, 8, 20), D("4.25"), D("4.85")),
        (date(2019, 9, 20), D("4.20"), D("4.85")),
        (date(2019, 11, 20), D("4.15"), D("4.80")),
        (date(2020, 2, 20), D("4.05"), D("4.75")),
        (date(2020, 4, 20), D("3.85"), D("4.65")),
        (date(2021, 12, 20), D("3.80"), D("4.65")),
        (date(2022, 1, 20), D("3.70"), D("4.60")),
        (date(2022, 5, 20), D("3.70"), D("4.45")),
        (date(2022, 8, 22), D("3.65"), D("4.30")),
        (date(2023, 6, 20), D("3.55"), D("4.20")),
        (date(2023, 8, 21), D("3.45"), D("4.20")),
        (date(2024, 2, 20), D("3.45"), D("3.95")),
        (date(2024, 7, 22), D("3.35"), D("3.85")),
        (date(2024, 10, 21), D("3.10"), D("3.60")),
        (date(2025, 5, 20), D("3.00"), D("3.50")),
    ]
    assert all(p.source.startswith("全国银行间同业拆借中心公告") for p in points)
    assert all(p.origin == rules.SHIPPED for p in points)
    assert str(points[0].one_year) == "4.2500"  # rates carry 4 decimals


@pytest.mark.parametrize(
    ("on", "effective_on", "one_year", "five_year"),
    [
        (date(2019, 8, 20), date(2019, 8, 20), "4.25", "4.85"),  # the first day itself
        (date(2021, 6, 1), date(2020, 4, 20), "3.85", "4.65"),  # 20 months unchanged
        (date(2022, 8, 21), date(2022, 5, 20), "3.70", "4.45"),  # the day before a change
        (date(2022, 8, 22), date(2022, 8, 22), "3.65", "4.30"),  # the change day
        (date(2024, 10, 20), date(2024, 7, 22), "3.35", "3.85"),
        (date(2025, 6, 30), date(2025, 5, 20), "3.00", "3.50"),
    ],
)
def test_rate_in_force_is_the_latest_point_on_or_before(
    on: date, effective_on: date, one_year: str, five_year: str
) -> None:
    found = rules.in_force(list(shipped()), on)
    assert (found.on, found.effective_on, found.one_year, found.five_year) == (
        on,
        effective_on,
        D(one_year),
        D(five_year),
    )
    assert found.tenor("1y") == D(one_year) and found.tenor("5y") == D(five_year)


def test_before_the_first_point_is_an_error_naming_the_first_date() -> None:
    with pytest.raises(LprRefused, match="2019-08-20"):
        rules.in_force(list(shipped()), date(2019, 8, 19))
    with pytest.raises(LprRefused, match="表为空"):
        rules.in_force([], date(2025, 1, 1))


def test_operator_point_wins_on_the_same_day() -> None:
    ship = [
        Point(date(2025, 4, 21), D("3.10"), D("3.60"), "公告"),
        Point(date(2025, 5, 20), D("3.00"), D("3.50"), "公告"),
    ]
    ops = [
        Point(date(2025, 5, 20), D("3.05"), D("3.55"), "更正", OPERATOR),
        Point(date(2025, 6, 20), D("3.00"), D("3.50"), "维持", OPERATOR),
    ]
    merged = rules.merge(ship, ops)
    assert [(p.effective_on, p.one_year, p.origin) for p in merged] == [
        (date(2025, 4, 21), D("3.10"), rules.SHIPPED),
        (date(2025, 5, 20), D("3.05"), OPERATOR),
        (date(2025, 6, 20), D("3.00"), OPERATOR),
    ]


@pytest.mark.parametrize(
    ("on", "publication"),
    [
        (date(2025, 6, 19), date(2025, 5, 20)),
        (date(2025, 6, 20), date(2025, 6, 20)),
        (date(2025, 6, 30), date(2025, 6, 20)),
        (date(2025, 1, 5), date(2024, 12, 20)),
        (date(2025, 3, 1), date(2025, 2, 20)),
    ],
)
def test_last_publication_day(on: date, publication: date) -> None:
    assert rules.last_publication_day(on) == publication


def test_stale_when_the_latest_point_is_older_than_the_last_20th() -> None:
    points = [Point(date(2025, 5, 20), D("3.00"), D("3.50"), "公告")]
    assert not rules.in_force(points, date(2025, 6, 19)).stale
    assert rules.in_force(points, date(2025, 6, 20)).stale
    # a publication moved to Monday 2024-07-22 (the 20th was a Saturday) is not stale later on
    moved = [Point(date(2024, 7, 22), D("3.35"), D("3.85"), "公告")]
    assert not rules.in_force(moved, date(2024, 8, 19)).stale
    # a past day is judged against the whole table: later points prove it was kept up
    history = list(shipped())
    assert not rules.in_force(history, date(2021, 6, 1)).stale
    assert rules.in_force(history, date(2025, 7, 1)).stale


def test_entry_checks() -> None:
    today = date(2025, 6, 1)
    ok = rules.check_entry(
        effective_on=date(2025, 6, 20), one_year=D("3.0"), five_year=D("3.4567"), today=today
    )
    assert ok == (D("3.0000"), D("3.4567"))
    bad = [
        ({"one_year": D(0)}, "大于 0%"),
        ({"five_year": D(20)}, "小于 20%"),
        ({"one_year": D("3.12345")}, "最多 4 位小数"),
        ({"effective_on": date(2019, 8, 19)}, "2019-08-20"),
        ({"effective_on": date(2025, 7, 3)}, "31 天"),
    ]
    for change, message in bad:
        args: dict[str, object] = {
            "effective_on": date(2025, 6, 20),
            "one_year": D("3.00"),
            "five_year": D("3.50"),
            "today": today,
        }
        args.update(change)
        with pytest.raises(LprRefused, match=message):
            rules.check_entry(**args)  # type: ignore[arg-type]
    # 31 days ahead is still accepted
    rules.check_entry(
        effective_on=date(2025, 7, 2), one_year=D("3"), five_year=D("3.5"), today=today
    )


def test_parse_history_reports_the_line() -> None:
    text = (
        "# 注释\neffective_on,one_year,five_year,source\n"
        "2025-05-20,3.00,3.50,a\n2025-06-20,x,3.5,b\n"
    )
    with pytest.raises(LprRefused, match="第 4 行"):
        rules.parse_history(text)
    too_high = "effective_on,one_year,five_year,source\n2025-05-20,30.00,3.50,a\n"
    with pytest.raises(LprRefused, match="第 2 行有误：1 年期 LPR须大于 0% 且小于 20%"):
        rules.parse_history(too_high)
    unordered = "effective_on,one_year,five_year,source\n2025-06-20,3,3.5,a\n2025-05-20,3,3.5,b\n"
    with pytest.raises(LprRefused, match="严格递增"):
        rules.parse_history(unordered)
