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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

Party = Literal["bank", "guarantor", "fund"]
PARTIES: tuple[Party, ...] = ("bank", "guarantor", "fund")
PARTY_LABELS: dict[str, str] = {"bank": "银行", "guarantor": "担保机构", "fund": "风险补偿资金池"}
Order = Literal["after_guarantee", "before_guarantee", "parallel"]
ORDER_LABELS: dict[str, str] = {
    "after_guarantee": "先担保后补偿",
    "before_guarantee": "先补偿后担保",
    "parallel": "按比例分担",
}
SubsidyKind = Literal["points", "share"]
Payee = Literal["enterprise", "bank"]
PAYEE_LABELS: dict[str, str] = {"enterprise": "企业", "bank": "银行"}
CONDITION_LABELS: dict[str, str] = {
    "listed": "在白名单内",
    "not_overdue": "无逾期",
    "covenant_met": "约束条款达标",
}
FEE_BASES: dict[str, str] = {"loan": "贷款金额", "guaranteed": "担保责任金额"}
FEE_BALANCES: dict[str, str] = {"original": "原始金额", "outstanding": "每个担保年度初的未偿本金"}
FEE_PERIODS: dict[str, str] = {"yearly": "每个担保年度初预收", "upfront": "放款时按全期一次收取"}
GUARANTEE_STATUS_LABELS: dict[str, str] = {
    "requested": "待审批",
    "approved": "在保",
    "rejected": "已拒绝",
    "released": "已解保",
    "called": "已代偿",
}
BATCH_STATUS_LABELS: dict[str, str] = {"submitted": "待审批", "decided": "已审批"}
CLAIM_STATUS_LABELS: dict[str, str] = {
    "filed": "已申报",
    "reviewed": "已初审",
    "approved": "已核准",
    "rejected": "已驳回",
    "paid": "已拨付",
}
SUBSIDY_STATUS_LABELS: dict[str, str] = {
    "computed": "待审核",
    "approved": "已审核",
    "paid": "已拨付",
}
ENTRY_KIND_LABELS: dict[str, str] = {
    "contribution": "注资",
    "payment": "代偿拨付",
    "recovery": "追偿返还",
}


class Refused(ValueError):
    """A rule or an input the rules refuse, with its Chinese reason."""


def fen(value: Decimal | Fraction | int) -> Decimal:
    """Half-up to the fen."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fen_down(value: Fraction) -> Decimal:
    """Down to the fen (for a non-negative exact amount)."""
    cents = (value * 100).numerator // (value * 100).denominator
    return (Decimal(cents) / HUNDRED).quantize(CENT)


def _frac(value: Decimal) -> Fraction:
    return Fraction(value)


def _dec(raw: Any, what: str, *, lo: Decimal | None = None, hi: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw))
    except ArithmeticError as exc:
        raise Refused(f"{what}不是数字：{raw!r}") from exc
    if not value.is_finite():
        raise Refused(f"{what}不是有限的数字")
    if lo is not None and value < lo:
        raise Refused(f"{what}不能小于 {lo}")
    if hi is not None and value > hi:
        raise Refused(f"{what}不能大于 {hi}")
    return value


def _money(raw: Any, what: str) -> Decimal | None:
    if raw is None:
        return None
    value = _dec(raw, what, lo=Decimal(0))
    if value != value.quantize(CENT):
        raise Refused(f"{what}须精确到分")
    return value.quantize(CENT)


def _codes(raw: Any) -> tuple[str, ...]:
    raw = raw or []
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise Refused("适用产品须为产品代码列表")
    return tuple(raw)


def _choice(raw: Any, allowed: dict[str, str] | tuple[str, ...], what: str) -> str:
    if raw not in allowed:
        raise Refused(f"{what}「{raw}」不在可选范围内（{'、'.join(allowed)}）")
    return str(raw)


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
