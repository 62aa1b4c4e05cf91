"""Issue 18 items 1–2: the written catalog semantics, enforced — min_count wherever it has a
meaning (rejected where it has none), records after the as-of date, what bar and cap do, and
credit repair lifting *unless* voids as it lifts gates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from zhixin.catalog.loader import CatalogInvalid, load, parse
from zhixin.catalog.schema import Catalog
from zhixin.catalog.service import describe
from zhixin.engine.explain import explain, rows_from_output

from .test_engine import XIAMEN, cc, dims, penalty, rec, result, run


def _with(change: Any) -> Catalog:
    body = load("xiamen").body
    change(body)
    return parse(body).catalog


def _element(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in body["elements"] if e["code"] == code)


def _gate(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(g for g in body["gates"] if g["code"] == code)


def spot(eid: int, day: date, ok: bool, **kw: Any) -> dict[str, Any]:
    return rec(eid, "spot_check", event_date=day, passed=ok, level="市级", **kw)


# -- min_count ---------------------------------------------------------------------------------


def test_a_gate_with_min_count_two_needs_two_penalties() -> None:
    catalog = _with(lambda b: _gate(b, "G-PENALTY")["rule"].update(min_count=2))
    one = [cc(1, 2024), cc(1, 2023), penalty(1, date(2024, 5, 1))]
    r = result(run(one, catalog), 1)
    assert r["gates_failed"] == [] and r["listed"] is True
    two = [*one, penalty(1, date(2024, 9, 1))]
    out = run(two, catalog)
    r = result(out, 1)
    assert r["gates_failed"] == ["G-PENALTY"] and r["listed"] is False
    assert out.gates.num_rows == 1 and len(out.gates["record_ids"][0].as_py()) == 2


def test_an_unless_with_min_count_two_voids_only_on_two_failures() -> None:
    def change(b: dict[str, Any]) -> None:
        _element(b, "QC-04")["unless"]["min_count"] = 2
        b["gates"] = [g for g in b["gates"] if g["code"] != "G-SPOTFAIL"]

    catalog = _with(change)
    rows = [spot(1, date(2025, 3, 1), True), spot(1, date(2025, 1, 1), False)]
    assert dims(run(rows, catalog), 1) == {"credit": "III"}
    rows.append(spot(1, date(2024, 12, 1), False))
    assert dims(run(rows, catalog), 1) == {}


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("QI-01", "按数量分级的要素由 tiers[].min_count 决定"),
        ("QC-01", "连续年份规则的年数由 streak.consecutive 决定"),
    ],
)
def test_min_count_where_it_has_no_meaning_is_refused_with_its_path(
    code: str, message: str
) -> None:
    body = load("xiamen").body
    index = next(i for i, e in enumerate(body["elements"]) if e["code"] == code)
    body["elements"][index]["rule"]["min_count"] = 3
    with pytest.raises(CatalogInvalid) as caught:
        parse(body)
    assert caught.value.errors == [
        f"elements[{index}].rule.min_count: {message}"
        + ("，规则中不得另设 min_count" if code == "QI-01" else "，不得另设 min_count")
    ]


# -- records after the as-of date ----------------------------------------------------------------


def test_records_dated_after_the_as_of_date_never_count() -> None:
    # QI-01 has a window; a title has none: neither counts a record dated after the as-of date
    late = date(2025, 7, 1)
    rows = [
        rec(1, "patent", subtype="发明", status="有效", event_date=late),
        rec(1, "title", subtype="高新技术企业", valid_from=late),
        cc(1, 2026),
    ]
    assert dims(run(rows), 1) == {}


# -- bar and cap -------------------------------------------------------------------------------


def test_a_vetoed_enterprise_has_no_class_and_shows_veto() -> None:
    rows = [cc(1, 2023), cc(1, 2024), penalty(1, date(2024, 5, 1))]
    out = run(rows)
    r = result(out, 1)
    assert r["overall_level"] is None and r["vetoed"] is True and r["listed"] is False
    # the dimensions keep their level for the record, none listed
    assert dims(out, 1) == {"credit": "I"}
    assert out.dimensions["listed"].to_pylist() == [False]
    rows_ = rows_from_output(out, 1)
    assert rows_ is not None
    assert explain(XIAMEN, rows_).overall_level_name == "否决"
    clean = result(run(rows[:2]), 1)
    assert clean["vetoed"] is False and clean["overall_level"] == "II"


def test_a_cap_limits_the_class_and_every_dimension_and_listing_follows() -> None:
    shandong = load("shandong").catalog
    rows = [
        cc(1, 2023),
        cc(1, 2024),
        rec(
            1, "title", subtype="质量强国建设领军企业", level="国家级", valid_from=date(2024, 1, 1)
        ),
        rec(1, "list_entry", subtype="失信被执行人", valid_from=date(2025, 1, 1)),
    ]
    out = run(rows, shandong)
    r = result(out, 1)
    # capped at Ⅲ类: no Ⅰ类 dimension beside a Ⅲ类 class; listed at Ⅲ类 (a whitelist level)
    assert r["overall_level"] == "III" and r["vetoed"] is False
    assert set(dims(out, 1).values()) == {"III"}
    assert r["listed"] is True and r["entries"] == 2
    # and no advice pretends a capped dimension can rise
    rows_ = rows_from_output(out, 1)
    assert rows_ is not None
    ex = explain(shandong, rows_)
    assert ex.overall_level_name == "Ⅲ类"
    assert all(d.advice is None for d in ex.dimensions if d.level == "III")


# -- credit repair ---------------------------------------------------------------------------


def test_credit_repair_lifts_an_unless_void_as_it_lifts_a_gate() -> None:
    fail = spot(1, date(2025, 1, 1), False)
    rows = [spot(1, date(2025, 3, 1), True), fail]
    out = run(rows)
    assert dims(out, 1) == {} and result(out, 1)["gates_failed"] == ["G-SPOTFAIL"]
    fail["repaired_on"] = date(2025, 4, 1)
    out = run(rows)
    assert dims(out, 1) == {"credit": "III"} and result(out, 1)["gates_failed"] == []


def test_catalog_show_states_the_rules() -> None:
    text = describe(XIAMEN)
    for words in ("不晚于基准日", "数据截至时刻", "否决（bar）", "封顶（cap）", "满分 86 分"):
        assert words in text
