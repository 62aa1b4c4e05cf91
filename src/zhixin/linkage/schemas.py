"""Linkage's API bodies and answers (Chinese labels beside the codes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from zhixin.linkage import rules
from zhixin.linkage.models import LinkageAction, ReversalRequest
from zhixin.linkage.reading import ActionView, EnterpriseLinkage, LoanLinkage, Queue, ResultView


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReversalIn(_In):
    reason: str = Field(min_length=1, max_length=500, title="撤销理由")


class DecisionIn(_In):
    note: str = Field("", max_length=500, title="复核意见")


class PaymentOut(BaseModel):
    id: int
    drawdown_id: int
    purpose: str
    purpose_label: str
    amount: Decimal
    quality: bool = Field(description="计入质量用途")
    paid_on: str


class ResultOut(BaseModel):
    id: int
    contract_id: int
    covenant: str
    label: str
    kind: str
    period: str
    period_end: dt.date
    met: bool
    drawn: Decimal | None
    quality_paid: Decimal | None
    share: Decimal | None
    threshold: Decimal | None
    consequence: str
    consequence_label: str
    payments: list[PaymentOut]

    @classmethod
    def of(cls, v: ResultView) -> ResultOut:
        r = v.row
        return cls(
            id=r.id,
            contract_id=r.contract_id,
            covenant=r.covenant,
            label=v.label,
            kind=r.kind,
            period=r.period,
            period_end=r.period_end,
            met=r.met,
            drawn=r.drawn,
            quality_paid=r.quality_paid,
            share=r.share,
            threshold=r.threshold,
            consequence=r.consequence,
            consequence_label=v.consequence_label,
            payments=[PaymentOut(**p.__dict__) for p in v.payments],
        )


class ActionOut(BaseModel):
    id: int
    contract_id: int
    enterprise_id: int
    kind: str
    label: str
    status: str
    status_label: str
    rule: str = Field(description="产品代码:约定或联动规则")
    reason: str
    record_id: int | None = Field(
        description="引起该措施的质量记录（仅对可查阅该企业记录明细者给出）"
    )
    publication_id: int | None = Field(description="引起该措施的白名单版本")
    covenant_result_id: int | None
    milestone: str | None
    bp: int | None = Field(description="利率调整（bp，正为上浮）")
    effective_on: dt.date | None
    applied_on: dt.date | None
    reverses_id: int | None
    decision_id: int | None
    created_at: dt.datetime
    pending_reversal_id: int | None

    @classmethod
    def of(cls, v: ActionView) -> ActionOut:
        return cls.of_row(v.row, v.reversal, show_record=v.show_record)

    @classmethod
    def of_row(
        cls, a: LinkageAction, pending: ReversalRequest | None = None, *, show_record: bool
    ) -> ActionOut:
        return cls(
            id=a.id,
            contract_id=a.contract_id,
            enterprise_id=a.enterprise_id,
            kind=a.kind,
            label=rules.ACTION_LABELS.get(a.kind, a.kind),
            status=a.status,
            status_label=rules.STATUS_LABELS.get(a.status, a.status),
            rule=a.rule,
            reason=a.reason,
            record_id=a.record_id if show_record else None,
            publication_id=a.publication_id,
            covenant_result_id=a.covenant_result_id,
            milestone=a.milestone,
            bp=a.bp,
            effective_on=a.effective_on,
            applied_on=a.applied_on,
            reverses_id=a.reverses_id,
            decision_id=a.decision_id,
            created_at=a.created_at,
            pending_reversal_id=pending.id if pending is not None else None,
        )


class LoanLinkageOut(BaseModel):
    contract_id: int
    frozen: bool
    blocked_reason: str | None
    results: list[ResultOut]
    actions: list[ActionOut]

    @classmethod
    def of(cls, v: LoanLinkage) -> LoanLinkageOut:
        return cls(
            contract_id=v.contract_id,
            frozen=v.blocked_reason is not None,
            blocked_reason=v.blocked_reason,
            results=[ResultOut.of(r) for r in v.results],
            actions=[ActionOut.of(a) for a in v.actions],
        )


class EnterpriseLinkageOut(BaseModel):
    enterprise_id: int
    results: list[ResultOut]
    actions: list[ActionOut]

    @classmethod
    def of(cls, v: EnterpriseLinkage) -> EnterpriseLinkageOut:
        return cls(
            enterprise_id=v.enterprise_id,
            results=[ResultOut.of(r) for r in v.results],
            actions=[ActionOut.of(a) for a in v.actions],
        )


class ReversalOut(BaseModel):
    id: int
    action_id: int
    status: str
    status_label: str
    reason: str
    requested_by_id: int
    requested_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, r: ReversalRequest) -> ReversalOut:
        return cls(
            id=r.id,
            action_id=r.action_id,
            status=r.status,
            status_label=rules.REVERSAL_STATUS_LABELS.get(r.status, r.status),
            reason=r.reason,
            requested_by_id=r.requested_by_id,
            requested_at=r.requested_at,
            decided_by_id=r.decided_by_id,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )


class QueueOut(BaseModel):
    freezes: list[ActionOut]
    reversals: list[ReversalOut]

    @classmethod
    def of(cls, q: Queue) -> QueueOut:
        return cls(
            freezes=[ActionOut.of(a) for a in q.freezes],
            reversals=[ReversalOut.of(r) for r, _ in q.reversals],
        )
