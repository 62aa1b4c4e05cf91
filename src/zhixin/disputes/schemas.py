from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DisputeOut(BaseModel):
    id: int
    enterprise_id: int
    record_id: int | None
    element_code: str | None
    statement: str
    evidence_name: str | None
    evidence_type: str | None
    evidence_size: int | None
    status: str
    status_label: str
    filed_at: datetime
    due_on: date = Field(description="处理期限：提出后第 N 个工作日（北京时间，工作日历）")
    overdue: bool
    proposal: str | None
    proposal_note: str | None
    correction: dict[str, object] | None
    decided_at: datetime | None
    decision_note: str | None
    corrected_record_id: int | None
    rerun_due: bool = Field(description="异议成立后该企业的评价须重新运行（尚未运行）")


class ProposalIn(BaseModel):
    decision: str = Field(description="uphold（异议成立）或 reject（异议不成立）")
    note: str = Field(max_length=2000)
    correction: dict[str, object] | None = Field(
        default=None, description='更正内容：{"remove": true} 或 {"status": "撤销", …}'
    )


class DecisionIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class AccessOut(BaseModel):
    at: datetime
    action: str
    action_label: str
    organisation: str
    records: int
    consent_id: int | None
    consent_label: str
