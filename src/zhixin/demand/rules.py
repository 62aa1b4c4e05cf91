"""融资需求 · 接单 · 对接办贷台账: the pure rules (no database, no web).

Needs: an enterprise posts a need (amount, term, purpose, collateral on offer, contact consent).
One bank holds a need at a time. Its steps, each on a working-day clock of N days counted from
the day of the previous step (``start`` not counted, :mod:`zhixin.workdays`):

    open (待接单) → taken (已接单) → contacted (已联系) → onsite (已上门) → applied (已受理申请)
                                    └────────── refused (已拒绝, with a reason code) ──┘

* a bank may refuse from taken, contacted or onsite; an application follows the on-site visit;
* an open need nobody takes by its ``take_due_on`` (posted day + N_take working days) goes to
  the task force (escalation ``untaken``); a held need whose step is late (today > ``due_on``)
  goes to the task force too (escalation ``overdue``); the task force assigns it to a bank
  (a fresh clock) or puts it back on the market (a fresh take clock);
* the enterprise may withdraw a need that is not finished.

Conversion (per bank, product or region, from the ledger rows alone): see :func:`conversion`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

AMOUNT_MIN = Decimal("10000")  # 1 万元
AMOUNT_MAX = Decimal("100000000")  # 1 亿元
TERM_MIN, TERM_MAX = 1, 120
NOTE_MAX = 500
FEN = Decimal("0.01")

# quality-upgrade purposes first (the programme's aim: credit flows back into quality)
PURPOSES: dict[str, str] = {
    "quality_upgrade": "质量提升：技术改造、设备更新",
    "certification": "认证认可、检验检测能力建设",
    "standards_brand": "标准研制、品牌建设",
    "rnd_ip": "研发投入、知识产权",
    "working_capital": "日常经营流动资金",
    "other": "其他用途",
}
QUALITY_PURPOSES = frozenset({"quality_upgrade", "certification", "standards_brand", "rnd_ip"})

COLLATERAL: dict[str, str] = {
    "none": "无（纯信用）",
    "ip_pledge": "知识产权质押",
    "receivables": "应收账款质押",
    "property": "不动产抵押",
    "equipment": "机器设备抵押",
    "guarantee": "担保机构保证",
}

REFUSALS: dict[str, str] = {
    "R01": "不符合产品准入条件",
    "R02": "经营或财务状况不满足要求",
    "R03": "担保或抵质押不足",
    "R04": "企业已无融资需求",
    "R05": "无法联系到企业",
    "R06": "企业选择其他机构或产品",
    "R07": "征信或涉诉问题",
    "R99": "其他原因",
}

STATUS_LABELS: dict[str, str] = {
    "open": "待接单",
    "taken": "已接单",
    "contacted": "已联系",
    "onsite": "已上门",
    "applied": "已受理申请",
    "refused": "已拒绝",
    "withdrawn": "已撤回",
}
HELD = frozenset({"taken", "contacted", "onsite"})  # a bank holds it and its clock runs
FINISHED = frozenset({"applied", "refused", "withdrawn"})

# a bank's step: the status it moves to → the statuses it may come from
STEPS: dict[str, frozenset[str]] = {
    "contacted": frozenset({"taken"}),
    "onsite": frozenset({"contacted"}),
    "applied": frozenset({"onsite"}),
    "refused": frozenset({"taken", "contacted", "onsite"}),
}
STEP_LABELS = {
    "contacted": "已联系企业",
    "onsite": "已上门走访",
    "applied": "已受理贷款申请",
    "refused": "拒绝",
}

ESCALATIONS: dict[str, str] = {
    "untaken": "超期无银行接单",
    "overdue": "银行超期未响应",
}


class NeedRefused(ValueError):
    """A need or a step that the rules refuse (the message is Chinese)."""


@dataclass(frozen=True)
class NeedInput:
    amount: Decimal
    term_months: int
    purpose: str
    collateral: str
    contact_consent: bool
    contact_name: str
    contact_phone: str
    note: str = ""


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def check_need(n: NeedInput) -> NeedInput:
    """The need as stored (amount to the fen), or NeedRefused naming what is wrong."""
    if not n.amount.is_finite() or n.amount < AMOUNT_MIN or n.amount > AMOUNT_MAX:
        raise NeedRefused("融资金额须在 1 万元至 1 亿元之间")
    if not TERM_MIN <= n.term_months <= TERM_MAX:
        raise NeedRefused(f"融资期限须在 {TERM_MIN} 至 {TERM_MAX} 个月之间")
    if n.purpose not in PURPOSES:
        raise NeedRefused("资金用途不在可选范围内")
    if n.collateral not in COLLATERAL:
        raise NeedRefused("可提供的担保方式不在可选范围内")
    if not n.contact_consent:
        raise NeedRefused("须同意银行就本需求与企业联系，需求才能发布")
    name, phone = n.contact_name.strip(), n.contact_phone.strip()
    if not name or len(name) > 50:
        raise NeedRefused("请填写联系人（不超过 50 字）")
    digits = phone.replace("-", "").replace(" ", "")
    if not (digits.isdigit() and 7 <= len(digits) <= 13):
        raise NeedRefused("联系电话格式不正确")
    if len(n.note) > NOTE_MAX:
        raise NeedRefused(f"补充说明不超过 {NOTE_MAX} 字")
    return NeedInput(
        money(n.amount), n.term_months, n.purpose, n.collateral, True, name, phone, n.note.strip()
    )


def check_step(status: str, step: str, refusal_code: str | None) -> None:
    """Whether a bank may record ``step`` on a need in ``status``."""
    if step not in STEPS:
        raise NeedRefused("不支持的办理环节")
    if status not in STEPS[step]:
        now = STATUS_LABELS.get(status, status)
        raise NeedRefused(f"需求当前为「{now}」，不能登记「{STEP_LABELS[step]}」")
    if step == "refused" and refusal_code not in REFUSALS:
        raise NeedRefused("拒绝须选择原因代码")


def take_deadline(posted_on: date, add: Callable[[date, int], date], days: int) -> date:
    return add(posted_on, days)


def escalation_due(
    status: str, escalated: bool, today: date, take_due_on: date, due_on: date | None
) -> str | None:
    """The escalation a need calls for today, or None (an escalated need is not sent twice)."""
    if escalated:
        return None
    if status == "open" and today > take_due_on:
        return "untaken"
    if status in HELD and due_on is not None and today > due_on:
        return "overdue"
    return None


def overdue(status: str, today: date, due_on: date | None) -> bool:
    return status in HELD and due_on is not None and today > due_on


# -- which bank sees which need ------------------------------------------------------------------


@dataclass(frozen=True)
class ProductScope:
    """What of a product decides whether it could serve a need."""

    code: str
    name: str
    bank_code: str
    regions: tuple[str, ...]  # region-code prefixes; empty: anywhere
    amount_min: Decimal
    amount_max: Decimal
    term_min: int
    term_max: int


def serves(p: ProductScope, region_code: str | None, amount: Decimal, term_months: int) -> bool:
    """Whether the product could serve the need: the enterprise's region within the product's,
    the amount and the term within the product's ranges."""
    if p.regions and not (region_code and any(region_code.startswith(r) for r in p.regions)):
        return False
    return p.amount_min <= amount <= p.amount_max and p.term_min <= term_months <= p.term_max


def serving(
    products: Iterable[ProductScope], region_code: str | None, amount: Decimal, term: int
) -> list[ProductScope]:
    return [p for p in products if serves(p, region_code, amount, term)]


# -- the outcome ledger (对接办贷台账) -------------------------------------------------------------

SOURCES: dict[str, str] = {
    "whitelist": "白名单推送",
    "preapproved": "预授信名单",
    "need": "融资需求接单",
}
SOURCE_BY_LABEL = {v: k for k, v in SOURCES.items()} | {k: k for k in SOURCES}


@dataclass(frozen=True)
class Outcome:
    """What a bank reports about one firm pushed to it (None: not reached / not known)."""

    contacted_on: date | None = None
    granted_on: date | None = None
    granted_amount: Decimal | None = None
    granted_rate: Decimal | None = None  # 年化利率, percent
    product_code: str | None = None
    disbursed_on: date | None = None
    disbursed_amount: Decimal | None = None
    refused_on: date | None = None
    refusal_code: str | None = None
    first_loan: bool = False  # 首贷户
    credit: bool = False  # 信用贷款 (unsecured)


def check_outcome(o: Outcome, pushed_on: date | None = None) -> list[tuple[str, str]]:
    """Every inconsistency as ``(field, reason)``; an empty list: the outcome may be stored."""
    errs: list[tuple[str, str]] = []
    if o.granted_on is not None:
        if o.granted_amount is None or o.granted_amount <= 0:
            errs.append(("granted_amount", "有授信日期时须填写授信金额（大于 0）"))
        if o.granted_rate is None or not Decimal(0) < o.granted_rate < Decimal(36):
            errs.append(("granted_rate", "有授信日期时须填写年化利率（0 至 36 之间，单位 %）"))
    elif o.granted_amount is not None or o.granted_rate is not None:
        errs.append(("granted_on", "填写了授信金额或利率，须同时填写授信日期"))
    if o.disbursed_on is not None:
        if o.granted_on is None:
            errs.append(("disbursed_on", "放款前须已授信（请填写授信日期）"))
        elif o.disbursed_on < o.granted_on:
            errs.append(("disbursed_on", "放款日期不能早于授信日期"))
        if o.disbursed_amount is None or o.disbursed_amount <= 0:
            errs.append(("disbursed_amount", "有放款日期时须填写放款金额（大于 0）"))
        elif o.granted_amount is not None and o.disbursed_amount > o.granted_amount:
            errs.append(("disbursed_amount", "放款金额不能超过授信金额"))
    elif o.disbursed_amount is not None:
        errs.append(("disbursed_on", "填写了放款金额，须同时填写放款日期"))
    if o.refused_on is not None:
        if o.refusal_code not in REFUSALS:
            errs.append(("refusal_code", "拒绝须填写原因代码：" + "、".join(REFUSALS)))
        if o.granted_on is not None:
            errs.append(("refused_on", "同一笔对接不能既授信又拒绝"))
    elif o.refusal_code is not None:
        errs.append(("refused_on", "填写了拒绝原因，须同时填写拒绝日期"))
    for name, day in (
        ("contacted_on", o.contacted_on),
        ("granted_on", o.granted_on),
        ("refused_on", o.refused_on),
    ):
        if day is not None and o.contacted_on is not None and day < o.contacted_on:
            errs.append((name, "日期不能早于联系日期"))
    if pushed_on is not None:
        for name, day in (("contacted_on", o.contacted_on), ("granted_on", o.granted_on)):
            if day is not None and day < pushed_on:
                errs.append((name, f"日期不能早于推送日期 {pushed_on.isoformat()}"))
    return errs


def stage(o: Outcome) -> str:
    """The furthest stage the outcome has reached (for listings)."""
    if o.disbursed_on:
        return "已放款"
    if o.granted_on:
        return "已授信"
    if o.refused_on:
        return "已拒绝"
    if o.contacted_on:
        return "已联系"
    return "待反馈"


# -- conversion ---------------------------------------------------------------------------------

STAGES: tuple[tuple[str, str], ...] = (
    ("listed", "白名单企业"),
    ("needed", "有融资需求"),
    ("taken", "银行已接单"),
    ("granted", "已授信"),
    ("disbursed", "已放款"),
)


@dataclass(frozen=True)
class LedgerRow:
    """One ledger row as the conversion reads it."""

    enterprise_id: int
    bank_code: str
    product_code: str | None
    region_code: str | None
    listed: bool
    needed: bool
    taken: bool
    granted: bool
    disbursed: bool
    granted_amount: Decimal = Decimal(0)
    disbursed_amount: Decimal = Decimal(0)
    first_loan: bool = False
    credit: bool = False


@dataclass
class Funnel:
    key: str
    counts: dict[str, int] = field(default_factory=dict)
    granted_amount: Decimal = Decimal(0)
    disbursed_amount: Decimal = Decimal(0)
    first_loan: int = 0  # granted firms that are 首贷户
    credit: int = 0  # granted firms whose credit is unsecured

    def rate(self, stage_key: str) -> Decimal | None:
        """This stage's count over the previous stage's, in percent (2 decimals, half-up)."""
        keys = [k for k, _ in STAGES]
        i = keys.index(stage_key)
        if i == 0:
            return None
        before = self.counts.get(keys[i - 1], 0)
        if before == 0:
            return None
        return pct(self.counts.get(stage_key, 0), before)

    def share(self, part: int) -> Decimal | None:
        granted = self.counts.get("granted", 0)
        return pct(part, granted) if granted else None


def pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(FEN, rounding=ROUND_HALF_UP)


NO_PRODUCT = "（未定产品）"
NO_REGION = "（未知地区）"
GROUPINGS: dict[str, Callable[[LedgerRow], str]] = {
    "bank": lambda r: r.bank_code,
    "product": lambda r: r.product_code or NO_PRODUCT,
    "region": lambda r: (r.region_code or "")[:4] or NO_REGION,  # 地市 (4 digits)
}


def conversion(rows: Sequence[LedgerRow], by: str) -> list[Funnel]:
    """Per group (bank, product, or region = the enterprise's 4-digit prefecture code), the
    number of distinct enterprises at each stage: listed (on the whitelist when pushed), needed
    (a need of the firm reached the bank), taken (the bank took the firm's need), granted,
    disbursed; with the amounts granted and disbursed, and among granted firms how many are
    首贷户 and how many got credit (unsecured) loans. A firm counts once per group and stage,
    however many rows it has there."""
    key_of = GROUPINGS[by]
    sets: dict[str, dict[str, set[int]]] = {}
    out: dict[str, Funnel] = {}
    firsts: dict[str, set[int]] = {}
    credits: dict[str, set[int]] = {}
    for r in rows:
        k = key_of(r)
        f = out.setdefault(k, Funnel(k))
        s = sets.setdefault(k, {name: set() for name, _ in STAGES})
        for name, _ in STAGES:
            if getattr(r, name):
                s[name].add(r.enterprise_id)
        if r.granted:
            f.granted_amount += r.granted_amount
            if r.first_loan:
                firsts.setdefault(k, set()).add(r.enterprise_id)
            if r.credit:
                credits.setdefault(k, set()).add(r.enterprise_id)
        if r.disbursed:
            f.disbursed_amount += r.disbursed_amount
    for k, f in out.items():
        f.counts = {name: len(ids) for name, ids in sets[k].items()}
        f.first_loan = len(firsts.get(k, ()))
        f.credit = len(credits.get(k, ()))
    return [out[k] for k in sorted(out)]
