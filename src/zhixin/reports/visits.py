"""千企万户大走访 and 银企对接会 in the report (pure; the facts come from ``zhixin.visits.facts``):
visits made, financing needs found, needs posted, firms converted to applications, follow-ups
late — per bank — and the matching events with the applications they led to. Defined in
docs/reports.md."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from zhixin.kit.divisions import AREA_LEVELS, area_name, child_size
from zhixin.reports.sections import ZERO, Column, Facts, Table
from zhixin.visits import areas

UNASSIGNED = "未分配银行"


def _late(v: Any, today: date) -> bool:
    """Follow-up deadline behind today and no outcome recorded by it."""
    due = v.follow_up_due_on
    if due is None or due >= today:
        return False
    return bool(v.outcome == "open" or (v.outcome_on is not None and v.outcome_on > due))


def visits(f: Facts) -> Table:
    p = f.period
    names = {code: name for code, name in f.banks.values()}
    applied: dict[int, list[date]] = defaultdict(list)
    for a in f.visit_applications:
        if a.submitted_on is not None and a.submitted_on <= p.end:
            applied[a.enterprise_id].append(a.submitted_on)
    made = [v for v in f.visits if p.holds(v.visited_on)]

    def converted(v: Any) -> bool:
        return any(v.visited_on <= d for d in applied.get(v.enterprise_id, ()))

    def row(label: str, vs: list[Any]) -> list[Any]:
        found = [v for v in vs if v.amount_wanted is not None and v.amount_wanted > 0]
        return [
            label,
            len(vs),
            len({v.enterprise_id for v in vs}),
            len(found),
            sum((Decimal(v.amount_wanted) for v in found), ZERO),
            sum(1 for v in vs if v.need_id is not None),
            len({v.enterprise_id for v in vs if converted(v)}),
            sum(1 for v in vs if _late(v, f.today)),
        ]

    by_bank: dict[str | None, list[Any]] = defaultdict(list)
    for v in made:
        by_bank[v.bank_code].append(v)
    rows = [row(names.get(code, code), by_bank[code]) for code in sorted(c for c in by_bank if c)]
    if None in by_bank:
        rows.append(row(UNASSIGNED, by_bank[None]))
    if len(rows) > 1:
        rows.append(row("合计", made))
    return Table(
        "visits",
        "千企万户大走访",
        [
            Column("对接银行", "text"),
            Column("走访（次）"),
            Column("走访企业（家）"),
            Column("发现融资需求（次）"),
            Column("需求金额", "money"),
            Column("转为融资需求（次）"),
            Column("转化为申请（家）"),
            Column("跟进超期（次）"),
        ],
        rows,
        "走访：走访日期在本期的走访记录，按分派跟进的银行；"
        "发现融资需求：记录了大于 0 的融资需求金额；"
        "转为融资需求：已发布到融资需求（对接平台）；"
        "转化为申请：走访企业在走访当日至期末提交了贷款申请（本范围内的申请；企业计一次）；"
        "跟进超期：跟进时限（工作日）已过而到期时仍无跟进结果。",
    )


def matching(f: Facts) -> Table:
    p = f.period
    apps = {a.id: a for a in f.visit_applications}
    held = [e for e in f.events if p.holds(e.held_on)]
    linked = [apps[i] for e in held for i in e.application_ids if i in apps]
    row = [
        len(held),
        sum(len(e.bank_codes) for e in held),
        sum(len(e.enterprise_ids) for e in held),
        len(linked),
        sum(1 for a in linked if a.approved),
        sum((a.approved_amount or ZERO for a in linked if a.approved), ZERO),
    ]
    return Table(
        "matching",
        "银企对接会",
        [
            Column("对接会（场）"),
            Column("参会银行（家次）"),
            Column("参会企业（家次）"),
            Column("促成申请（笔）"),
            Column("其中已获批（笔）"),
            Column("获批金额", "money"),
        ],
        [row],
        "对接会：举办日期在本期；参会家次：各场参会银行、企业数之和；促成申请：各场登记的由对接会促成的"
        "贷款申请（本范围内）；已获批：其中现状态为已批准或已签约的申请及其批准金额。",
    )


def visit_areas(f: Facts) -> Table:
    """The period's visits by area one level below the scope's (``visits.areas``): the cities
    of the platform or a province, the counties of a city, the streets of a county."""
    made = [v for v in f.visits if f.period.holds(v.visited_on)]
    found, total = areas.roll_up(made, prefix=f.region_prefix, today=f.today)

    def row(label: str, r: areas.AreaRow) -> list[Any]:
        return [
            label,
            r.visits,
            len(r.firms),
            r.needs,
            r.amount_wanted,
            r.assigned,
            r.applied,
            r.granted,
            r.overdue,
        ]

    rows = [row(area_name(r.code) if r.code else areas.UNSPLIT, r) for r in found]
    rows.append(row("合计", total))
    level = AREA_LEVELS[child_size(f.region_prefix)]
    return Table(
        "visit_areas",
        "走访按区域汇总（省 → 市 → 区县 → 街道 → 社区）",
        [
            Column(level, "text"),
            Column("走访（次）"),
            Column("走访企业（家）"),
            Column("发现融资需求（次）"),
            Column("需求金额", "money"),
            Column("已分派银行（次）"),
            Column("已申请或获贷（次）"),
            Column("已获贷（次）"),
            Column("跟进超期（次）"),
        ],
        rows,
        "走访日期在本期的走访，按走访所在区域（走访小组所记的社区或街道，未记时为企业注册地区县）"
        "汇总到本范围的下一级；未细分到该级的走访单列一行。已申请或获贷、已获贷：现记录的跟进结果；"
        "跟进超期：跟进截止日已过而仍为跟进中。",
    )
