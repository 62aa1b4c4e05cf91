"""Servicing rules checked against figures computed here independently (fractions, integer fen)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from zhixin.loans.servicing_rules import (
    Grade,
    Instalment,
    Loan,
    RenewalFacts,
    ServicingError,
    Terms,
    allocate,
    check_officer_class,
    close_day,
    days_past_due,
    npl_ratio,
    renewal_reasons,
    renewal_window,
    rule_class,
    settled,
)

D = Decimal


def half_up_fen(x: Fraction) -> int:
    """x yuan → whole fen, half-up (x ≥ 0), in integers."""
    f = x * 100
    return int((f.numerator * 2 + f.denominator) // (2 * f.denominator))


@pytest.mark.parametrize(
    ("dpd", "grade"),
    [
        (0, Grade.normal),
        (7, Grade.normal),
        (8, Grade.special_mention),
        (90, Grade.special_mention),
        (91, Grade.substandard),
        (270, Grade.substandard),
        (271, Grade.doubtful),
        (360, Grade.doubtful),
        (361, Grade.loss),
        (2000, Grade.loss),
    ],
)
def test_rule_class_thresholds(dpd: int, grade: Grade) -> None:
    assert rule_class(dpd) is grade


def test_technical_delay_is_configurable_and_restructuring_floors() -> None:
    assert rule_class(3, technical_delay_days=0) is Grade.special_mention
    assert rule_class(0, restructured=True) is Grade.special_mention
    assert (
        rule_class(
            0,
            restructured=True,
            class_before_restructuring=Grade.doubtful,
            in_observation=True,
        )
        is Grade.doubtful
    )
    assert (
        rule_class(0, restructured=True, class_before_restructuring=Grade.doubtful)
        is Grade.special_mention
    )


def test_officer_may_classify_worse_never_better_and_must_give_a_reason() -> None:
    check_officer_class(rule=Grade.special_mention, wanted=Grade.doubtful, reason="经营恶化")
    with pytest.raises(ServicingError, match="至少为关注类"):
        check_officer_class(rule=Grade.special_mention, wanted=Grade.normal, reason="已沟通")
    with pytest.raises(ServicingError, match="理由"):
        check_officer_class(rule=Grade.normal, wanted=Grade.loss, reason="  ")


def test_npl_ratio() -> None:
    assert npl_ratio([]) is None
    ratio = npl_ratio(
        [(Grade.normal, D("700")), (Grade.substandard, D("200")), (Grade.loss, D("100"))]
    )
    assert ratio == D("0.3")


def test_renewal_window_and_reasons() -> None:
    today = date(2026, 1, 1)
    assert renewal_window(date(2026, 1, 31), today) == 30
    assert renewal_window(date(2026, 2, 1), today) == 60
    assert renewal_window(date(2026, 4, 1), today) == 90
    assert renewal_window(date(2026, 4, 2), today) is None
    assert renewal_window(date(2025, 12, 31), today) is None
    ok = RenewalFacts(date(2026, 2, 1), True, False, Grade.normal, True)
    assert renewal_reasons(ok) == []
    bad = RenewalFacts(date(2026, 2, 1), False, True, Grade.special_mention, False)
    assert renewal_reasons(bad) == [
        "产品不支持无还本续贷",
        "企业已不在质量信用白名单上",
        "存在逾期本金、利息、罚息或复利",
        "五级分类为关注类，须为正常类",
    ]


def _equal_principal(amount: int, rate: Fraction, start: date, n: int) -> tuple[Instalment, ...]:
    """等额本金 written out by hand: principal amount/n, interest balance × rate/12 (monthly)."""
    out = []
    balance = amount
    for k in range(1, n + 1):
        month = start.month - 1 + k
        due = date(start.year + month // 12, month % 12 + 1, start.day)
        principal = amount // n if k < n else balance
        interest = half_up_fen(Fraction(balance) * rate / 100 / 12)
        out.append(Instalment(k, due, D(principal), D(interest) / 100))
        balance -= principal
    return tuple(out)


def test_allocation_follows_the_order_and_prepays_the_last_instalments() -> None:
    inst = (
        Instalment(1, date(2026, 2, 1), D("1000.00"), D("50.00")),
        Instalment(2, date(2026, 3, 1), D("1000.00"), D("40.00")),
        Instalment(3, date(2026, 4, 1), D("1000.00"), D("30.00")),
    )
    loan = Loan(
        value_date=date(2026, 1, 1),
        outstanding_principal=D("3000.00"),
        instalments=inst,
        penalty_interest=D("3.21"),
        compound_interest=D("0.12"),
        accrued_interest=D("5.00"),
        last_accrual_date=date(2026, 2, 9),
    )
    terms = Terms(annual_rate=D("3.6"), markup=D("50"))
    a, after = allocate(loan, D("500.00"), date(2026, 2, 10), terms)
    assert (a.penalty, a.compound, a.interest, a.principal) == (
        D("3.21"),
        D("0.12"),
        D("50.00"),
        D("446.67"),
    )
    assert after.instalments[0].principal_paid == D("446.67")
    assert after.overdue_principal == D("553.33")
    assert after.overdue_interest == 0
    assert after.outstanding_principal == D("2553.33")
    # the rest of instalment 1 (553.33), accrued 5.00, then 441.67 off instalment 3
    a, after = allocate(after, D("1000.00"), date(2026, 2, 11), terms)
    assert (a.principal, a.accrued, a.prepaid) == (D("553.33"), D("5.00"), D("441.67"))
    assert after.instalments[2].principal_paid == D("441.67")
    assert after.instalments[1].principal_paid == 0
    # principal first (a product's own order)
    p_first = Terms(
        annual_rate=D("3.6"),
        markup=D("50"),
        order=("principal", "interest", "compound", "penalty"),
        prepayment_allowed=False,
    )
    a, _ = allocate(loan, D("1000.00"), date(2026, 2, 10), p_first)
    assert (a.principal, a.interest, a.compound, a.penalty) == (
        D("1000.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    with pytest.raises(ServicingError, match="不允许提前还款"):
        allocate(loan, D("1100.00"), date(2026, 2, 10), p_first)
    with pytest.raises(ServicingError, match="早于放款日"):
        allocate(loan, D("1.00"), date(2025, 12, 31), terms)
    with pytest.raises(ServicingError, match="批处理已完成"):
        allocate(loan, D("1.00"), date(2026, 2, 9), terms)
    with pytest.raises(ServicingError, match="超出全部欠款"):
        allocate(loan, D("9999.00"), date(2026, 2, 10), terms)


def test_a_missed_instalment_bears_penalty_and_compound_day_by_day() -> None:
    """1,200,000 等额本金 over 12 months at 3.85 %, markup 50 %: the 3rd instalment is missed,
    paid 100 days later; every figure recomputed here with fractions and integer fen."""
    rate, markup = Fraction("3.85"), Fraction(50)
    prate = rate * (100 + markup) / 100
    start = date(2026, 1, 15)
    inst = _equal_principal(1_200_000, rate, start, 12)
    terms = Terms(annual_rate=D("3.85"), markup=D("50"))
    loan = Loan(value_date=start, outstanding_principal=D("1200000.00"), instalments=inst)
    # independent state, in fen
    unpaid_p = {i.seq: int(i.principal * 100) for i in inst}
    unpaid_i = {i.seq: int(i.interest * 100) for i in inst}
    due = {i.seq: i.due_date for i in inst}
    outstanding = 120_000_000
    penalty = compound = accrued = 0
    pay_day = due[3] + timedelta(days=100)
    day = start
    while day <= pay_day + timedelta(days=3):
        # repayments first: instalments 1, 2, 4, 5, 6 on their due dates; 3 on pay_day
        for seq in (1, 2, 4, 5, 6):
            if day == due[seq]:
                amount = unpaid_p[seq] + unpaid_i[seq]
                if amount:
                    a, loan = allocate(loan, D(amount) / 100, day, terms)
                    # the penalty and compound come first in the order
                    expected_pen, expected_comp = penalty, compound
                    assert int(a.penalty * 100) == expected_pen
                    assert int(a.compound * 100) == expected_comp
                    left = amount - penalty - compound
                    penalty = compound = 0
                    for s in sorted(unpaid_i):
                        if due[s] <= day:
                            take = min(left, unpaid_i[s])
                            unpaid_i[s] -= take
                            left -= take
                    for s in sorted(unpaid_p):
                        if due[s] <= day:
                            take = min(left, unpaid_p[s])
                            unpaid_p[s] -= take
                            outstanding -= take
                            left -= take
                    assert left == 0
        if day == pay_day:
            amount = penalty + compound + unpaid_i[3] + unpaid_p[3]
            a, loan = allocate(loan, D(amount) / 100, day, terms)
            assert (int(a.penalty * 100), int(a.compound * 100)) == (penalty, compound)
            assert a.principal == D(unpaid_p[3]) / 100
            outstanding -= unpaid_p[3]
            unpaid_p[3] = unpaid_i[3] = 0
            penalty = compound = 0
        loan = close_day(loan, day, terms)
        # the day closes
        op = sum(v for s, v in unpaid_p.items() if due[s] <= day)
        oi = sum(v for s, v in unpaid_i.items() if due[s] <= day)
        if any(d == day for d in due.values()):
            accrued = 0
        accrued += half_up_fen(Fraction(outstanding - op, 100) * rate / 100 / 360)
        penalty += half_up_fen(Fraction(op, 100) * prate / 100 / 360)
        compound += half_up_fen(Fraction(oi, 100) * prate / 100 / 360)
        late = [due[s] for s in due if due[s] <= day and (unpaid_p[s] or unpaid_i[s])]
        dpd = (day - min(late)).days + 1 if late else 0
        assert int(loan.penalty_interest * 100) == penalty, day
        assert int(loan.compound_interest * 100) == compound, day
        assert int(loan.accrued_interest * 100) == accrued, day
        assert int(loan.overdue_principal * 100) == op
        assert loan.days_past_due == dpd
        want = Grade.substandard if dpd > 90 else Grade.special_mention if dpd > 7 else Grade.normal
        assert loan.classification is want, day
        # closing the same day again changes nothing
        assert close_day(loan, day, terms) == loan
        day += timedelta(days=1)
    # 100 days of 罚息 on 100,000 at 5.775 %: 16.04 a day
    assert half_up_fen(Fraction(100_000) * prate / 100 / 360) == 1604
    # the 罚息 and 复利 taken first from later instalments' money leave one short: still late
    assert loan.days_past_due == dpd > 7
    assert int(loan.outstanding_principal * 100) == outstanding
    assert not settled(loan)


def test_days_past_due_counts_from_the_oldest_unpaid_instalment() -> None:
    inst = (
        Instalment(1, date(2026, 2, 1), D("10"), D("1"), D("10"), D("1")),
        Instalment(2, date(2026, 3, 1), D("10"), D("1"), D("10"), D("0.5")),
        Instalment(3, date(2026, 4, 1), D("10"), D("1")),
    )
    assert days_past_due(inst, date(2026, 2, 28)) == 0
    assert days_past_due(inst, date(2026, 3, 1)) == 1
    assert days_past_due(inst, date(2026, 4, 5)) == 36


def test_an_early_repayment_pays_the_products_fee_on_the_principal_prepaid() -> None:
    inst = (
        Instalment(1, date(2026, 2, 1), D("1000.00"), D("50.00")),
        Instalment(2, date(2026, 3, 1), D("1000.00"), D("40.00")),
        Instalment(3, date(2026, 4, 1), D("1000.00"), D("30.00")),
    )
    loan = Loan(value_date=date(2026, 1, 1), outstanding_principal=D("3000.00"), instalments=inst)
    terms = Terms(
        annual_rate=D("3.6"), markup=D("50"), prepayment_fee_rate=D("1"), fee_free_after_months=2
    )
    # 1,010.00 before anything is due: 1,000.00 principal (off instalment 3) and 1 % of it
    a, after = allocate(loan, D("1010.00"), date(2026, 1, 20), terms)
    assert (a.prepaid, a.fee, a.total) == (D("1000.00"), D("10.00"), D("1010.00"))
    assert after.outstanding_principal == D("2000.00")
    assert after.instalments[2].principal_paid == D("1000.00")
    # an amount that does not divide: P = ⌊500 × 100 / 101⌋ = 495.04, the fee the rest 4.96
    a, _ = allocate(loan, D("500.00"), date(2026, 1, 20), terms)
    assert (a.prepaid, a.fee) == (D("495.04"), D("4.96"))
    # everything: 3,000.00 + 30.00; a fen more is refused
    a, after = allocate(loan, D("3030.00"), date(2026, 1, 20), terms)
    assert (a.prepaid, a.fee) == (D("3000.00"), D("30.00"))
    assert after.outstanding_principal == 0
    with pytest.raises(ServicingError, match=r"超出全部欠款 0\.01 元"):
        allocate(loan, D("3030.01"), date(2026, 1, 20), terms)
    # two months after the value date the product charges no fee
    later = Loan(
        value_date=date(2026, 1, 1),
        outstanding_principal=D("3000.00"),
        instalments=tuple(
            Instalment(i.seq, i.due_date + timedelta(days=60), i.principal, i.interest)
            for i in inst
        ),
    )
    a, _ = allocate(later, D("1010.00"), date(2026, 3, 1), terms)
    assert (a.prepaid, a.fee) == (D("1010.00"), D("0.00"))
    # no fee rate: as before
    a, _ = allocate(loan, D("1010.00"), date(2026, 1, 20), Terms(D("3.6"), D("50")))
    assert (a.prepaid, a.fee) == (D("1010.00"), D("0.00"))
