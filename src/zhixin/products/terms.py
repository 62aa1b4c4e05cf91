"""The contract between products, quotes and applications (pure: no database, no web).

- :class:`Facts` is what the platform knows about an enterprise on a date (gathered by
  ``zhixin.quotes.facts`` from the whitelist, the evaluation and the records);
- :class:`QuoteRequest` is what the applicant asks for, with the figures only it can give;
- :class:`Decision` is what a product makes of both (``zhixin.products.rules.decide``): eligibility
  with reasons, the limit with each factor, the rate with each component, support and service.

Money is ``Decimal`` yuan to the fen; rates are annual percentages (``Decimal('3.4500')`` is
3.45 % p.a.); spreads and discounts are integer basis points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

# the repayment methods are the lending core's, re-exported for products and their callers
from zhixin.lending.schedule import Method as Method


class CollateralKind(StrEnum):
    plant = "厂房"
    equipment = "设备"
    inventory = "存货"
    patent = "专利"
    trademark = "商标"
    data_ip = "数据知识产权"


@dataclass(frozen=True)
class Collateral:
    kind: CollateralKind
    value: Decimal  # appraised value, yuan
    valuation_id: int | None = None  # a patent valued by risk.valuation (value = effective value)


@dataclass(frozen=True)
class Facts:
    """What the platform knows about an enterprise on the quote date."""

    enterprise_id: int
    uscc: str
    name: str
    size_class: str | None  # 大 / 中 / 小 / 微
    region_code: str | None  # 6-digit administrative division code
    established_on: date | None
    on: date  # the date these facts hold on
    listed: bool  # in the whitelist version in force on ``on``
    whitelist_version: int | None
    evaluation_run_id: int | None
    catalog_name: str | None  # the catalog the grade was given under (xiamen, ningbo, ...)
    overall_class: str | None  # the level label, e.g. "Ⅰ类"; None when not graded
    class_rank: int | None  # 1 = the best level of that catalog
    dimension_levels: Mapping[str, str] = field(default_factory=dict)  # dimension → level label
    total_score: Decimal | None = None
    elements_held: frozenset[str] = frozenset()
    valid_invention_patents: int = 0
    titles: frozenset[str] = frozenset()  # TITLE subtypes held on ``on`` (专精特新小巨人, ...)
    awards: frozenset[str] = frozenset()  # AWARD subtypes held (中国质量奖, 政府质量奖, ...)
    quality_penalties_2y: int = 0  # quality penalties in the two years before ``on``

    @property
    def age_months(self) -> int | None:
        if self.established_on is None:
            return None
        months = (self.on.year - self.established_on.year) * 12
        months += self.on.month - self.established_on.month
        return months - (1 if self.on.day < self.established_on.day else 0)


@dataclass(frozen=True)
class QuoteRequest:
    amount: Decimal
    term_months: int
    method: Method
    on: date  # quote date: the LPR in force that day is used
    annual_sales: Decimal | None = None  # 上年度销售收入 (yuan), for sales-based limits
    collateral: tuple[Collateral, ...] = ()
    milestones_met: frozenset[str] = frozenset()  # codes of the product's milestones achieved
    invoicing_growth: Decimal | None = None  # quarterly invoicing growth, % (众商贷 rule)


@dataclass(frozen=True)
class Factor:
    """One line of an explanation: what it is, its value, and why (Chinese, for the page)."""

    code: str
    label: str
    value: str  # as shown: "3.0000%", "+190bp", "×1.2", "2,600.00万元"
    reason: str
    amount: Decimal | None = None  # the exact number behind ``value`` when it is one


@dataclass(frozen=True)
class Tranche:
    """基础授信 + 动态增信: credit unlocked by a milestone, and the rate cut it brings."""

    milestone: str  # code
    label: str
    amount: Decimal
    rate_cut_bp: int
    met: bool


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reasons: tuple[str, ...]  # why not, in Chinese (empty when eligible)
    limit: Decimal  # the most this enterprise may borrow under the product (yuan, to the fen)
    limit_factors: tuple[Factor, ...]
    lpr_tenor: str  # "1y" or "5y"
    lpr: Decimal  # the LPR used, % p.a.
    rate: Decimal  # contract rate, % p.a., 4 decimals, after discounts, floor and cap
    rate_components: tuple[Factor, ...]
    tranches: tuple[Tranche, ...] = ()
    guarantee_fee_rate: Decimal = Decimal(0)  # % of the amount per year, paid by the borrower
    subsidy_rate: Decimal = Decimal(0)  # 贴息: percentage points paid by the finance bureau
    subsidy_cap: Decimal | None = None  # yuan over the subsidy period
    subsidy_months: int | None = None
    fee_waivers: tuple[str, ...] = ()
    fast_lane_days: int | None = None  # SLA in working days when the enterprise is listed
    covenant: str | None = None  # e.g. "贷款资金不低于30%用于质量提升，按季检查"
    holiday_rule: str = "following"  # following / preceding: due dates off non-working days
    # automatic rules the product carries, each with its outcome (众商贷: no quality penalty in
    # two years and invoicing growth > 15% → class raised one notch); shown on quotes and checks
    auto_rules: tuple[Factor, ...] = ()
    effective_class: str | None = None  # the class the product priced on, after auto rules
    notes: tuple[str, ...] = ()
