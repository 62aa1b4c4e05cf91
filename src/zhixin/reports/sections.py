"""The report's sections: each a function of the facts (read once, already within the reader's
scope) and the period that returns a table. ``reports.registry.SECTIONS`` is the one register:
a report is that list, in that order, and the XLSX, the pages and the CLI all walk it.

To add a section (guarantees, compensation, 贴息, the outcome ledger), write its builder here or
in its own module and append a :class:`Section` to ``SECTIONS``; what it reads goes into
:class:`Facts` (filled by :func:`zhixin.reports.service.gather`).

Every figure is defined in docs/reports.md; the tests recompute each from the tables.

What the builders stand on (Facts, Table, Column, Section, the vocabularies) is in ``basics``
and the loan book's sections in ``loans``, both re-exported here, so ``sections.X`` names them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhixin.kit.divisions import region_name

# The modules split off by concept, named here too: callers write ``sections.X``.
from zhixin.reports.basics import (
    CLASS_LABELS,
    CLASS_ORDER,
    CONSULTATION_LABELS,
    NON_PERFORMING,
    RESOLVE_TARGET_WORKDAYS,
    ZERO,
    Column,
    Facts,
    Section,
    Table,
    q,
    yuan,
)
from zhixin.reports.loans import (
    LOAN_COLUMNS,
    LOAN_NOTE,
    loans_by_class,
    loans_by_district,
    loans_by_industry,
    loans_by_product,
    npl,
)
from zhixin.reports.rules import Period, percent

__all__ = [
    "CLASS_LABELS",
    "CLASS_ORDER",
    "CONSULTATION_LABELS",
    "CONVERSION_STEPS",
    "LOAN_COLUMNS",
    "LOAN_NOTE",
    "NON_PERFORMING",
    "RESOLVE_TARGET_WORKDAYS",
    "ZERO",
    "Column",
    "Facts",
    "Section",
    "Table",
    "areas",
    "banks",
    "child_area",
    "consultations",
    "conversion",
    "conversion_sets",
    "count_consultations",
    "loans_by_class",
    "loans_by_district",
    "loans_by_industry",
    "loans_by_product",
    "mean_of",
    "missed_deadline",
    "npl",
    "q",
    "ranking",
    "whitelist",
    "yuan",
]


# -- per bank ---------------------------------------------------------------------------------


def missed_deadline(a: Any, period: Period, today: date) -> bool:
    """A fast-lane deadline within the period that passed without a decision: decided after the
    deadline, or still undecided and the deadline already behind ``today``. Withdrawn
    applications are left out."""
    if a.deadline is None or not period.holds(a.deadline) or a.state == "withdrawn":
        return False
    if a.decided_on is not None:
        return bool(a.decided_on > a.deadline)
    return bool(a.deadline < today)


def mean_of(total: int, count: int) -> Decimal | None:
    """:func:`mean_tenth` from a sum and a count (the daily facts keep both)."""
    if not count:
        return None
    return (Decimal(total) / count).quantize(Decimal("0.1"), ROUND_HALF_UP)


def banks(f: Facts) -> Table:
    by_bank: dict[int | None, Counter[str]] = defaultdict(Counter)
    for x in f.agg.period:
        c = by_bank[x.bank_tenant_id]
        c[x.measure] += x.n
        if x.measure in ("approved", "decided"):
            c[f"{x.measure}_total"] += x.total
    rows: list[list[Any]] = []
    drill: list[dict[int, str]] = []
    whole: Counter[str] = Counter()
    order = sorted(f.banks.items(), key=lambda kv: kv[1][0])
    for tenant_id, (code, name) in order:
        c = by_bank.get(tenant_id, Counter())
        whole.update(c)
        rows.append(
            [
                name,
                c["received"],
                c["accepted"],
                c["approved"],
                c["refused"],
                yuan(c["approved_total"]),
                mean_of(c["decided_total"], c["decided"]),
                c["late"] + c["open"],
            ]
        )
        drill.append(
            {
                1: q("received", bank=code),
                2: q("accepted", bank=code),
                3: q("approved", bank=code),
                4: q("refused", bank=code),
                7: q("missed", bank=code),
            }
        )
    if len(order) > 1:
        rows.append(
            [
                "合计",
                whole["received"],
                whole["accepted"],
                whole["approved"],
                whole["refused"],
                yuan(whole["approved_total"]),
                mean_of(whole["decided_total"], whole["decided"]),
                whole["late"] + whole["open"],
            ]
        )
        drill.append(
            {
                1: q("received"),
                2: q("accepted"),
                3: q("approved"),
                4: q("refused"),
                7: q("missed"),
            }
        )
    return Table(
        "banks",
        "各银行办理情况",
        [
            Column("银行", "text"),
            Column("收到申请（笔）"),
            Column("受理（笔）"),
            Column("批准（笔）"),
            Column("拒绝（笔）"),
            Column("批准金额（元）", "money"),
            Column("平均决策用时（工作日）", "tenth"),
            Column("快速通道超时（笔）"),
        ],
        rows,
        "收到：本期提交；受理、批准、拒绝：本期作出；用时：本期决策的申请自提交起的工作日（按工作日历）；"
        "超时：快速通道时限落在本期、未在时限内作出决策（撤回的不计）。",
        drill,
    )


def ranking(f: Facts) -> Table:
    """日晾晒: the banks ranked by approvals in the period, then amount, then fewer missed
    deadlines, then shorter decisions."""
    t = banks(f)
    ranked = [r for r in t.rows if r[0] != "合计"]
    ranked.sort(
        key=lambda r: (-r[3], -r[5], r[7], r[6] if r[6] is not None else Decimal(10**6), r[0])
    )
    rows = [[k + 1, *r] for k, r in enumerate(ranked)]
    return Table(
        "ranking",
        "银行晾晒排名",
        [Column("名次"), *t.columns],
        rows,
        "按本期批准笔数、批准金额由多到少，快速通道超时由少到多，平均决策用时由短到长排列。",
    )


# -- the whitelist and conversion --------------------------------------------------------------


def whitelist(f: Facts) -> Table:
    def row(label: str, pub: Any, listed: Any) -> list[Any]:
        if pub is None:
            return [label, "—", None, 0, 0]
        return [label, f"第 {pub.version} 版", pub.as_of, listed.firms, listed.entries]

    start = row("期初（上期末）", f.version_start, f.listed_at_start)
    end = row("期末", f.version_end, f.listed_at_end)
    change = ["增减", "", None, end[3] - start[3], end[4] - start[4]]
    return Table(
        "whitelist",
        "白名单规模",
        [
            Column("时点", "text"),
            Column("版本", "text"),
            Column("评价基准日", "date"),
            Column("企业（家）"),
            Column("家次"),
        ],
        [start, end, change],
        "期初：本期第一天之前一日结束时生效的版本；期末：本期最后一天结束时生效的版本。"
        "家次：企业在各维度上榜的次数之和。",
        [{}, {3: q("listed")}, {}],
    )


def conversion_sets(f: Facts) -> list[tuple[str, str, set[int]]]:
    listed = set(f.listed_end)
    applied = f.firms["applied"] & listed
    approved = f.firms["approved_firms"] & listed
    drawn = f.firms["drawn"] & listed
    sets = (listed, applied, approved, drawn)
    return [(k, label, s) for (k, label), s in zip(CONVERSION_STEPS, sets, strict=True)]


CONVERSION_STEPS = (
    ("listed", "白名单企业"),
    ("applied", "已申请"),
    ("approved_firms", "已获批"),
    ("drawn", "已用信（放款）"),
)


def conversion(f: Facts) -> Table:
    x = f.listed_at_end
    counts = [x.firms, x.applied, x.approved, x.drawn]
    rows: list[list[Any]] = []
    previous: int | None = None
    whole = counts[0]
    for n, (_key, label) in zip(counts, CONVERSION_STEPS, strict=True):
        rows.append(
            [label, n, percent(n, whole), None if previous is None else percent(n, previous)]
        )
        previous = n
    return Table(
        "conversion",
        "白名单企业转化（截至期末累计）",
        [
            Column("环节", "text"),
            Column("企业（家）"),
            Column("占白名单企业（%）", "pct"),
            Column("较上一环节（%）", "pct"),
        ],
        rows,
        "对象：期末生效版本上榜的企业；已申请：期末前提交过申请；已获批：期末前有申请获批；"
        "已用信：期末前有用信放款（含已结清、已续贷）。",
        [{1: q(key)} for key, _l in CONVERSION_STEPS],
    )


# -- consultations -----------------------------------------------------------------------------


def count_consultations(rows: Iterable[Any], p: Period) -> dict[str, list[int]]:
    """Per status: [opened in the period, resolved in it, their resolution working days summed,
    how many have them, how many within the target, all] — what
    ``applications.facts.consultation_counts`` sums in the database, here over rows (a region
    scope, the drill-down)."""
    out: dict[str, list[int]] = {}
    for c in rows:
        slot = out.setdefault(c.status, [0, 0, 0, 0, 0, 0])
        slot[5] += 1
        if p.holds(c.opened_on):
            slot[0] += 1
        if c.status == "resolved" and p.holds(c.resolved_on):
            slot[1] += 1
            if c.resolution_workdays is not None:
                slot[2] += c.resolution_workdays
                slot[3] += 1
                slot[4] += c.resolution_workdays <= RESOLVE_TARGET_WORKDAYS
    return out


def consultations(f: Facts) -> Table:
    counts = f.consultation_counts
    if counts is None:
        counts = count_consultations(f.consultations, f.period)

    def whole(k: int) -> int:
        return sum(v[k] for v in counts.values())

    rows: list[list[Any]] = [
        ["本期进入会诊（笔）", whole(0)],
        *[
            [f"其中现为{label}（笔）", counts.get(code, [0])[0]]
            for code, label in CONSULTATION_LABELS.items()
        ],
        ["本期解决：重新申请获批（笔）", whole(1)],
        [f"其中 {RESOLVE_TARGET_WORKDAYS} 个工作日内解决（笔）", whole(4)],
        ["本期解决平均用时（工作日）", mean_of(whole(2), whole(3))],
        [
            "目前仍在会诊（待会诊或已制定方案，笔）",
            sum(counts.get(code, [0] * 6)[5] for code in ("open", "planned")),
        ],
    ]
    return Table(
        "consultations",
        "联合会诊",
        [Column("指标", "text"), Column("数值", "tenth")],
        rows,
        "进入：被拒申请进入会诊的日期在本期；解决：其后的重新申请获批、解决日在本期，用时为自拒绝起的工作日。",
        [
            {1: q("consultations_opened")},
            {},
            {},
            {},
            {},
            {1: q("consultations_resolved")},
            {},
            {},
            {1: q("consultations_pending")},
        ],
    )


# -- province → city → county ------------------------------------------------------------------


def child_area(region: str | None, prefix: str | None) -> str | None:
    """The area one level below ``prefix`` holding ``region``: a city (4 digits) under a
    province or the whole platform, a county (6) under a city; the county itself at county
    level. None for an enterprise without a region code."""
    if not region:
        return None
    size = {None: 4, 2: 4, 4: 6}.get(None if prefix is None else len(prefix), 6)
    return region[:size]


def areas(f: Facts) -> Table:
    acc: dict[str, list[Any]] = {}

    def slot(area: str | None) -> list[Any]:
        return acc.setdefault(area or "", [0, 0, ZERO, 0, ZERO, ZERO, 0])

    for x in f.agg.period:
        if x.measure == "received":
            slot(child_area(x.region_code, f.region_prefix))[0] += x.n
        elif x.measure == "approved":
            s = slot(child_area(x.region_code, f.region_prefix))
            s[1] += x.n
            s[2] += yuan(x.total)
    for x in f.agg.book:
        if x.measure == "running":
            s = slot(child_area(x.region_code, f.region_prefix))
            s[3] += x.n
            s[4] += yuan(x.total)
            if x.kind in NON_PERFORMING:
                s[5] += yuan(x.total)
    for region, n in f.listed_at_end.by_region.items():
        slot(child_area(region, f.region_prefix))[6] += n
    rows: list[list[Any]] = []
    drill: list[dict[int, str]] = []
    for area in sorted(acc):
        v = acc[area]
        name = region_name(area) if area else "未登记区域"
        rows.append([name, v[0], v[1], v[2], v[3], v[4], v[5], percent(v[5], v[4]), v[6]])
        drill.append(
            {
                1: q("received", area=area),
                2: q("approved", area=area),
                4: q("running", area=area),
                6: q("npl", area=area),
                8: q("listed", area=area),
            }
            if area
            else {}
        )
    total = [
        sum((r[i] for r in rows), ZERO if i in (3, 5, 6) else 0) for i in range(1, 9) if i != 7
    ]
    rows.append(["合计", *total[:6], percent(total[5], total[4]), total[6]])
    drill.append({})
    return Table(
        "areas",
        "按区域汇总（省 → 市 → 区县）",
        [
            Column("区域", "text"),
            Column("收到申请（笔）"),
            Column("批准（笔）"),
            Column("批准金额（元）", "money"),
            Column("在贷（笔）"),
            Column("贷款余额（元）", "money"),
            Column("不良余额（元）", "money"),
            Column("不良率（%）", "pct"),
            Column("白名单企业（家）"),
        ],
        rows,
        "按借款企业的行政区划汇总到本范围的下一级：全平台或省 → 市，市 → 区县，区县 → 本区县；"
        "各列口径同各银行办理情况、贷款与不良率、白名单转化（期末白名单企业）。",
        drill,
    )
