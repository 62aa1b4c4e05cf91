"""Servicing a drawdown (贷后): the day's accrual, 罚息 and 复利, allocation of a repayment, days
past due, the five-tier classification and renewal eligibility — pure, no database.

The nightly batch (:mod:`zhixin.loans.batch`) runs the same rules as set-based SQL; a test runs
both on the same loans and compares every figure. Conventions (docs/architecture.md, 贷后):

Days
    The batch *closes* a business day D after that day's repayments are entered. An instalment
    due on T and not fully paid when day T closes is overdue; it bears 罚息 for day T and every
    day after until repaid, so a repayment on T + 1 pays one day of 罚息 (days run from the due
    date, included, to the repayment date, excluded — :mod:`zhixin.lending.daycount`).
    **Days past due** after closing D = D + 1 − the oldest unpaid due date (the day after the
    due date a loan is 1 day past due); 0 when nothing due is unpaid.

One day's interest (ACT/360, one day, half-up to the fen each day)
    - contract interest accrued (计提) = (outstanding principal − overdue principal) × rate / 100
      / 360; it resets to 0 when an instalment falls due (the instalment's own interest is what
      is billed: monthly rate for 等额本息/等额本金, ACT/360 for the others — the schedule's);
    - 罚息 = overdue principal × penalty rate / 100 / 360, penalty rate = rate × (1 + markup %)
      (:func:`zhixin.lending.daycount.penalty_rate`);
    - 复利 = overdue (billed, unpaid) interest × the same penalty rate / 100 / 360, when the
      product charges 复利.
    The day's bases are the amounts when the day closes (after its repayments, with the
    instalments falling due that day included). 罚息 and 复利 themselves bear nothing.

Allocation of a repayment
    In the product's order, default 罚息 → 复利 → 利息 → 本金 (:data:`DEFAULT_ORDER`); interest and
    principal are what is due (due date ≤ the value date) and unpaid, oldest instalment first.
    What is left is an early repayment (提前还款): refused where the product does not allow it;
    otherwise the current period's accrued interest first, then principal, which shortens the
    term — it repays the last instalments first (their principal and, pro rata, nothing else).
    The product's 提前还款违约金 (``prepayment.fee_rate``, % of the principal prepaid; none once
    the drawdown is ``fee_free_after_months`` old) comes out of the rest X after the accrued
    interest: the principal prepaid is P = ⌊X × 100 / (100 + rate)⌋ to the fen and the fee
    X − P (P × rate, the odd fen to the fee); repaying all principal not yet due, the fee is
    P × rate / 100 half-up, and more than that is refused.

Classification (《商业银行金融资产风险分类办法》, 2023 年第 1 号令, 第十一至十五条)
    The rules give the *least* risky class a loan may have (:func:`rule_class`):
    overdue (principal or interest) more than the stated technical-delay days (default 7) →
    at least 关注; more than 90 days → at least 次级; more than 270 → at least 可疑; more than 360
    → 损失. A restructured loan (重组) is, while in its observation period (第二十二条: at
    least one year; the book sets 12 months from the restructuring day, both ends included), at
    least 关注 and at least its class before the restructuring; after it, the days past due alone
    decide (:meth:`Loan.in_observation`, the batch's SQL the same); a renewal without repaying
    principal (无还本续贷) of an eligible, 正常 borrower is not a restructuring and is classified
    like any loan. An officer may classify a loan *worse* than the rules (never better), with a
    reason; the officer's class holds until the officer changes it or the rules give worse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from zhixin.lending import daycount
from zhixin.lending.dates import add_months
from zhixin.lending.money import FEN, HUNDRED, ZERO, fen

# ------------------------------------------------------------------------------------ classes


class Grade(StrEnum):
    """五级分类; the value is what is stored, :data:`GRADE_LABELS` what users read."""

    normal = "normal"
    special_mention = "special_mention"
    substandard = "substandard"
    doubtful = "doubtful"
    loss = "loss"


GRADE_LABELS: dict[Grade, str] = {
    Grade.normal: "正常",
    Grade.special_mention: "关注",
    Grade.substandard: "次级",
    Grade.doubtful: "可疑",
    Grade.loss: "损失",
}
RANK: dict[Grade, int] = {g: k for k, g in enumerate(Grade)}
NON_PERFORMING = frozenset({Grade.substandard, Grade.doubtful, Grade.loss})
TECHNICAL_DELAY_DAYS = 7
"""第十一条（一）：操作性或技术性原因导致的短期逾期（7 天内）不因逾期归入关注类。"""
THRESHOLDS: tuple[tuple[int, Grade], ...] = (
    (360, Grade.loss),
    (270, Grade.doubtful),
    (90, Grade.substandard),
)
"""Days past due *more than* which a loan is at least the class (第十三、十四、十五条)."""


class ServicingError(ValueError):
    """A servicing rule refused the request; the message is Chinese and says why."""


def worse(a: Grade, b: Grade) -> Grade:
    """The riskier of two classes."""
    return a if RANK[a] >= RANK[b] else b


def rule_class(
    days_past_due: int,
    *,
    technical_delay_days: int = TECHNICAL_DELAY_DAYS,
    restructured: bool = False,
    class_before_restructuring: Grade | None = None,
    in_observation: bool = False,
) -> Grade:
    """The least risky class the rules allow for a loan ``days_past_due`` days past due."""
    if days_past_due < 0:
        raise ServicingError("逾期天数不能为负数")
    grade = Grade.normal
    for days, g in THRESHOLDS:
        if days_past_due > days:
            grade = g
            break
    else:
        if days_past_due > technical_delay_days:
            grade = Grade.special_mention
    if restructured:
        grade = worse(grade, Grade.special_mention)
        if in_observation and class_before_restructuring is not None:
            grade = worse(grade, class_before_restructuring)
    return grade


def effective_class(rule: Grade, officer: Grade | None) -> Grade:
    """The class a loan has: the rules' floor, or the officer's class where it is worse."""
    return rule if officer is None else worse(rule, officer)


def check_officer_class(*, rule: Grade, wanted: Grade, reason: str) -> None:
    """An officer may classify worse than the rules, never better, and must say why."""
    if not reason.strip():
        raise ServicingError("调整五级分类须写明理由")
    if RANK[wanted] < RANK[rule]:
        raise ServicingError(
            f"按分类规则该笔贷款至少为{GRADE_LABELS[rule]}类，不能调整为{GRADE_LABELS[wanted]}类"
        )


def npl_ratio(balances: Sequence[tuple[Grade, Decimal]]) -> Decimal | None:
    """不良贷款率 = (次级 + 可疑 + 损失) 余额 / 全部余额, a fraction (None for no balance)."""
    total = sum((b for _, b in balances), ZERO)
    if total == 0:
        return None
    bad = sum((b for g, b in balances if g in NON_PERFORMING), ZERO)
    return bad / total


# ------------------------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class Instalment:
    """One scheduled instalment and what has been paid on it."""

    seq: int
    due_date: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO

    @property
    def principal_unpaid(self) -> Decimal:
        return self.principal - self.principal_paid

    @property
    def interest_unpaid(self) -> Decimal:
        return self.interest - self.interest_paid

    @property
    def paid(self) -> bool:
        return self.principal_unpaid == 0 and self.interest_unpaid == 0


@dataclass(frozen=True, slots=True)
class Terms:
    """What servicing reads from the contract and the product."""

    annual_rate: Decimal  # % p.a., the drawdown's rate
    markup: Decimal  # 罚息上浮 in %, 30–50 (50 = +50 %)
    compound: bool = True  # the product charges 复利
    order: tuple[str, ...] = ("penalty", "compound", "interest", "principal")
    prepayment_allowed: bool = True
    technical_delay_days: int = TECHNICAL_DELAY_DAYS
    prepayment_fee_rate: Decimal = ZERO  # 提前还款违约金, % of the principal prepaid
    fee_free_after_months: int | None = None  # no fee once the drawdown is this many months old

    def prepayment_fee_rate_on(self, value_date: date, day: date) -> Decimal:
        """The fee rate for an early repayment on ``day`` of a drawdown valued ``value_date``."""
        if self.fee_free_after_months is not None and day >= add_months(
            value_date, self.fee_free_after_months
        ):
            return ZERO
        return self.prepayment_fee_rate

    @property
    def penalty_rate(self) -> Decimal:
        return daycount.penalty_rate(contract_rate=self.annual_rate, markup=self.markup)


DEFAULT_ORDER = ("penalty", "compound", "interest", "principal")
ORDER_LABELS = {"penalty": "罚息", "compound": "复利", "interest": "利息", "principal": "本金"}


@dataclass(frozen=True, slots=True)
class Loan:
    """A drawdown's servicing figures (the columns of ``loan_drawdown``) and its schedule."""

    value_date: date
    outstanding_principal: Decimal
    instalments: tuple[Instalment, ...]
    accrued_interest: Decimal = ZERO
    penalty_interest: Decimal = ZERO
    compound_interest: Decimal = ZERO
    overdue_principal: Decimal = ZERO
    overdue_interest: Decimal = ZERO
    days_past_due: int = 0
    classification: Grade = Grade.normal
    last_accrual_date: date | None = None
    # 重组 (第二十二条): the day, the class before it, the observation period's last day
    restructured_on: date | None = None
    restructured_from: Grade | None = None
    observation_until: date | None = None

    def in_observation(self, day: date) -> bool:
        """Restructured and ``day`` within the observation period (both ends included)."""
        return (
            self.restructured_on is not None
            and self.observation_until is not None
            and self.restructured_on <= day <= self.observation_until
        )


def check_order(order: Sequence[str]) -> tuple[str, ...]:
    """An allocation order names each of 罚息, 复利, 利息, 本金 once."""
    if sorted(order) != sorted(DEFAULT_ORDER):
        raise ServicingError("还款冲抵顺序须且只须列出 罚息、复利、利息、本金 各一次")
    return tuple(order)


def days_past_due(instalments: Sequence[Instalment], day: date) -> int:
    """After closing ``day``: day + 1 − the oldest due date not fully paid (0 when none)."""
    unpaid = [i.due_date for i in instalments if i.due_date <= day and not i.paid]
    return (day - min(unpaid)).days + 1 if unpaid else 0


def overdue_amounts(instalments: Sequence[Instalment], day: date) -> tuple[Decimal, Decimal]:
    """(principal, interest) due on or before ``day`` and unpaid."""
    due = [i for i in instalments if i.due_date <= day]
    return (
        sum((i.principal_unpaid for i in due), ZERO),
        sum((i.interest_unpaid for i in due), ZERO),
    )


def one_day(balance: Decimal, annual_rate: Decimal) -> Decimal:
    """One day's interest, ACT/360, half-up to the fen."""
    return daycount.daily_interest(balance=balance, annual_rate=annual_rate, days=1)


def close_day(loan: Loan, day: date, terms: Terms, *, officer: Grade | None = None) -> Loan:
    """The batch's work on one drawdown for business day ``day``; closing a day twice is a no-op."""
    if loan.last_accrual_date is not None and loan.last_accrual_date >= day:
        return loan
    if day < loan.value_date:
        return loan
    overdue_p, overdue_i = overdue_amounts(loan.instalments, day)
    falls_due = any(i.due_date == day for i in loan.instalments)
    performing = loan.outstanding_principal - overdue_p
    accrued = (ZERO if falls_due else loan.accrued_interest) + one_day(
        performing, terms.annual_rate
    )
    prate = terms.penalty_rate
    penalty = loan.penalty_interest + one_day(overdue_p, prate)
    compound = loan.compound_interest + (one_day(overdue_i, prate) if terms.compound else ZERO)
    dpd = days_past_due(loan.instalments, day)
    observed = loan.in_observation(day)
    grade = effective_class(
        rule_class(
            dpd,
            technical_delay_days=terms.technical_delay_days,
            restructured=observed,
            class_before_restructuring=loan.restructured_from,
            in_observation=observed,
        ),
        officer,
    )
    return replace(
        loan,
        accrued_interest=accrued,
        penalty_interest=penalty,
        compound_interest=compound,
        overdue_principal=overdue_p,
        overdue_interest=overdue_i,
        days_past_due=dpd,
        classification=grade,
        last_accrual_date=day,
    )


# -------------------------------------------------------------------------------- allocation


@dataclass(frozen=True, slots=True)
class Allocation:
    """How a repayment was applied; the parts add up to the amount."""

    penalty: Decimal = ZERO
    compound: Decimal = ZERO
    interest: Decimal = ZERO  # due interest, oldest first
    principal: Decimal = ZERO  # due principal, oldest first
    accrued: Decimal = ZERO  # the current period's accrued interest (early repayment)
    prepaid: Decimal = ZERO  # principal not yet due (early repayment, last instalments first)
    fee: Decimal = ZERO  # 提前还款违约金 on the principal prepaid

    @property
    def total(self) -> Decimal:
        return (
            self.penalty
            + self.compound
            + self.interest
            + self.principal
            + self.accrued
            + self.prepaid
            + self.fee
        )


def allocate(
    loan: Loan, amount: Decimal, value_date: date, terms: Terms
) -> tuple[Allocation, Loan]:
    """Apply a repayment of ``amount`` with value date ``value_date`` (before that day closes)."""
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise ServicingError("还款金额须为大于 0 的金额，精确到分")
    if value_date < loan.value_date:
        raise ServicingError(
            f"还款日 {value_date.isoformat()} 早于放款日 {loan.value_date.isoformat()}，不能入账"
        )
    if loan.last_accrual_date is not None and value_date <= loan.last_accrual_date:
        raise ServicingError(
            f"{value_date.isoformat()} 的日终批处理已完成，该日还款不能再入账（请按当前日期入账）"
        )
    left = amount
    parts: dict[str, Decimal] = {}
    inst = list(loan.instalments)
    penalty, compound = loan.penalty_interest, loan.compound_interest
    for bucket in check_order(terms.order):
        if bucket == "penalty":
            take = min(left, penalty)
            penalty -= take
        elif bucket == "compound":
            take = min(left, compound)
            compound -= take
        else:
            take = ZERO
            for k, i in enumerate(inst):
                if i.due_date > value_date or left - take == 0:
                    continue
                unpaid = i.interest_unpaid if bucket == "interest" else i.principal_unpaid
                pay = min(left - take, unpaid)
                if pay:
                    inst[k] = (
                        replace(i, interest_paid=i.interest_paid + pay)
                        if bucket == "interest"
                        else replace(i, principal_paid=i.principal_paid + pay)
                    )
                    take += pay
        parts[bucket] = take
        left -= take
    accrued_paid = prepaid = fee = ZERO
    outstanding = loan.outstanding_principal - parts["principal"]
    accrued = loan.accrued_interest
    if left > 0:
        if not terms.prepayment_allowed:
            raise ServicingError(f"还款金额超出应还款项 {fen(left)} 元，该产品不允许提前还款")
        accrued_paid = min(left, accrued)
        accrued -= accrued_paid
        left -= accrued_paid
        not_due = sum((i.principal_unpaid for i in inst if i.due_date > value_date), ZERO)
        rate = terms.prepayment_fee_rate_on(loan.value_date, value_date)
        full_fee = fen(not_due * rate / HUNDRED)
        if left > not_due + full_fee:
            raise ServicingError(f"还款金额超出全部欠款 {fen(left - not_due - full_fee)} 元")
        if left == not_due + full_fee:
            prepaid, fee = not_due, full_fee
        else:  # the largest principal P with P + P × rate ≤ what is left; the fee is the rest
            prepaid = (left * HUNDRED / (HUNDRED + rate)).quantize(FEN, rounding=ROUND_DOWN)
            fee = left - prepaid
        left = prepaid
        for k in range(len(inst) - 1, -1, -1):
            i = inst[k]
            if left == 0:
                break
            if i.due_date <= value_date:
                continue
            pay = min(left, i.principal_unpaid)
            inst[k] = replace(i, principal_paid=i.principal_paid + pay)
            left -= pay
        outstanding -= prepaid
    allocation = Allocation(
        penalty=parts["penalty"],
        compound=parts["compound"],
        interest=parts["interest"],
        principal=parts["principal"],
        accrued=accrued_paid,
        prepaid=prepaid,
        fee=fee,
    )
    day_before = value_date - timedelta(days=1)
    op, oi = overdue_amounts(inst, day_before)
    after = replace(
        loan,
        instalments=tuple(inst),
        outstanding_principal=outstanding,
        penalty_interest=penalty,
        compound_interest=compound,
        accrued_interest=accrued,
        overdue_principal=op,
        overdue_interest=oi,
    )
    if settled(after):  # paid off: nothing accrues any more, nothing is late
        after = replace(after, accrued_interest=ZERO, days_past_due=0)
    return allocation, after


def settled(loan: Loan) -> bool:
    """Nothing left to pay: no principal, no interest billed or accrued, no 罚息, no 复利."""
    return (
        loan.outstanding_principal == 0
        and all(i.paid for i in loan.instalments)
        and loan.penalty_interest == 0
        and loan.compound_interest == 0
    )


# ----------------------------------------------------------------------------------- renewal


@dataclass(frozen=True, slots=True)
class RenewalFacts:
    maturity: date
    listed: bool  # still on the whitelist
    overdue: bool  # anything overdue (principal, interest, 罚息, 复利) on any drawdown
    classification: Grade
    product_allows: bool


RENEWAL_WINDOWS = (30, 60, 90)


def renewal_window(maturity: date, today: date) -> int | None:
    """The smallest of 30/60/90 days the maturity falls within (None beyond 90 or past)."""
    days = (maturity - today).days
    if days < 0:
        return None
    return next((w for w in RENEWAL_WINDOWS if days <= w), None)


def renewal_reasons(facts: RenewalFacts) -> list[str]:
    """Why a line may not be renewed without repaying principal; empty when it may."""
    reasons = []
    if not facts.product_allows:
        reasons.append("产品不支持无还本续贷")
    if not facts.listed:
        reasons.append("企业已不在质量信用白名单上")
    if facts.overdue:
        reasons.append("存在逾期本金、利息、罚息或复利")
    if facts.classification != Grade.normal:
        reasons.append(f"五级分类为{GRADE_LABELS[facts.classification]}类，须为正常类")
    return reasons


__all__ = [
    "DEFAULT_ORDER",
    "GRADE_LABELS",
    "Allocation",
    "Grade",
    "Instalment",
    "Loan",
    "RenewalFacts",
    "ServicingError",
    "Terms",
    "allocate",
    "check_officer_class",
    "close_day",
    "days_past_due",
    "effective_class",
    "npl_ratio",
    "renewal_reasons",
    "renewal_window",
    "rule_class",
    "settled",
]
