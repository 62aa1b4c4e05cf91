"""惠企政策 matching: for one enterprise, the registered 贴息 policies and guarantee products it
qualifies for now, and for each it does not, the conditions it still misses. Never commits.

One source of truth with the support services: the policies and products are the rows they
keep (their rules parsed by :func:`rules.subsidy_policy` / :func:`rules.guarantee_product`);
the conditions are decided by :func:`rules.subsidy_gaps` / :func:`rules.guarantee_gaps` on the
facts the subsidy computation and the guarantee request read — the whitelist as
``loans.reads.enterprise_listed`` reads it (the computation's ``listed``: the loan's catalog;
a firm with no loan yet is listed when any catalog's version in force lists it), days past due on a
drawdown (``not_overdue``), linkage's withheld contracts of the current quarter
(``covenant_met``), the 贴息 the policy gave the firm this year (its cap per enterprise), and
the principal already guaranteed (``repo.guaranteed_live``, the request's caps).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound
from zhixin.kit import clock
from zhixin.linkage import service as linkage
from zhixin.loans import reads as book
from zhixin.support import repository as repo
from zhixin.support import rules
from zhixin.support.schemas import PolicyMatchOut, PolicyOut
from zhixin.whitelist import service as whitelist

NOT_FOUND = "未找到该经营主体"


def standing(session: Session, *, enterprise_id: int, on: date) -> rules.Standing:
    """The enterprise as the subsidy's conditions read it on ``on`` (the 贴息 given is per
    policy: :func:`policies_for` fills it in)."""
    contracts = set(book.enterprise_contract_ids(session, enterprise_id))
    withheld = (
        linkage.withheld_contracts(session, period=rules.quarter_of(on)) if contracts else set()
    )
    return rules.Standing(
        listed=(
            book.enterprise_listed(session, enterprise_id=enterprise_id, on=on)
            if contracts
            else whitelist.listed_in_any_catalog(
                session, enterprise_id=enterprise_id, published_before=clock.end_of_day(on)
            )
        ),
        overdue=book.enterprise_overdue(session, enterprise_id),
        covenant_breached=bool(contracts & withheld),
    )


def _subsidy_summary(p: rules.SubsidyPolicy) -> str:
    how = f"按 {p.points} 个百分点贴息" if p.kind == "points" else f"按实收利息的 {p.share}% 贴息"
    cap = f"，单户年度上限 {p.cap_per_enterprise_year} 元" if p.cap_per_enterprise_year else ""
    return f"{how}，拨付给{rules.PAYEE_LABELS[p.payee]}{cap}"


def _guarantee_summary(g: rules.GuaranteeProduct) -> str:
    fee = f"担保费率 {g.fee_rate}%"
    if g.fee_subsidy_points > 0:
        fee += f"（其中 {g.fee_subsidy_points} 个百分点由财政补贴）"
    cap = f"，单户担保上限 {g.cap_per_enterprise} 元" if g.cap_per_enterprise else ""
    return f"担保责任 {g.coverage}%，{fee}{cap}"


def policies_for(session: Session, *, actor: Principal, enterprise_id: int) -> PolicyMatchOut:
    """Every registered 贴息 policy and guarantee product, each with whether the enterprise
    qualifies now and what it still misses; the qualifying ones first. An enterprise user reads
    its own only; whatever the actor may not see answers as missing (404)."""
    if not actor.can(Permission.support_read):
        raise Forbidden("无权查看惠企政策")
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id != enterprise_id:
        raise NotFound(NOT_FOUND)
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound(NOT_FOUND)
    today = clock.today()
    base = standing(session, enterprise_id=enterprise_id, on=today)
    out: list[PolicyOut] = []
    for row in repo.policies(session):
        policy = rules.subsidy_policy(row.terms)
        given = repo.subsidy_given(
            session, policy_id=row.id, year=today.year, enterprise_id=enterprise_id
        )
        gaps = rules.subsidy_gaps(
            policy,
            rules.Standing(base.listed, base.overdue, base.covenant_breached, given),
        )
        out.append(
            PolicyOut(
                kind="subsidy",
                kind_label="贴息政策",
                code=row.code,
                name=row.name,
                provider=accounts.tenant_name(session, row.finance_tenant_id),
                summary=_subsidy_summary(policy),
                conditions=[rules.CONDITION_LABELS[c] for c in policy.conditions],
                products=list(policy.products),
                qualifies=not gaps,
                gaps=gaps,
            )
        )
    for prow in repo.products(session):
        g = rules.guarantee_product(prow.terms)
        gaps = rules.guarantee_gaps(
            g,
            enterprise_live=repo.guaranteed_live(session, prow.id, enterprise_id),
            total_live=repo.guaranteed_live(session, prow.id, None),
        )
        out.append(
            PolicyOut(
                kind="guarantee",
                kind_label="担保产品",
                code=prow.code,
                name=prow.name,
                provider=accounts.tenant_name(session, prow.guarantor_tenant_id),
                summary=_guarantee_summary(g),
                conditions=[],
                products=list(g.products),
                qualifies=not gaps,
                gaps=gaps,
            )
        )
    out.sort(key=lambda p: (not p.qualifies, p.kind, p.code))
    names = enterprises.names_by_ids(session, actor=actor, ids=[enterprise_id])
    return PolicyMatchOut(
        enterprise_id=enterprise_id,
        enterprise_name=names.get(enterprise_id, ("", f"经营主体 {enterprise_id}"))[1],
        on=today,
        listed=base.listed,
        overdue=base.overdue,
        covenant_breached=base.covenant_breached,
        policies=out,
    )
