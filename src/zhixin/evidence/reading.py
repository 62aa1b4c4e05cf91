"""Who sees which entries of the evidence log, and the log as the pages and the API show it: a
loan's entries with their confirmations, the regulator's view of the log, the signed heads.
Re-exported by ``evidence.service``. Never commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden
from zhixin.evidence import repository as repo
from zhixin.evidence import rules
from zhixin.evidence.log import _read
from zhixin.evidence.models import EvidenceEntry, EvidenceTreeHead

# -- who sees, who confirms -----------------------------------------------------------------------


def _sees(session: Session, actor: Principal, e: EvidenceEntry) -> bool:
    if actor.can(Permission.evidence_read) and actor.tenant_kind == TenantKind.regulator:
        return e.enterprise_id is None or enterprises.visible(
            session, actor=actor, enterprise_id=e.enterprise_id
        )
    if not actor.can(Permission.loan_read):
        return False
    if actor.tenant_kind == TenantKind.bank:
        return e.bank_tenant_id == actor.tenant_id
    if actor.tenant_kind == TenantKind.enterprise:
        return e.enterprise_id is not None and e.enterprise_id == actor.enterprise_id
    if actor.tenant_kind == TenantKind.regulator:
        return e.enterprise_id is not None and enterprises.visible(
            session, actor=actor, enterprise_id=e.enterprise_id
        )
    return False


def _role(actor: Principal) -> str | None:
    if not actor.can(Permission.evidence_confirm):
        return None
    if actor.tenant_kind == TenantKind.bank:
        return "bank"
    if actor.tenant_kind == TenantKind.regulator:
        return "regulator"
    return None


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    tenant: str
    signed_at: datetime


@dataclass(frozen=True)
class EntryView:
    seq: int
    kind: str
    kind_label: str
    at: str
    summary: str
    leaf_hash: str
    contract_id: int | None
    bank: Side | None
    regulator: Side | None

    @property
    def state(self) -> str:
        if self.bank and self.regulator:
            return "双方已确认"
        if self.bank:
            return "银行已确认，待监管部门确认"
        if self.regulator:
            return "监管部门已确认，待银行确认"
        return "待双方确认"


def _views(session: Session, rows: Sequence[EvidenceEntry]) -> list[EntryView]:
    ids = sorted(
        {c for e in rows for c in (e.bank_confirmation_id, e.regulator_confirmation_id) if c}
    )
    conf = repo.confirmations_by_id(session, ids)
    codes: dict[int, str] = {}

    def side(cid: int | None) -> Side | None:
        if cid is None or cid not in conf:
            return None
        c = conf[cid]
        if c.tenant_id not in codes:
            codes[c.tenant_id] = accounts.tenant_code(session, c.tenant_id) or str(c.tenant_id)
        return Side(codes[c.tenant_id], c.signed_at)

    out = []
    for e in rows:
        doc = json.loads(e.payload)
        out.append(
            EntryView(
                seq=e.seq,
                kind=e.kind,
                kind_label=rules.KIND_LABELS.get(e.kind, e.kind),
                at=str(doc.get("at", "")),
                summary=rules.summary(doc),
                leaf_hash=e.leaf_hash,
                contract_id=e.contract_id,
                bank=side(e.bank_confirmation_id),
                regulator=side(e.regulator_confirmation_id),
            )
        )
    return out


def for_contract(session: Session, *, actor: Principal, contract_id: int) -> list[EntryView]:
    """A loan's entries the actor sees (the loan page has checked the loan itself)."""
    _read(session)
    rows = [e for e in repo.entries_of_contract(session, contract_id) if _sees(session, actor, e)]
    return _views(session, rows)


def may_confirm(actor: Principal) -> str | None:
    """The side the actor confirms for (bank, regulator), or None."""
    return _role(actor)


@dataclass(frozen=True)
class LogView:
    algorithm: str | None
    tree_size: int
    root_hash: str
    heads: list[EvidenceTreeHead]
    entries: list[EntryView]
    log_key: str | None


def log_view(
    session: Session, *, actor: Principal, limit: int = 100, before: int | None = None
) -> LogView:
    """The regulator's view: the log's state, its latest signed heads, its latest entries."""
    _read(session)
    if not actor.can(Permission.evidence_read):
        raise Forbidden("无权查看存证日志")
    state = repo.log(session)
    rows = [e for e in repo.latest_entries(session, limit, before) if _sees(session, actor, e)]
    key = repo.key_of(session, None)
    return LogView(
        algorithm=state.hash_alg if state else None,
        tree_size=state.tree_size if state else 0,
        root_hash=state.root_hash if state else "",
        heads=list(repo.latest_heads(session, 20)),
        entries=_views(session, rows),
        log_key=key.public_key if key else None,
    )


def heads(session: Session, *, actor: Principal, limit: int = 100) -> list[EvidenceTreeHead]:
    if not actor.can(Permission.evidence_read) and not actor.can(Permission.loan_read):
        raise Forbidden("无权查看存证树头")
    return list(repo.latest_heads(session, limit))
