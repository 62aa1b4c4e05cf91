"""An IRR written for the tests, apart from the code under test (zhixin.lending.irr).

``annual(flows)`` takes (time in months, amount) pairs — the times worked out by hand in each
test — and finds the monthly rate i with Σ amount × (1 + i)^−t = 0 by bisection in 40-digit
decimals; the answer is 12 × i in % p.a., unrounded (compare within half the last place).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

F = Fraction
# The twelve due dates of a loan started on 2025-07-15 with the following rule on China's
# calendar — 08-15, 09-15, 10-15, 11-17 (11-15 a Saturday), 12-15, 2026-01-15, 02-24 (the
# Spring Festival holiday runs to 02-23), 03-16 (03-15 a Sunday), 04-15, 05-15, 06-15, 07-15 —
# as months on the loan's grid: 11-17 is 4 months and 2 of the 30 days to 12-15; 02-24 is 7 and
# 9 of the 28 days to 03-15; 03-16 is 8 and 1 of the 31 days to 04-15.
MONTHS_FROM_2025_07_15 = [F(1), F(2), F(3), 4 + F(2, 30), F(5), F(6), 7 + F(9, 28), 8 + F(1, 31)]
MONTHS_FROM_2025_07_15 += [F(9), F(10), F(11), F(12)]


def annual(flows: list[tuple[Fraction, Decimal]]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40

        def npv(i: Decimal) -> Decimal:
            total = Decimal(0)
            for t, v in flows:
                exponent = Decimal(t.numerator) / Decimal(t.denominator)
                total += v * (1 + i) ** -exponent
            return total

        lo, hi = Decimal("-0.05"), Decimal("0.5")
        assert npv(lo) > 0 > npv(hi), "no sign change: not a loan's flows"
        for _ in range(60):
            mid = (lo + hi) / 2
            if npv(mid) > 0:
                lo = mid
            else:
                hi = mid
        return lo * 1200
