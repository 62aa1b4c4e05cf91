"""Renewal candidates (无还本续贷): contracts nearing maturity whose enterprise is still
listed, with what the renewal rules say of each. Re-exported by ``loans.servicing``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from zhixin.kit import clock
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanContract, LoanDrawdown

# ------------------------------------------------------------------------------------ renewals


@dataclass(frozen=True)
class RenewalCandidate:
    contract_id: int
    contract_no: str
    enterprise_id: int
    maturity: date
    window: int
    reasons: list[str]

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _listed(session: Session, contract: LoanContract, today: date) -> bool:
    """Whether the enterprise has an entry in the newest whitelist version of the product's
    catalog published by the end of ``today``."""
    from zhixin.products import service as products
    from zhixin.whitelist import service as whitelist

    _, product = products.by_version(session, contract.product_version_id)
    st = whitelist.standing(
        session,
        catalog=product.catalog,
        published_before=clock.end_of_day(today),
        enterprise_id=contract.enterprise_id,
    )
    return st is not None and bool(st.entries)


def renewal_candidates(
    session: Session,
    *,
    today: date,
    within: int,
    bank_tenant_id: int | None = None,
    listed: Callable[[LoanContract], bool] | None = None,
) -> list[RenewalCandidate]:
    """Active contracts maturing within ``within`` days (30/60/90 windows) with their
    eligibility for 无还本续贷: still listed on the whitelist, nothing overdue, every drawdown
    正常, the product allows renewal."""
    worst = func.max(
        case({g.value: rules.RANK[g] for g in rules.Grade}, value=LoanDrawdown.classification)
    )
    late = func.max(
        case(
            (
                and_(
                    LoanDrawdown.status == "disbursed",
                    (LoanDrawdown.days_past_due > 0)
                    | (LoanDrawdown.penalty_interest > 0)
                    | (LoanDrawdown.compound_interest > 0),
                ),
                1,
            ),
            else_=0,
        )
    )
    stmt = (
        select(LoanContract, worst, late)
        .outerjoin(LoanDrawdown, LoanDrawdown.contract_id == LoanContract.id)
        .where(
            LoanContract.status == "active",
            LoanContract.maturity_date >= today,
            LoanContract.maturity_date <= date.fromordinal(today.toordinal() + within),
        )
        .group_by(LoanContract.id)
        .order_by(LoanContract.maturity_date, LoanContract.id)
    )
    if bank_tenant_id is not None:
        stmt = stmt.where(LoanContract.bank_tenant_id == bank_tenant_id)
    found = session.execute(stmt).all()
    out = []
    for contract, worst_rank, any_late in found:
        grade = next(g for g in rules.Grade if rules.RANK[g] == (worst_rank or 0))
        facts = rules.RenewalFacts(
            maturity=contract.maturity_date,
            listed=listed(contract) if listed else _listed(session, contract, today),
            overdue=bool(any_late),
            classification=grade,
            product_allows=bool((contract.terms or {}).get("renewal_allowed", False)),
        )
        window = rules.renewal_window(contract.maturity_date, today) or within
        out.append(
            RenewalCandidate(
                contract.id,
                contract.contract_no,
                contract.enterprise_id,
                contract.maturity_date,
                window,
                rules.renewal_reasons(facts),
            )
        )
    return out
