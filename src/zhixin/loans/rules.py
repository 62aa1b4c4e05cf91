"""The loan book's rules (pure): what is available to draw, what a drawdown costs, what a
payment may be, what a voucher's file is. Values in, values or a Chinese refusal out.

Formulas (docs/architecture.md, "The loans domain"):

* 可用额度 available = limit − outstanding − frozen − in flight, never below 0, where
  *outstanding* is the principal not yet repaid of disbursed drawdowns (for a non-revolving
  line: the principal ever disbursed, since repaid principal does not come back) and
  *in flight* the drawdowns requested or approved but not yet disbursed. A tranche tied to a
  milestone (动态增信) counts only once an officer has verified its milestone.
* 执行利率 of a drawdown: floating — the LPR of the contract's tenor in force on the value date
  + the contract spread (percentage points); fixed — the contract rate. Exact decimals, percent.
* 罚息利率 = 执行利率 × (1 + 上浮比例) (``penalty_markup`` a fraction: 0.5 = +50 %).
* A payment: amount > 0 and to the fen; a purpose from :data:`PURPOSES`; entrusted (受托支付)
  to an approved payee of the same contract, against a voucher of the same contract, never
  above what the voucher has left (invoice amount − earlier payments against it) nor above
  what the drawdown has left; self-payment (自主支付) only up to the product's threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
FEN = Decimal("0.01")

PURPOSES: dict[str, str] = {
    "certification": "认证",
    "testing": "检验检测",
    "equipment": "设备购置",
    "rnd": "研发",
    "standards": "标准制定",
    "brand": "品牌建设",
    "working_capital": "流动资金",
}
PAYEE_KINDS: dict[str, str] = {
    "supplier": "供应商",
    "certifier": "认证机构",
    "lab": "检测实验室",
    "equipment": "设备供应商",
    "other": "其他",
}
IN_FLIGHT = frozenset({"requested", "approved"})
RATE_KINDS: dict[str, str] = {"fixed": "固定利率", "floating": "浮动利率（LPR 加点）"}

# Accepted voucher files, recognised by their first bytes (never by name or declared type).
# OFD (《版式文档》GB/T 33190) is a ZIP package whose root holds OFD.xml.
MEDIA_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "application/ofd": "OFD",
    "image/jpeg": "JPG",
    "image/png": "PNG",
}


class Refused(ValueError):
    """A rule refused: the message is Chinese and says what to change."""


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def check_amount(value: Decimal, label: str = "金额") -> Decimal:
    if not value.is_finite() or value <= 0:
        raise Refused(f"{label}必须大于零")
    if value != value.quantize(FEN):
        raise Refused(f"{label}须精确到分（最多两位小数）")
    return value


# -- availability --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tranche:
    """A part of the limit tied to a milestone: locked until the milestone is verified."""

    milestone: str
    amount: Decimal
    verified: bool


@dataclass(frozen=True)
class Availability:
    limit: Decimal
    locked: Decimal  # milestone tranches not yet verified
    outstanding: Decimal
    frozen: Decimal
    in_flight: Decimal
    available: Decimal


def availability(
    *,
    limit: Decimal,
    outstanding: Decimal,
    frozen: Decimal,
    in_flight: Decimal,
    tranches: Iterable[Tranche] = (),
) -> Availability:
    """可用额度 = limit − locked tranches − outstanding − frozen − in flight, at least 0."""
    locked = sum((t.amount for t in tranches if not t.verified), ZERO)
    rest = limit - locked - outstanding - frozen - in_flight
    return Availability(
        limit=limit,
        locked=locked,
        outstanding=outstanding,
        frozen=frozen,
        in_flight=in_flight,
        available=max(rest, ZERO),
    )


def check_drawdown(
    *, amount: Decimal, available: Availability, line_expiry: date, value_date: date
) -> None:
    """A drawdown within what is available, before the line expires."""
    check_amount(amount, "用信金额")
    if value_date > line_expiry:
        raise Refused(f"授信额度已于 {line_expiry} 到期，不能再用信")
    if amount > available.available:
        detail = f"可用额度 {available.available:,.2f} 元"
        if available.locked > 0:
            detail += f"（另有 {available.locked:,.2f} 元待里程碑核验后解锁）"
        raise Refused(f"用信金额 {amount:,.2f} 元超过{detail}")


def check_maker_checker(*, requested_by: int, approver: int) -> None:
    if requested_by == approver:
        raise Refused("审贷分离：用信的申请人不能审批自己的申请")


# -- pricing -------------------------------------------------------------------------------


def drawdown_rate(
    *, rate_kind: str, contract_rate: Decimal, lpr: Decimal | None, spread: Decimal
) -> Decimal:
    """执行利率 (% p.a.): LPR in force + spread for a floating contract, else the contract rate."""
    if rate_kind == "floating":
        if lpr is None:
            raise Refused("浮动利率合同须有放款日适用的 LPR")
        return lpr + spread
    return contract_rate


def penalty_rate(*, annual_rate: Decimal, markup: Decimal) -> Decimal:
    """罚息利率 = 执行利率 × (1 + markup), markup a fraction (0.5 = +50 %)."""
    return annual_rate * (1 + markup)


# -- payments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentCheck:
    amount: Decimal
    purpose: str
    self_payment: bool
    payee_status: str | None  # None: no payee named (or not this contract's)
    voucher_remaining: Decimal | None  # None: no voucher named (or not this contract's)
    drawdown_status: str
    drawdown_remaining: Decimal  # drawdown amount − earlier payments
    self_payment_max: Decimal
    self_payment_source: str


def check_payment(c: PaymentCheck) -> None:
    """Refuse a payment that breaks any rule of the module docstring, first failure first."""
    check_amount(c.amount, "支付金额")
    if c.purpose not in PURPOSES:
        raise Refused(f"请选择资金用途（{'、'.join(PURPOSES.values())}）")
    if c.drawdown_status != "disbursed":
        raise Refused("只有已放款的用信可以支付")
    if c.amount > c.drawdown_remaining:
        raise Refused(
            f"支付金额 {c.amount:,.2f} 元超过该笔用信尚未支付的 {c.drawdown_remaining:,.2f} 元"
        )
    if c.self_payment:
        if c.amount > c.self_payment_max:
            raise Refused(
                f"自主支付单笔不得超过 {c.self_payment_max:,.2f} 元"
                f"（依据：{c.self_payment_source}），超过部分须受托支付给经核准的收款人"
            )
    else:
        if c.payee_status is None:
            raise Refused("未找到该收款人：受托支付须支付给本合同经核准的收款人")
        if c.payee_status != "approved":
            raise Refused("收款人尚未经银行核准，不能向其支付")
    if c.voucher_remaining is None:
        if not c.self_payment:
            raise Refused("受托支付须附凭证（合同或发票）")
        return
    if c.amount > c.voucher_remaining:
        raise Refused(
            f"支付金额 {c.amount:,.2f} 元超过凭证尚可支付的 {c.voucher_remaining:,.2f} 元"
        )


# -- vouchers ------------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """The media type of a voucher file from its first bytes, or None when it is none of
    PDF, OFD, JPEG, PNG. ``head`` is at least the first 4 KiB (or the whole file)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04") and b"OFD.xml" in head:
        return "application/ofd"
    return None


def check_voucher(*, size: int, max_bytes: int, media_type: str | None) -> str:
    if size == 0:
        raise Refused("凭证文件是空的")
    if size > max_bytes:
        raise Refused(f"凭证文件超过 {max_bytes // (1024 * 1024)} MB 的上限")
    if media_type is None:
        raise Refused("凭证须为 PDF、OFD、JPG 或 PNG 文件（按文件内容识别，不是按扩展名）")
    return media_type


def check_document_number(text: str) -> str:
    number = text.strip()
    if not number:
        raise Refused("请填写合同或发票号码")
    if len(number) > 64:
        raise Refused("合同或发票号码不超过 64 个字符")
    return number


def mask_account(account: str) -> str:
    """A bank account shown as its last four digits: ``**** **** 1234``."""
    tail = account.strip()[-4:]
    return f"**** **** {tail}" if tail else ""


def check_account(text: str) -> str:
    account = "".join(text.split())
    if not account.isdigit() or not 8 <= len(account) <= 32:
        raise Refused("银行账号须为 8 至 32 位数字")
    return account
