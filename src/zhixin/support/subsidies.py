"""Interest subsidies (贴息): policies, the quarterly computation (set-based SQL), approval by
the finance bureau, payment, statements. Never commits.

The computation (:func:`compute`; its statements in :mod:`.subsidy_lines`) is set-based over
the loan book's repayments of the quarter (:func:`zhixin.loans.reads.subsidy_basis`) — no
Python loop per loan: the basis aggregated per drawdown once into a temporary table with each
loan's raw subsidy, the enterprises' totals (a second temporary table, with each one's district)
to see which caps bind, then one ``INSERT … SELECT`` of the lines (two where some but not all
enterprises' caps bind and the budget does not), in integer fen so every server rounds alike
(the rules of :mod:`.rules`, checked against them by a test):

- basis b = interest paid in the quarter (fen); rate R = the drawdown's annual rate × 10⁶;
- ``points`` P (× 10⁶): raw = min(b, ⌊(2·b·P + R) / (2·R)⌋) (half-up b × P / R);
  ``share`` S (% × 10⁶): raw = ⌊(2·b·S + 10⁸) / (2·10⁸)⌋;
- per enterprise, loans in drawdown order take raw while the enterprise's room for the year
  lasts (cap − what earlier quarters' lines of the policy gave it), a window ``SUM() OVER
  (PARTITION BY enterprise ORDER BY drawdown)``; then the policy's yearly budget the same way
  over all loans (``SUM() OVER (ORDER BY drawdown)``).

Conditions: ``not_overdue`` — the drawdown has no days past due when computed (in the SQL);
``listed`` — the enterprise is on the newest whitelist of the product's catalog at the quarter's
end (checked once per enterprise with lines, after the insert, those not listed set to 0);
``covenant_met`` — no covenant breach of the quarter withholds the contract's 贴息 (linkage's
暂停贴息 action, not reversed); those lines are set to 0 after the caps were taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import utcnow
from zhixin.linkage import service as linkage
from zhixin.loans import reads as book
from zhixin.support import repository as repo
from zhixin.support import rules
from zhixin.support import subsidy_lines as lines_repo
from zhixin.support.models import (
    ZERO,
    SubsidyClaim,
    SubsidyLine,
    SubsidyPolicy,
)
from zhixin.support.rules import (
    SUBSIDY_STATUS_LABELS,
)

NOT_FOUND = "未找到该贴息清单，或不在您的可见范围内"


def _audit(session: Session, actor: Principal, action: str, oid: int, **detail: Any) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=f"support.{action}",
        object_type="subsidy_claim",
        object_id=oid,
        detail={k: str(v) for k, v in detail.items()},
    )


def _manager(actor: Principal) -> None:
    if not actor.can(Permission.subsidy_manage) or actor.tenant_kind != TenantKind.finance:
        raise Forbidden("只有财政部门可以办理贴息")


def add_policy(
    session: Session, *, actor: Principal, code: str, name: str, terms: dict[str, Any]
) -> SubsidyPolicy:
    _manager(actor)
    try:
        rules.subsidy_policy(terms)
    except rules.Refused as exc:
        raise Invalid(str(exc)) from exc
    if repo.policy_by_code(session, code) is not None:
        raise Conflict(f"贴息政策代码 {code} 已存在")
    p = SubsidyPolicy(code=code, name=name, finance_tenant_id=actor.tenant_id, terms=terms)
    session.add(p)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="support.policy.add",
        object_type="subsidy_policy",
        object_id=p.id,
        detail={"code": code},
    )
    return p


def compute(
    session: Session, *, actor: Principal | None, policy_code: str, quarter: str
) -> SubsidyClaim:
    """The quarter's claim list of a policy (recomputed while not yet approved). ``actor``
    None: the operator's scheduled run (the CLI without --by), audited as the system."""
    if actor is not None:
        _manager(actor)
    p = repo.policy_by_code(session, policy_code)
    if p is None:
        raise NotFound(f"未找到贴息政策 {policy_code}")
    try:
        policy = rules.subsidy_policy(p.terms)
        first, last = rules.quarter(quarter)
    except rules.Refused as exc:
        raise Invalid(str(exc)) from exc
    quarter = rules.quarter_of(first)
    by = actor.user_id if actor is not None else None
    claim = repo.subsidy_claim_of(session, p.id, quarter)
    if claim is not None and claim.status != "computed":
        raise Conflict(f"{quarter} 的贴息清单已{SUBSIDY_STATUS_LABELS[claim.status]}，不能重算")
    if claim is None:
        claim = SubsidyClaim(policy_id=p.id, quarter=quarter, year=first.year, computed_by_id=by)
        session.add(claim)
        session.flush()
    else:
        lines_repo.delete_lines(session, claim.id)
        claim.computed_by_id, claim.computed_at = by, utcnow()
    lines_repo.write_lines(session, claim.id, p.id, policy, quarter, first, last)
    if "listed" in policy.conditions:
        _drop_unlisted(session, claim.id, last)
    if "covenant_met" in policy.conditions:
        _drop_withheld(session, claim.id, quarter)
    _totals(session, claim)
    audit.record(
        session,
        actor=Actor.of(actor) if actor is not None else Actor.system("cli"),
        action="support.subsidy.compute",
        object_type="subsidy_claim",
        object_id=claim.id,
        detail={"quarter": quarter, "total": str(claim.total), "lines": claim.lines},
    )
    return claim


def _drop_unlisted(session: Session, claim_id: int, last: date) -> None:
    """Condition ``listed``: one whitelist lookup per enterprise with lines (not per loan)."""
    ids = lines_repo.line_enterprises(session, claim_id)
    gone = [e for e in ids if not book.enterprise_listed(session, enterprise_id=e, on=last)]
    lines_repo.zero_lines(session, claim_id, enterprise_ids=gone)


def _drop_withheld(session: Session, claim_id: int, quarter: str) -> None:
    """Condition ``covenant_met``: the lines of contracts whose 贴息 a breached covenant
    withholds for the quarter (linkage's 暂停贴息, not reversed) are set to 0."""
    withheld = linkage.withheld_contracts(session, period=quarter)
    lines_repo.zero_lines(session, claim_id, contract_ids=sorted(withheld))


def _totals(session: Session, claim: SubsidyClaim) -> None:
    n, basis, total = lines_repo.line_totals(session, claim.id)
    claim.lines = n
    claim.basis = basis.quantize(ZERO)
    claim.total = total.quantize(ZERO)
    session.flush()


def _claim(session: Session, claim_id: int) -> SubsidyClaim:
    c = repo.subsidy_claim(session, claim_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    return c


def approve(session: Session, *, actor: Principal, claim_id: int) -> SubsidyClaim:
    """The finance bureau approves the quarter's list as computed."""
    _manager(actor)
    c = _claim(session, claim_id)
    if c.status != "computed":
        raise Conflict(f"贴息清单状态为「{SUBSIDY_STATUS_LABELS[c.status]}」，不能审核")
    c.status, c.approved_by_id, c.approved_at = "approved", actor.user_id, utcnow()
    session.flush()
    _audit(session, actor, "subsidy.approve", c.id, total=c.total)
    return c


def pay(
    session: Session, *, actor: Principal, claim_id: int, on: date, reference: str
) -> SubsidyClaim:
    _manager(actor)
    c = _claim(session, claim_id)
    if c.status != "approved":
        raise Conflict(f"贴息清单状态为「{SUBSIDY_STATUS_LABELS[c.status]}」，须先审核再拨付")
    if not reference.strip():
        raise Invalid("拨付须填写付款凭证号")
    c.status, c.paid_on, c.payment_ref = "paid", on, reference.strip()[:64]
    session.flush()
    _audit(session, actor, "subsidy.pay", c.id, total=c.total, reference=reference)
    return c


def claims(session: Session, *, state: str | None = None) -> list[SubsidyClaim]:
    if state is not None and state not in SUBSIDY_STATUS_LABELS:
        raise Invalid(f"状态只能是：{'、'.join(SUBSIDY_STATUS_LABELS)}")
    return list(repo.subsidy_claims(session, state=state))


def claim_by_quarter(session: Session, *, policy_code: str, quarter: str) -> SubsidyClaim:
    p = repo.policy_by_code(session, policy_code)
    if p is None:
        raise NotFound(f"未找到贴息政策 {policy_code}")
    try:
        first, _ = rules.quarter(quarter)
    except rules.Refused as exc:
        raise Invalid(str(exc)) from exc
    c = repo.subsidy_claim_of(session, p.id, rules.quarter_of(first))
    if c is None:
        raise NotFound(f"{quarter} 尚未计算贴息")
    return c


@dataclass(frozen=True)
class Statement:
    """A party's own subsidy lines (a bank's loans, or an enterprise's)."""

    claim: SubsidyClaim
    lines: list[SubsidyLine]


def visible_lines(
    session: Session, *, actor: Principal, claim_id: int, limit: int | None = 500
) -> list[SubsidyLine]:
    """The lines the actor may see: all for the finance bureau, a bank its loans', an
    enterprise its own."""
    if not actor.can(Permission.support_read):
        raise Forbidden("无权查看贴息")
    c = _claim(session, claim_id)
    k = actor.tenant_kind
    if k == TenantKind.finance:
        return list(repo.subsidy_lines(session, c.id, limit=limit))
    if k == TenantKind.bank:
        return list(repo.subsidy_lines(session, c.id, bank_id=actor.tenant_id, limit=limit))
    if k == TenantKind.enterprise and actor.enterprise_id is not None:
        return list(
            repo.subsidy_lines(session, c.id, enterprise_id=actor.enterprise_id, limit=limit)
        )
    raise NotFound(NOT_FOUND)


totals = repo.subsidy_totals
policies = repo.policies
policy_by_code = repo.policy_by_code


def _normal(quarter: str) -> str:
    try:
        return rules.quarter_of(rules.quarter(quarter)[0])
    except rules.Refused as exc:
        raise Invalid(str(exc)) from exc


def compute_all(session: Session, *, actor: Principal | None, quarter: str) -> list[SubsidyClaim]:
    """Every policy's claim list of the quarter (those already approved or paid are left)."""
    out = []
    for p in repo.policies(session):
        c = repo.subsidy_claim_of(session, p.id, _normal(quarter))
        if c is None or c.status == "computed":
            out.append(compute(session, actor=actor, policy_code=p.code, quarter=quarter))
    return out


def visible_claims(
    session: Session, *, actor: Principal
) -> list[tuple[SubsidyClaim, int, Decimal, Decimal]]:
    """(claim, lines, basis, subsidy) as the actor may see them: the finance bureau every
    claim whole; a bank the claims with its loans, an enterprise those with its own, each with
    the totals of its own lines only."""
    if not actor.can(Permission.support_read):
        raise Forbidden("无权查看贴息")
    everything = repo.subsidy_claims(session)
    if actor.tenant_kind == TenantKind.finance:
        return [(c, c.lines, c.basis, c.total) for c in everything]
    if actor.tenant_kind == TenantKind.bank:
        own = repo.own_subsidy_totals(session, bank_id=actor.tenant_id)
    elif actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id is not None:
        own = repo.own_subsidy_totals(session, enterprise_id=actor.enterprise_id)
    else:
        return []
    return [(c, *own[c.id]) for c in everything if c.id in own]
