"""Working-day arithmetic on China's official calendar, the operator's years, and their files.

Every expected date below was worked out by hand from the State Council's notices (as
chinese-calendar 1.11.0 records them) and is asserted exactly.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhixin.errors import Invalid
from zhixin.workdays import files
from zhixin.workdays.rules import (
    UnknownYear,
    WorkCalendar,
    YearSchedule,
    package_schedule,
    package_span,
    problems,
    schedule_of,
    warnings,
    working_days_in,
)

D = date
CAL = WorkCalendar({})

# A TEST schedule for 2027 (not the official one, which is not published yet): New Year's Day
# on Friday 1 January and Monday 4 January off, Saturday 9 January a make-up working day.
TEST_2027 = schedule_of(
    2027,
    {D(2027, 1, 1): "元旦", D(2027, 1, 4): "元旦"},
    {D(2027, 1, 9): "元旦"},
    "测试用安排",
)
WITH_2027 = WorkCalendar({2027: TEST_2027})


# -- the package's years, read through WorkCalendar ----------------------------------------


def test_the_package_covers_2004_to_2026() -> None:
    assert package_span() == (2004, 2026)
    assert CAL.knows(2004) and CAL.knows(2026)
    assert not CAL.knows(2027) and not CAL.knows(2003)
    assert CAL.origin(2025) == "chinese-calendar" and CAL.origin(2027) == "unknown"


def test_spring_festival_2025() -> None:
    # Off Tue 28 Jan – Tue 4 Feb; Sunday 26 Jan and Saturday 8 Feb are make-up working days.
    assert CAL.is_workday(D(2025, 1, 26))  # Sunday, 调休上班
    assert not CAL.is_workday(D(2025, 1, 28))  # Tuesday, 春节
    assert not CAL.is_workday(D(2025, 2, 4))  # Tuesday, 春节 (last day)
    assert CAL.is_workday(D(2025, 2, 8))  # Saturday, 调休上班
    assert not CAL.is_workday(D(2025, 2, 9))  # an ordinary Sunday
    # Friday 24 Jan + 1 → the make-up Sunday; + 2 → Monday 27; + 3 → Wednesday 5 Feb.
    assert CAL.add_workdays(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert CAL.add_workdays(D(2025, 1, 24), 2) == D(2025, 1, 27)
    assert CAL.add_workdays(D(2025, 1, 24), 3) == D(2025, 2, 5)
    # Monday 27 Jan + 5: 5, 6, 7 Feb, the make-up Saturday 8 Feb, Monday 10 Feb.
    assert CAL.add_workdays(D(2025, 1, 27), 4) == D(2025, 2, 8)
    assert CAL.add_workdays(D(2025, 1, 27), 5) == D(2025, 2, 10)
    # (24 Jan, 10 Feb]: 26, 27 Jan, 5, 6, 7, 8, 10 Feb.
    assert CAL.workdays_between(D(2025, 1, 24), D(2025, 2, 10)) == 7
    assert CAL.workdays_between(D(2025, 2, 10), D(2025, 1, 24)) == -7


def test_national_day_2025() -> None:
    # Off Wed 1 – Wed 8 Oct (国庆 + 中秋); Sunday 28 Sep and Saturday 11 Oct are working days.
    assert CAL.is_workday(D(2025, 9, 28))
    assert not CAL.is_workday(D(2025, 10, 6))  # 中秋节
    assert not CAL.is_workday(D(2025, 10, 8))
    assert CAL.is_workday(D(2025, 10, 11))
    assert CAL.add_workdays(D(2025, 9, 26), 1) == D(2025, 9, 28)  # Friday → make-up Sunday
    assert CAL.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)  # Tuesday → Thursday 9 Oct
    assert CAL.add_workdays(D(2025, 9, 30), 3) == D(2025, 10, 11)  # 9, 10, Saturday 11
    assert CAL.add_workdays(D(2025, 9, 30), 4) == D(2025, 10, 13)
    # (26 Sep, 13 Oct]: 28, 29, 30 Sep, 9, 10, 11, 13 Oct.
    assert CAL.workdays_between(D(2025, 9, 26), D(2025, 10, 13)) == 7


def test_spring_festival_and_national_day_2024() -> None:
    # 2024: off Sat 10 – Sat 17 Feb (除夕, Friday 9 Feb, was a working day); Sunday 4 Feb and
    # Sunday 18 Feb were make-up days. National Day: off 1–7 Oct; Sunday 29 Sep and
    # Saturday 12 Oct were working days.
    assert package_schedule(2024) is not None
    assert CAL.add_workdays(D(2024, 2, 2), 1) == D(2024, 2, 4)
    assert CAL.add_workdays(D(2024, 2, 8), 1) == D(2024, 2, 9)
    assert CAL.add_workdays(D(2024, 2, 9), 1) == D(2024, 2, 18)
    assert CAL.add_workdays(D(2024, 2, 9), 2) == D(2024, 2, 19)
    assert CAL.add_workdays(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert CAL.add_workdays(D(2024, 9, 29), 1) == D(2024, 9, 30)
    assert CAL.add_workdays(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert CAL.add_workdays(D(2024, 9, 30), 5) == D(2024, 10, 12)  # 8, 9, 10, 11, Sat 12
    # (27 Sep, 12 Oct]: Sun 29 Sep, Mon 30 Sep, 8, 9, 10, 11 Oct, Sat 12 Oct.
    assert CAL.workdays_between(D(2024, 9, 27), D(2024, 10, 12)) == 7


def test_zero_days_is_the_start_itself_and_negative_is_refused() -> None:
    assert CAL.add_workdays(D(2025, 1, 28), 0) == D(2025, 1, 28)  # even on a holiday
    assert WorkCalendar({}, package=False).add_workdays(D(2030, 1, 1), 0) == D(2030, 1, 1)
    with pytest.raises(ValueError, match="负数"):
        CAL.add_workdays(D(2025, 1, 2), -1)


def test_working_days_in_a_year() -> None:
    # 2025 has 261 weekdays; 18 of them are holidays (1 Jan; 28, 29, 30, 31 Jan, 3, 4 Feb;
    # 4 Apr; 1, 2, 5 May; 2 Jun; 1, 2, 3, 6, 7, 8 Oct); 5 weekend days are make-up days
    # (26 Jan, 8 Feb, 27 Apr, 28 Sep, 11 Oct): 261 − 18 + 5 = 248 working days.
    schedule = package_schedule(2025)
    assert schedule is not None
    weekday_holidays = sum(1 for d in schedule.holidays if d.weekday() < 5)
    weekdays = sum(1 for i in range(365) if (D(2025, 1, 1) + timedelta(i)).weekday() < 5)
    assert (weekdays, weekday_holidays) == (261, 18)
    assert sorted(schedule.workdays) == [
        D(2025, 1, 26),
        D(2025, 2, 8),
        D(2025, 4, 27),
        D(2025, 9, 28),
        D(2025, 10, 11),
    ]
    assert working_days_in(schedule) == 248


# -- unknown years --------------------------------------------------------------------------


def test_a_deadline_into_an_unknown_year_names_the_year() -> None:
    # Tuesday 29 Dec 2026 + 2 → Thursday 31 Dec; + 3 needs 2027, which nobody knows.
    assert CAL.add_workdays(D(2026, 12, 29), 2) == D(2026, 12, 31)
    with pytest.raises(UnknownYear) as caught:
        CAL.add_workdays(D(2026, 12, 29), 3)
    assert caught.value.year == 2027
    assert str(caught.value) == (
        "2027 年的法定节假日与调休安排尚未录入（chinese-calendar 仅覆盖至 2026 年），"
        "请在「工作日历」页面或用 zhixin calendar set-year 录入"
    )
    assert isinstance(caught.value, Invalid) and caught.value.status == 422
    with pytest.raises(UnknownYear, match=r"2003 年.*覆盖 2004–2026 年"):
        CAL.is_workday(D(2003, 12, 31))
    with pytest.raises(UnknownYear, match="2027"):
        CAL.workdays_between(D(2026, 12, 1), D(2027, 1, 5))


def test_without_the_package_only_operator_years_are_known() -> None:
    cal = WorkCalendar({2027: TEST_2027}, package=False)
    assert cal.knows(2027) and not cal.knows(2025)
    with pytest.raises(UnknownYear):
        cal.is_workday(D(2025, 3, 3))


# -- the operator's years ------------------------------------------------------------------


def test_a_deadline_into_an_operator_year_honours_its_make_up_saturday() -> None:
    start = D(2026, 12, 29)  # Tuesday
    expected = {
        1: D(2026, 12, 30),
        2: D(2026, 12, 31),
        3: D(2027, 1, 5),  # Fri 1 Jan off, weekend, Mon 4 Jan off
        6: D(2027, 1, 8),
        7: D(2027, 1, 9),  # the make-up Saturday
        8: D(2027, 1, 11),
    }
    for n, day in expected.items():
        assert WITH_2027.add_workdays(start, n) == day, n
    assert WITH_2027.origin(2027) == "operator"
    assert WITH_2027.workdays_between(start, D(2027, 1, 11)) == 8
    assert not WITH_2027.is_workday(D(2027, 1, 10))  # an ordinary Sunday


def test_operator_data_wins_over_the_package() -> None:
    # An operator 2025 listing only New Year's Day: the package's Spring Festival no longer
    # applies, and the package's make-up Sunday 26 Jan is a rest day again.
    only_new_year = schedule_of(2025, {D(2025, 1, 1): "元旦"}, {}, "测试")
    cal = WorkCalendar({2025: only_new_year})
    assert cal.origin(2025) == "operator"
    assert cal.is_workday(D(2025, 1, 28)) and not CAL.is_workday(D(2025, 1, 28))
    assert not cal.is_workday(D(2025, 1, 26)) and CAL.is_workday(D(2025, 1, 26))
    assert cal.add_workdays(D(2025, 1, 24), 1) == D(2025, 1, 27)


def test_listing_a_weekend_as_a_holiday_changes_nothing() -> None:
    a = schedule_of(2027, {D(2027, 1, 1)}, set(), "a")
    b = schedule_of(2027, {D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)}, set(), "b")
    assert problems(2027, b) == []
    assert all(a.is_workday(D(2027, 1, d)) == b.is_workday(D(2027, 1, d)) for d in range(1, 32))


# -- checking an entered year --------------------------------------------------------------


def test_every_problem_of_an_entered_year_is_listed() -> None:
    bad = YearSchedule(
        2027,
        holidays=frozenset({D(2026, 12, 31), D(2027, 2, 6)}),
        workdays=frozenset({D(2027, 2, 6), D(2027, 2, 10)}),
        source="测试",
    )
    assert problems(2027, bad) == [
        "2026-12-31 不属于 2027 年",
        "2027-02-06 不能既是休假日（休）又是调休上班日（班）",
        "2027-02-10 是星期三，本来就上班；调休上班日（班）只能是星期六或星期日",
    ]
    empty = YearSchedule(2027, frozenset(), frozenset({D(2027, 2, 13)}), "测试")
    assert problems(2027, empty) == ["至少需要一个法定节假日（休）"]
    assert problems(2027, TEST_2027) == []
    assert problems(2026, TEST_2027) == ["文件中的年份（2027）与要录入的年份（2026）不一致"] + [
        f"{d} 不属于 2026 年" for d in ("2027-01-01", "2027-01-04", "2027-01-09")
    ]
    assert problems(1999, schedule_of(1999, {D(1999, 1, 1)}, (), "x")) == [
        "年份 1999 超出可录入的范围（2000–2100）"
    ]


def test_a_year_the_package_knows_too_is_compared_day_by_day() -> None:
    package = package_schedule(2025)
    assert package is not None
    # The same calendar written without the weekends inside the holiday periods: identical.
    same = schedule_of(
        2025, {d for d in package.holidays if d.weekday() < 5}, package.workdays, "同"
    )
    assert warnings(2025, same) == [
        "chinese-calendar 也有 2025 年的安排，与本次录入一致；录入后以本次录入为准"
    ]
    # Forget the make-up Saturday 8 Feb and add Monday 27 Jan off: two days differ.
    changed = schedule_of(
        2025, same.holidays | {D(2025, 1, 27)}, same.workdays - {D(2025, 2, 8)}, "改"
    )
    (text,) = warnings(2025, changed)
    assert "有 2 天不同" in text
    assert "2025-01-27（星期一）：本次录入为休息，chinese-calendar 为上班" in text
    assert "2025-02-08（星期六）：本次录入为休息，chinese-calendar 为上班" in text
    assert problems(2025, changed) == []  # a warning, not a refusal
    assert warnings(2027, TEST_2027) == []


# -- files ---------------------------------------------------------------------------------


def test_lines_with_header_bom_tabs_ranges_and_english_kinds() -> None:
    text = (
        "\ufeff日期,类型,名称\n"
        "# 元旦\n"
        "2027-01-01,休,元旦\n"
        "\n"
        "2027-01-04\tholiday\t元旦\n"
        "2027-02-08..2027-02-10，休，春节\n"  # full-width commas, a range
        "2027/1/9,workday\n"
        "2027-02-13 班 春节\n"  # spaces
    )
    parsed = files.parse(text)
    assert parsed.errors == []
    assert parsed.holidays == {
        D(2027, 1, 1): "元旦",
        D(2027, 1, 4): "元旦",
        D(2027, 2, 8): "春节",
        D(2027, 2, 9): "春节",
        D(2027, 2, 10): "春节",
    }
    assert parsed.workdays == {D(2027, 1, 9): "", D(2027, 2, 13): "春节"}
    assert parsed.guess_year() == 2027
    schedule = parsed.to_schedule(2027, "通知")
    assert problems(2027, schedule) == []
    assert schedule.name_of(D(2027, 2, 9)) == "春节"


def test_bad_lines_are_all_reported_with_their_numbers() -> None:
    text = (
        "2027-01-01,休\n2027-13-01,休\n2027-02-13,加班\n2027-02-14\n45678,休\n"
        "2027-03-05..2027-03-01,休\n"
    )
    parsed = files.parse(text)
    assert parsed.errors == [
        "第 2 行：日期不存在：2027-13-01",
        "第 3 行：类型「加班」无法识别，应为「休」或「班」",
        "第 4 行：缺少类型，应写成「2027-02-05,休,春节」或「2027-02-13,班」",
        "第 5 行：「45678」不是日期，请写成 2027-02-05",
        "第 6 行：区间 2027-03-05..2027-03-01 的结束早于开始",
    ]
    assert parsed.holidays == {D(2027, 1, 1): ""}


def test_a_day_listed_as_both_kinds_is_caught_by_the_check() -> None:
    parsed = files.parse("2027-02-13,休\n2027-02-13,班\n")
    assert parsed.errors == []
    assert problems(2027, parsed.to_schedule(2027, "")) == [
        "2027-02-13 不能既是休假日（休）又是调休上班日（班）"
    ]


def test_yaml_with_names_ranges_and_a_workday_list() -> None:
    text = (
        "year: 2027\n"
        "note: 测试通知\n"
        "holidays:\n"
        "  元旦: [2027-01-01]\n"
        '  春节: ["2027-02-08..2027-02-09", 2027-02-12]\n'
        "workdays: [2027-02-13]\n"
    )
    parsed = files.parse(text, filename="x.txt")  # recognised by its keys
    assert parsed.errors == []
    assert parsed.year == 2027 and parsed.note == "测试通知"
    assert parsed.holidays == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 8): "春节",
        D(2027, 2, 9): "春节",
        D(2027, 2, 12): "春节",
    }
    assert parsed.workdays == {D(2027, 2, 13): ""}
    named = files.parse("holidays: [2027-01-01]\nworkdays:\n  春节: [2027-02-13]\n")
    assert named.errors == [] and named.workdays == {D(2027, 2, 13): "春节"}
    # a stated year that differs from the one being entered is reported by the check
    assert problems(2028, parsed.to_schedule(2028, ""))[0] == (
        "文件中的年份（2027）与要录入的年份（2028）不一致"
    )


def test_bad_yaml_is_explained() -> None:
    assert files.parse("holidays: [2027-01-01\n", filename="a.yaml").errors == [
        "YAML 格式有误（第 2 行附近）"
    ]
    parsed = files.parse("workdays: [2027-02-13]\nextra: 1\n", filename="a.yml")
    assert parsed.errors == [
        "无法识别的项：extra（可用：year、note、holidays、workdays）",
        "缺少 holidays（休假日）",
    ]
    assert files.parse("holidays:\n  春节: [abc]\n").errors == [
        "holidays.春节：日期格式无法识别，请使用 2024-01-05、2024/1/5 或 2024年1月5日"
    ]


def test_the_shipped_example_is_only_an_example() -> None:
    path = Path(files.__file__).parent / "data" / "2027.example.yaml"
    text = path.read_text(encoding="utf-8")
    assert "不是官方安排" in text
    parsed = files.parse(text, filename=path.name)
    assert parsed.errors == [
        "这是格式示例文件（不是官方安排）：请按国务院办公厅的通知改写日期，"
        "并删除 example 一行后再录入"
    ]
    # Without the marker line, the format itself is valid.
    stripped = "\n".join(line for line in text.splitlines() if not line.startswith("example:"))
    clean = files.parse(stripped, filename=path.name)
    assert clean.errors == []
    assert problems(2027, clean.to_schedule(2027, clean.note)) == []


def test_decoding_utf8_with_or_without_bom_and_gb18030() -> None:
    line = "2027-01-01,休,元旦\n"
    assert files.decode(line.encode("utf-8")) == line
    assert files.decode(b"\xef\xbb\xbf" + line.encode("utf-8")) == line
    assert files.decode(line.encode("gb18030")) == line


# -- properties ----------------------------------------------------------------------------

starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31))
counts = st.integers(min_value=0, max_value=150)  # ends inside the test 2027 at the latest


@settings(max_examples=150, deadline=None)
@given(start=starts, n=counts)
def test_the_nth_working_day_is_a_working_day_n_days_on(start: date, n: int) -> None:
    due = WITH_2027.add_workdays(start, n)
    if n >= 1:
        assert WITH_2027.is_workday(due)
        assert due > start
    else:
        assert due == start
    assert WITH_2027.workdays_between(start, due) == n
    assert WITH_2027.workdays_between(due, start) == -n


@settings(max_examples=100, deadline=None)
@given(start=starts, n=counts, m=counts)
def test_more_working_days_never_end_earlier(start: date, n: int, m: int) -> None:
    a, b = WITH_2027.add_workdays(start, n), WITH_2027.add_workdays(start, m)
    assert (a < b) == (n < m) and (a == b) == (n == m)
