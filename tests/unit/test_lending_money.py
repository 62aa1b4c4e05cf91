"""Rounding, splits that add up, day counts, 罚息 and 复利 — worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhixin.lending import daycount
from zhixin.lending.money import fen, q4, split

D = Decimal


def test_fen_rounds_half_up_and_q4_rates() -> None:
    assert [fen(D(x)) for x in ("0.005", "0.004999", "2.675", "-0.005")] == [
        D("0.01"),
        D("0.00"),
        D("2.68"),
        D("-0.01"),
    ]
    assert q4(D("3.45")) == D("3.4500") and q4(D("5.00505")) == D("5.0051")


def test_split_hand_worked() -> None:
    # 100.00 in three: 33.333… each; one fen left over goes to the first (a tie)
    assert split(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    # or to the part named to take the rounding
    assert split(D("100.00"), [D(1), D(1), D(1)], remainder_to=2) == [
        D("33.33"),
        D("33.33"),
        D("33.34"),
    ]
    # a loss of 1,000,000.01 shared 90 % fund / 10 % bank: 900,000.009 and 100,000.001 → the fen
    # goes to the larger remainder (the fund's .009)
    assert split(D("1000000.01"), [D(90), D(10)]) == [D("900000.01"), D("100000.00")]
    assert split(D("-0.05"), [D(1), D(1)]) == [D("-0.03"), D("-0.02")]
    assert split(D("0.00"), [D(1), D(2)]) == [D("0.00"), D("0.00")]
    with pytest.raises(ValueError, match="精确到分"):
        split(D("1.001"), [D(1)])
    with pytest.raises(ValueError, match="不能全为零"):
        split(D("1.00"), [D(0), D(0)])
    with pytest.raises(ValueError, match="不能为负数"):
        split(D("1.00"), [D(1), D(-1)])
    with pytest.raises(ValueError, match="不存在"):
        split(D("1.00"), [D(1)], remainder_to=1)


@given(
    total=st.integers(-(10**13), 10**13).map(lambda f: D(f) / 100),
    weights=st.lists(st.integers(0, 10**6).map(D), min_size=1, max_size=12).filter(any),
    to=st.none() | st.integers(0, 11),
)
def test_split_adds_up_exactly(total: Decimal, weights: list[Decimal], to: int | None) -> None:
    if to is not None and to >= len(weights):
        to = None
    parts = split(total, weights, remainder_to=to)
    assert sum(parts, D(0)) == total
    whole = sum(weights, D(0))
    for k, (p, w) in enumerate(zip(parts, weights, strict=True)):
        exact = total * w / whole
        assert p == p.quantize(D("0.01"))
        if to is None or k != to:
            assert abs(p - exact) < D("0.01")  # cut down to the fen, or one fen added
        if w == 0 and (to is None or k != to):
            assert p == 0


def test_day_counts_hand_worked() -> None:
    # 2025-01-15 → 2025-02-15: 31 days; 1,000,000 × 3.65 % × 31 / 360 = 3,143.0555… → 3,143.06
    assert daycount.accrue(
        balance=D("1000000"), annual_rate=D("3.65"), start=date(2025, 1, 15), end=date(2025, 2, 15)
    ) == D("3143.06")
    # a whole month at rate / 12: 1,000,000 × 3.65 / 1200 = 3,041.666… → 3,041.67
    assert daycount.monthly_interest(balance=D("1000000"), annual_rate=D("3.65")) == D("3041.67")
    # one day: lent on the 15th, repaid on the 16th
    assert daycount.accrue(
        balance=D("3600000"), annual_rate=D("3.6"), start=date(2025, 1, 15), end=date(2025, 1, 16)
    ) == D("360.00")
    with pytest.raises(ValueError, match="早于起日"):
        daycount.accrue(
            balance=D(1), annual_rate=D(1), start=date(2025, 2, 1), end=date(2025, 1, 1)
        )
    with pytest.raises(ValueError, match="不能为负数"):
        daycount.monthly_interest(balance=D(1), annual_rate=D(-1))


def test_penalty_and_compound_interest_hand_worked() -> None:
    # 罚息 rate: 4.35 % × (1 + 50 %) = 6.525 %; 3.85 % × 1.3 = 5.005 % — exact, not rounded
    assert daycount.penalty_rate(contract_rate=D("4.35"), markup=D(50)) == D("6.525")
    assert daycount.penalty_rate(contract_rate=D("3.85"), markup=D(30)) == D("5.005")
    # 100,000 overdue from 2025-03-15 to 2025-04-14 (30 days): 100,000 × 6.525 % × 30 / 360
    # = 543.75
    assert daycount.overdue_interest(
        overdue_principal=D("100000"),
        contract_rate=D("4.35"),
        markup=D(50),
        start=date(2025, 3, 15),
        end=date(2025, 4, 14),
    ) == D("543.75")
    # 复利 on 1,000.00 of unpaid interest for the same 30 days at the penalty rate:
    # 1,000 × 6.525 % × 30 / 360 = 5.4375 → 5.44
    assert daycount.compound_interest(
        unpaid_interest=D("1000.00"),
        annual_rate=D("6.525"),
        start=date(2025, 3, 15),
        end=date(2025, 4, 14),
    ) == D("5.44")
    with pytest.raises(ValueError, match="上浮比例不能为负数"):
        daycount.penalty_rate(contract_rate=D("4"), markup=D(-1))
