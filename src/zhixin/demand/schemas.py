from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class NeedIn(BaseModel):
    enterprise_id: int | None = Field(
        None, description="代企业发布时（融资协调专班）填写；企业用户发布本企业需求时省略"
    )
    amount: Decimal = Field(description="融资金额（元），1 万元至 1 亿元")
    term_months: int = Field(description="期限（月），1–120")
    purpose: str = Field(description="资金用途代码（质量提升类在前），见 GET /demand/options")
    collateral: str = Field(description="可提供的担保方式代码")
    contact_consent: bool = Field(description="同意银行就本需求与企业联系")
    contact_name: str = Field(max_length=50)
    contact_phone: str = Field(max_length=20)
    note: str = Field("", max_length=500)


class NeedEventOut(BaseModel):
    kind: str
    label: str
    on: date
    bank_code: str | None
    bank_name: str | None
    reason_code: str | None
    note: str
    late: bool


class NeedOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_code: str | None
    amount: Decimal
    term_months: int
    purpose: str
    purpose_label: str
    quality_purpose: bool
    collateral: str
    collateral_label: str
    contact_name: str | None = Field(description="接单银行与专班可见；其他银行不可见")
    contact_phone: str | None
    note: str
    listed: bool
    grade: str | None = Field(description="白名单企业发布时的质量信誉等级")
    posted_at: datetime
    take_due_on: date = Field(description="接单期限：发布后第 N 个工作日")
    status: str
    status_label: str
    bank_code: str | None
    bank_name: str | None
    assigned: bool
    due_on: date | None = Field(description="下一环节的期限（工作日，含调休）")
    overdue: bool
    refusal_code: str | None
    refusal_label: str | None
    escalation: str | None
    escalation_label: str | None
    products: list[str] = Field(default_factory=list, description="本行可承接的产品（银行视角）")
    events: list[NeedEventOut] = Field(default_factory=list)


class StepIn(BaseModel):
    step: str = Field(description="contacted / onsite / applied / refused")
    refusal_code: str | None = Field(None, description="拒绝原因代码 R01–R99")
    note: str = Field("", max_length=500)


class AssignIn(BaseModel):
    bank_code: str = Field(max_length=64)


class EscalationOut(BaseModel):
    need_id: int
    escalation: str
    label: str
    bank_code: str | None


class OptionsOut(BaseModel):
    purposes: dict[str, str]
    quality_purposes: list[str]
    collateral: dict[str, str]
    refusals: dict[str, str]
    sources: dict[str, str]
    take_workdays: int
    response_workdays: int


class LedgerIn(BaseModel):
    uscc: str = Field(max_length=18, description="统一社会信用代码")
    source: str = Field(description="whitelist / preapproved / need")
    source_ref: str = Field("", max_length=64, description="来源编号（如需求编号、名单编号）")
    contacted_on: date | None = None
    granted_on: date | None = None
    granted_amount: Decimal | None = None
    granted_rate: Decimal | None = Field(None, description="年化利率（%）")
    product_code: str | None = Field(None, max_length=64)
    disbursed_on: date | None = None
    disbursed_amount: Decimal | None = None
    refused_on: date | None = None
    refusal_code: str | None = None
    first_loan: bool = Field(False, description="首贷户")
    credit: bool = Field(False, description="信用贷款（无抵质押、无保证）")


class LedgerOut(BaseModel):
    id: int
    bank_code: str
    bank_name: str
    enterprise_id: int
    enterprise_name: str
    uscc: str
    source: str
    source_label: str
    source_ref: str
    need_id: int | None
    pushed_on: date
    listed: bool
    contacted_on: date | None
    granted_on: date | None
    granted_amount: Decimal | None
    granted_rate: Decimal | None
    product_code: str | None
    disbursed_on: date | None
    disbursed_amount: Decimal | None
    refused_on: date | None
    refusal_code: str | None
    refusal_label: str | None
    first_loan: bool
    credit: bool
    stage: str


class RowErrorOut(BaseModel):
    line: int
    field: str
    reason: str


class ImportOut(BaseModel):
    id: int
    file_name: str
    imported_at: datetime
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorOut]


class StageOut(BaseModel):
    stage: str
    label: str
    enterprises: int
    rate: Decimal | None = Field(description="相对上一环节的转化率（%）")


class FunnelOut(BaseModel):
    key: str
    label: str
    stages: list[StageOut]
    granted_amount: Decimal
    disbursed_amount: Decimal
    first_loan: int
    first_loan_share: Decimal | None = Field(description="首贷户占授信企业的比例（%）")
    credit: int
    credit_share: Decimal | None = Field(description="信用贷款占授信企业的比例（%）")


class LeverOut(BaseModel):
    kind: str = Field(description="grade（总体等级提升一级）或 discount（尚未满足的利率优惠）")
    label: str
    text: str
    rate_change: Decimal | None = Field(description="执行利率的变化（百分点，负数为降低）")
    limit_change: Decimal | None = Field(description="可贷额度的变化（元）")
    exact: bool = Field(description="true：按产品规则重新测算的准确值；false：名义降幅（上限）")


class ProductLeversOut(BaseModel):
    product_code: str
    product_name: str
    bank_name: str
    rate: Decimal
    limit: Decimal
    levers: list[LeverOut]


class LeversOut(BaseModel):
    enterprise_id: int
    grade: str | None
    advice: list[str] = Field(description="评价结果给出的提升建议（各维度还缺哪些要素）")
    products: list[ProductLeversOut]


class PreapprovalListOut(BaseModel):
    """预授信名单: the header."""

    id: int
    product_code: str
    product_name: str
    bank_code: str
    whitelist_version: int | None
    priced_on: date
    listed: int
    preapproved: int
    fast_lane: int
    combinations: int
    total_limit: Decimal
    pushed: bool
    pushed_at: datetime | None = None
    jurisdiction: bool = Field(False, description="户数与额度仅计本辖区的企业（监管人员查看时）")


class PreapprovalRowOut(BaseModel):
    enterprise_id: int
    uscc: str = ""
    enterprise_name: str = ""
    grade: str | None
    limit: Decimal
    rate: Decimal
    fast_lane_days: int | None


class PreapprovalOut(BaseModel):
    header: PreapprovalListOut
    rows: list[PreapprovalRowOut]


class PushOut(BaseModel):
    list_id: int
    created: int  # new ledger entries (source preapproved)


class OfferCompareOut(BaseModel):
    """One pre-approved offer, priced by the quote service for comparison."""

    list_id: int
    product_code: str
    product_name: str
    bank_name: str
    limit: Decimal
    rate: Decimal  # contract rate, % p.a.
    fast_lane_days: int | None
    amount: Decimal  # the amount the comparison is priced on
    term_months: int
    annualised_rate: Decimal | None  # 年化利率 % p.a. with every fee (the quote's)
    total_cost: Decimal | None  # interest + fees − subsidy over the term (the quote's)
    priced_on: date | None = None  # the list's pricing date
    valid_until: date | None = None  # priced_on + the product's validity_days − 1
