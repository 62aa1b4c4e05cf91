"""Positive linkage at renewal (众商贷's notch up, 续贷升档): a 无还本续贷 of a contract whose
product declares ``linkage.renewal_notch`` moves the renewal's terms one class up the product's
rate/limit table when the enterprise's overall class on the renewal day is better than the one
the loan was priced with (the quote's grade; for a renewal, the class its own renewal recorded).

:func:`renew` is what the renewal's adapters (API, page, CLI) call: it works the notch out (pure:
``rules.renewal_notch``), has the loan book renew with it (``loans.service.renew``: the rate cut
from the renewal's first period, the line's limit the better class's tier), and records the
``notch_up`` action through ``service.record_actions`` — audited, appended to the evidence log,
sent to the bank's (and the enterprise's) webhook endpoints, shown with its reason on the loan's
and the enterprise's pages. Without a notch it is the book's renewal unchanged. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Principal
from zhixin.audit.service import Actor
from zhixin.errors import NotFound
from zhixin.kit import clock
from zhixin.linkage import rules
from zhixin.linkage.service import Act, _product, record_actions
from zhixin.loans import linked as book
from zhixin.loans import service as loans
from zhixin.products.schema import Product
from zhixin.quotes import service as quotes
from zhixin.quotes.facts import gather


class Contract(Protocol):
    """What this module reads of the book's contract (``loans.service`` returns it)."""

    @property
    def id(self) -> int: ...
    @property
    def contract_no(self) -> str: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def product_version_id(self) -> int: ...
    @property
    def quote_id(self) -> int: ...
    @property
    def contract_rate(self) -> Decimal: ...
    @property
    def principal_limit(self) -> Decimal: ...
    @property
    def terms(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Grades:
    """The classes a renewal's notch compares: priced on, graded then, graded now (1 = best)."""

    priced_rank: int | None
    was_rank: int | None
    now_rank: int | None
    was: str | None
    now: str | None
    evaluation_run_id: int | None


def _loan_time(session: Session, product: Product, c: Contract) -> tuple[int | None, int | None]:
    """(the class rank the loan was priced on, the overall class rank it was graded then): the
    renewal's own record when the contract is itself a notched renewal, else its quote's."""
    terms = c.terms or {}
    if terms.get("priced_class") and terms.get("graded_class"):
        return product.rank_of(terms["priced_class"]), product.rank_of(terms["graded_class"])
    try:
        grade = quotes.to_out(
            quotes.get_row(session, actor=quotes.SYSTEM, quote_id=c.quote_id)
        ).grade
    except NotFound:
        return None, None
    priced = product.rank_of(grade.effective_class) if grade.effective_class else grade.class_rank
    return priced, grade.class_rank


def grades_of(session: Session, product: Product, c: Contract, day: date) -> Grades:
    priced, was = _loan_time(session, product, c)
    facts = gather(session, c.enterprise_id, day, product.catalog)
    now = facts.class_rank if facts.catalog_name in (None, product.catalog) else None
    return Grades(
        priced, was, now, product.level_name(was), product.level_name(now), facts.evaluation_run_id
    )


def renew(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    today: date | None = None,
    listed: Any = None,
) -> Contract:
    """无还本续贷 (``loans.service.renew``, which checks the permission and the eligibility),
    one notch up where the product says so and the enterprise's class was raised."""
    day = today or clock.today()
    old = loans.visible_contract(session, actor=actor, contract_id=contract_id)
    product = _product(session, old.product_version_id, {})
    notch: rules.Notch | None = None
    grades: Grades | None = None
    if product is not None and product.linkage is not None and product.linkage.renewal_notch:
        grades = grades_of(session, product, old, day)
        notch = rules.renewal_notch(
            product,
            priced_rank=grades.priced_rank,
            was_rank=grades.was_rank,
            now_rank=grades.now_rank,
        )
    if notch is None or product is None or grades is None:
        return loans.renew(session, actor=actor, contract_id=contract_id, today=day, listed=listed)
    recorded = {
        "priced_class": notch.to_class,
        "graded_class": grades.now,
        "notch": {"from": notch.from_class, "to": notch.to_class, "bp": notch.rate_cut_bp},
    }
    new = loans.renew(
        session,
        actor=actor,
        contract_id=contract_id,
        today=day,
        listed=listed,
        notch=loans.RenewalNotch(notch.rate_cut_bp, notch.limit_to, recorded),
    )
    spec = product.linkage.renewal_notch if product.linkage is not None else None
    assert spec is not None
    ref = book.contract_ref(session, new.id)
    assert ref is not None
    cut = Decimal(notch.rate_cut_bp) / Decimal(100)
    reason = rules.notch_reason(
        spec.label,
        was=grades.was or "—",
        now=grades.now or "—",
        notch=notch,
        rate_from=new.contract_rate + cut,
        rate_to=new.contract_rate,
    )
    record_actions(
        session,
        [
            Act(
                ref,
                "notch_up",
                f"{product.code}:linkage.renewal_notch",
                reason,
                status="applied",
                bp=-notch.rate_cut_bp,
                effective_on=day,
                detail={
                    "renewal_of": old.contract_no,
                    "from_class": notch.from_class,
                    "to_class": notch.to_class,
                    "graded_then": grades.was,
                    "graded_now": grades.now,
                    "evaluation_run_id": grades.evaluation_run_id,
                    "limit_from": str(notch.limit_from) if notch.limit_from else None,
                    "limit_to": str(notch.limit_to) if notch.limit_to else None,
                },
            )
        ],
        actor=Actor.of(actor),
    )
    return new
