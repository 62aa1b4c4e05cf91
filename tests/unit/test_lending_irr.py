"""The 年化利率 (PBoC 〔2021〕第3号): monthly IRR × 12 of dated flows, checked against IRRs
worked out by hand here — closed forms where there is one, else the tests' own bisection
(tests/support/irr.py) — never against the code under test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.irr import annual as irr_of
from zhixin.lending.irr import annualised_rate, flows_of, irr
from zhixin.lending.schedule import Method, build_schedule

D = Decimal


def test_two_months_closed_form() -> None:
    # lend 100, get 121 back two months later: (1 + i)² = 1.21, i = 10 % a month, × 12 = 120 %
    flows = [(date(2025, 1, 15), D(-100)), (date(2025, 3, 15), D(121))]
    assert annualised_rate(flows) == D("120.0000")
    # compound: 1.1¹² − 1 = 213.8428…%
    assert irr(flows).compound == D("213.8428")


def test_a_fee_withheld_raises_it() -> None:
    """1,000,000 at 3.60 % 等额本息 for one month, 10,000 fee taken on the day.

    The borrower gets 990,000 and repays 1,003,000 (3,000.00 at 0.3 %) a month later:
    i = 13,000 / 990,000 = 1.31313…% a month, × 12 = 15.757575…% → 15.7576 %.
    """
    s = build_schedule(
        principal=D("1000000"),
        annual_rate=D("3.60"),
        start=date(2025, 1, 15),
        term_months=1,
        method=Method.equal_instalment,
        holiday_rule="none",
    )
    flows = flows_of(s, fees=[(date(2025, 1, 15), D("10000.00"))])
    assert flows == [(date(2025, 1, 15), D("-990000.00")), (date(2025, 2, 15), D("1003000.00"))]
    assert annualised_rate(flows) == D("15.7576")
    assert annualised_rate(flows_of(s)) == D("3.6000")  # no fee: the contract rate


def test_instalments_of_1100_on_12000() -> None:
    """The kind of example the announcement works: 12,000 lent, twelve monthly payments of 1,100.

    By bisection on exact fractions: i = 1.49766…% a month; × 12 = 17.97199…% → 17.9720 %.
    """
    start = date(2025, 3, 10)
    flows = [(start, D(-12000))] + [
        (date(2025 + (2 + k) // 12, (2 + k) % 12 + 1, 10), D(1100)) for k in range(1, 13)
    ]
    mine = irr_of([(Fraction(k), D(-12000) if k == 0 else D(1100)) for k in range(13)])
    assert abs(mine - D("17.971997")) < D("0.000001")  # the hand figure above
    assert annualised_rate(flows) == D("17.9720")


def test_daily_interest_costs_more_than_its_contract_rate() -> None:
    """按月付息: 1,000,000 at 3.60 % from 2025-01-15, 31 days: 3,100.00 of interest.

    i = 3,100 / 1,000,000 = 0.31 % for one month, × 12 = 3.7200 % — not 3.60 %: the actual days
    over 360 charge a 31-day month more than a twelfth of the year.
    """
    s = build_schedule(
        principal=D("1000000"),
        annual_rate=D("3.60"),
        start=date(2025, 1, 15),
        term_months=1,
        method=Method.interest_monthly,
        holiday_rule="none",
    )
    assert annualised_rate(flows_of(s)) == D("3.7200")


def test_a_flow_between_grid_dates_counts_the_fraction_of_its_month() -> None:
    """−1,000 on 2025-01-15, +1,010 on 2025-02-24: one month (to 02-15) and 9 of the 28 days to
    03-15, t = 37/28. (1 + i)^(37/28) = 1.01: i = exp(ln 1.01 × 28/37) − 1, × 12 = 9.07008…%."""
    with localcontext() as ctx:
        ctx.prec = 40
        expected = ((D("1.01").ln() * 28 / 37).exp() - 1) * 1200
    assert abs(expected - D("9.0700820382")) < D("1e-9")
    flows = [(date(2025, 1, 15), D(-1000)), (date(2025, 2, 24), D(1010))]
    assert annualised_rate(flows) == D("9.0701")


def test_a_root_exactly_halfway_rounds_half_up() -> None:
    """8,000,000,000 lent, 8,006,667,000.00 back a month later: i = 0.000833375 exactly, so
    × 1200 = 1.00005 % — on the boundary between 1.0000 and 1.0001; the NPV there is exactly 0
    (decided in Decimal: no float can tell), and the answer rounds half-up."""
    flows = [(date(2025, 1, 15), D("-8000000000")), (date(2025, 2, 15), D("8006667000.00"))]
    assert annualised_rate(flows) == D("1.0001")


def test_refusals() -> None:
    with pytest.raises(ValueError, match="两个不同日期"):
        annualised_rate([(date(2025, 1, 1), D("-100"))])
    with pytest.raises(ValueError, match="首笔现金流应为放款"):
        annualised_rate([(date(2025, 1, 1), D("100")), (date(2025, 2, 1), D("-100"))])
    with pytest.raises(ValueError, match="须有还款"):
        annualised_rate([(date(2025, 1, 1), D("-100")), (date(2025, 2, 1), D("0"))])


amounts = st.integers(100_000, 5_000_000_000).map(lambda fen: D(fen) / 100)
rates = st.integers(0, 240_000).map(lambda x: D(x) / 10_000)


@pytest.mark.parametrize("method", [Method.equal_instalment, Method.equal_principal])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, rate=rates, n=st.integers(1, 120))
def test_level_schedules_on_the_grid_give_their_rate_back(
    method: Method, amount: Decimal, rate: Decimal, n: int
) -> None:
    """Monthly-rate schedules on undisturbed dates are discounted exactly by (1 + rate/1200): the
    IRR is the contract rate up to the fen roundings (well under 0.01 pp from 1,000 yuan up),
    checked by bisection here; an upfront fee of 0.5 % raises it."""
    s = build_schedule(
        principal=amount,
        annual_rate=rate,
        start=date(2025, 1, 10),  # the 10th of every month through 2035: kept (rule none)
        term_months=n,
        method=method,
        holiday_rule="none",
    )
    got = annualised_rate(flows_of(s))
    flows = [(Fraction(0), -amount)] + [(Fraction(i.number), i.payment) for i in s.instalments]
    assert abs(got - irr_of(flows)) <= D("0.00005")  # the 4-decimal rounding
    assert abs(got - rate) < D("0.01")
    fee = (amount / 200).quantize(D("0.01"))
    assert annualised_rate(flows_of(s, fees=[(s.start, fee)])) > got
