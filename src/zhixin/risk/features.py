"""Risk features of one enterprise on a date (pure): cash flows, invoicing and tax, financial
statements, and the quality grade.

Every feature is a ``float`` or ``None`` (no data: the scorecard's *missing* bin). Each is
defined here once, in words and in code; ``FEATURES`` gives its Chinese name, what it measures
and which way is riskier. A feature function takes plain values (no database): the services
read the rows under the enterprise's consent and hand them over.

Windows. ``as_of`` is the scoring date. The *window* is the 12 complete calendar months before
the month of ``as_of`` (``as_of`` = 2025-06-30 → 2024-06 … 2025-05); the *previous window* the
12 months before that (2023-06 … 2024-05). A month without a row counts as zero.

Cash flows come from bank statements (the national 资金流信用信息共享平台 or a bank's own):
one :class:`BankLine` per booked transaction, inflows positive, outflows negative.

- ``inflow_cv`` 流入稳定性: the population standard deviation of the window's 12 monthly inflow
  totals divided by their mean (lower is steadier; ``None`` without inflow);
- ``inflow_active_share`` 流入规律性: the share of the window's 12 months with any inflow;
- ``top_counterparty_share`` 第一大交易对手占比: the largest counterparty's share of the window's
  inflow; ``counterparty_hhi`` 交易对手集中度: Σ share² over the counterparties (the
  Herfindahl–Hirschman index, 1 = a single payer);
- ``seasonality`` 季节规律性: the Pearson correlation of the 12 monthly inflows of the window with
  those of the previous window, month by month (1 = the same seasonal pattern repeats; ``None``
  when either year has no variation);
- ``net_inflow_ratio`` 净流入率: (inflow − outflow) / inflow over the window;
- ``inflow_growth`` 流入增长率: window inflow / previous window inflow − 1.

Invoicing and tax (增值税发票 and 纳税, e.g. through 银税互动): one :class:`InvoiceMonth` per month.

- ``invoicing_growth`` 开票金额增长率: window / previous window − 1;
- ``invoicing_cv`` 开票稳定性: as ``inflow_cv``, on the monthly invoiced amounts;
- ``invoicing_zero_months`` 零开票月数: months of the window with nothing invoiced;
- ``tax_burden`` 税负率: tax paid / invoiced over the window;
- ``invoicing_growth_q`` 季度开票增长率 (%): the last calendar quarter that ended within the window
  against the same quarter a year before (the figure 众商贷's rule reads), × 100.

Financial statements: the latest fiscal year before the year of ``as_of`` (the statement of 2024
for a date in 2025; an older one when 2024 is missing).

- ``debt_ratio`` 资产负债率 = liabilities / assets; ``current_ratio`` 流动比率 = current assets /
  current liabilities; ``net_margin`` 销售净利率 = net profit / revenue; ``roa`` 总资产收益率 =
  net profit / assets; ``revenue_growth`` 营业收入增长率 = revenue / the year before's − 1;
  ``rd_intensity`` 研发投入强度 = R&D expense / revenue.

Quality (the evaluation engine's result as of the date, read through the evaluation service):

- ``quality_class_rank`` 质量信誉等级 (1 = the catalog's best class; ``None`` when not graded),
  ``quality_total_score`` 质量评价总分, ``quality_dimensions_graded`` 获评维度数,
  ``quality_elements_held`` 达标要素指标数, ``quality_gates_failed`` 触发否决项数.

Registry facts (quality records through the records service): ``years_established`` 成立年限,
``invention_patents`` 有效发明专利数, ``zjtx_level`` 专精特新层级 (0 none, 1 专精特新中小企业,
2 专精特新小巨人), ``hightech`` 高新技术企业 (1/0), ``standards_led`` 近五年主导制定标准数,
``quality_penalties_2y`` 近两年质量处罚数.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Protocol

MONTHS = 12


class Direction(StrEnum):
    """Which way the default rate moves as the feature grows (optbinning's monotonic trend)."""

    ascending = "ascending"  # higher value, higher risk (debt ratio)
    descending = "descending"  # higher value, lower risk (current ratio)
    auto = "auto_asc_desc"  # let the binning choose one of the two


@dataclass(frozen=True)
class FeatureInfo:
    code: str
    name: str  # Chinese, as pages and reason codes show it
    source: str  # 现金流 / 开票纳税 / 财务 / 质量 / 登记
    direction: Direction
    unit: str = ""  # "%" for shares shown as percentages, "" for plain numbers


def _f(code: str, name: str, source: str, direction: Direction, unit: str = "") -> FeatureInfo:
    return FeatureInfo(code, name, source, direction, unit)


A, D = Direction.ascending, Direction.descending
FEATURES: dict[str, FeatureInfo] = {
    f.code: f
    for f in (
        _f("inflow_cv", "月度流入波动系数", "现金流", A),
        _f("inflow_active_share", "有流入月份占比", "现金流", D, "%"),
        _f("top_counterparty_share", "第一大交易对手流入占比", "现金流", A, "%"),
        _f("counterparty_hhi", "交易对手集中度（HHI）", "现金流", A),
        _f("seasonality", "流入季节规律性（同比相关系数）", "现金流", D),
        _f("net_inflow_ratio", "净流入率", "现金流", D, "%"),
        _f("inflow_growth", "流入同比增长率", "现金流", D, "%"),
        _f("invoicing_growth", "开票金额同比增长率", "开票纳税", D, "%"),
        _f("invoicing_cv", "月度开票波动系数", "开票纳税", A),
        _f("invoicing_zero_months", "零开票月数", "开票纳税", A),
        _f("tax_burden", "税负率", "开票纳税", D, "%"),
        _f("invoicing_growth_q", "季度开票同比增长率", "开票纳税", D),
        _f("debt_ratio", "资产负债率", "财务", A, "%"),
        _f("current_ratio", "流动比率", "财务", D),
        _f("net_margin", "销售净利率", "财务", D, "%"),
        _f("roa", "总资产收益率", "财务", D, "%"),
        _f("revenue_growth", "营业收入增长率", "财务", D, "%"),
        _f("rd_intensity", "研发投入强度", "财务", D, "%"),
        _f("quality_class_rank", "质量信誉等级（1为最优）", "质量", A),
        _f("quality_total_score", "质量评价总分", "质量", D),
        _f("quality_dimensions_graded", "获评维度数", "质量", D),
        _f("quality_elements_held", "达标要素指标数", "质量", D),
        _f("quality_gates_failed", "触发否决项数", "质量", A),
        _f("years_established", "成立年限", "登记", D),
        _f("invention_patents", "有效发明专利数", "登记", D),
        _f("zjtx_level", "专精特新层级", "登记", D),
        _f("hightech", "高新技术企业", "登记", D),
        _f("standards_led", "近五年主导制定标准数", "登记", D),
        _f("quality_penalties_2y", "近两年质量处罚数", "登记", A),
    )
}


# -- inputs ----------------------------------------------------------------------------------


# named tuples, not dataclasses: a score reads hundreds of bank lines, and the database's rows
# (the same fields in the same order) are handed over as they come


# Amounts are yuan as ``Decimal`` or as the ``float`` of that ``Decimal`` (a score's reads hand
# over floats: ``risk.repository``); every feature computes on ``float(amount)``, so both give
# the same features.
Yuan = Decimal | float


class BankLine(NamedTuple):
    """One booked bank-statement line: positive = inflow, negative = outflow (yuan)."""

    booked_on: date
    amount: Yuan
    counterparty: str


class InvoiceMonth(NamedTuple):
    month: date  # any day of the month; the month is what counts
    invoiced: Yuan  # 开票金额 (yuan, before tax)
    tax_paid: Yuan  # 实缴税额 (yuan)


class FinancialYear(NamedTuple):
    year: int
    revenue: Yuan
    net_profit: Yuan
    total_assets: Yuan
    total_liabilities: Yuan
    current_assets: Yuan
    current_liabilities: Yuan
    rd_expense: Yuan


@dataclass(frozen=True)
class QualityFacts:
    """The grade as the engine gave it on the date (``class_rank`` 1 = best; None = not graded)."""

    class_rank: int | None
    total_score: Decimal | None
    dimensions_graded: int
    elements_held: int
    gates_failed: int | None  # None: not known to the caller (a quote's published grade)


@dataclass(frozen=True)
class RegistryFacts:
    established_on: date | None
    invention_patents: int
    titles: frozenset[str]
    standards_led: int
    quality_penalties_2y: int


# -- helpers ---------------------------------------------------------------------------------


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def window(as_of: date) -> tuple[int, int]:
    """The month indexes (first, last) of the 12 complete months before ``as_of``'s month."""
    last = month_index(as_of) - 1
    return last - MONTHS + 1, last


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def cv(values: Sequence[float]) -> float | None:
    """Population standard deviation / mean; ``None`` when the mean is 0."""
    n = len(values)
    mean = sum(values) / n
    if mean == 0:
        return None
    var = sum((v - mean) ** 2 for v in values) / n
    return math.sqrt(var) / mean


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def _monthly(pairs: Iterable[tuple[date, Yuan]], first: int, last: int) -> list[float]:
    totals = [0.0] * (last - first + 1)
    for day, amount in pairs:
        i = month_index(day) - first
        if 0 <= i < len(totals):
            totals[i] += float(amount)
    return totals


# -- cash flows ------------------------------------------------------------------------------


def cash_flow_features(lines: Iterable[BankLine], as_of: date) -> dict[str, float | None]:
    """One pass over the lines, in their order: every total adds the same amounts in the same
    order as a sum per month and per counterparty would (the floats are the same)."""
    first, last = window(as_of)
    start = first - MONTHS
    now, before = [0.0] * MONTHS, [0.0] * MONTHS
    outflows: list[float] = []
    by_party: dict[str, float] = defaultdict(float)
    for booked_on, amount, counterparty in lines:
        i = booked_on.year * 12 + booked_on.month - 1
        if amount > 0:
            if first <= i <= last:
                f = float(amount)
                now[i - first] += f
                by_party[counterparty] += f
            elif start <= i < first:
                before[i - start] += float(amount)
        elif amount < 0 and first <= i <= last:
            outflows.append(float(amount))
    total = sum(now)
    outflow = -sum(outflows)
    shares = [v / total for v in by_party.values()] if total else []
    previous = sum(before)
    return {
        "inflow_cv": cv(now),
        "inflow_active_share": sum(1 for v in now if v > 0) / MONTHS,
        "top_counterparty_share": max(shares) if shares else None,
        "counterparty_hhi": sum(s * s for s in shares) if shares else None,
        "seasonality": pearson(now, before),
        "net_inflow_ratio": _ratio(total - outflow, total),
        "inflow_growth": None if previous == 0 else total / previous - 1,
    }


# -- invoicing and tax -----------------------------------------------------------------------


def invoicing_features(months: Iterable[InvoiceMonth], as_of: date) -> dict[str, float | None]:
    first, last = window(as_of)
    months = list(months)
    inv = [(m.month, m.invoiced) for m in months]
    now = _monthly(inv, first, last)
    before = _monthly(inv, first - MONTHS, first - 1)
    tax = sum(_monthly([(m.month, m.tax_paid) for m in months], first, last))
    total, previous = sum(now), sum(before)
    # the last calendar quarter ending within the window: months are 0-based, a quarter ends
    # on a month index ≡ 2 (mod 3) (March, June, September, December)
    q_end = last - (last % 3 - 2) % 3
    quarter = sum(_monthly(inv, q_end - 2, q_end))
    year_before = sum(_monthly(inv, q_end - 14, q_end - 12))
    return {
        "invoicing_growth": None if previous == 0 else total / previous - 1,
        "invoicing_cv": cv(now),
        "invoicing_zero_months": float(sum(1 for v in now if v == 0)),
        "tax_burden": _ratio(tax, total),
        "invoicing_growth_q": None if year_before == 0 else (quarter / year_before - 1) * 100,
    }


# -- financial statements --------------------------------------------------------------------


def financial_features(years: Iterable[FinancialYear], as_of: date) -> dict[str, float | None]:
    by_year = {y.year: y for y in years if y.year < as_of.year}
    none: dict[str, float | None] = {
        k: None
        for k in (
            "debt_ratio",
            "current_ratio",
            "net_margin",
            "roa",
            "revenue_growth",
            "rd_intensity",
        )
    }
    if not by_year:
        return none
    y = by_year[max(by_year)]
    prior = by_year.get(y.year - 1)
    rev, assets = float(y.revenue), float(y.total_assets)
    return {
        "debt_ratio": _ratio(float(y.total_liabilities), assets),
        "current_ratio": _ratio(float(y.current_assets), float(y.current_liabilities)),
        "net_margin": _ratio(float(y.net_profit), rev),
        "roa": _ratio(float(y.net_profit), assets),
        "revenue_growth": (
            None if prior is None or prior.revenue == 0 else rev / float(prior.revenue) - 1
        ),
        "rd_intensity": _ratio(float(y.rd_expense), rev),
    }


# -- quality and registry --------------------------------------------------------------------


def quality_features(q: QualityFacts | None) -> dict[str, float | None]:
    if q is None:
        return {
            "quality_class_rank": None,
            "quality_total_score": None,
            "quality_dimensions_graded": None,
            "quality_elements_held": None,
            "quality_gates_failed": None,
        }
    return {
        "quality_class_rank": None if q.class_rank is None else float(q.class_rank),
        "quality_total_score": None if q.total_score is None else float(q.total_score),
        "quality_dimensions_graded": float(q.dimensions_graded),
        "quality_elements_held": float(q.elements_held),
        "quality_gates_failed": None if q.gates_failed is None else float(q.gates_failed),
    }


ZJTX_LEVELS = {"专精特新中小企业": 1, "专精特新小巨人": 2}
# the penalty subtypes that are quality penalties (the same list 众商贷's rule reads in quotes)
QUALITY_PENALTY_SUBTYPES = frozenset(
    {"产品质量", "计量", "标准化", "认证认可", "特种设备", "食品安全"}
)
STANDARD_YEARS = 5
PENALTY_YEARS = 2


class RecordLike(Protocol):
    """The fields of a quality record the registry facts read (a ``QualityRecord`` has them)."""

    @property
    def kind(self) -> str: ...
    @property
    def subtype(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def event_date(self) -> date | None: ...
    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_to(self) -> date | None: ...
    @property
    def repaired_on(self) -> date | None: ...


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def registry_facts(
    records: Iterable[RecordLike], *, as_of: date, established_on: date | None
) -> RegistryFacts:
    """From an enterprise's current quality records, as of ``as_of``:

    - invention patents (发明) in force (有效) granted on or before ``as_of``;
    - titles whose validity covers ``as_of``;
    - standards it led (主导) published in the five years up to ``as_of``;
    - quality penalties dated in the two years up to ``as_of`` and not credit-repaired by then.
    """
    patents = standards = penalties = 0
    titles: set[str] = set()
    five, two = _years_before(as_of, STANDARD_YEARS), _years_before(as_of, PENALTY_YEARS)
    for r in records:
        day = r.event_date
        if r.kind == "patent":
            patents += (
                r.subtype == "发明" and r.status == "有效" and day is not None and day <= as_of
            )
        elif r.kind == "title" and r.subtype:
            starts_ok = r.valid_from is None or r.valid_from <= as_of
            if starts_ok and (r.valid_to is None or as_of <= r.valid_to):
                titles.add(r.subtype)
        elif r.kind == "standard":
            standards += r.subtype == "主导" and day is not None and five < day <= as_of
        elif r.kind == "penalty" and r.subtype in QUALITY_PENALTY_SUBTYPES:
            repaired = r.repaired_on is not None and r.repaired_on <= as_of
            penalties += day is not None and two < day <= as_of and not repaired
    return RegistryFacts(
        established_on=established_on,
        invention_patents=patents,
        titles=frozenset(titles),
        standards_led=standards,
        quality_penalties_2y=penalties,
    )


def registry_features(r: RegistryFacts, as_of: date) -> dict[str, float | None]:
    years: float | None = None
    if r.established_on is not None and r.established_on <= as_of:
        years = (as_of - r.established_on).days / 365.25
    return {
        "years_established": years,
        "invention_patents": float(r.invention_patents),
        "zjtx_level": float(max((ZJTX_LEVELS.get(t, 0) for t in r.titles), default=0)),
        "hightech": 1.0 if "高新技术企业" in r.titles else 0.0,
        "standards_led": float(r.standards_led),
        "quality_penalties_2y": float(r.quality_penalties_2y),
    }


def all_features(
    *,
    as_of: date,
    lines: Iterable[BankLine] = (),
    invoices: Iterable[InvoiceMonth] = (),
    financials: Iterable[FinancialYear] = (),
    quality: QualityFacts | None = None,
    registry: RegistryFacts | None = None,
) -> dict[str, float | None]:
    """Every feature of :data:`FEATURES` (a source without rows gives ``None``s, not zeros:
    an enterprise that shared no statements has *missing* cash-flow features)."""
    lines, invoices = list(lines), list(invoices)
    out: dict[str, float | None] = {}
    out |= cash_flow_features(lines, as_of) if lines else dict.fromkeys(_CASH)
    out |= invoicing_features(invoices, as_of) if invoices else dict.fromkeys(_INVOICING)
    out |= financial_features(financials, as_of)
    out |= quality_features(quality)
    out |= registry_features(registry, as_of) if registry else dict.fromkeys(_REGISTRY)
    return out


def _codes(source: str) -> tuple[str, ...]:
    return tuple(c for c, f in FEATURES.items() if f.source == source)


_CASH, _INVOICING, _REGISTRY = _codes("现金流"), _codes("开票纳税"), _codes("登记")


def shown(code: str, value: float | None) -> str:
    """A feature's value as a page shows it (percentages for shares)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "缺失"
    info = FEATURES.get(code)
    if info is not None and info.unit == "%":
        return f"{value * 100:.1f}%"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}"


def as_row(values: Mapping[str, float | None], codes: Sequence[str]) -> list[float]:
    """Values in ``codes`` order, ``None`` as NaN (what the scorecard's missing bin takes)."""
    return [math.nan if values.get(c) is None else float(values[c]) for c in codes]  # type: ignore[arg-type]
