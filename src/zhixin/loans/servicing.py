"""Servicing services (贷后): repayments (entered, imported, by API), the officer's
classification, renewal candidates and the NPL ratio. Rules in :mod:`.servicing_rules`; the
nightly batch in :mod:`.batch`. Services never commit (the caller's unit of work does).

Repayments and their import are here; classification (``classification``), the NPL ratio
(``npl``) and renewal candidates (``renewals``) are split off by concept and re-exported, so
callers keep ``servicing.X``; what they share is in ``servicing_common``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.errors import Conflict, Invalid, NotFound
from zhixin.kit import clock
from zhixin.loans import repository as repo
from zhixin.loans import servicing_rules as rules

# The modules split off by concept, named here too: callers write ``servicing.X``.
from zhixin.loans.classification import OBSERVATION_MONTHS, classify, history, restructure
from zhixin.loans.npl import NplRow, npl_by, npl_for
from zhixin.loans.renewals import RenewalCandidate, renewal_candidates
from zhixin.loans.servicing_common import (
    _contract_of,
    _drawdown,
    _instalments,
    _require,
    loan_of,
    terms_of,
)
from zhixin.loans.servicing_models import LoanRepayment

__all__ = [
    "IMPORT_HEADERS",
    "OBSERVATION_MONTHS",
    "SOURCES",
    "Entered",
    "ImportReport",
    "NplRow",
    "RenewalCandidate",
    "classify",
    "enter_repayment",
    "history",
    "import_repayments",
    "loan_of",
    "npl_by",
    "npl_for",
    "record_repayment",
    "renewal_candidates",
    "repayments",
    "restructure",
    "terms_of",
]

SOURCES = frozenset({"manual", "import", "api"})


# ---------------------------------------------------------------------------------- repayments


@dataclass(frozen=True)
class Entered:
    repayment: LoanRepayment
    created: bool  # False: the bank's transaction id was entered before; nothing written


def record_repayment(
    session: Session,
    *,
    bank_tenant_id: int,
    drawdown_id: int,
    bank_txn_id: str,
    value_date: date,
    amount: Decimal,
    source: str,
    created_by_id: int | None,
) -> Entered:
    """Apply one repayment (for this module's callers, which checked the permission).

    Idempotent on (bank, transaction id): the same id again returns the first repayment and
    writes nothing; the same id with another drawdown, date or amount is refused."""
    if source not in SOURCES:
        raise Invalid("还款来源须为 manual / import / api")
    txn = bank_txn_id.strip()
    if not txn or len(txn) > 64:
        raise Invalid("银行交易流水号须为 1–64 个字符")
    before = repo.repayment_by_txn(session, bank_tenant_id, txn)
    if before is not None:
        if (before.drawdown_id, before.value_date, before.amount) != (
            drawdown_id,
            value_date,
            amount,
        ):
            raise Conflict(f"交易流水号 {txn} 已用于另一笔还款（用信、日期或金额不同）")
        return Entered(before, created=False)
    dd = _drawdown(session, drawdown_id, lock=True)
    contract = _contract_of(session, dd, bank_tenant_id)
    if dd.status != "disbursed" or dd.value_date is None:
        raise Invalid("该笔用信尚未放款或已结清，不能入账还款")
    if value_date > clock.today():
        raise Invalid(f"还款日 {value_date.isoformat()} 晚于今天")
    open_day = dd.last_accrual_date + timedelta(days=1) if dd.last_accrual_date else dd.value_date
    if value_date > open_day:
        raise Invalid(
            f"{open_day.isoformat()} 起的日终批处理尚未完成，{value_date.isoformat()} 的还款"
            "须在此前各日批处理完成后入账（zhixin loans batch --date …）"
        )
    instalments = _instalments(session, dd.id)
    try:
        allocation, after = rules.allocate(
            loan_of(dd, instalments), amount, value_date, terms_of(session, contract, dd)
        )
    except rules.ServicingError as exc:
        raise Invalid(str(exc)) from exc
    for row, new in zip(instalments, after.instalments, strict=True):
        row.principal_paid, row.interest_paid = new.principal_paid, new.interest_paid
        if new.paid:
            row.status = "paid"
    dd.outstanding_principal = after.outstanding_principal
    dd.penalty_interest = after.penalty_interest
    dd.compound_interest = after.compound_interest
    dd.accrued_interest = after.accrued_interest
    dd.overdue_principal = after.overdue_principal
    dd.overdue_interest = after.overdue_interest
    if rules.settled(after):
        dd.status = "settled"
        dd.days_past_due = 0
    repayment = LoanRepayment(
        bank_tenant_id=bank_tenant_id,
        bank_txn_id=txn,
        drawdown_id=dd.id,
        value_date=value_date,
        amount=amount,
        source=source,
        penalty=allocation.penalty,
        compound=allocation.compound,
        interest=allocation.interest,
        principal=allocation.principal,
        accrued=allocation.accrued,
        prepaid=allocation.prepaid,
        fee=allocation.fee,
        created_by_id=created_by_id,
    )
    session.add(repayment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # the same id entered concurrently
        raise Conflict(f"交易流水号 {txn} 已入账") from exc
    return Entered(repayment, created=True)


def enter_repayment(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    bank_txn_id: str,
    value_date: date,
    amount: Decimal,
    source: str = "manual",
) -> Entered:
    """还款入账 by a bank officer (page or API) for the officer's own bank's loan."""
    _require(actor, Permission.loan_manage)
    entered = record_repayment(
        session,
        bank_tenant_id=actor.tenant_id,
        drawdown_id=drawdown_id,
        bank_txn_id=bank_txn_id,
        value_date=value_date,
        amount=amount,
        source=source,
        created_by_id=actor.user_id,
    )
    if entered.created:
        audit.record(
            session,
            actor=audit.Actor.of(actor),
            action="loan.repayment",
            object_type="loan_drawdown",
            object_id=drawdown_id,
            detail={"txn": bank_txn_id, "amount": str(amount), "value_date": str(value_date)},
        )
    return entered


def repayments(session: Session, *, actor: Principal, drawdown_id: int) -> list[LoanRepayment]:
    """A drawdown's repayments, for whoever may see the loan (loan:read)."""
    from zhixin.loans import drawdowns

    drawdowns.drawdown_for(session, actor, drawdown_id)  # the book's visibility: bank, own, region
    return list(repo.repayments_of(session, drawdown_id))


# ------------------------------------------------------------------------------------- import

IMPORT_HEADERS = {
    "交易流水号": "txn",
    "用信编号": "drawdown_id",
    "还款日期": "value_date",
    "还款金额": "amount",
}


@dataclass
class ImportReport:
    """The import's outcome, row by row (the intake's report: line, field, reason)."""

    entered: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def _cell_date(raw: object, text: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    return date.fromisoformat(text)


def import_repayments(
    session: Session, *, actor: Principal, path: Path, filename: str | None = None
) -> ImportReport:
    """Repayments from the core system's file (CSV or XLSX, headers 交易流水号, 用信编号,
    还款日期, 还款金额). Each row is applied or reported; a row already entered (same
    transaction id) is counted as a duplicate and changes nothing, so importing a file twice
    writes nothing the second time."""
    from zhixin.intake.readers import FileRefused, iter_rows
    from zhixin.intake.rows import parse_money

    _require(actor, Permission.loan_manage)
    report = ImportReport()
    try:
        rows = iter_rows(path, filename)
        _, header = next(rows, (0, []))
        names = [str(h or "").strip() for h in header]
        missing = [h for h in IMPORT_HEADERS if h not in names]
        if missing:
            raise Invalid(f"缺少列：{'、'.join(missing)}（须有 {'、'.join(IMPORT_HEADERS)}）")
        at = {IMPORT_HEADERS[h]: names.index(h) for h in IMPORT_HEADERS}
        for line, cells in rows:
            if all(c is None or str(c).strip() == "" for c in cells):
                continue

            def cell(key: str, cells: list[Any] = cells) -> str:
                k = at[key]
                return str(cells[k]).strip() if k < len(cells) and cells[k] is not None else ""

            txn = cell("txn")
            if not txn:
                report.errors.append((line, "交易流水号", "不能为空"))
                continue
            try:
                drawdown_id = int(cell("drawdown_id"))
            except ValueError:
                report.errors.append((line, "用信编号", "须为整数"))
                continue
            raw_day = cells[at["value_date"]] if at["value_date"] < len(cells) else None
            try:
                day = _cell_date(raw_day, cell("value_date"))
            except ValueError:
                report.errors.append((line, "还款日期", "日期格式应为 YYYY-MM-DD"))
                continue
            try:
                amount = parse_money(cell("amount"))
            except ValueError as exc:
                report.errors.append((line, "还款金额", str(exc)))
                continue
            try:
                with session.begin_nested():
                    entered = record_repayment(
                        session,
                        bank_tenant_id=actor.tenant_id,
                        drawdown_id=drawdown_id,
                        bank_txn_id=txn,
                        value_date=day,
                        amount=amount,
                        source="import",
                        created_by_id=actor.user_id,
                    )
            except (Invalid, Conflict, NotFound) as exc:
                report.errors.append((line, "", exc.message))
                continue
            if entered.created:
                report.entered += 1
            else:
                report.duplicates += 1
    except FileRefused as exc:
        raise Invalid(exc.message, status=exc.status) from exc
    audit.record(
        session,
        actor=audit.Actor.of(actor),
        action="loan.repayment.import",
        object_type="loan_repayment",
        detail={
            "file": filename or path.name,
            "entered": report.entered,
            "duplicates": report.duplicates,
            "errors": len(report.errors),
        },
    )
    return report
