"""RAROC check (风险调整后资本收益率): does a price clear the bank's hurdle? Pure, exact Decimal.

All inputs are annual percentages of the exposure (``Decimal("3.45")`` is 3.45 %), except
``pd`` and ``lgd`` which are plain percentages and ``capital_ratio``, the economic capital held
per 100 yuan of exposure (%):

- expected loss (预期损失) = PD × LGD / 100, in percentage points of the exposure per year;
- risk-adjusted return (风险调整后收益) = rate + fee rate − funding cost − operating cost −
  expected loss;
- RAROC = risk-adjusted return / capital ratio × 100 (%);
- the price clears the hurdle when RAROC ≥ the hurdle rate (门槛收益率).

The figures are computed exactly and then quantized half-up to 4 decimals; ``clears`` compares
the quantized RAROC with the hurdle, so the verdict agrees with the figures shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhixin.lending.money import HUNDRED, q4
from zhixin.products.terms import Factor


@dataclass(frozen=True)
class RarocInput:
    rate: Decimal  # contract rate, % p.a.
    funding_cost: Decimal  # 资金成本 (FTP), % p.a.
    operating_cost: Decimal  # 运营成本, % p.a. of the exposure
    pd: Decimal  # 违约概率, % (one year)
    lgd: Decimal  # 违约损失率, %
    capital_ratio: Decimal  # 经济资本占用, % of the exposure
    hurdle: Decimal  # 门槛收益率 on capital, %
    fee_rate: Decimal = Decimal(0)  # fee income, % p.a. of the exposure


@dataclass(frozen=True)
class RarocResult:
    expected_loss: Decimal
    risk_adjusted_return: Decimal
    raroc: Decimal
    hurdle: Decimal
    clears: bool
    factors: tuple[Factor, ...]


def _pct(value: Decimal) -> str:
    return f"{q4(value)}%"


def _check(i: RarocInput) -> None:
    named = {
        "贷款利率": i.rate,
        "资金成本": i.funding_cost,
        "运营成本": i.operating_cost,
        "违约概率 PD": i.pd,
        "违约损失率 LGD": i.lgd,
        "经济资本占用": i.capital_ratio,
        "门槛收益率": i.hurdle,
        "费率": i.fee_rate,
    }
    for label, value in named.items():
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"{label}须为有效数字")
    for label in ("资金成本", "运营成本", "费率"):
        if named[label] < 0:
            raise ValueError(f"{label}不能为负数")
    if i.rate < 0:
        raise ValueError("贷款利率不能为负数")
    if not 0 <= i.pd <= HUNDRED:
        raise ValueError("违约概率 PD 须在 0% 至 100% 之间")
    if not 0 <= i.lgd <= HUNDRED:
        raise ValueError("违约损失率 LGD 须在 0% 至 100% 之间")
    if not 0 < i.capital_ratio <= HUNDRED:
        raise ValueError("经济资本占用须大于 0% 且不超过 100%")


def check(i: RarocInput) -> RarocResult:
    """Expected loss, risk-adjusted return and RAROC of ``i``, and whether it clears the hurdle."""
    _check(i)
    expected_loss = i.pd * i.lgd / HUNDRED
    rar = i.rate + i.fee_rate - i.funding_cost - i.operating_cost - expected_loss
    raroc = q4(rar / i.capital_ratio * HUNDRED)
    hurdle = q4(i.hurdle)
    clears = raroc >= hurdle
    factors = [
        Factor("rate", "贷款利率", _pct(i.rate), "合同年利率", q4(i.rate)),
    ]
    if i.fee_rate:
        factors.append(
            Factor("fee", "费用收入", _pct(i.fee_rate), "按年折算的费率", q4(i.fee_rate))
        )
    factors += [
        Factor(
            "funding_cost",
            "资金成本",
            _pct(i.funding_cost),
            "内部资金转移价格（FTP），从收益中扣除",
            q4(i.funding_cost),
        ),
        Factor(
            "operating_cost",
            "运营成本",
            _pct(i.operating_cost),
            "按贷款余额分摊的运营成本，从收益中扣除",
            q4(i.operating_cost),
        ),
        Factor(
            "expected_loss",
            "预期损失",
            _pct(expected_loss),
            f"违约概率 PD {_pct(i.pd)} × 违约损失率 LGD {_pct(i.lgd)}，从收益中扣除",
            q4(expected_loss),
        ),
        Factor(
            "risk_adjusted_return",
            "风险调整后收益",
            _pct(rar),
            "利率 + 费率 − 资金成本 − 运营成本 − 预期损失",
            q4(rar),
        ),
        Factor(
            "capital",
            "经济资本占用",
            _pct(i.capital_ratio),
            f"每 100 元贷款占用经济资本 {q4(i.capital_ratio)} 元；RAROC = 风险调整后收益 ÷ "
            f"经济资本 = {raroc}%",
            q4(i.capital_ratio),
        ),
        Factor(
            "hurdle",
            "门槛收益率",
            _pct(hurdle),
            f"RAROC {raroc}% {'≥' if clears else '<'} 门槛 {hurdle}%："
            + ("定价覆盖风险与资本成本" if clears else "定价未达到银行的资本回报要求"),
            hurdle,
        ),
    ]
    return RarocResult(
        expected_loss=q4(expected_loss),
        risk_adjusted_return=q4(rar),
        raroc=raroc,
        hurdle=hurdle,
        clears=clears,
        factors=tuple(factors),
    )
