"""The quote's support section (one source of truth): what guarantee, compensation and 贴息 a
product carries, at the quote's rate. Re-exported by ``support.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.support import repository as repo
from zhixin.support import rules

# -- the quote's support section (one source of truth) -----------------------------------------


@dataclass(frozen=True)
class QuoteSupport:
    """What a quote of a loan product shows of public support, read from the guarantee
    products and subsidy policies that name the product (``products`` in their rules)."""

    guarantor: str | None  # the guarantor tenant's name
    coverage: Decimal | None
    fee_rate: Decimal | None  # % p.a. the borrower pays: the product's rate − the fee subsidy
    subsidy_points: Decimal | None  # percentage points p.a. at the quoted rate
    subsidy_payer: str | None
    notes: tuple[str, ...]
    # the guarantee fee's basis as the registered guarantee product declares it (None: no
    # guarantee product names the loan product) — fee_base, fee_balance, fee_period
    fee_basis: rules.FeeBasis | None = None


def for_quote(session: Session, *, product_code: str, rate: Decimal) -> QuoteSupport | None:
    """The support a quote at ``rate`` % p.a. estimates for ``product_code``; None when no
    guarantee product or subsidy policy names the product (the product file's own estimate
    stands)."""
    from zhixin.accounts import service as accounts

    guarantee = next(
        (
            (p, rules.guarantee_product(p.terms))
            for p in repo.products(session)
            if product_code in (p.terms.get("products") or [])
        ),
        None,
    )
    policy_row = next(
        (p for p in repo.policies(session) if product_code in (p.terms.get("products") or [])),
        None,
    )
    if guarantee is None and policy_row is None:
        return None
    notes: list[str] = []
    points = payer = None
    if policy_row is not None:
        policy = rules.subsidy_policy(policy_row.terms)
        points = (
            min(policy.points, rate)
            if policy.kind == "points"
            else (rate * policy.share / rules.HUNDRED).quantize(Decimal("0.0001"))
        )
        payer = accounts.tenant_name(session, policy_row.finance_tenant_id)
        notes.append(f"贴息依据：{policy_row.name}（按季以实收利息计算）")
        if policy.cap_per_enterprise_year is not None:
            notes.append(f"贴息每户每年不超过 {policy.cap_per_enterprise_year} 元")
        for c in policy.conditions:
            notes.append(f"贴息条件：{rules.CONDITION_LABELS[c]}")
    name = coverage = fee = basis = None
    if guarantee is not None:
        row, g = guarantee
        name = accounts.tenant_name(session, row.guarantor_tenant_id)
        coverage, fee, basis = g.coverage, g.net_fee_rate, g.basis
        if g.fee_subsidy_points > 0:
            notes.append(
                f"担保费率 {g.fee_rate}%，其中 {g.fee_subsidy_points} 个百分点由财政补贴"
                f"（{row.name}）"
            )
    return QuoteSupport(name, coverage, fee, points, payer, tuple(notes), basis)
