"""专利年费: the annual fee's due day (the filing date's anniversary), the patent year it pays
for, the six months' grace, the statutory term, and the portrait's warning to the firm."""

from __future__ import annotations

from datetime import date

from zhixin.portrait.rules import Fact, patent_fees
from zhixin.records.rules import FeeDue, add_months, annual_fee_due, patent_key

START, END = date(2026, 11, 20), date(2026, 12, 20)


def due(filed: date | None, granted: date | None, subtype: str = "发明") -> FeeDue | None:
    return annual_fee_due(filed_on=filed, granted_on=granted, subtype=subtype, start=START, end=END)


def test_an_invention_pays_its_eighth_year_by_the_anniversary() -> None:
    fee = due(date(2019, 12, 10), date(2022, 5, 6))
    assert fee == FeeDue(date(2026, 12, 10), 8, date(2027, 6, 10), from_grant=False)


def test_outside_the_window_nothing_is_due() -> None:
    assert due(date(2019, 12, 21), date(2022, 5, 6)) is None  # the 31st day
    assert due(date(2019, 11, 19), date(2022, 5, 6)) is None  # the day before
    assert due(date(2019, 11, 20), date(2022, 5, 6)) is not None  # the first day


def test_no_fee_once_the_term_has_run() -> None:
    # 实用新型: 10 years from 2016-12-01 end on 2026-12-01, no fee for an 11th year
    assert due(date(2016, 12, 1), date(2017, 6, 1), "实用新型") is None
    assert due(date(2016, 12, 2), date(2017, 6, 1), "实用新型") is None
    assert due(date(2017, 12, 1), date(2018, 6, 1), "实用新型") == FeeDue(
        date(2026, 12, 1), 10, date(2027, 6, 1), from_grant=False
    )
    # 外观设计 filed before 2021-06-01: 10 years; from then: 15
    window = {"start": date(2030, 6, 20), "end": date(2030, 7, 20)}
    assert (
        annual_fee_due(
            filed_on=date(2020, 7, 1), granted_on=date(2021, 1, 1), subtype="外观设计", **window
        )
        is None
    )
    assert annual_fee_due(
        filed_on=date(2021, 7, 1), granted_on=date(2022, 1, 1), subtype="外观设计", **window
    ) == FeeDue(date(2030, 7, 1), 10, date(2031, 1, 1), from_grant=False)


def test_the_year_of_grant_is_paid_at_grant() -> None:
    assert due(date(2025, 12, 1), date(2026, 12, 5)) is None
    assert due(date(2025, 12, 1), date(2026, 3, 5)) == FeeDue(
        date(2026, 12, 1), 2, date(2027, 6, 1), from_grant=False
    )


def test_without_a_filing_date_the_grant_date_stands_in() -> None:
    assert due(None, date(2023, 11, 25)) == FeeDue(
        date(2026, 11, 25), 4, date(2027, 5, 25), from_grant=True
    )
    assert due(None, None) is None


def test_leap_days_and_month_ends() -> None:
    fee = annual_fee_due(
        filed_on=date(2020, 2, 29),
        granted_on=date(2021, 1, 1),
        subtype="发明",
        start=date(2027, 2, 15),
        end=date(2027, 3, 10),
    )
    assert fee == FeeDue(date(2027, 2, 28), 8, date(2027, 8, 28), from_grant=False)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 31), 6) == date(2027, 6, 30)


def test_patent_numbers_compare_without_prefix_and_dots() -> None:
    assert patent_key("ZL 201910123456.7") == patent_key("201910123456.7") == "2019101234567"


def test_the_firm_is_warned_on_its_portrait() -> None:
    def fact(n: int, **kw: object) -> Fact:
        base: dict[str, object] = {
            "id": n,
            "kind": "patent",
            "kind_label": "专利",
            "name": "发明",
            "valid_to": None,
            "event_date": date(2022, 5, 6),
            "repaired_on": None,
            "subtype": "发明",
            "status": "有效",
            "valid_from": date(2019, 12, 10),
            "ref": "ZL201910123456.7",
        }
        return Fact(**(base | kw))  # type: ignore[arg-type]

    alerts = patent_fees(
        [fact(1), fact(2, status="失效"), fact(3, valid_from=date(2019, 6, 1))], START
    )
    assert [(a.code, a.day, a.record_id) for a in alerts] == [("patent_fee", date(2026, 12, 10), 1)]
    assert "第 8 年年费应于 2026-12-10 前缴纳（还有 20 天）" in alerts[0].text
    assert "2027-06-10 前补缴并加收滞纳金" in alerts[0].text
