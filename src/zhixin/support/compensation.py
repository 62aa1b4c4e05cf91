"""Risk-compensation funds (风险补偿资金池) as pure rules: the fund's rules parsed, which loans
qualify, the loss, the loss split among bank, guarantor and fund and the recoveries shared
back (both to the fen, as ``support.rules`` describes). Re-exported by ``support.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from zhixin.support.basics import (
    CENT,
    HUNDRED,
    ORDER_LABELS,
    PARTIES,
    ZERO,
    Refused,
    _choice,
    _dec,
    _frac,
    _money,
    fen_down,
)

# -- risk-compensation funds (风险补偿资金池) ----------------------------------------------------


@dataclass(frozen=True)
class FundRules:
    """Which loans qualify, the fund's share of the loss, its caps and its order with the
    guarantee, where the odd fen goes, and what the loss counts."""

    products: tuple[str, ...]  # product codes that qualify (empty: all)
    max_amount: Decimal | None  # loans above this principal do not qualify
    min_class: str  # the worst five-tier class a claim needs (次级 or worse: default)
    share: Decimal  # % of the loss
    cap_per_loan: Decimal | None
    cap_per_bank_year: Decimal | None
    cap_per_year: Decimal | None
    order: str
    remainder_to: str
    loss_includes_interest: bool  # loss = outstanding principal (+ overdue interest)


DEFAULT_CLASSES = ("substandard", "doubtful", "loss")
CLASS_RANK = {"normal": 0, "special_mention": 1, "substandard": 2, "doubtful": 3, "loss": 4}


def fund_rules(data: dict[str, Any]) -> FundRules:
    products = data.get("products") or []
    if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
        raise Refused("适用产品须为产品代码列表")
    return FundRules(
        products=tuple(products),
        max_amount=_money(data.get("max_amount"), "单笔贷款金额上限"),
        min_class=_choice(data.get("min_class", "substandard"), DEFAULT_CLASSES, "代偿分类"),
        share=_dec(data.get("share"), "补偿比例", lo=Decimal(0), hi=HUNDRED),
        cap_per_loan=_money(data.get("cap_per_loan"), "单笔补偿上限"),
        cap_per_bank_year=_money(data.get("cap_per_bank_year"), "每家银行年度补偿上限"),
        cap_per_year=_money(data.get("cap_per_year"), "年度补偿上限"),
        order=_choice(data.get("order", "after_guarantee"), ORDER_LABELS, "补偿顺序"),
        remainder_to=_choice(data.get("remainder_to", "bank"), PARTIES, "尾差承担方"),
        loss_includes_interest=bool(data.get("loss_includes_interest", False)),
    )


def qualifies(
    rules: FundRules, *, product_code: str, amount: Decimal, classification: str
) -> str | None:
    """Why a loan does not qualify for the fund (None when it does)."""
    if rules.products and product_code not in rules.products:
        return f"产品 {product_code} 不在资金池适用范围内"
    if rules.max_amount is not None and amount > rules.max_amount:
        return f"贷款金额 {amount} 元超过资金池单笔上限 {rules.max_amount} 元"
    if CLASS_RANK.get(classification, 0) < CLASS_RANK[rules.min_class]:
        return "贷款尚未形成不良（五级分类须为次级、可疑或损失类），不能申请代偿"
    return None


def loss_of(rules: FundRules, *, outstanding: Decimal, overdue_interest: Decimal) -> Decimal:
    """The loss a claim carries: outstanding principal, plus overdue interest when the rules say
    so (罚息 and 复利 are never part of it)."""
    return outstanding + (overdue_interest if rules.loss_includes_interest else ZERO)


@dataclass(frozen=True)
class Split:
    loss: Decimal
    bank: Decimal
    guarantor: Decimal
    fund: Decimal

    def part(self, party: str) -> Decimal:
        return {"bank": self.bank, "guarantor": self.guarantor, "fund": self.fund}[party]


def split_loss(
    loss: Decimal,
    rules: FundRules,
    *,
    coverage: Decimal = Decimal(0),
    guarantor_liability: Decimal | None = None,
    room: Decimal | None = None,
) -> Split:
    """Share ``loss`` among bank, guarantor and fund (see the module's docstring). ``coverage``
    is the guarantee's % (0 without one); ``room`` what the bank's and the year's caps leave."""
    if loss < 0 or loss != loss.quantize(CENT):
        raise Refused("损失金额须为非负且精确到分")
    whole = _frac(loss)
    cov = _frac(coverage) / 100
    share = _frac(rules.share) / 100
    gcap = _frac(guarantor_liability) if guarantor_liability is not None else None
    caps = [c for c in (rules.cap_per_loan, room) if c is not None]
    fcap = _frac(min(caps)) if caps else None

    def cap_g(x: Fraction) -> Fraction:
        return min(x, gcap) if gcap is not None else x

    def cap_f(x: Fraction) -> Fraction:
        return max(min(x, fcap), Fraction(0)) if fcap is not None else x

    if rules.order == "before_guarantee":
        f = cap_f(whole * share)
        g = cap_g((whole - f) * cov)
    else:
        g = cap_g(whole * cov)
        f = cap_f(
            (whole - g) * share
            if rules.order == "after_guarantee"
            else min(whole * share, whole - g)
        )
    exact = {"guarantor": g, "fund": f, "bank": whole - g - f}
    parts = {p: fen_down(v) for p, v in exact.items() if p != rules.remainder_to}
    rest = loss - sum(parts.values(), ZERO)
    limit = {"guarantor": gcap, "fund": fcap}.get(rules.remainder_to)
    if exact[rules.remainder_to] == 0:  # a party with no share takes no odd fen either
        limit = Fraction(0)
    if limit is not None and _frac(rest) > limit and rules.remainder_to != "bank":
        over = rest - fen_down(limit)
        rest -= over
        parts["bank"] += over
    parts[rules.remainder_to] = rest
    return Split(loss=loss, bank=parts["bank"], guarantor=parts["guarantor"], fund=parts["fund"])


def share_recovery(
    split: Split, recovered: dict[str, Decimal], amount: Decimal, remainder_to: str
) -> dict[str, Decimal]:
    """Share a recovery of ``amount`` back among the parties (see the module's docstring);
    ``recovered`` is what each has got back from earlier recoveries."""
    need: dict[str, Decimal] = {p: split.part(p) - recovered.get(p, ZERO) for p in PARTIES}
    if amount <= 0 or amount != amount.quantize(CENT):
        raise Refused("追偿金额须为正且精确到分")
    if amount > sum(need.values(), ZERO):
        raise Refused(f"追偿金额超过尚未收回的损失 {sum(need.values(), ZERO)} 元")
    whole = _frac(split.loss)
    out: dict[str, Decimal] = {
        p: min(fen_down(_frac(amount) * _frac(split.part(p)) / whole), need[p])
        for p in PARTIES
        if p != remainder_to
    }
    left = amount - sum(out.values(), ZERO)
    out[remainder_to] = min(left, need[remainder_to])
    left -= out[remainder_to]
    for p in PARTIES:
        if left <= 0:
            break
        more = min(left, need[p] - out[p])
        out[p] += more
        left -= more
    return {p: out[p] for p in PARTIES}
