"""RAROC check: hand-worked numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhixin.quotes.raroc import RarocInput, check

D = Decimal


def test_price_below_the_hurdle() -> None:
    """3.45 % against funding 2.00 %, operating 0.50 %, PD 1.5 %, LGD 40 %, capital 8 %.

    EL = 1.5 × 40 / 100 = 0.60 pp; RAR = 3.45 − 2.00 − 0.50 − 0.60 = 0.35 pp;
    RAROC = 0.35 / 8 × 100 = 4.375 % < 12 %.
    """
    r = check(
        RarocInput(
            rate=D("3.45"),
            funding_cost=D("2.00"),
            operating_cost=D("0.50"),
            pd=D("1.5"),
            lgd=D("40"),
            capital_ratio=D("8"),
            hurdle=D("12"),
        )
    )
    assert r.expected_loss == D("0.6000")
    assert r.risk_adjusted_return == D("0.3500")
    assert r.raroc == D("4.3750")
    assert r.hurdle == D("12.0000")
    assert r.clears is False
    labels = [f.label for f in r.factors]
    for label in ("预期损失", "资金成本", "运营成本", "经济资本占用", "门槛收益率"):
        assert label in labels
    assert "费用收入" not in labels  # no fee, no line
    hurdle = next(f for f in r.factors if f.code == "hurdle")
    assert "4.3750% < 门槛 12.0000%" in hurdle.reason


def test_price_with_a_fee_clears() -> None:
    """4.35 % + fee 0.30 % against funding 1.80 %, operating 0.40 %, PD 0.8 %, LGD 45 %.

    EL = 0.8 × 45 / 100 = 0.36; RAR = 4.35 + 0.30 − 1.80 − 0.40 − 0.36 = 2.09;
    RAROC = 2.09 / 10.5 × 100 = 19.90476… → 19.9048 % ≥ 15 %.
    """
    r = check(
        RarocInput(
            rate=D("4.35"),
            funding_cost=D("1.80"),
            operating_cost=D("0.40"),
            pd=D("0.8"),
            lgd=D("45"),
            capital_ratio=D("10.5"),
            hurdle=D("15"),
            fee_rate=D("0.30"),
        )
    )
    assert (r.expected_loss, r.risk_adjusted_return, r.raroc) == (
        D("0.3600"),
        D("2.0900"),
        D("19.9048"),
    )
    assert r.clears is True
    fee = next(f for f in r.factors if f.code == "fee")
    assert (fee.label, fee.amount) == ("费用收入", D("0.3000"))
    el = next(f for f in r.factors if f.code == "expected_loss")
    assert el.value == "0.3600%" and "0.8000%" in el.reason and "45.0000%" in el.reason


def test_exactly_at_the_hurdle_clears_and_quantizing_is_half_up() -> None:
    # EL = 1.23 × 33.33 / 100 = 0.409959, shown as 0.4100 (4 decimals, half-up); the return
    # uses the exact EL: RAR = 3.00 − 1.490041 − 0.10 − 0.409959 = 1.000000 exactly, and
    # RAROC = 1 / 10 × 100 = 10 %, which meets a 10 % hurdle
    r = check(
        RarocInput(
            rate=D("3.00"),
            funding_cost=D("1.490041"),
            operating_cost=D("0.10"),
            pd=D("1.23"),
            lgd=D("33.33"),
            capital_ratio=D("10"),
            hurdle=D("10"),
        )
    )
    assert r.expected_loss == D("0.4100")
    assert r.risk_adjusted_return == D("1.0000")
    assert r.raroc == D("10.0000") and r.clears is True


def test_negative_return_is_reported_not_refused() -> None:
    # RAR = 2.00 − 2.50 − 0.30 − (2 × 50 / 100 = 1.00) = −1.80; RAROC = −1.80 / 8 × 100 = −22.5
    r = check(
        RarocInput(
            rate=D("2.00"),
            funding_cost=D("2.50"),
            operating_cost=D("0.30"),
            pd=D("2"),
            lgd=D("50"),
            capital_ratio=D("8"),
            hurdle=D("10"),
        )
    )
    assert (r.risk_adjusted_return, r.raroc, r.clears) == (D("-1.8000"), D("-22.5000"), False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("capital_ratio", D(0), "经济资本占用"),
        ("pd", D("100.01"), "违约概率"),
        ("lgd", D("-1"), "违约损失率"),
        ("funding_cost", D("-0.1"), "资金成本不能为负数"),
        ("rate", D("NaN"), "贷款利率须为有效数字"),
    ],
)
def test_refusals(field: str, value: Decimal, message: str) -> None:
    args = {
        "rate": D("3.45"),
        "funding_cost": D("2"),
        "operating_cost": D("0.5"),
        "pd": D("1"),
        "lgd": D("40"),
        "capital_ratio": D("8"),
        "hurdle": D("12"),
    }
    args[field] = value
    with pytest.raises(ValueError, match=message):
        check(RarocInput(**args))
