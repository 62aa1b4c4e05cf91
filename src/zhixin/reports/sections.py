"""The report's sections: each a function of the facts (read once, already within the reader's
scope) and the period that returns a table. ``reports.registry.SECTIONS`` is the one register:
a report is that list, in that order, and the XLSX, the pages and the CLI all walk it.

To add a section (guarantees, compensation, 贴息, the outcome ledger), write its builder here or
in its own module and append a :class:`Section` to ``SECTIONS``; what it reads goes into
:class:`Facts` (filled by :func:`zhixin.reports.service.gather`).

Every figure is defined in docs/reports.md; the tests recompute each from the tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from zhixin.kit.divisions import industry_name, region_name
from zhixin.reports.rules import Period, percent

ZERO = Decimal("0.00")


def yuan(total: int) -> Decimal:
    """A daily facts' total in fen as yuan."""
    return (Decimal(int(total)) / 100).quantize(ZERO)


NON_PERFORMING = frozenset({"substandard", "doubtful", "loss"})
CLASS_ORDER = ("normal", "special_mention", "substandard", "doubtful", "loss")
CLASS_LABELS = {
    "normal": "正常",
    "special_mention": "关注",
    "substandard": "次级",
    "doubtful": "可疑",
    "loss": "损失",
}
CONSULTATION_LABELS = {
    "open": "待会诊",
    "planned": "已制定方案",
    "resolved": "已解决",
    "closed": "已结案",
}
RESOLVE_TARGET_WORKDAYS = 5


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "int"  # text / int / money / tenth / pct


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    # per row: column index → the dashboard's drill-down filter (see reports.views)
    drill: list[dict[int, str]] = field(default_factory=list)


@dataclass
class Facts:
    """Everything the sections read, within the reader's scope (a bank's own rows, a
    regulator's jurisdiction)."""

    period: Period
    today: date
    banks: dict[int, tuple[str, str]]  # tenant id → (code, name), the banks in scope
    applications: list[Any]  # applications.facts.ApplicationFact
    consultations: list[Any]  # applications.facts.ConsultationFact
    drawdowns: list[Any]  # loans.facts.DrawdownFact
    quality_contracts: set[int]  # contracts whose origin application was made while listed
    listed_start: dict[int, int]  # enterprise → entries (家次), publication in force the day before
    listed_end: dict[int, int]  # … at the end of the period
    version_start: Any  # whitelist.facts.PublicationFact | None
    version_end: Any
    places: dict[int, tuple[str, str | None, str | None]]  # enterprise → (name, region, industry)
    product_names: dict[str, str]
    region_prefix: str | None = None  # the scope's area: the roll-up lists the level below
    grades: dict[int, list[Any]] = field(default_factory=dict)  # evaluation.facts.GradeFact
    # support.facts: GuaranteeFact, ClaimFact, RecoveryFact, SubsidyFact
    guarantees: list[Any] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)
    recoveries: list[Any] = field(default_factory=list)
    subsidies: list[Any] = field(default_factory=list)
    need_events: list[Any] = field(default_factory=list)  # demand.facts.NeedEventFact
    ledger: list[Any] = field(default_factory=list)  # demand.rules.LedgerRow as of the end
    freezes: list[Any] = field(default_factory=list)  # linkage.facts.FreezeFact
    covenants: list[Any] = field(default_factory=list)  # linkage.facts.CovenantFact
    expiring: list[Any] = field(default_factory=list)  # records.facts.ExpiringFact
    # reports.daily.Aggregates: the daily facts summed (banks, ranking, loans, NPL, areas)
    agg: Any = None
    # the firms that applied / had an application approved / drew by the period's end, in the
    # scope's banks and products (no region: the conversion meets them with listed_end)
    firms: dict[str, set[int]] = field(default_factory=dict)
    listed_regions: dict[int, str | None] = field(default_factory=dict)  # listed_end's regions
    # reports.listed.Listed: the whitelist and conversion the sections show (pre-aggregated per
    # publication; the drill-down's Facts carry the same figures counted from the sets above)
    listed_at_start: Any = None
    listed_at_end: Any = None
    # the consultation section's figures summed by the database (None: from ``consultations``)
    consultation_counts: dict[str, list[int]] | None = None
    patents: list[Any] = field(default_factory=list)  # records.facts.PatentFact (borrowers')
    pledges: dict[tuple[int, str], set[int]] = field(default_factory=dict)  # risk.facts
    visits: list[Any] = field(default_factory=list)  # visits.facts.VisitFact
    events: list[Any] = field(default_factory=list)  # visits.facts.EventFact
    # the applications the visits and matching sections read (rows=False: only the visited
    # firms' and those an event names; the drill-down lists: every one in scope)
    visit_applications: list[Any] = field(default_factory=list)


def q(what: str, **by: str) -> str:
    """A drill-down's query: what to list, and the row's own key (``by_bank`` …)."""
    return urlencode({"what": what, **{f"by_{k}": v for k, v in by.items()}})


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


# -- the loan book ------------------------------------------------------------------------------


def _loan_rows(
    f: Facts, key: Callable[[Any], str], order: Iterable[str] | None = None
) -> tuple[list[list[Any]], list[str]]:
    acc: dict[str, list[Any]] = {}
    for x in f.agg.book:  # every drawdown up to the end lists its key
        slot = acc.setdefault(key(x), [0, 0, 0, 0])
        if x.measure == "running":
            slot[2] += x.n
            slot[3] += x.total
    for x in f.agg.period:
        if x.measure == "new":
            slot = acc.setdefault(key(x), [0, 0, 0, 0])
            slot[0] += x.n
            slot[1] += x.total
    keys = [k for k in order if k in acc] if order is not None else sorted(acc)
    rows = [[k, acc[k][0], yuan(acc[k][1]), acc[k][2], yuan(acc[k][3])] for k in keys]
    total = [sum((r[i] for r in rows), ZERO if i in (2, 4) else 0) for i in range(1, 5)]
    rows.append(["合计", *total])
    return rows, keys


LOAN_COLUMNS = [
    Column("本期新增放款（笔）"),
    Column("本期新增放款金额（元）", "money"),
    Column("在贷（笔）"),
    Column("贷款余额（元）", "money"),
]
LOAN_NOTE = (
    "新增放款：起息日在本期的用信，不含无还本续贷转入的用信；在贷与余额：未结清的用信及其剩余本金，"
    "为最近一次日终批处理后的数（与不良率同口径）。"
)


def _district(f: Facts, x: Any) -> str:
    return region_name(x.region_code) or "未登记"


def _industry(f: Facts, x: Any) -> str:
    return industry_name(x.industry_code) or "未登记"


def _loans(key: str, title: str, first: str, by: Callable[[Facts, Any], str], order: Any = None):  # type: ignore[no-untyped-def]
    def build(f: Facts) -> Table:
        rows, keys = _loan_rows(f, lambda d: by(f, d), order)
        drill = [{1: q("disbursed", **{key: k}), 3: q("running", **{key: k})} for k in keys]
        drill.append({1: q("disbursed"), 3: q("running")})
        return Table(
            f"loans_by_{key}", title, [Column(first, "text"), *LOAN_COLUMNS], rows, LOAN_NOTE, drill
        )

    return build


loans_by_product = _loans(
    "product",
    "贷款 · 按产品",
    "产品",
    lambda f, d: f.product_names.get(d.product_code, d.product_code),
)
loans_by_class = _loans(
    "class",
    "贷款 · 按五级分类",
    "五级分类",
    lambda f, x: CLASS_LABELS.get(x.kind, x.kind),
    [CLASS_LABELS[c] for c in CLASS_ORDER],
)
loans_by_district = _loans("district", "贷款 · 按区县", "区县", _district)
loans_by_industry = _loans("industry", "贷款 · 按行业", "行业", _industry)


def npl(f: Facts) -> Table:
    def figures(label: str, rows: list[Any]) -> list[Any]:
        balance = yuan(sum(x.total for x in rows))
        bad = yuan(sum(x.total for x in rows if x.kind in NON_PERFORMING))
        return [label, sum(x.n for x in rows), balance, bad, percent(bad, balance)]

    running = [x for x in f.agg.book if x.measure == "running"]
    quality = [x for x in running if x.quality]
    return Table(
        "npl",
        "不良贷款率",
        [
            Column("口径", "text"),
            Column("在贷（笔）"),
            Column("贷款余额（元）", "money"),
            Column("不良余额（元）", "money"),
            Column("不良率（%）", "pct"),
        ],
        [figures("质量贷款（申请时在白名单上）", quality), figures("平台全部贷款", running)],
        "不良：次级、可疑、损失三类的剩余本金；质量贷款：合同来自借款人在白名单上时提交的申请"
        "（无还本续贷沿续贷链追溯到原申请）。",
        [
            {2: q("running", quality="1"), 3: q("npl", quality="1")},
            {2: q("running"), 3: q("npl")},
        ],
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


@dataclass(frozen=True)
class Section:
    key: str
    build: Callable[[Facts], Table]
