"""The visits' pure parts added with the API: the area hierarchy below the county, the roll-up
by area, the outcome rule, and the small-sheet header helper shared with the 对接台账."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from zhixin.intake import layout
from zhixin.kit import divisions
from zhixin.visits import areas, outcomes


def test_the_levels_below_a_prefix() -> None:
    assert [divisions.child_size(p) for p in (None, "35", "3502", "350206", "350206001")] == [
        4,
        4,
        6,
        9,
        12,
    ]
    assert divisions.child_size("350206001001") == 12
    assert divisions.area_below("350206004001", "350206") == "350206004"
    assert divisions.area_below("350206004001", "350206004") == "350206004001"
    assert divisions.area_below("350206", "350206") is None  # known only to its county
    assert divisions.area_below(None, None) is None
    assert divisions.area_below("350203001001", "350206") is None  # recorded outside the area
    assert divisions.areas_above("350206004", "35") == ["3502", "350206", "350206004"]
    assert divisions.areas_above("350206", None) == ["35", "3502", "350206"]
    assert divisions.area_name("350206004") == "厦门市湖里区禾山街道"
    assert divisions.area_name("3502") == "厦门市"
    assert [divisions.is_area_code(c) for c in ("35", "35020", "350206001", "x5")] == [
        True,
        False,
        True,
        False,
    ]


@dataclass
class V:
    enterprise_id: int
    area: str | None
    amount_wanted: Decimal | None = None
    bank_code: str | None = None
    outcome: str = "open"
    follow_up_due_on: date | None = None


def test_the_roll_up_counts_each_area_once_and_sums_to_the_total() -> None:
    today = date(2026, 12, 7)
    visits = [
        V(1, "350206004001", Decimal("100.00"), "bank-a", "granted", date(2026, 11, 10)),
        V(1, "350206004002", Decimal("0"), "bank-a", "open", date(2026, 12, 1)),  # overdue
        V(2, "350206001", Decimal("50.50"), None, "applied"),
        V(3, "350206"),  # no street recorded
    ]
    rows, total = areas.roll_up(visits, prefix="350206", today=today)
    got = [(r.code, r.visits, len(r.firms), r.needs, r.amount_wanted) for r in rows]
    assert got == [
        ("350206001", 1, 1, 1, Decimal("50.50")),
        ("350206004", 2, 1, 1, Decimal("100.00")),
        (None, 1, 1, 0, Decimal("0.00")),
    ]
    assert (total.visits, len(total.firms), total.assigned, total.applied, total.granted) == (
        4,
        3,
        2,
        2,
        1,
    )
    assert total.overdue == 1 and rows[1].overdue == 1
    assert sum(r.visits for r in rows) == total.visits


def test_a_final_outcome_asks_for_confirmation_and_stays_with_the_bank() -> None:
    day, today = date(2026, 11, 3), date(2026, 12, 7)

    def check(current: str, new: str, on: date | None, *, corrector=False, confirmed=False):  # type: ignore[no-untyped-def]
        return outcomes.check(
            current=current,
            new=new,
            outcome_on=on,
            visited_on=day,
            today=today,
            corrector=corrector,
            confirmed=confirmed,
        )

    assert check("open", "applied", date(2026, 11, 6)) is None
    assert check("open", "granted", date(2026, 11, 6)).message.startswith("确认：")  # type: ignore[union-attr]
    assert check("open", "granted", date(2026, 11, 6), confirmed=True) is None
    assert check("open", "applied", None).kind == "invalid"  # type: ignore[union-attr]
    assert "不能早于" in check("open", "applied", date(2026, 11, 1)).message  # type: ignore[union-attr]
    assert "不能晚于今天" in check("open", "applied", date(2026, 12, 8)).message  # type: ignore[union-attr]
    assert check("granted", "open", None).kind == "conflict"  # type: ignore[union-attr]
    assert check("granted", "open", None, corrector=True) is None
    assert check("open", "done", None).kind == "invalid"  # type: ignore[union-attr]


def test_the_shared_header_helper() -> None:
    cols, missing = layout.header_map(
        ["序号", " 金额(元) ", "代码", "金额（元）"],
        columns={"code": "代码", "amount": "金额（元）", "day": "日期"},
        aliases={},
        required=("code", "day"),
    )
    assert cols == {"amount": 1, "code": 2} and missing == ["日期"]
    assert [layout.cell_text(v) for v in (None, 12.0, 12.5, " a ")] == ["", "12", "12.5", "a"]
