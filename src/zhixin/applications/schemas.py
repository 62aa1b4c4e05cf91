"""API shapes of applications (贷款申请) and consultations (联合会诊)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from zhixin.products.terms import Method
from zhixin.quotes.schemas import CollateralIn, ModelReasonOut


class ApplicationIn(BaseModel):
    product_code: str = Field(min_length=1, max_length=64, description="产品代码")
    enterprise_id: int | None = Field(
        default=None, description="申请企业 ID（客户经理代企业申请时必填；企业本身申请可省略）"
    )
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="申请金额（元）")
    term_months: int = Field(ge=1, le=360, description="期限（月）")
    method: Method = Field(description="还款方式")
    purpose: str = Field(min_length=1, max_length=200, description="借款用途")
    use_of_funds: str = Field(min_length=1, max_length=2000, description="资金使用计划")
    annual_sales: Decimal | None = Field(
        default=None, ge=0, max_digits=16, decimal_places=2, description="上年度销售收入（元）"
    )
    invoicing_growth: Decimal | None = Field(
        default=None, max_digits=9, decimal_places=4, description="近一季度开票同比增长（%）"
    )
    collateral: list[CollateralIn] = Field(default_factory=list, max_length=20)
    consent_scope: str = Field(default="records", max_length=32, description="授权范围")
    consent_expires_on: date | None = Field(default=None, description="授权截止日，默认一年")
    authorisation_attested: bool = Field(
        default=False, description="客户经理代为申请时：确认已取得企业签章的授权书"
    )
    materials: list[str] = Field(default_factory=list, description="随申请提交的材料代码")
    material_notes: dict[str, str] = Field(default_factory=dict, description="材料说明")
    resubmission_of: int | None = Field(default=None, description="被拒申请的 ID（重新申请时）")


class ActIn(BaseModel):
    version: int | None = Field(default=None, description="页面所见的版本号（乐观锁）")
    note: str = Field(default="", max_length=2000)


class MaterialRequestIn(ActIn):
    codes: list[str] = Field(min_length=1)


class MaterialResponseIn(ActIn):
    provided: list[str] = Field(default_factory=list)
    notes: dict[str, str] = Field(default_factory=dict)


class AttestIn(ActIn):
    code: str = Field(max_length=32)
    passed: bool


class ReviewIn(ActIn):
    recommendation: Literal["approve", "reject"]


class ApproveIn(ActIn):
    amount: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2)


class RejectIn(ActIn):
    codes: list[str] = Field(min_length=1)


class PlanIn(BaseModel):
    plan: str = Field(min_length=1, max_length=4000)


class CloseIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class EventOut(BaseModel):
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    to_label: str
    actor_name: str
    at: datetime
    on: date
    reason: str | None
    detail: dict[str, object]


class CheckOut(BaseModel):
    code: str
    label: str
    status: str
    status_label: str
    source: str
    source_label: str
    evidence: list[str]
    note: str | None
    decided_by: str | None = None


class MaterialOut(BaseModel):
    code: str
    label: str
    required: bool
    status: str
    status_label: str
    hint: str
    note: str | None
    request_note: str | None


class FactorOut(BaseModel):
    code: str
    label: str
    value: str
    reason: str


class ModelTermsOut(BaseModel):
    """The risk model the frozen quote scored with: its version and the reasons (the factors that
    lowered the score), copied from the quote; never its score or PD (internal pricing)."""

    code: str
    version: int
    reasons: list[ModelReasonOut] = Field(default_factory=list)


class TermsOut(BaseModel):
    """The frozen quote's decision."""

    eligible: bool
    reasons: list[str]
    limit: Decimal
    rate: Decimal
    lpr: Decimal | None = None
    lpr_tenor: str | None = None
    effective_class: str | None = None
    overall_class: str | None = None
    limit_factors: list[FactorOut] = Field(default_factory=list)
    rate_components: list[FactorOut] = Field(default_factory=list)
    auto_rules: list[FactorOut] = Field(default_factory=list)
    fast_lane_days: int | None = None
    covenant: str | None = None
    notes: list[str] = Field(default_factory=list)
    risk_model: ModelTermsOut | None = None


class ConsultationBrief(BaseModel):
    id: int
    status: str
    status_label: str
    plan: str | None


class ApplicationOut(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    uscc: str
    bank_code: str
    bank_name: str
    product_code: str
    product_name: str
    product_kind: str
    product_version_id: int
    quote_id: int
    evaluation_run_id: int | None
    whitelist_version: int | None
    listed: bool
    amount: Decimal
    term_months: int
    method: str
    purpose: str
    use_of_funds: str
    annual_sales: Decimal | None
    invoicing_growth: Decimal | None
    consent_mode: str
    consent_scope: str
    consent_expires_on: date
    state: str
    state_label: str
    version: int
    submitted_at: datetime
    submitted_on: date
    accepted_on: date | None
    fast_lane_days: int | None
    deadline: date | None
    deadline_note: str | None
    workdays_left: int | None
    overdue: bool
    decided_on: date | None
    decision_days: int | None
    decision_workdays: int | None
    on_time: bool | None
    approved_amount: Decimal | None
    approved_rate: Decimal | None
    recommendation: str | None
    review_note: str | None
    reject_codes: list[str]
    reject_labels: list[str]
    reject_note: str | None
    resubmission_of_id: int | None
    eligible: bool | None = Field(
        default=None, description="提交时的测算是否符合产品准入条件（不符合的在队列中标出）"
    )
    consent_revoked_at: datetime | None = Field(
        default=None,
        description="在办申请：企业撤销对该银行授权的时间（此后未重新授权）；否则为空",
    )


class ConsentStandingOut(BaseModel):
    """Where the application's authorisation (授权) stands now, and what it means."""

    mode: str = Field(description="granted（企业在线授权）/ attested（客户经理确认签章授权书）")
    state: str = Field(
        description="active / expired / revoked / pending（在线授权的状态）；attested：线下授权书"
    )
    state_label: str
    revoked_at: datetime | None = Field(description="企业撤销授权的时间（未撤销为空）")
    records_readable: bool = Field(description="银行目前能否查看该企业的质量要素记录明细")
    note: str = Field(description="对读取记录明细的含义（中文）")


class ApplicationDetail(ApplicationOut):
    terms: TermsOut
    checks: list[CheckOut]
    materials: list[MaterialOut]
    events: list[EventOut]
    actions: list[str]
    resubmissions: list[int]
    consultation: ConsultationBrief | None
    consent_standing: ConsentStandingOut


class QueueOut(BaseModel):
    today: date
    total: int
    overdue: int
    due_today: int
    fast_lane: int
    counts: dict[str, int]
    items: list[ApplicationOut]


class SuggestionOut(BaseModel):
    kind: str
    kind_label: str
    title: str
    detail: str
    product_code: str | None = None
    limit: Decimal | None = None
    rate: Decimal | None = None
    covers: bool | None = None


class ConsultationOut(BaseModel):
    id: int
    application_id: int
    enterprise_id: int
    enterprise_name: str
    bank_name: str
    product_name: str
    amount: Decimal
    reject_labels: list[str]
    reject_note: str | None
    status: str
    status_label: str
    opened_on: date
    gap: Decimal | None
    suggestions: list[SuggestionOut]
    notes: list[str]
    plan: str | None
    planned_at: datetime | None
    resubmissions: list[int]
    resolved_by_application_id: int | None
    resolved_on: date | None
    resolution_days: int | None
    resolution_workdays: int | None
    closed_note: str | None


class ConsultationQueueOut(BaseModel):
    total: int
    open: int
    planned: int
    resolved: int
    closed: int
    resolved_within_5: int
    average_workdays: Decimal | None
    items: list[ConsultationOut]
