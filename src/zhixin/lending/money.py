"""Money and rates in the lending core, and the one place an amount is rounded.

Money is ``Decimal`` yuan. Every amount a computation *chooses* — a period's interest, a level
instalment, a fee, a subsidy, a share of a split — is rounded half-up to the fen (分) by
:func:`fen`, once, when it is computed; sums and differences of fen amounts are exact and are never
rounded again. Rates are annual percentages (``Decimal("3.45")`` is 3.45 % p.a.), kept exact
(a penalty rate 3.85 % × 1.3 is 5.005 %, not 5.01 %); :func:`q4` quantizes a rate half-up to the
4 decimals it is shown with.

:func:`split` divides an amount into parts that add up to it exactly, to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def fen(value: Decimal) -> Decimal:
    """Half-up to the fen: 0.005 → 0.01, −0.005 → −0.01 (away from zero on a tie)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def q4(rate: Decimal) -> Decimal:
    """A rate half-up to 4 decimals, as contracts and pages show it: 3.45 → 3.4500."""
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def is_fen(value: Decimal) -> bool:
    """Whether ``value`` is a finite amount with at most two decimals."""
    return value.is_finite() and value == value.quantize(FEN)


def split(
    total: Decimal, weights: Sequence[Decimal], *, remainder_to: int | None = None
) -> list[Decimal]:
    """``total`` divided in proportion to ``weights``; the parts add up to ``total`` exactly.

    Each part is first its exact share cut down to the fen (towards zero). The fen left over —
    fewer than the number of parts — go, by default, one each to the parts whose exact share lost
    the most in the cut (ties: the part listed first), the largest-remainder method, so no part
    is more than one fen from its exact share. With ``remainder_to=k`` every fen left over goes
    to part ``k`` instead (a bank that takes the rounding of a loss split, say).

    ``total`` must be an amount to the fen; weights must be ≥ 0 and not all zero. A negative
    ``total`` is split as its absolute value and every part negated.
    """
    if not is_fen(total):
        raise ValueError("待分摊的金额须精确到分")
    if not weights:
        raise ValueError("至少需要一个分摊比例")
    if any(not w.is_finite() or w < 0 for w in weights):
        raise ValueError("分摊比例不能为负数")
    whole = sum(weights, ZERO)
    if whole == 0:
        raise ValueError("分摊比例不能全为零")
    if remainder_to is not None and not 0 <= remainder_to < len(weights):
        raise ValueError(f"承担尾差的一方（第 {remainder_to + 1} 项）不存在")
    sign = -1 if total < 0 else 1
    amount = abs(total)
    exact = [amount * w / whole for w in weights]
    parts = [x.quantize(FEN, rounding=ROUND_DOWN) for x in exact]
    left = int((amount - sum(parts, ZERO)) / FEN)
    if remainder_to is not None:
        parts[remainder_to] += left * FEN
    else:
        order = sorted(range(len(parts)), key=lambda k: (-(exact[k] - parts[k]), k))
        for k in order[:left]:
            parts[k] += FEN
    return [p * sign + 0 for p in parts]  # (+ 0 turns −0.00 into 0.00)
