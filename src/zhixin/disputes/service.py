"""异议 (disputes): file, propose, decide, read; and the enterprise's access log. Never commits.

Semantics are in :mod:`zhixin.disputes.rules`. Who may do what:

* an enterprise user (``dispute:file``) files a dispute on its own enterprise only, and reads
  its own disputes and evidence;
* regulators (``dispute:review``) read the disputes of enterprises in their jurisdiction; one
  proposes, another approves (maker-checker);
* an upheld record dispute corrects the record through :func:`zhixin.records.service.correct`
  (or removes it) and marks the enterprise's evaluation as due to re-run (``rerun_due_at``):
  the evaluation service stores runs of every enterprise only (``evaluate_one`` computes one
  enterprise without storing it), so the next ``zhixin evaluate`` run picks the correction up,
  and the dispute says a re-run is owed (``rerun_due``) until a finished run that started —
  and knew — after the dispute was upheld;
* banks see, on the portrait, how many disputes of the enterprise are open
  (:func:`open_count`) — never their content.

Every write is audited: ``dispute.file``, ``dispute.propose``, ``dispute.decide``; reading the
evidence file is ``dispute.evidence``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import get_settings
from zhixin.consent import service as consents
from zhixin.disputes import repository as repo
from zhixin.disputes import rules
from zhixin.disputes.models import Dispute
from zhixin.disputes.rules import DisputeRefused
from zhixin.disputes.schemas import AccessOut, DisputeOut
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.records import service as records
from zhixin.workdays import service as workdays
from zhixin.workdays.rules import UnknownYear

NOT_FOUND = "未找到该异议"


def _require(actor: Principal, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden("无权处理异议")


def _refused(exc: DisputeRefused) -> Invalid:
    return Invalid(str(exc))


def _own(actor: Principal, enterprise_id: int) -> None:
    if actor.tenant_kind != TenantKind.enterprise or actor.enterprise_id != enterprise_id:
        raise NotFound("未找到该经营主体")


def file(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    record_id: int | None,
    element_code: str | None,
    statement: str,
    evidence: bytes | None = None,
    evidence_name: str | None = None,
) -> Dispute:
    """An enterprise disputes one of its records or one element of its grade."""
    _require(actor, Permission.dispute_file)
    _own(actor, enterprise_id)
    try:
        code = rules.check_subject(record_id, element_code)
        text = rules.check_statement(statement)
        kind = rules.evidence_type(evidence) if evidence else None
    except DisputeRefused as exc:
        raise _refused(exc) from exc
    if record_id is not None:
        rec = records.get(session, actor=actor, record_id=record_id)
        if rec.enterprise_id != enterprise_id:
            raise NotFound("未找到该记录")
        if rec.superseded_at is not None:
            raise Conflict("该记录已被更正或删除，请对现行记录提出异议")
    if repo.open_on(session, enterprise_id, record_id, code) is not None:
        raise Conflict("该对象已有未处理完的异议，请等待处理结果")
    today = clock.today()
    days = get_settings().dispute_workdays
    try:
        due = workdays.compute_deadline(session, start=today, days=days).deadline
    except UnknownYear:
        due = rules.add_weekdays(today, days)
    d = Dispute(
        enterprise_id=enterprise_id,
        record_id=record_id,
        element_code=code,
        statement=text,
        evidence=evidence or None,
        evidence_name=(evidence_name or "证明材料")[:200] if evidence else None,
        evidence_type=kind,
        evidence_size=len(evidence) if evidence else None,
        evidence_sha256=hashlib.sha256(evidence).hexdigest() if evidence else None,
        status="pending",
        filed_by_id=actor.user_id,
        filed_at=utcnow(),
        due_on=due,
    )
    session.add(d)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="dispute.file",
        object_type="dispute",
        object_id=d.id,
        detail={
            "enterprise_id": enterprise_id,
            "record_id": record_id,
            "element": code,
            "evidence_sha256": d.evidence_sha256,
            "due_on": due.isoformat(),
        },
    )
    return d


def _visible(session: Session, actor: Principal, dispute_id: int) -> Dispute:
    d = repo.by_id(session, dispute_id)
    if d is None:
        raise NotFound(NOT_FOUND)
    if actor.can(Permission.dispute_review):
        if not enterprises.visible(session, actor=actor, enterprise_id=d.enterprise_id):
            raise NotFound(NOT_FOUND)
        return d
    own = actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id == d.enterprise_id
    if actor.can(Permission.dispute_file) and own:
        return d
    raise NotFound(NOT_FOUND)


def get(session: Session, *, actor: Principal, dispute_id: int) -> Dispute:
    return _visible(session, actor, dispute_id)


def listing(session: Session, *, actor: Principal, status: str | None = None) -> Sequence[Dispute]:
    """An enterprise's own disputes; a regulator's within the jurisdiction (by deadline)."""
    if actor.can(Permission.dispute_review):
        ids = repo.enterprise_ids_with_disputes(session, status)
        seen = enterprises.visible_among(session, actor=actor, ids=ids)
        return repo.listing(session, enterprise_ids=seen, status=status)
    _require(actor, Permission.dispute_file)
    own = actor.enterprise_id if actor.tenant_kind == TenantKind.enterprise else None
    return repo.listing(session, enterprise_ids=[own or -1], status=status)


def propose(
    session: Session,
    *,
    actor: Principal,
    dispute_id: int,
    decision: str,
    note: str,
    correction: dict[str, object] | None = None,
) -> Dispute:
    """The maker: a regulator proposes uphold (with the correction) or reject."""
    _require(actor, Permission.dispute_review)
    d = _visible(session, actor, dispute_id)
    if d.status != "pending":
        raise Conflict("该异议不在待处理状态")
    try:
        fixed = rules.check_proposal(decision, note, correction, is_record=d.record_id is not None)
    except DisputeRefused as exc:
        raise _refused(exc) from exc
    d.status = "proposed"
    d.proposal = decision
    d.proposal_note = note.strip()
    d.correction = fixed
    d.proposed_by_id = actor.user_id
    d.proposed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="dispute.propose",
        object_type="dispute",
        object_id=d.id,
        detail={"proposal": decision, "correction": fixed or {}},
    )
    return d


def decide(
    session: Session, *, actor: Principal, dispute_id: int, approve: bool, note: str = ""
) -> Dispute:
    """The checker: another regulator approves the proposal (it takes effect) or sends it back."""
    _require(actor, Permission.dispute_review)
    d = _visible(session, actor, dispute_id)
    if d.status != "proposed" or d.proposal is None:
        raise Conflict("该异议没有待复核的处理意见")
    try:
        rules.check_decision(
            proposer_id=d.proposed_by_id, decider_id=actor.user_id, note=note, approve=approve
        )
    except DisputeRefused as exc:
        raise _refused(exc) from exc
    now = utcnow()
    d.decision_note = note.strip() or None
    if not approve:
        d.status = "pending"
        d.proposal = None
        d.correction = None
        d.proposed_by_id = None
        d.proposed_at = None
    else:
        d.status = rules.outcome(d.proposal)
        d.decided_by_id = actor.user_id
        d.decided_at = now
        if d.status == "upheld":
            _apply(session, actor, d)
            d.rerun_due_at = now
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="dispute.decide",
        object_type="dispute",
        object_id=d.id,
        detail={
            "approved": approve,
            "status": d.status,
            "corrected_record_id": d.corrected_record_id,
        },
    )
    return d


def _apply(session: Session, actor: Principal, d: Dispute) -> None:
    if d.record_id is None or not d.correction:
        return  # an element dispute: the re-run is what it asks for
    if d.correction.get("remove") is True:
        records.remove(
            session, actor=actor, record_id=d.record_id, reason=f"异议 {d.id} 成立：删除该记录"
        )
        return
    changes: dict[str, object] = {}
    for key, value in d.correction.items():
        kind = rules.CORRECTABLE[key]
        changes[key] = date.fromisoformat(str(value)) if kind == "date" and value else value
    new = records.correct(
        session,
        actor=actor,
        record_id=d.record_id,
        changes=changes,
        source=f"dispute:{d.id}",
        note=f"异议 {d.id} 成立",
    )
    d.corrected_record_id = new.id


def evidence(session: Session, *, actor: Principal, dispute_id: int) -> tuple[str, str, bytes]:
    d = _visible(session, actor, dispute_id)
    if d.evidence is None:
        raise NotFound("该异议没有上传证明材料")
    audit.record(
        session,
        actor=Actor.of(actor),
        action="dispute.evidence",
        object_type="dispute",
        object_id=d.id,
        detail={"bytes": len(d.evidence)},
    )
    return d.evidence_name or "evidence", d.evidence_type or "application/octet-stream", d.evidence


def _rerun_since(session: Session, actor: Principal) -> datetime | None:
    """When the latest finished evaluation run started, if its knowledge time is its start
    (or unset) — a correction made before that moment is in it."""
    if not actor.can(Permission.evaluation_read):
        return None
    runs = evaluation.list_runs(session, actor=actor, limit=1)
    if not runs or runs[0].status != "finished":
        return None
    run = runs[0]
    return run.started_at if run.known_at is None else min(run.started_at, run.known_at)


def outs(session: Session, *, actor: Principal, disputes: Sequence[Dispute]) -> list[DisputeOut]:
    """The disputes as the API shows them; a re-run is owed until a finished evaluation run
    that knew of the correction (started, and knowing, after the dispute was upheld)."""
    since = _rerun_since(session, actor) if any(d.rerun_due_at for d in disputes) else None
    return [to_out(d, rerun_done_at=since) for d in disputes]


def to_out(
    d: Dispute, today: date | None = None, *, rerun_done_at: datetime | None = None
) -> DisputeOut:
    day = today or clock.today()
    due = d.rerun_due_at is not None and (rerun_done_at is None or rerun_done_at < d.rerun_due_at)
    return DisputeOut(
        id=d.id,
        enterprise_id=d.enterprise_id,
        record_id=d.record_id,
        element_code=d.element_code,
        statement=d.statement,
        evidence_name=d.evidence_name,
        evidence_type=d.evidence_type,
        evidence_size=d.evidence_size,
        status=d.status,
        status_label=rules.STATUS_LABELS.get(d.status, d.status),
        filed_at=d.filed_at,
        due_on=d.due_on,
        overdue=rules.overdue(d.due_on, day, d.status),
        proposal=d.proposal,
        proposal_note=d.proposal_note,
        correction=d.correction,
        decided_at=d.decided_at,
        decision_note=d.decision_note,
        corrected_record_id=d.corrected_record_id,
        rerun_due=due,
    )


# -- for other domains (no permission check: the caller has made it) ------------------------


def open_count(session: Session, enterprise_id: int) -> int:
    """How many disputes of the enterprise are open (the portrait tells banks)."""
    return repo.open_count(session, enterprise_id)


# -- the enterprise's access log ------------------------------------------------------------


def access_log(
    session: Session, *, actor: Principal, enterprise_id: int, limit: int = 200
) -> list[AccessOut]:
    """Who took the enterprise's portrait and records — which organisation, when, under which
    consent — from the audit log (``portrait.pdf``, ``record.read``); the enterprise itself
    only. Reads by the enterprise's own users are left out."""
    _require(actor, Permission.access_log_read)
    _own(actor, enterprise_id)
    events = audit.events_about(
        session,
        object_type="enterprise",
        object_id=enterprise_id,
        actions=list(rules.ACCESS_ACTIONS),
        limit=limit,
    )
    grants = [
        rules.Grant(c.id, c.tenant_id, c.scope, c.granted_at, c.expires_at, c.revoked_at)
        for c in consents.grants_of(session, enterprise_id)
    ]
    bank_ids = {g.tenant_id for g in grants}
    tenants = [e.tenant_id for e in events if e.tenant_id is not None]
    names = consents.tenant_names(session, tenants)
    out: list[AccessOut] = []
    for e in events:
        if e.tenant_id is None or e.tenant_id == actor.tenant_id:
            continue
        grant = rules.grant_at(grants, e.tenant_id, e.at) if e.tenant_id in bank_ids else None
        if grant is not None:
            label = f"授权 {grant.id}（{grant.granted_at.astimezone(clock.SHANGHAI):%Y-%m-%d} 起）"
        elif e.tenant_id in bank_ids:
            label = "当时没有有效授权（只读取评价结果，不含记录明细）"
        else:
            label = "监管或其他机构，依职责查看，无需企业授权"
        rows = e.detail.get("rows", 0) if isinstance(e.detail, dict) else 0
        out.append(
            AccessOut(
                at=e.at,
                action=e.action,
                action_label=rules.ACCESS_ACTIONS.get(e.action, e.action),
                organisation=names.get(e.tenant_id, f"机构 {e.tenant_id}"),
                records=int(rows) if isinstance(rows, int) else 0,
                consent_id=grant.id if grant else None,
                consent_label=label,
            )
        )
    return out
