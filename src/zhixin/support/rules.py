"""Public support around the loan, as pure rules: guarantee products (担保), risk-compensation
funds (风险补偿) and interest-subsidy policies (贴息). No database, no web.

Every rule is data (:class:`GuaranteeProduct`, :class:`FundRules`, :class:`SubsidyPolicy`,
parsed from the JSON a tenant keeps with :func:`guarantee_product`, :func:`fund_rules`,
:func:`subsidy_policy`) and every amount is yuan ``Decimal`` to the fen.

**The loss split** (:func:`split_loss`). A defaulted loan's loss L (to the fen) is shared among
the bank, the guarantor and the fund. Exact shares are computed first (``Fraction``, no
rounding), in the fund's ``order``:

- ``after_guarantee`` (先担保后补偿): guarantor g = L × coverage, then the fund f = (L − g) × share;
- ``before_guarantee`` (先补偿后担保): fund f = L × share, then g = (L − f) × coverage;
- ``parallel`` (按比例分担): g = L × coverage, f = L × share, f ≤ L − g.

The guarantor's part is at most its liability (guaranteed amount × coverage, when given); the
fund's at most ``cap_per_loan`` and the room left under the bank's and the year's caps
(``room``, passed in by the caller who knows the earlier claims). Then every party but the one
named by ``remainder_to`` is rounded **down** to the fen and that party takes L − the others, so
the three parts add up to L exactly and none is negative. When the remainder party is the fund
or the guarantor and the odd fen would take it past its cap, the excess goes to the bank.

**Recoveries** (:func:`share_recovery`). Money recovered after the claim was paid is shared back
in proportion to the parts: each party but the remainder party gets ⌊R × part / L⌋ (never more
than its part not yet recovered), the remainder party what is left up to its own part, and any
fen still left goes to the others in the order bank, guarantor, fund up to their parts. So each
recovery's shares add up to R, nobody ever recovers more than its part, and recoveries summing to
L give every party back its whole part.

**The subsidy** (:func:`subsidy`). The basis is interest actually paid in the quarter (the
``interest`` and ``accrued`` columns of the loan book's repayments whose value date falls in it;
罚息, 复利 and fees bear no subsidy). ``points``: basis × points / the drawdown's annual rate,
at most the basis; ``share``: basis × share %; each rounded half-up to the fen. Then the cap per
enterprise per year (room = cap − what earlier quarters' claims of the same year gave it), and
the policy's yearly budget (room = budget − earlier claims), both taken by the loans in drawdown
order.

Guarantee products, subsidies, quarters and policy matching are here; the vocabularies and the
parsing they share (``basics``) and the funds' loss split and recoveries (``compensation``) are
split off by concept and re-exported, so ``rules.X`` names every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

# The modules split off by concept, named here too: callers write ``rules.X``.
from zhixin.support.basics import (
    BATCH_STATUS_LABELS,
    CENT,
    CLAIM_STATUS_LABELS,
    CONDITION_LABELS,
    ENTRY_KIND_LABELS,
    FEE_BALANCES,
    FEE_BASES,
    FEE_PERIODS,
    GUARANTEE_STATUS_LABELS,
    HUNDRED,
    ORDER_LABELS,
    PARTIES,
    PARTY_LABELS,
    PAYEE_LABELS,
    SUBSIDY_STATUS_LABELS,
    ZERO,
    Order,
    Party,
    Payee,
    Refused,
    SubsidyKind,
    _choice,
    _codes,
    _dec,
    _money,
    fen,
    fen_down,
)
from zhixin.support.compensation import (
    CLASS_RANK,
    DEFAULT_CLASSES,
    FundRules,
    Split,
    fund_rules,
    loss_of,
    qualifies,
    share_recovery,
    split_loss,
)

__all__ = [
    "BATCH_STATUS_LABELS",
    "CENT",
    "CLAIM_STATUS_LABELS",
    "CLASS_RANK",
    "CONDITION_LABELS",
    "DEFAULT_CLASSES",
    "ENTRY_KIND_LABELS",
    "FEE_BALANCES",
    "FEE_BASES",
    "FEE_PERIODS",
    "GAP_LABELS",
    "GUARANTEE_STATUS_LABELS",
    "HUNDRED",
    "ORDER_LABELS",
    "PARTIES",
    "PARTY_LABELS",
    "PAYEE_LABELS",
    "SUBSIDY_STATUS_LABELS",
    "ZERO",
    "FeeBasis",
    "FundRules",
    "GuaranteeProduct",
    "Order",
    "Party",
    "Payee",
    "Refused",
    "Split",
    "Standing",
    "SubsidyKind",
    "SubsidyPolicy",
    "capped",
    "condition_met",
    "fen",
    "fen_down",
    "fund_rules",
    "guarantee_fee",
    "guarantee_gaps",
    "guarantee_product",
    "guarantee_room",
    "loss_of",
    "qualifies",
    "quarter",
    "quarter_of",
    "round_down",
    "share_recovery",
    "split_loss",
    "subsidy",
    "subsidy_gaps",
    "subsidy_policy",
]


# -- guarantee products (担保产品) ---------------------------------------------------------------


@dataclass(frozen=True)
class GuaranteeProduct:
    """A guarantor's product: coverage %, yearly fee % on its basis, caps, the fee subsidy
    (percentage points of the fee rate the finance bureau pays). The fee's basis — ``fee_base``
    (the loan amount or the guaranteed part, amount × coverage), ``fee_balance`` (the original
    amount or each guarantee year's outstanding principal) and ``fee_period`` (yearly in
    advance or once upfront for the whole term) — is what a quote of a loan product the
    guarantee names charges, the same fields as a product file's ``guarantee``."""

    coverage: Decimal  # % of the loss (and of the principal) the guarantor bears
    fee_rate: Decimal  # % p.a.
    fee_base: str  # loan | guaranteed
    cap_per_enterprise: Decimal | None  # principal guaranteed for one enterprise at a time
    cap_total: Decimal | None  # principal guaranteed in all at a time
    fee_subsidy_points: Decimal  # of the fee rate, paid by the finance bureau
    products: tuple[str, ...] = ()  # loan products whose quotes name this guarantee
    fee_balance: str = "original"  # original | outstanding (at each guarantee year's start)
    fee_period: str = "yearly"  # yearly (each guarantee year, in advance) | upfront (whole term)

    @property
    def net_fee_rate(self) -> Decimal:
        return max(self.fee_rate - self.fee_subsidy_points, Decimal(0))

    @property
    def basis(self) -> FeeBasis:
        return FeeBasis(self.fee_base, self.fee_balance, self.fee_period)


@dataclass(frozen=True)
class FeeBasis:
    """What a guarantee fee is charged on and when (see :class:`GuaranteeProduct`)."""

    fee_base: str  # loan | guaranteed
    fee_balance: str  # original | outstanding
    fee_period: str  # yearly | upfront


def guarantee_product(data: dict[str, Any]) -> GuaranteeProduct:
    p = GuaranteeProduct(
        coverage=_dec(data.get("coverage"), "担保责任比例", lo=Decimal(0), hi=HUNDRED),
        fee_rate=_dec(data.get("fee_rate", 0), "担保费率", lo=Decimal(0), hi=Decimal(10)),
        fee_base=_choice(data.get("fee_base", "loan"), FEE_BASES, "计费基数"),
        cap_per_enterprise=_money(data.get("cap_per_enterprise"), "单户担保上限"),
        cap_total=_money(data.get("cap_total"), "担保总额上限"),
        fee_subsidy_points=_dec(data.get("fee_subsidy_points", 0), "担保费补贴", lo=Decimal(0)),
        products=_codes(data.get("products")),
        fee_balance=_choice(data.get("fee_balance", "original"), FEE_BALANCES, "计费余额"),
        fee_period=_choice(data.get("fee_period", "yearly"), FEE_PERIODS, "收费方式"),
    )
    if p.fee_subsidy_points > p.fee_rate:
        raise Refused("担保费补贴不能超过担保费率")
    return p


def guarantee_fee(
    product: GuaranteeProduct, *, amount: Decimal, days: int
) -> tuple[Decimal, Decimal, Decimal]:
    """The fee of ``days`` days on a guarantee of a loan of ``amount``: (fee, subsidy, net), each
    half-up to the fen; net = fee − subsidy exactly (ACT/360, the lending core's convention)."""
    base = amount if product.fee_base == "loan" else fen(amount * product.coverage / HUNDRED)
    fee = fen(base * product.fee_rate * days / (HUNDRED * 360))
    sub = fen(base * product.fee_subsidy_points * days / (HUNDRED * 360))
    sub = min(sub, fee)
    return fee, sub, fee - sub


def guarantee_room(
    product: GuaranteeProduct, *, amount: Decimal, enterprise_live: Decimal, total_live: Decimal
) -> str | None:
    """Why a new guarantee of ``amount`` would break a cap (None when it fits): the principal
    already guaranteed and live for the enterprise and in total."""
    if (
        product.cap_per_enterprise is not None
        and enterprise_live + amount > product.cap_per_enterprise
    ):
        return f"超过单户担保上限 {product.cap_per_enterprise} 元（已担保 {enterprise_live} 元）"
    if product.cap_total is not None and total_live + amount > product.cap_total:
        return f"超过担保总额上限 {product.cap_total} 元（已担保 {total_live} 元）"
    return None


# -- interest subsidies (贴息政策) --------------------------------------------------------------


@dataclass(frozen=True)
class SubsidyPolicy:
    kind: str  # points | share
    points: Decimal  # percentage points p.a. (kind points)
    share: Decimal  # % of the interest paid (kind share)
    products: tuple[str, ...]  # product codes (empty: all)
    cap_per_enterprise_year: Decimal | None
    cap_per_year: Decimal | None  # the policy's yearly budget
    conditions: tuple[str, ...]  # listed | not_overdue | covenant_met
    payee: str  # enterprise | bank


def subsidy_policy(data: dict[str, Any]) -> SubsidyPolicy:
    kind = _choice(data.get("kind", "points"), ("points", "share"), "贴息方式")
    conditions = data.get("conditions") or []
    if not isinstance(conditions, list):
        raise Refused("贴息条件须为列表")
    for c in conditions:
        _choice(c, CONDITION_LABELS, "贴息条件")
    products = data.get("products") or []
    if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
        raise Refused("适用产品须为产品代码列表")
    policy = SubsidyPolicy(
        kind=kind,
        points=_dec(data.get("points", 0), "贴息百分点", lo=Decimal(0), hi=Decimal(10)),
        share=_dec(data.get("share", 0), "贴息比例", lo=Decimal(0), hi=HUNDRED),
        products=tuple(products),
        cap_per_enterprise_year=_money(data.get("cap_per_enterprise_year"), "单户年度贴息上限"),
        cap_per_year=_money(data.get("cap_per_year"), "年度贴息总额"),
        conditions=tuple(conditions),
        payee=_choice(data.get("payee", "enterprise"), PAYEE_LABELS, "贴息拨付对象"),
    )
    if kind == "points" and policy.points <= 0:
        raise Refused("按百分点贴息须写明贴息百分点")
    if kind == "share" and policy.share <= 0:
        raise Refused("按利息比例贴息须写明贴息比例")
    return policy


def subsidy(policy: SubsidyPolicy, *, interest_paid: Decimal, annual_rate: Decimal) -> Decimal:
    """The subsidy on ``interest_paid`` at ``annual_rate`` % p.a., before caps: half-up to the
    fen, never more than the interest paid."""
    if interest_paid <= 0:
        return ZERO
    if policy.kind == "share":
        return fen(interest_paid * policy.share / HUNDRED)
    if annual_rate <= 0 or policy.points >= annual_rate:
        return interest_paid
    return min(fen(interest_paid * policy.points / annual_rate), interest_paid)


def capped(raws: list[Decimal], room: Decimal | None) -> list[Decimal]:
    """Loans in order take their subsidy while ``room`` lasts (the last one partly)."""
    if room is None:
        return list(raws)
    out, left = [], max(room, ZERO)
    for r in raws:
        take = min(r, left)
        out.append(take)
        left -= take
    return out


# -- quarters ----------------------------------------------------------------------------------


def quarter(text: str) -> tuple[date, date]:
    """``2026Q4`` → (first day, last day) of that quarter."""
    t = text.strip().upper()
    if len(t) != 6 or t[4] != "Q" or not t[:4].isdigit() or t[5] not in "1234":
        raise Refused(f"季度格式应为 2026Q4：{text}")
    year, q = int(t[:4]), int(t[5])
    first = date(year, 3 * q - 2, 1)
    last = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def round_down(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


# -- policy matching (惠企政策): which conditions an enterprise still misses -----------------------

GAP_LABELS: dict[str, str] = {
    "listed": "未在白名单内",
    "not_overdue": "存在逾期",
    "covenant_met": "资金用途约定未达标",
}


@dataclass(frozen=True)
class Standing:
    """An enterprise as the support policies' conditions read it now: on the whitelist (as the
    subsidy's ``listed`` reads it), a drawdown past due (``not_overdue``), a covenant breach
    withholding 贴息 this quarter (``covenant_met``), and the 贴息 the policy already gave it
    this year (its cap per enterprise)."""

    listed: bool
    overdue: bool
    covenant_breached: bool
    subsidy_given_this_year: Decimal = ZERO


def condition_met(condition: str, standing: Standing) -> bool:
    """Whether ``standing`` meets one subsidy condition (``CONDITION_LABELS``)."""
    if condition == "listed":
        return standing.listed
    if condition == "not_overdue":
        return not standing.overdue
    if condition == "covenant_met":
        return not standing.covenant_breached
    raise Refused(f"贴息条件「{condition}」不在可选范围内")


def subsidy_gaps(policy: SubsidyPolicy, standing: Standing) -> list[str]:
    """What the enterprise still misses to draw 贴息 under ``policy`` (empty: it qualifies):
    each condition it fails, in the policy's order, then the yearly cap per enterprise used up."""
    gaps = [GAP_LABELS[c] for c in policy.conditions if not condition_met(c, standing)]
    cap = policy.cap_per_enterprise_year
    if cap is not None and standing.subsidy_given_this_year >= cap:
        gaps.append(
            f"超出单户上限：本年度已贴息 {standing.subsidy_given_this_year} 元，"
            f"单户年度上限 {cap} 元"
        )
    return gaps


def guarantee_gaps(
    product: GuaranteeProduct, *, enterprise_live: Decimal, total_live: Decimal
) -> list[str]:
    """What keeps the enterprise from a new guarantee of ``product`` (empty: it may have one):
    :func:`guarantee_room` for the smallest amount (one fen) — a cap already reached."""
    why = guarantee_room(
        product, amount=CENT, enterprise_live=enterprise_live, total_live=total_live
    )
    if why is None:
        return []
    return [("超出单户上限：" if why.startswith("超过单户") else "超出总额上限：") + why]
