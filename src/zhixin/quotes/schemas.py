"""API shapes of quotes (测算/报价).

Money is yuan as a decimal string to the fen ("5000000.00"), rates are % p.a. with four
decimals ("3.4500"); a request may send amounts as strings or numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zhixin.kit import validation
from zhixin.products.terms import CollateralKind, Method
from zhixin.quotes.rules import DISCLAIMER

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class CollateralIn(BaseModel):
    kind: CollateralKind = Field(description="厂房 / 设备 / 存货 / 专利 / 商标 / 数据知识产权")
    value: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)] | None = Field(
        None, description="评估价值（元）；引用知识产权估值时省略"
    )
    valuation_id: int | None = Field(
        None,
        description="专利：知识产权估值记录 ID（以其有效价值为押品价值，客户经理调整后的价值优先）",
    )

    @model_validator(mode="after")
    def _one_value(self) -> CollateralIn:
        if self.valuation_id is not None and self.kind != CollateralKind.patent:
            raise ValueError("只有专利可引用知识产权估值")
        if (self.value is None) == (self.valuation_id is None):
            raise ValueError("须给出评估价值或知识产权估值 ID 之一")
        return self


class CollateralOut(BaseModel):
    """A pledge as quoted: its value, and the valuation it came from (a patent valued)."""

    kind: CollateralKind
    value: Decimal
    valuation_id: int | None = None


class QuoteIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    product: str = Field(min_length=1, max_length=64, description="产品代码")
    enterprise_id: int | None = Field(None, description="经营主体 ID（与 uscc 二选一）")
    uscc: str | None = Field(None, max_length=32, description="统一社会信用代码（与 ID 二选一）")
    amount: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)] = Field(
        description="申请金额（元）"
    )
    term_months: int = Field(ge=1, le=360, description="期限（月）")
    method: Method = Field(
        description="还款方式：等额本息 / 等额本金 / 按月付息到期还本 / 随借随还"
    )
    on: dt.date | None = Field(None, alias="date", description="测算日（默认今天，北京时间）")
    annual_sales: Money | None = Field(None, description="上年度销售收入（元）")
    collateral: list[CollateralIn] = Field(default_factory=list, max_length=20)
    milestones_met: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=20, description="已达成的里程碑代码"
    )
    invoicing_growth: Annotated[Decimal, Field(ge=-100, le=10000, decimal_places=4)] | None = Field(
        None, description="季度开票增长率（%）"
    )


class FactorOut(BaseModel):
    code: str
    label: str
    value: str
    reason: str
    amount: Decimal | None = None


class TrancheOut(BaseModel):
    milestone: str
    label: str
    amount: Decimal
    rate_cut_bp: int
    met: bool


class InstalmentOut(BaseModel):
    number: int
    due: dt.date
    days: int
    basis: str | None = None  # "monthly" (rate / 12) or "daily" (rate / 360 × days); None: old
    opening: Decimal
    principal: Decimal
    interest: Decimal
    payment: Decimal
    closing: Decimal


class ScheduleOut(BaseModel):
    amount: Decimal
    method: str
    rate: Decimal
    start: dt.date
    maturity: dt.date
    holiday_rule: str
    instalments: list[InstalmentOut]
    total_principal: Decimal
    total_interest: Decimal
    total_payment: Decimal
    # 随借随还: the line and the product's expected utilisation the schedule is drawn on
    line_amount: Decimal | None = None
    utilisation: Decimal | None = None
    conventions: list[str] = Field(default_factory=list)  # how it was computed, in Chinese
    weekends_only: list[int] = Field(default_factory=list)  # years whose holidays are unknown


class PaymentOut(BaseModel):
    number: int
    on: dt.date
    days: int
    base: Decimal
    amount: Decimal


class FeeOut(PaymentOut):
    code: str
    label: str


class CostOut(BaseModel):
    """What the loan costs the borrower: interest, guarantee fee and other fees, less subsidy."""

    total_interest: Decimal
    guarantee_fee: Decimal
    subsidy: Decimal
    effective_cost: Decimal  # interest + guarantee fee + other fees − subsidy
    # 年化利率 (% p.a.): monthly IRR × 12 of the borrower's flows with every fee, before subsidy
    annualised_rate: Decimal
    effective_annual_rate: Decimal  # the same after subsidy (% p.a.)
    guarantee_fees: list[PaymentOut]
    subsidies: list[PaymentOut]
    factors: list[FactorOut]
    other_fee: Decimal = Decimal(0)  # the product's other fees, in all
    other_fees: list[FeeOut] = Field(default_factory=list)
    compound_annual_rate: Decimal | None = None  # (1 + monthly IRR)^12 − 1, for comparison
    annualised_method: str | None = None  # how the 年化利率 is computed, in Chinese


class OfferOut(BaseModel):
    """The terms a bank's offer must state (银行报价须列明的条款), from the product version."""

    rate_type: str  # fixed / floating
    rate_type_label: str
    spread_bp: Decimal  # executed rate − LPR, in bp: the contract spread a floating rate keeps
    repricing: str | None  # the repricing rule (floating), in Chinese
    repricing_dates: list[dt.date]  # the repricing dates within the term
    penalty_markup: Decimal  # 罚息: % above the contract rate
    penalty_rate: Decimal  # 罚息利率, % p.a. (exact)
    overdue: str  # 罚息 and 复利, in Chinese
    prepayment: str
    fees: list[str]  # other fees, in Chinese; empty: none
    validity_days: int
    valid_until: dt.date


class RarocOut(BaseModel):
    expected_loss: Decimal
    risk_adjusted_return: Decimal
    raroc: Decimal
    hurdle: Decimal
    clears: bool
    factors: list[FactorOut]


class ModelReasonOut(BaseModel):
    """One factor that lowered the model score (a refused borrower is owed these)."""

    code: str  # stable: the feature or indicator code
    name: str
    value: str
    bin: str
    points_lost: Decimal
    text: str


class RiskModelOut(BaseModel):
    """The risk model the quote was priced with: its version and the top reasons (the factors
    that lowered the score most). ``score`` and ``pd`` (a fraction, 6 places) are internal
    pricing: only bank users and the CLI see them (None for everyone else)."""

    code: str
    version: int
    model_id: int
    use_for: list[str]
    score: Decimal | None = None
    pd: Decimal | None = None
    reasons: list[ModelReasonOut] = Field(default_factory=list)


class EnterpriseRef(BaseModel):
    id: int
    uscc: str
    name: str


class ProductRef(BaseModel):
    code: str
    name: str
    version_id: int
    bank_code: str
    bank_name: str


class GradeOut(BaseModel):
    """The facts the product read (as of the quote date)."""

    listed: bool
    whitelist_version: int | None
    evaluation_run_id: int | None
    catalog_name: str | None
    overall_class: str | None
    class_rank: int | None
    effective_class: str | None
    dimension_levels: dict[str, str]  # dimension code → level name
    dimension_names: dict[str, str] = {}  # dimension code → its name in the catalog
    total_score: Decimal | None
    valid_invention_patents: int
    titles: list[str]
    awards: list[str]
    quality_penalties_2y: int


class RequestOut(BaseModel):
    amount: Decimal
    term_months: int
    method: str
    on: dt.date
    annual_sales: Decimal | None
    collateral: list[CollateralOut]
    milestones_met: list[str]
    invoicing_growth: Decimal | None


class SupportOut(BaseModel):
    guarantee_fee_rate: Decimal
    subsidy_rate: Decimal
    subsidy_cap: Decimal | None
    subsidy_months: int | None
    fee_waivers: list[str]
    # who stands behind the support, from the product version (None where the product has none)
    guarantor: str | None = None
    guarantee_coverage: Decimal | None = None  # % of the loan the guarantor covers
    subsidy_payer: str | None = None
    subsidy_condition: str | None = None


class ServiceOut(BaseModel):
    fast_lane_days: int | None
    covenant: str | None
    holiday_rule: str


class QuoteOut(BaseModel):
    id: int | None = None  # None only for a quote not stored
    created_at: dt.datetime | None = None
    enterprise: EnterpriseRef
    product: ProductRef
    request: RequestOut
    grade: GradeOut
    eligible: bool
    reasons: list[str]
    limit: Decimal
    limit_factors: list[FactorOut]
    lpr_tenor: str
    lpr: Decimal
    lpr_effective_on: dt.date
    rate: Decimal
    rate_components: list[FactorOut]
    tranches: list[TrancheOut]
    support: SupportOut
    service: ServiceOut
    auto_rules: list[FactorOut]
    schedule: ScheduleOut | None  # None when not eligible
    costs: CostOut | None
    # the bank's internal pricing check: only bank users see it (None for everyone else)
    raroc: RarocOut | None
    notes: list[str]
    offer: OfferOut | None = None  # None when not eligible (nothing is offered)
    disclaimer: str = DISCLAIMER
    # the product's risk model when it scored this enterprise (None: no model, or not scored)
    risk_model: RiskModelOut | None = None


# -- input errors in Chinese ---------------------------------------------------------------

# the names shown where the fields' descriptions say more than a name
FIELD_LABELS = {
    "product": "产品",
    "enterprise_id": "经营主体",
    "uscc": "统一社会信用代码",
    "amount": "申请金额",
    "term_months": "期限（月）",
    "method": "还款方式",
    "date": "测算日",
    "on": "测算日",
    "annual_sales": "上年度销售收入",
    "collateral": "抵质押物",
    "kind": "种类",
    "value": "评估价值",
    "valuation_id": "知识产权估值 ID",
    "milestones_met": "里程碑",
    "invoicing_growth": "季度开票增长率",
}


def input_problems(exc: ValidationError) -> str:
    """A :class:`QuoteIn` validation error as one Chinese line: 申请金额：应大于 0；期限（月）：…

    Never pydantic's English, never the value submitted (:mod:`zhixin.kit.validation`)."""
    return validation.as_text(exc.errors(), validation.labels_of(QuoteIn) | FIELD_LABELS)
