"""知识产权估值 as a service: value a patent (stored, audited), an officer's override, reading.

The method is :mod:`zhixin.risk.patent` (pure). A valuation belongs to the bank (tenant) whose
officer made it; another tenant's valuation is a 404. The override keeps the method's value
beside it: ``effective_value`` is what a quote's collateral uses.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit.clock import today
from zhixin.kit.db import utcnow
from zhixin.kit.text import clean
from zhixin.risk import patent
from zhixin.risk import repository as repo
from zhixin.risk.models import PatentValuation
from zhixin.risk.schemas import PatentFactorOut, PatentIn, ValuationOut

NOT_FOUND = "未找到该估值记录 / valuation not found"


def _require(actor: Principal) -> None:
    if not actor.can(Permission.patent_value):
        raise Forbidden()


def value_patent(session: Session, *, actor: Principal, body: PatentIn) -> PatentValuation:
    _require(actor)
    ent = enterprises.get(session, actor=actor, enterprise_id=body.enterprise_id)
    industry = body.industry or ent.industry_code or ""
    inputs = patent.PatentInputs(
        patent_no=clean(body.patent_no),
        kind=body.kind,
        filing_date=body.filing_date,
        status=body.status,
        industry=industry,
        revenue=body.revenue,
        licensing_income=body.licensing_income,
        citations=body.citations,
        family_size=body.family_size,
        valuation_date=body.valuation_date or today(),
    )
    try:
        v = patent.value(inputs)
    except patent.ValuationRefused as exc:
        raise Invalid(str(exc)) from exc
    row = PatentValuation(
        enterprise_id=ent.id,
        tenant_id=actor.tenant_id,
        patent_no=inputs.patent_no,
        valuation_date=inputs.valuation_date,
        inputs=_jsonable(asdict(inputs)),
        factors=[_jsonable(asdict(f)) for f in v.factors],
        value=v.value,
        pledgeable=v.pledgeable,
        refusal=v.refusal,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="patent.value",
        object_type="patent_valuation",
        object_id=row.id,
        detail={"enterprise_id": ent.id, "patent_no": row.patent_no, "value": str(v.value)},
    )
    return row


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: str(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, date) else v
        for k, v in d.items()
    }


def get(session: Session, *, actor: Principal, valuation_id: int) -> PatentValuation:
    _require(actor)
    row = repo.valuation(session, valuation_id)
    if row is None or row.tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)
    return row


def for_collateral(
    session: Session, *, actor: Principal | None, valuation_id: int, enterprise_id: int
) -> PatentValuation:
    """For other domains' services (a quote's collateral): the valuation a pledge of the
    enterprise's patent counts at (``effective_value``: the officer's override when there is
    one). A bank's valuation serves that bank's users only (another tenant's is a 404, as
    :func:`get`); ``actor=None`` is the operator's process (the CLI). Refused in Chinese when the
    valuation is of another enterprise's patent or the patent cannot be pledged."""
    row = repo.valuation(session, valuation_id)
    if row is None or (actor is not None and row.tenant_id != actor.tenant_id):
        raise NotFound(f"未找到知识产权估值 #{valuation_id}（只能引用本机构所做的估值）")
    if row.enterprise_id != enterprise_id:
        raise Invalid(f"知识产权估值 #{valuation_id} 不是该企业的专利，不能作为其押品")
    if not row.pledgeable:
        raise Invalid(f"专利 {row.patent_no} 不能质押：{row.refusal or '估值为不可质押'}")
    return row


def override(
    session: Session, *, actor: Principal, valuation_id: int, value: Decimal, reason: str
) -> PatentValuation:
    """Set the value an officer stands behind instead of the method's, with the reason."""
    row = get(session, actor=actor, valuation_id=valuation_id)
    reason = reason.strip()  # free text: kept as typed (no full-width folding)
    if len(reason) < 5:
        raise Invalid("调整估值须写明理由（至少 5 个字）")
    if value < 0:
        raise Invalid("估值不能为负数")
    old = row.override_value
    row.override_value = value.quantize(Decimal("0.01"))
    row.override_reason = reason
    row.overridden_by_id = actor.user_id
    row.overridden_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="patent.override",
        object_type="patent_valuation",
        object_id=row.id,
        detail={
            "method_value": str(row.value),
            "before": None if old is None else str(old),
            "after": str(row.override_value),
            "reason": reason,
        },
    )
    return row


def to_out(row: PatentValuation) -> ValuationOut:
    return ValuationOut(
        id=row.id,
        enterprise_id=row.enterprise_id,
        patent_no=row.patent_no,
        valuation_date=row.valuation_date,
        method=patent.METHOD,
        inputs=row.inputs,
        factors=[PatentFactorOut(**f) for f in row.factors],
        value=row.value,
        pledgeable=row.pledgeable,
        refusal=row.refusal,
        override_value=row.override_value,
        override_reason=row.override_reason,
        overridden_at=row.overridden_at,
        effective_value=row.effective_value,
        created_at=row.created_at,
    )
