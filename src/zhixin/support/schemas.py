"""API shapes of public support: guarantees, compensation claims, funds and subsidies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zhixin.support.models import (
    Claim,
    Guarantee,
    SubsidyClaim,
    SubsidyLine,
)
from zhixin.support.rules import (
    CLAIM_STATUS_LABELS,
    GUARANTEE_STATUS_LABELS,
    SUBSIDY_STATUS_LABELS,
)

Money = Field(gt=0, max_digits=16, decimal_places=2)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GuaranteeIn(_In):
    contract_id: int = Field(description="本行的贷款合同编号")
    product_code: str = Field(min_length=1, max_length=64, description="担保产品代码")


class BatchIn(_In):
    product_code: str = Field(min_length=1, max_length=64, description="担保产品代码")
    contract_ids: list[int] = Field(min_length=1, max_length=1000, description="合同编号清单")


class DecisionIn(_In):
    approve: bool = Field(description="true 承保，false 拒绝")
    reason: str | None = Field(default=None, max_length=500, description="拒绝须写明原因")


class BatchDecisionIn(_In):
    approve: bool | None = Field(default=None, description="整批：true 全部承保，false 全部拒绝")
    lines: dict[int, bool] | None = Field(default=None, description="逐笔：担保编号 → 是否承保")
    reason: str | None = Field(default=None, max_length=500)


class ClaimIn(_In):
    fund_code: str = Field(min_length=1, max_length=64, description="风险补偿资金池代码")
    contract_id: int = Field(description="形成不良的本行贷款合同")
    drawdown_id: int | None = Field(
        default=None,
        description=(
            "按借据申报：该合同下形成不良的一笔借据（损失取该借据的未还本金及欠息）；"
            "不填为整笔合同。同一借据只能申报一次；整笔合同申报与按借据申报不能重叠"
            "（错误代码 claim_overlap）。资金池的单笔上限 cap_per_loan 按合同计："
            "同一合同各借据申报中资金池承担之和不超过该上限，担保机构承担之和不超过其担保责任"
        ),
    )


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=500)


class DayIn(_In):
    on: date | None = Field(default=None, description="日期（默认今天）")


class AmountIn(_In):
    amount: Decimal = Money
    on: date | None = Field(default=None, description="日期（默认今天）")
    note: str = Field(default="", max_length=200)


class ComputeIn(_In):
    policy_code: str = Field(min_length=1, max_length=64, description="贴息政策代码")
    quarter: str = Field(pattern=r"^\d{4}[Qq][1-4]$", description="季度，如 2026Q4")


class PaymentIn(_In):
    on: date | None = Field(default=None, description="拨付日（默认今天）")
    reference: str = Field(min_length=1, max_length=64, description="付款凭证号")


class GuaranteeOut(BaseModel):
    id: int
    contract_id: int
    enterprise_id: int
    batch_id: int | None
    amount: Decimal
    coverage: Decimal
    fee_rate: Decimal
    fee: Decimal
    fee_subsidy: Decimal
    status: str
    status_label: str
    ended_on: date | None

    @classmethod
    def of(cls, g: Guarantee) -> GuaranteeOut:
        return cls(
            id=g.id, contract_id=g.contract_id, enterprise_id=g.enterprise_id, batch_id=g.batch_id,
            amount=g.amount, coverage=g.coverage, fee_rate=g.fee_rate, fee=g.fee,
            fee_subsidy=g.fee_subsidy, status=g.status,
            status_label=GUARANTEE_STATUS_LABELS[g.status], ended_on=g.ended_on,
        )  # fmt: skip


class BatchOut(BaseModel):
    id: int
    status: str
    guarantees: list[GuaranteeOut]


class ClaimOut(BaseModel):
    id: int
    fund_id: int
    contract_id: int
    drawdown_id: int | None = Field(description="所申报的借据；为空表示整笔合同")
    enterprise_id: int
    guarantee_id: int | None
    filed_on: date
    outstanding: Decimal = Field(description="申报时未还本金（来自贷款台账）")
    overdue_interest: Decimal
    loss: Decimal
    bank_part: Decimal
    guarantor_part: Decimal
    fund_part: Decimal
    remainder_to: str = Field(description="尾差承担方")
    recovered_bank: Decimal
    recovered_guarantor: Decimal
    recovered_fund: Decimal
    status: str
    status_label: str
    paid_on: date | None
    reason: str | None

    @classmethod
    def of(cls, c: Claim) -> ClaimOut:
        data: dict[str, Any] = {k: getattr(c, k) for k in cls.model_fields if hasattr(c, k)}
        data["status_label"] = CLAIM_STATUS_LABELS[c.status]
        return cls(**data)


class RecoveryOut(BaseModel):
    id: int
    claim_id: int
    amount: Decimal
    on_date: date
    bank: Decimal
    guarantor: Decimal
    fund: Decimal


class FundOut(BaseModel):
    id: int
    code: str
    name: str
    balance: Decimal
    terms: dict[str, Any]


class SubsidyClaimOut(BaseModel):
    id: int
    policy_id: int
    quarter: str
    lines: int
    basis: Decimal = Field(description="实收利息合计（本方可见部分）")
    total: Decimal = Field(description="贴息合计（本方可见部分）")
    status: str
    status_label: str
    paid_on: date | None
    payment_ref: str | None

    @classmethod
    def of(cls, c: SubsidyClaim, lines: int, basis: Decimal, total: Decimal) -> SubsidyClaimOut:
        return cls(
            id=c.id, policy_id=c.policy_id, quarter=c.quarter, lines=lines, basis=basis,
            total=total, status=c.status, status_label=SUBSIDY_STATUS_LABELS[c.status],
            paid_on=c.paid_on, payment_ref=c.payment_ref,
        )  # fmt: skip


class SubsidyLineOut(BaseModel):
    drawdown_id: int
    contract_id: int
    enterprise_id: int
    bank_tenant_id: int
    region_code: str | None
    annual_rate: Decimal
    interest_paid: Decimal = Field(description="基数：本季度实收利息")
    raw: Decimal = Field(description="封顶前贴息")
    amount: Decimal = Field(description="贴息")
    payee: str

    @classmethod
    def of(cls, ln: SubsidyLine) -> SubsidyLineOut:
        return cls(**{k: getattr(ln, k) for k in cls.model_fields})


class PolicyOut(BaseModel):
    """One 贴息 policy or guarantee product, matched against one enterprise."""

    kind: str = Field(description="subsidy（贴息政策）或 guarantee（担保产品）")
    kind_label: str
    code: str
    name: str
    provider: str | None = Field(description="财政部门或担保机构")
    summary: str
    conditions: list[str] = Field(description="政策条件（中文）")
    products: list[str] = Field(description="适用的贷款产品代码（空：不限）")
    qualifies: bool
    gaps: list[str] = Field(description="尚未满足的条件（中文）；符合时为空")


class PolicyMatchOut(BaseModel):
    enterprise_id: int
    enterprise_name: str
    on: date
    listed: bool
    overdue: bool
    covenant_breached: bool
    policies: list[PolicyOut]
