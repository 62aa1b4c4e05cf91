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
from zhixin.linkage.actions import Act, _product, record_actions
from zhixin.loans import linked as book
from zhixin.loans import service as loans
from zhixin.products.schema import Product
from zhixin.quotes import service as quotes
from zhixin.quotes.facts import gather
from zhixin.records import service as records
from zhixin.records.kinds import RECORD_KINDS


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
    @property
    def start_date(self) -> date: ...


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


@dataclass(frozen=True)
class Reached:
    """A named milestone of the renewal notch reached during the loan, and the record that
    verified it."""

    milestone: str
    milestone_label: str
    evidence_label: str
    record: records.Arrival


def milestone_reached(session: Session, product: Product, c: Contract, day: date) -> Reached | None:
    """The first of the notch's named milestones (``linkage.renewal_notch.milestones``) that a
    record of the enterprise dated after the loan's start and up to ``day`` verifies (as
    ``linkage.milestones`` names the record), or None."""
    spec = product.linkage.renewal_notch if product.linkage is not None else None
    if spec is None or not spec.milestones or product.linkage is None:
        return None
    evidence = [m for m in product.linkage.milestones if m.milestone in spec.milestones]
    kinds = sorted({m.record_kind for m in evidence})
    found = records.of_enterprise_between(
        session, enterprise_id=c.enterprise_id, kinds=kinds, after=c.start_date, until=day
    )
    for r in found:
        for ev in evidence:
            if rules.matches(ev, r):
                return Reached(ev.milestone, product.milestone_label(ev.milestone), ev.label, r)
    return None


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
    reached: Reached | None = None
    if product is not None and product.linkage is not None and product.linkage.renewal_notch:
        grades = grades_of(session, product, old, day)
        notch = rules.renewal_notch(
            product,
            priced_rank=grades.priced_rank,
            was_rank=grades.was_rank,
            now_rank=grades.now_rank,
        )
        if notch is None:  # not by the grade: by a named milestone reached during the loan
            reached = milestone_reached(session, product, old, day)
            if reached is not None:
                notch = rules.notch_up(product, priced_rank=grades.priced_rank)
    if notch is None or product is None or grades is None:
        return loans.renew(session, actor=actor, contract_id=contract_id, today=day, listed=listed)
    recorded: dict[str, Any] = {
        "priced_class": notch.to_class,
        "graded_class": grades.now,
        "notch": {"from": notch.from_class, "to": notch.to_class, "bp": notch.rate_cut_bp},
    }
    if reached is not None:
        recorded["notch"] |= {"milestone": reached.milestone, "record_id": reached.record.id}
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
    rule = f"{product.code}:linkage.renewal_notch"
    detail: dict[str, Any] = {
        "renewal_of": old.contract_no,
        "from_class": notch.from_class,
        "to_class": notch.to_class,
        "graded_then": grades.was,
        "graded_now": grades.now,
        "evaluation_run_id": grades.evaluation_run_id,
        "limit_from": str(notch.limit_from) if notch.limit_from else None,
        "limit_to": str(notch.limit_to) if notch.limit_to else None,
    }
    if reached is None:
        reason = rules.notch_reason(
            spec.label,
            was=grades.was or "—",
            now=grades.now or "—",
            notch=notch,
            rate_from=new.contract_rate + cut,
            rate_to=new.contract_rate,
        )
    else:
        r = reached.record
        reason = rules.milestone_notch_reason(
            spec.label,
            milestone=reached.milestone_label,
            evidence=reached.evidence_label,
            record_text=rules.describe_record(
                RECORD_KINDS[r.kind].label, r.event_date or r.valid_from
            ),
            notch=notch,
            rate_from=new.contract_rate + cut,
            rate_to=new.contract_rate,
        )
        rule += f".milestones:{reached.milestone}"
        detail |= {"milestone": reached.milestone, "record_kind": r.kind, "record_id": r.id}
    record_actions(
        session,
        [
            Act(
                ref,
                "notch_up",
                rule,
                reason,
                status="applied",
                record_id=reached.record.id if reached is not None else None,
                milestone=reached.milestone if reached is not None else None,
                bp=-notch.rate_cut_bp,
                effective_on=day,
                detail=detail,
            )
        ],
        actor=Actor.of(actor),
    )
    return new
