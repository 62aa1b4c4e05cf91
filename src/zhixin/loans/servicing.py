"""Servicing services (贷后): repayments (entered, imported, by API), the officer's
classification, renewal candidates and the NPL ratio. Rules in :mod:`.servicing_rules`; the
nightly batch in :mod:`.batch`. Services never commit (the caller's unit of work does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.lending.money import HUNDRED, ZERO
from zhixin.loans import repository as repo
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanContract, LoanDrawdown, LoanInstalment
from zhixin.loans.servicing_models import LoanClassification, LoanRepayment

SOURCES = frozenset({"manual", "import", "api"})


def _require(actor: Principal, permission: Permission) -> None:
    if actor.tenant_kind != TenantKind.bank or not actor.can(permission):
        raise Forbidden("只有贷款银行的有权人员可以办理")


def _drawdown(session: Session, drawdown_id: int, *, lock: bool = False) -> LoanDrawdown:
    dd = repo.drawdown(session, drawdown_id, lock=lock)
    if dd is None:
        raise NotFound("未找到该笔用信")
    return dd


def _contract_of(session: Session, dd: LoanDrawdown, bank_tenant_id: int) -> LoanContract:
    contract = session.get(LoanContract, dd.contract_id)
    if contract is None or contract.bank_tenant_id != bank_tenant_id:
        raise NotFound("未找到该笔用信")  # another bank's loan is not there for this bank
    return contract


def _prepayment_allowed(session: Session, contract: LoanContract) -> bool:
    """提前还款 allowed? The frozen terms' ``prepayment`` (or ``prepayment_allowed``) when the
    contract has it, else the product version's offer (``prepayment.allowed``); allowed when
    neither says (a product version from before offers were required)."""
    frozen: dict[str, Any] = contract.terms or {}
    prepayment = frozen.get("prepayment")
    if isinstance(prepayment, dict) and "allowed" in prepayment:
        return bool(prepayment["allowed"])
    if "prepayment_allowed" in frozen:
        return bool(frozen["prepayment_allowed"])
    from zhixin.products import service as products

    _, product = products.by_version(session, contract.product_version_id)
    return product.offer is None or product.offer.prepayment.allowed


def _prepayment_fee(session: Session, contract: LoanContract) -> tuple[Decimal, int | None]:
    """提前还款违约金: (fee rate %, fee-free after months) from the frozen terms (``prepayment``
    with ``fee_rate``, or ``prepayment_fee_rate`` beside a flat ``prepayment_allowed``), else the
    product version's offer; none when neither says."""
    frozen: dict[str, Any] = contract.terms or {}
    prepayment = frozen.get("prepayment")
    if isinstance(prepayment, dict) and "fee_rate" in prepayment:
        free = prepayment.get("fee_free_after_months")
        return Decimal(str(prepayment["fee_rate"])), int(free) if free else None
    if "prepayment_allowed" in frozen:  # the clause frozen flat: its fee beside it, or none
        free = frozen.get("fee_free_after_months")
        return Decimal(str(frozen.get("prepayment_fee_rate", "0"))), int(free) if free else None
    from zhixin.products import service as products

    try:
        _, product = products.by_version(session, contract.product_version_id)
    except NotFound:
        return ZERO, None
    if product.offer is None:
        return ZERO, None
    pre = product.offer.prepayment
    return Decimal(pre.fee_rate), pre.fee_free_after_months


def terms_of(session: Session, contract: LoanContract, dd: LoanDrawdown) -> rules.Terms:
    """The servicing terms: the drawdown's rate, the contract's markup (a fraction, turned
    into the lending core's percent), 复利 or not (frozen ``compound``, default yes), allocation
    order and early-repayment clause."""
    frozen: dict[str, Any] = contract.terms or {}
    fee_rate, fee_free = _prepayment_fee(session, contract)
    return rules.Terms(
        annual_rate=dd.annual_rate or ZERO,
        markup=contract.penalty_markup * HUNDRED,
        compound=bool(frozen.get("compound", True)),
        order=tuple(contract.allocation_order or rules.DEFAULT_ORDER),
        prepayment_allowed=_prepayment_allowed(session, contract),
        prepayment_fee_rate=fee_rate,
        fee_free_after_months=fee_free,
    )


def _instalments(session: Session, drawdown_id: int) -> list[LoanInstalment]:
    return list(repo.instalments_of(session, [drawdown_id]))


def loan_of(dd: LoanDrawdown, instalments: list[LoanInstalment]) -> rules.Loan:
    """The drawdown's figures as the pure rules see them."""
    assert dd.value_date is not None
    return rules.Loan(
        value_date=dd.value_date,
        outstanding_principal=dd.outstanding_principal,
        instalments=tuple(
            rules.Instalment(
                i.seq, i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid
            )
            for i in instalments
        ),
        accrued_interest=dd.accrued_interest,
        penalty_interest=dd.penalty_interest,
        compound_interest=dd.compound_interest,
        overdue_principal=dd.overdue_principal,
        overdue_interest=dd.overdue_interest,
        days_past_due=dd.days_past_due,
        classification=rules.Grade(dd.classification),
        last_accrual_date=dd.last_accrual_date,
    )


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


# ------------------------------------------------------------------------------ classification


def classify(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    to_class: str,
    reason: str,
    on: date | None = None,
) -> LoanClassification:
    """An officer classifies a drawdown worse than the rules (never better), with a reason."""
    _require(actor, Permission.loan_manage)
    try:
        wanted = rules.Grade(to_class)
    except ValueError:
        raise Invalid(
            "五级分类须为 normal / special_mention / substandard / doubtful / loss"
        ) from None
    dd = _drawdown(session, drawdown_id, lock=True)
    _contract_of(session, dd, actor.tenant_id)
    floor = rules.rule_class(dd.days_past_due)
    try:
        rules.check_officer_class(rule=floor, wanted=wanted, reason=reason)
    except rules.ServicingError as exc:
        raise Invalid(str(exc)) from exc
    row = LoanClassification(
        drawdown_id=dd.id,
        from_class=dd.classification,
        to_class=wanted.value,
        rule_class=floor.value,
        on_date=on or clock.today(),
        by="officer",
        officer_id=actor.user_id,
        reason=reason.strip(),
    )
    session.add(row)
    dd.classification = wanted.value
    session.flush()
    audit.record(
        session,
        actor=audit.Actor.of(actor),
        action="loan.classify",
        object_type="loan_drawdown",
        object_id=dd.id,
        detail={"from": row.from_class, "to": row.to_class, "reason": row.reason},
    )
    return row


OBSERVATION_MONTHS = 12  # 第二十二条：重组观察期至少 1 年


def restructure(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    reason: str,
    on: date | None = None,
) -> LoanClassification:
    """An officer records that a disbursed drawdown was restructured (重组) on ``on``, with a
    reason: the class before is kept, the observation period runs 12 months (both ends
    included), and the drawdown is at once at least 关注 and at least that class — the nightly
    batch keeps it so until the period ends (:func:`servicing_rules.rule_class`)."""
    from zhixin.lending.dates import add_months

    _require(actor, Permission.loan_manage)
    if not reason.strip():
        raise Invalid("登记重组须写明理由")
    day = on or clock.today()
    dd = _drawdown(session, drawdown_id, lock=True)
    _contract_of(session, dd, actor.tenant_id)
    if dd.status != "disbursed":
        raise Conflict("只有已放款未结清的用信可以登记重组")
    before = rules.Grade(dd.classification)
    floor = rules.rule_class(
        dd.days_past_due,
        restructured=True,
        class_before_restructuring=before,
        in_observation=True,
    )
    dd.restructured_on = day
    dd.restructured_from = before.value
    dd.observation_until = add_months(day, OBSERVATION_MONTHS)
    dd.restructure_reason = reason.strip()
    row = LoanClassification(
        drawdown_id=dd.id,
        from_class=before.value,
        to_class=floor.value,
        rule_class=floor.value,
        on_date=day,
        by="rule",
        officer_id=actor.user_id,
        reason=f"重组：{reason.strip()}",
    )
    session.add(row)
    dd.classification = floor.value
    session.flush()
    audit.record(
        session,
        actor=audit.Actor.of(actor),
        action="loan.restructure",
        object_type="loan_drawdown",
        object_id=dd.id,
        detail={
            "on": day.isoformat(),
            "from": before.value,
            "to": floor.value,
            "observation_until": dd.observation_until.isoformat(),
            "reason": reason.strip(),
        },
    )
    return row


def history(session: Session, *, actor: Principal, drawdown_id: int) -> list[LoanClassification]:
    """Every change of a drawdown's class, oldest first (loan:read, the book's visibility)."""
    from zhixin.loans import drawdowns

    drawdowns.drawdown_for(session, actor, drawdown_id)
    return list(repo.classifications_of(session, drawdown_id))


# ------------------------------------------------------------------------------------ NPL ratio


@dataclass(frozen=True)
class NplRow:
    key: str
    balance: Decimal
    non_performing: Decimal

    @property
    def ratio(self) -> Decimal | None:
        return None if self.balance == 0 else self.non_performing / self.balance


def npl_by(
    session: Session,
    by: str,
    *,
    bank_tenant_id: int | None = None,
    region_prefix: str | None = None,
) -> list[NplRow]:
    """不良贷款率 by ``bank``, ``product`` or ``region`` (the enterprise's division code): the
    outstanding principal of 次级 + 可疑 + 损失 over all outstanding principal of disbursed
    drawdowns; one statement grouped by the key and the enterprise (the enterprises' regions
    read once when needed). Within one bank, or one jurisdiction, when given. For the CLI and
    :func:`npl_for`: no permission check here."""
    from zhixin.enterprises import service as enterprises

    keys: dict[str, Any] = {
        "bank": LoanContract.bank_code,
        "product": LoanContract.product_code,
        "region": LoanContract.enterprise_id,
    }
    if by not in keys:
        raise Invalid("分组须为 bank / product / region")
    key = keys[by]
    bad = [g.value for g in rules.NON_PERFORMING]
    balance = LoanDrawdown.outstanding_principal
    stmt = (
        select(
            key,
            LoanContract.enterprise_id,
            func.sum(balance),
            func.sum(case((LoanDrawdown.classification.in_(bad), balance), else_=ZERO)),
        )
        .join(LoanContract, LoanContract.id == LoanDrawdown.contract_id)
        .where(LoanDrawdown.status == "disbursed")
        .group_by(key, LoanContract.enterprise_id)
    )
    if bank_tenant_id is not None:
        stmt = stmt.where(LoanContract.bank_tenant_id == bank_tenant_id)
    found = [(k, int(e), Decimal(t or 0), Decimal(n or 0)) for k, e, t, n in session.execute(stmt)]
    regions: dict[int, str | None] = {}
    if by == "region" or region_prefix is not None:
        regions = enterprises.regions_by_ids(session, [e for _, e, _, _ in found])
    merged: dict[str, tuple[Decimal, Decimal]] = {}
    for k, e, t, n in found:
        region = regions.get(e) or ""
        if region_prefix is not None and not region.startswith(region_prefix):
            continue
        name = (region or "—") if by == "region" else str(k)
        t0, n0 = merged.get(name, (ZERO, ZERO))
        merged[name] = (t0 + t, n0 + n)
    return [NplRow(r, t, n) for r, (t, n) in sorted(merged.items())]


def npl_for(session: Session, *, actor: Principal, by: str) -> list[NplRow]:
    """The NPL ratio a person may see: a bank its own loans, a regulator its jurisdiction's."""
    from zhixin.enterprises import service as enterprises

    if not actor.can(Permission.loan_read):
        raise Forbidden("无权查看不良贷款率")
    if actor.tenant_kind == TenantKind.bank:
        return npl_by(session, by, bank_tenant_id=actor.tenant_id)
    if actor.tenant_kind == TenantKind.regulator:
        return npl_by(session, by, region_prefix=enterprises.jurisdiction(session, actor))
    raise Forbidden("只有银行和监管部门可以查看不良贷款率")


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
