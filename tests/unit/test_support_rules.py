"""The support rules: the loss split and recoveries to the fen, subsidies, caps (Hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhixin.support import rules
from zhixin.support.rules import Refused

D = Decimal
money = st.integers(min_value=0, max_value=10**11).map(lambda c: D(c) / 100)
positive_money = st.integers(min_value=1, max_value=10**11).map(lambda c: D(c) / 100)
percent = st.integers(min_value=0, max_value=10000).map(lambda b: D(b) / 100)


@st.composite
def fund(draw: st.DrawFn) -> rules.FundRules:
    return rules.fund_rules(
        {
            "share": str(draw(percent)),
            "cap_per_loan": draw(st.none() | money.map(str)),
            "order": draw(st.sampled_from(list(rules.ORDER_LABELS))),
            "remainder_to": draw(st.sampled_from(rules.PARTIES)),
        }
    )


def _check(split: rules.Split, f: rules.FundRules, room: D | None, liability: D | None) -> None:
    assert split.bank + split.guarantor + split.fund == split.loss
    assert min(split.bank, split.guarantor, split.fund) >= 0
    for cap in (f.cap_per_loan, room):
        if cap is not None:
            assert split.fund <= cap
    if liability is not None:
        assert split.guarantor <= liability
    for part in (split.bank, split.guarantor, split.fund):
        assert part == part.quantize(D("0.01"))


@settings(max_examples=400, deadline=None)
@given(
    loss=money,
    f=fund(),
    coverage=percent,
    room=st.none() | money,
    liability=st.none() | money,
)
def test_the_parts_add_up_to_the_loss_and_the_caps_hold(
    loss: D, f: rules.FundRules, coverage: D, room: D | None, liability: D | None
) -> None:
    split = rules.split_loss(loss, f, coverage=coverage, guarantor_liability=liability, room=room)
    _check(split, f, room, liability)


@settings(max_examples=400, deadline=None)
@given(loss=money, f=fund(), coverage=percent)
def test_each_part_is_within_a_fen_or_two_of_its_exact_share(
    loss: D, f: rules.FundRules, coverage: D
) -> None:
    split = rules.split_loss(loss, f, coverage=coverage)
    whole, cov, share = Fraction(loss), Fraction(coverage) / 100, Fraction(f.share) / 100
    cap = Fraction(f.cap_per_loan) if f.cap_per_loan is not None else None
    if f.order == "before_guarantee":
        fx = whole * share if cap is None else min(whole * share, cap)
        gx = (whole - fx) * cov
    else:
        gx = whole * cov
        fx = (
            (whole - gx) * share if f.order == "after_guarantee" else min(whole * share, whole - gx)
        )
        fx = fx if cap is None else min(fx, cap)
    for part, exact in ((split.guarantor, gx), (split.fund, fx)):
        assert abs(Fraction(part) - exact) <= Fraction(2, 100)


@settings(max_examples=300, deadline=None)
@given(
    loss=positive_money,
    f=fund(),
    coverage=percent,
    cuts=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6),
)
def test_recoveries_add_up_never_exceed_a_part_and_a_full_recovery_makes_everyone_whole(
    loss: D, f: rules.FundRules, coverage: D, cuts: list[int]
) -> None:
    split = rules.split_loss(loss, f, coverage=coverage)
    total_cents = int(loss * 100)
    weights = sum(cuts)
    amounts = [total_cents * c // weights for c in cuts]
    amounts[-1] += total_cents - sum(amounts)  # the recoveries sum to the whole loss
    recovered = {p: D("0.00") for p in rules.PARTIES}
    for cents in amounts:
        if cents == 0:
            continue
        shares = rules.share_recovery(split, recovered, D(cents) / 100, f.remainder_to)
        assert sum(shares.values(), D(0)) == D(cents) / 100
        for p, v in shares.items():
            assert v >= 0
            recovered[p] += v
            assert recovered[p] <= split.part(p)
    assert recovered == {p: split.part(p) for p in rules.PARTIES}


def test_a_recovery_beyond_the_loss_is_refused() -> None:
    f = rules.fund_rules({"share": "50"})
    split = rules.split_loss(D("100.00"), f)
    with pytest.raises(Refused, match="超过尚未收回的损失"):
        rules.share_recovery(split, {"bank": D("50.00")}, D("50.01"), "bank")


def test_the_odd_fen_goes_to_the_stated_party() -> None:
    # 0.03 × 50 % after a 1/3 guarantee: exact guarantor 0.01, fund 0.01, bank 0.01
    for party in rules.PARTIES:
        f = rules.fund_rules({"share": "50", "remainder_to": party})
        split = rules.split_loss(D("0.05"), f, coverage=D("30"))
        # exact: g = 0.015, f = 0.0175, bank = 0.0175 → two are floored, the third takes the rest
        floors = {"guarantor": D("0.01"), "fund": D("0.01"), "bank": D("0.01")}
        floors[party] = D("0.05") - sum(v for k, v in floors.items() if k != party)
        assert {p: split.part(p) for p in rules.PARTIES} == floors


def test_no_guarantee_means_no_odd_fen_for_the_guarantor() -> None:
    f = rules.fund_rules({"share": "33.33", "remainder_to": "guarantor"})
    split = rules.split_loss(D("0.07"), f)
    assert split.guarantor == 0 and split.bank + split.fund == D("0.07")


def test_orders_of_the_fund_and_the_guarantee() -> None:
    loss = D("1000000.00")
    after = rules.split_loss(loss, rules.fund_rules({"share": "30"}), coverage=D("80"))
    assert (after.guarantor, after.fund, after.bank) == (
        D("800000.00"),
        D("60000.00"),
        D("140000.00"),
    )
    before = rules.split_loss(
        loss, rules.fund_rules({"share": "30", "order": "before_guarantee"}), coverage=D("80")
    )
    assert (before.fund, before.guarantor, before.bank) == (
        D("300000.00"),
        D("560000.00"),
        D("140000.00"),
    )
    par = rules.split_loss(
        loss, rules.fund_rules({"share": "30", "order": "parallel"}), coverage=D("80")
    )
    assert (par.guarantor, par.fund, par.bank) == (D("800000.00"), D("200000.00"), D("0.00"))
    capped = rules.split_loss(
        loss, rules.fund_rules({"share": "90", "cap_per_loan": "50000"}), room=D("20000.00")
    )
    assert (capped.fund, capped.bank) == (D("20000.00"), D("980000.00"))


def test_qualification() -> None:
    f = rules.fund_rules({"share": "90", "products": ["LZD"], "max_amount": "3000000"})
    ok = {"product_code": "LZD", "amount": D("1000000"), "classification": "substandard"}
    assert rules.qualifies(f, **ok) is None
    assert "不在资金池" in (rules.qualifies(f, **(ok | {"product_code": "X"})) or "")
    assert "超过资金池单笔上限" in (rules.qualifies(f, **(ok | {"amount": D("3000000.01")})) or "")
    assert "尚未形成不良" in (
        rules.qualifies(f, **(ok | {"classification": "special_mention"})) or ""
    )


@settings(max_examples=300, deadline=None)
@given(
    paid=money,
    rate=st.integers(min_value=1, max_value=2000).map(lambda b: D(b) / 100),
    points=st.integers(min_value=1, max_value=1000).map(lambda b: D(b) / 100),
    share=st.integers(min_value=1, max_value=10000).map(lambda b: D(b) / 100),
)
def test_a_subsidy_never_exceeds_the_interest_paid(paid: D, rate: D, points: D, share: D) -> None:
    for policy in (
        rules.subsidy_policy({"kind": "points", "points": str(points)}),
        rules.subsidy_policy({"kind": "share", "share": str(share)}),
    ):
        s = rules.subsidy(policy, interest_paid=paid, annual_rate=rate)
        assert D(0) <= s <= paid
        assert s == s.quantize(D("0.01"))


def test_points_are_the_points_share_of_the_interest() -> None:
    p = rules.subsidy_policy({"kind": "points", "points": "1.5"})
    # 3.45 % paid 3450.00 → 1.5 points of it = 1500.00
    assert rules.subsidy(p, interest_paid=D("3450.00"), annual_rate=D("3.45")) == D("1500.00")
    # half-up: 100.00 × 1 / 3 = 33.333… → 33.33; 200.00 × 1 / 3 = 66.67
    p1 = rules.subsidy_policy({"kind": "points", "points": "1"})
    assert rules.subsidy(p1, interest_paid=D("200.00"), annual_rate=D("3")) == D("66.67")
    share = rules.subsidy_policy({"kind": "share", "share": "50"})
    assert rules.subsidy(share, interest_paid=D("0.03"), annual_rate=D("3")) == D("0.02")


@settings(max_examples=200, deadline=None)
@given(raws=st.lists(money, max_size=20), room=st.none() | money)
def test_caps_are_taken_in_order_and_hold(raws: list[D], room: D | None) -> None:
    out = rules.capped(raws, room)
    assert all(0 <= o <= r for o, r in zip(out, raws, strict=True))
    if room is not None:
        assert sum(out, D(0)) == min(room, sum(raws, D(0)))


def test_policies_are_checked() -> None:
    with pytest.raises(Refused, match="贴息条件"):
        rules.subsidy_policy({"kind": "points", "points": "1", "conditions": ["nonsense"]})
    with pytest.raises(Refused, match="须写明贴息百分点"):
        rules.subsidy_policy({"kind": "points"})
    with pytest.raises(Refused, match="担保费补贴不能超过"):
        rules.guarantee_product({"coverage": "80", "fee_rate": "0.5", "fee_subsidy_points": "1"})
    with pytest.raises(Refused, match="补偿顺序"):
        rules.fund_rules({"share": "30", "order": "whenever"})


def test_guarantee_fee_and_caps() -> None:
    g = rules.guarantee_product(
        {
            "coverage": "80",
            "fee_rate": "0.5",
            "fee_base": "guaranteed",
            "fee_subsidy_points": "0.2",
            "cap_per_enterprise": "5000000",
            "cap_total": "8000000",
        }
    )
    fee, sub, net = rules.guarantee_fee(g, amount=D("1000000.00"), days=360)
    assert (fee, sub, net) == (D("4000.00"), D("1600.00"), D("2400.00"))
    assert rules.guarantee_room(g, amount=D("1"), enterprise_live=D("5000000"), total_live=D(0))
    assert "总额" in (
        rules.guarantee_room(g, amount=D("1"), enterprise_live=D(0), total_live=D("8000000")) or ""
    )
    assert rules.guarantee_room(g, amount=D("1"), enterprise_live=D(0), total_live=D(0)) is None


def test_quarters() -> None:
    assert rules.quarter("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert rules.quarter("2026q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert rules.quarter_of(date(2026, 5, 1)) == "2026Q2"
    with pytest.raises(Refused):
        rules.quarter("2026-4")


def test_policy_matching_names_each_condition_missed() -> None:
    policy = rules.subsidy_policy(
        {
            "kind": "points",
            "points": "1.5",
            "cap_per_enterprise_year": "30000",
            "conditions": ["listed", "not_overdue", "covenant_met"],
        }
    )
    good = rules.Standing(listed=True, overdue=False, covenant_breached=False)
    assert rules.subsidy_gaps(policy, good) == []
    bad = rules.Standing(
        listed=False, overdue=True, covenant_breached=True, subsidy_given_this_year=D("30000.00")
    )
    assert rules.subsidy_gaps(policy, bad) == [
        "未在白名单内",
        "存在逾期",
        "资金用途约定未达标",
        "超出单户上限：本年度已贴息 30000.00 元，单户年度上限 30000.00 元",
    ]
    # a condition the policy does not set is not asked for
    only_listed = rules.subsidy_policy({"kind": "share", "share": "20", "conditions": ["listed"]})
    assert rules.subsidy_gaps(only_listed, rules.Standing(True, True, True)) == []


def test_guarantee_matching_reads_the_request_caps() -> None:
    product = rules.guarantee_product(
        {"coverage": "80", "cap_per_enterprise": "1000000", "cap_total": "5000000"}
    )
    assert rules.guarantee_gaps(product, enterprise_live=D("999999.99"), total_live=D(0)) == []
    (why,) = rules.guarantee_gaps(product, enterprise_live=D("1000000"), total_live=D(0))
    assert why.startswith("超出单户上限：超过单户担保上限 1000000.00 元")
    (why,) = rules.guarantee_gaps(product, enterprise_live=D(0), total_live=D("5000000"))
    assert why.startswith("超出总额上限：超过担保总额上限")
