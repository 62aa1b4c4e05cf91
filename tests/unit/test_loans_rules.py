"""The loan book's pure rules: availability, the drawdown rate, payment checks, voucher files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhixin.loans import rules
from zhixin.loans.rules import PaymentCheck, Refused, Tranche

D = Decimal


def test_available_is_limit_less_outstanding_frozen_in_flight_and_locked_tranches() -> None:
    a = rules.availability(
        limit=D("5000000.00"),
        outstanding=D("1200000.00"),
        frozen=D("300000.00"),
        in_flight=D("500000.00"),
        tranches=[Tranche("m1", D("2000000.00"), False), Tranche("m2", D("100.00"), True)],
    )
    assert a.locked == D("2000000.00")
    assert a.available == D("1000000.00")  # 5,000,000 − 2,000,000 − 1,200,000 − 300,000 − 500,000
    over = rules.availability(
        limit=D("100.00"), outstanding=D("90.00"), frozen=D("20.00"), in_flight=D("0.00")
    )
    assert over.available == D("0.00")  # never negative


def test_a_drawdown_above_availability_or_after_expiry_is_refused_in_chinese() -> None:
    a = rules.availability(
        limit=D("1000.00"), outstanding=D("0.00"), frozen=D("0.00"), in_flight=D("400.00")
    )
    rules.check_drawdown(
        amount=D("600.00"), available=a, line_expiry=date(2025, 12, 31), value_date=date(2025, 6, 1)
    )
    with pytest.raises(Refused, match=r"用信金额 600\.01 元超过可用额度 600\.00 元"):
        rules.check_drawdown(
            amount=D("600.01"),
            available=a,
            line_expiry=date(2025, 12, 31),
            value_date=date(2025, 6, 1),
        )
    with pytest.raises(Refused, match="已于 2025-12-31 到期"):
        rules.check_drawdown(
            amount=D("1.00"),
            available=a,
            line_expiry=date(2025, 12, 31),
            value_date=date(2026, 1, 1),
        )
    for bad in (D("0"), D("-1"), D("1.001")):
        with pytest.raises(Refused, match="用信金额"):
            rules.check_drawdown(
                amount=bad, available=a, line_expiry=date(2025, 12, 31), value_date=date(2025, 1, 1)
            )


def test_maker_checker() -> None:
    rules.check_maker_checker(requested_by=1, approver=2)
    with pytest.raises(Refused, match="审贷分离"):
        rules.check_maker_checker(requested_by=3, approver=3)


def test_the_rate_of_a_floating_drawdown_is_the_lpr_in_force_plus_the_spread() -> None:
    assert rules.drawdown_rate(
        rate_kind="floating", contract_rate=D("5.00"), lpr=D("3.00"), spread=D("1.90")
    ) == D("4.90")
    assert rules.drawdown_rate(
        rate_kind="fixed", contract_rate=D("5.00"), lpr=D("3.00"), spread=D("1.90")
    ) == D("5.00")
    assert rules.penalty_rate(annual_rate=D("4.90"), markup=D("0.5")) == D("7.350")


def _check(**kw: object) -> PaymentCheck:
    base: dict[str, object] = {
        "amount": D("1000.00"),
        "purpose": "testing",
        "self_payment": False,
        "payee_status": "approved",
        "voucher_remaining": D("1000.00"),
        "drawdown_status": "disbursed",
        "drawdown_remaining": D("5000.00"),
        "self_payment_max": D("500.00"),
        "self_payment_source": "产品文件",
    }
    base.update(kw)
    return PaymentCheck(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": D("1000.01")}, r"超过凭证尚可支付的 1,000\.00 元"),
        ({"payee_status": "proposed"}, "尚未经银行核准"),
        ({"payee_status": None}, "未找到该收款人"),
        ({"purpose": "travel"}, "请选择资金用途"),
        ({"voucher_remaining": None}, "须附凭证"),
        ({"drawdown_status": "approved"}, "已放款"),
        ({"drawdown_remaining": D("999.99")}, "尚未支付的 999.99 元"),
        (
            {"self_payment": True, "payee_status": None},
            r"自主支付单笔不得超过 500\.00 元（依据：产品文件）",
        ),
    ],
)
def test_a_payment_breaking_a_rule_is_refused(change: dict[str, object], message: str) -> None:
    rules.check_payment(_check())
    with pytest.raises(Refused, match=message):
        rules.check_payment(_check(**change))


def test_self_payment_within_the_threshold_needs_no_payee_nor_voucher() -> None:
    rules.check_payment(
        _check(self_payment=True, amount=D("500.00"), payee_status=None, voucher_remaining=None)
    )


def test_voucher_files_are_recognised_by_their_bytes() -> None:
    assert rules.sniff(b"%PDF-1.4\n...") == "application/pdf"
    assert rules.sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert rules.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert rules.sniff(b"PK\x03\x04....OFD.xml....") == "application/ofd"
    assert rules.sniff(b"PK\x03\x04....word/document.xml") is None  # a .docx is not an OFD
    assert rules.sniff(b"MZ\x90\x00") is None
    assert rules.sniff(b"<html>%PDF-") is None
    with pytest.raises(Refused, match="按文件内容识别"):
        rules.check_voucher(size=10, max_bytes=100, media_type=None)
    with pytest.raises(Refused, match="空的"):
        rules.check_voucher(size=0, max_bytes=100, media_type="application/pdf")


def test_accounts_are_masked_and_checked() -> None:
    assert rules.mask_account("6222021000001234") == "**** **** 1234"
    assert rules.check_account("6222 0210 0000 1234") == "6222021000001234"
    with pytest.raises(Refused, match="8 至 32 位数字"):
        rules.check_account("62-22")
