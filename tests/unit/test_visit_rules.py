"""The visit sheet's rows (no database), the follow-up rule, and the region hierarchy below the
districts (streets and communities, demo rows in kit/data/streets.csv)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from zhixin.kit import divisions
from zhixin.visits.rules import VisitRow, header_map, overdue, parse_row

USCC = "91350206MA2Y00010B"

HEAD = [
    "序号",
    "统一社会信用代码",
    "走访日期",
    "融资需求金额(万元)",
    "跟进结果",
    "结果日期",
    "备注",
]


def test_headers_match_by_name_and_ignore_the_rest() -> None:
    cols, missing = header_map(HEAD)
    assert missing == []
    assert cols == {"uscc": 1, "visited_on": 2, "amount_wan": 3, "outcome": 4, "outcome_on": 5}
    assert header_map(["序号", "企业名称"])[1] == ["统一社会信用代码", "走访日期"]


def test_a_row_in_wan_and_every_fault_named() -> None:
    cols, _ = header_map(HEAD)
    row = parse_row(2, [1, "91350206MA2Y00010B", "2026年11月3日", "12.345", "", "", "x"], cols)
    assert isinstance(row, VisitRow)
    assert (row.visited_on, row.amount_wanted, row.outcome) == (
        date(2026, 11, 3),
        Decimal("123450.00"),
        "open",
    )
    bad = parse_row(3, [2, "9135", "", "-1", "完成", "2026-11-01", ""], cols)
    assert isinstance(bad, list)
    assert [f for f, _r in bad] == [
        "统一社会信用代码",
        "走访日期",
        "融资需求金额（万元）",
        "跟进结果",
    ]
    early = parse_row(
        4, [3, "91350206MA2Y00010B", "2026-11-03", "", "已申请", "2026-11-02", ""], cols
    )
    assert early == [("结果日期", "结果日期不能早于走访日期")]
    missing = parse_row(5, [4, USCC, "2026-11-03", "", "已申请", "", ""], cols)
    assert missing == [("结果日期", "跟进结果不是“跟进中”时须填写结果日期")]


def test_overdue_only_when_open_after_the_deadline() -> None:
    due = date(2026, 11, 10)
    assert not overdue(due_on=due, outcome="open", today=due)
    assert overdue(due_on=due, outcome="open", today=date(2026, 11, 11))
    assert not overdue(due_on=due, outcome="applied", today=date(2026, 11, 11))
    assert not overdue(due_on=None, outcome="open", today=date(2026, 11, 11))


def test_district_street_community() -> None:
    assert divisions.place_name("350206001001") == "厦门市湖里区湖里街道海天社区"
    assert divisions.level_of("350206001") == "street"
    assert divisions.below("350206001") == [
        ("350206001001", "海天社区"),
        ("350206001002", "东荣社区"),
    ]
    assert divisions.place_by_name("枋湖社区") == "350206004001"
    assert divisions.is_demo("350206004001")
    assert divisions.known_place("3502") and divisions.known_place("350206")
    assert not divisions.known_place("350206999")
    assert divisions.place_name("350206999") == "350206999"
