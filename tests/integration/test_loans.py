"""The loan book on a real database: an approved application signed becomes a contract with
its credit line; drawdowns are approved maker-checker, priced at the LPR in force plus the
contract spread and scheduled exactly as the lending core schedules the same terms; entrusted
payments go only to approved payees, within their vouchers, and self-payment only within the
product's threshold; refusals are Chinese and write nothing; each party sees only its own.

``signed_contract`` is shared with the API and browser tests of the loan book.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import World, build_world, form, run, submit
from tests.integration.test_applications import to_pending_approval as pending
from tests.support.people import PASSWORD
from zhixin.accounts import service as accounts
from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
from zhixin.applications.rules import Action
from zhixin.audit.models import AuditEvent
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound, ZhixinError
from zhixin.kit.db import unit_of_work
from zhixin.lending.schedule import build_schedule
from zhixin.loans import service as loans
from zhixin.loans.models import (
    LoanContract,
    LoanDrawdown,
    LoanInstalment,
    LoanPayee,
    LoanPayment,
    LoanVoucher,
)
from zhixin.products.terms import Method
from zhixin.workdays import service as workdays

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SIGNED_ON = date(2025, 2, 6)
MB = 1024 * 1024


def signed_contract(
    w: World, method: Method = Method.equal_instalment, on: date | None = SIGNED_ON
) -> int:
    """鹭质贷 for 厦门鹭芯科技 (Ⅰ类): 300万 for 12 months approved 5 Feb 2025, signed on
    ``on`` (6 Feb 2025; None: today)."""
    app_id = submit(w, "owner-a", date(2025, 1, 23), form(method=method))
    pending(w, app_id, date(2025, 1, 24))
    run(w, Action.approve, "approver", app_id, on=date(2025, 2, 5))
    run(w, Action.contract, "officer", app_id, note="合同 XMRCB-2025-77", on=on)
    with unit_of_work(w.factory) as s:
        cid = s.scalar(select(LoanContract.id).where(LoanContract.application_id == app_id))
    assert cid is not None
    return cid


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


def _count(w: World, model: type) -> int:
    with unit_of_work(w.factory) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _drawn(w: World, cid: int, amount: str, on: date = date(2025, 2, 10)) -> int:
    with unit_of_work(w.factory) as s:
        d = loans.request_drawdown(
            s, actor=w.who("owner-a"), contract_id=cid, amount=Decimal(amount), on=on
        )
        did = d.id
    with unit_of_work(w.factory) as s:
        loans.approve_drawdown(s, actor=w.who("approver"), drawdown_id=did, on=on)
    with unit_of_work(w.factory) as s:
        loans.disburse(s, actor=w.who("officer"), drawdown_id=did, on=on)
    return did


def test_signing_an_approved_application_opens_the_contract_with_its_frozen_terms(
    world: World,
) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s:
        v = loans.view(s, actor=world.who("officer"), contract_id=cid)
        c = v.contract
        # the quote's decision: 300万 at 5.00% = 1y LPR 3.10% (Jan 2025) + 190bp
        assert c.contract_rate == Decimal("5.0000") and c.rate_kind == "floating"
        assert c.spread == Decimal("1.9000") and c.lpr_tenor == "1y"
        assert c.penalty_markup == Decimal("0.5")  # 鹭质贷's offer: 罚息 +50 %
        assert c.allocation_order == ["penalty", "compound", "interest", "principal"]
        assert (c.start_date, c.maturity_date) == (SIGNED_ON, date(2026, 2, 6))
        assert c.repricing_date == date(2026, 2, 6) and c.repricing_rule == "anniversary/12m"
        assert c.terms["self_payment"]["max_amount"] == "1000000"
        assert "流动资金贷款管理办法" in c.terms["self_payment"]["source"]
        # the unmet 动态增信 tranche (200万) is in the line but locked until verified
        assert c.principal_limit == Decimal("5000000.00")
        assert [t["milestone"] for t in v.tranches] == ["tech-breakthrough"]
        assert v.line.revolving is True and v.line.expiry == date(2026, 2, 6)
        assert v.availability.locked == Decimal("2000000.00")
        assert v.availability.available == Decimal("3000000.00")
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "loan.contract.open" in actions


def test_a_drawdown_is_approved_by_another_person_priced_at_lpr_plus_spread_and_scheduled(
    world: World,
) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s:
        did = loans.request_drawdown(
            s,
            actor=world.who("officer"),
            contract_id=cid,
            amount=Decimal("1000000.00"),
            on=date(2025, 2, 10),
        ).id
    # the requester may not approve (审贷分离), an officer may not approve at all
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        loans.approve_drawdown(s, actor=world.who("officer"), drawdown_id=did)
    # another bank does not see it
    with unit_of_work(world.factory) as s, pytest.raises(NotFound):
        loans.approve_drawdown(s, actor=world.who("icbc-approver"), drawdown_id=did)
    with unit_of_work(world.factory) as s:
        loans.approve_drawdown(
            s, actor=world.who("approver"), drawdown_id=did, on=date(2025, 2, 10)
        )
    with unit_of_work(world.factory) as s:
        d = loans.disburse(s, actor=world.who("officer"), drawdown_id=did, on=date(2025, 2, 10))
        # 1y LPR in force on 10 Feb 2025 is 3.10 %; + 1.90 = 5.00 %
        assert (d.lpr_rate, d.annual_rate) == (Decimal("3.1000"), Decimal("5.0000"))
        assert d.status == "disbursed" and d.outstanding_principal == Decimal("1000000.00")
        rows = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == did)
            .order_by(LoanInstalment.seq)
        ).all()
        core = build_schedule(
            principal=Decimal("1000000.00"),
            annual_rate=Decimal("5.0000"),
            start=date(2025, 2, 10),
            method=Method.equal_instalment,
            term_months=12,
            calendar=workdays.calendar(s),
        )
        assert [(r.seq, r.due_date, r.principal, r.interest) for r in rows] == [
            (i.number, i.due, i.principal, i.interest) for i in core.instalments
        ]
        assert sum(r.principal for r in rows) == Decimal("1000000.00")
        # 等额本息 at 5 % / 12 on 100万: 85,607.48 a month (the last absorbs the rounding)
        assert {r.principal + r.interest for r in rows[:-1]} == {Decimal("85607.48")}
        assert d.maturity == rows[-1].due_date
    with unit_of_work(world.factory) as s:
        v = loans.view(s, actor=world.who("owner-a"), contract_id=cid)
        assert v.availability.outstanding == Decimal("1000000.00")
        assert v.availability.available == Decimal("2000000.00")


def test_availability_counts_drawdowns_in_flight_and_refuses_more_writing_nothing(
    world: World,
) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s:
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("2500000.00"),
            on=date(2025, 2, 10),
        )
    before = (_count(world, LoanDrawdown), _count(world, AuditEvent))
    with (
        unit_of_work(world.factory) as s,
        pytest.raises(Invalid, match=r"超过可用额度 500,000\.00 元"),
    ):
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("600000.00"),
            on=date(2025, 2, 10),
        )
    assert (_count(world, LoanDrawdown), _count(world, AuditEvent)) == before
    # the locked tranche is named in the refusal
    with unit_of_work(world.factory) as s, pytest.raises(Invalid, match="待里程碑核验后解锁"):
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("600000.00"),
            on=date(2025, 2, 10),
        )


def test_a_milestone_tranche_stays_locked_until_an_officer_verifies_it(world: World) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s, pytest.raises(Invalid, match="尚未经客户经理核验"):
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("2000000.00"),
            milestone="tech-breakthrough",
            on=date(2025, 3, 3),
        )
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        loans.verify_milestone(
            s, actor=world.who("owner-a"), contract_id=cid, milestone="tech-breakthrough"
        )
    with unit_of_work(world.factory) as s:
        loans.verify_milestone(
            s,
            actor=world.who("officer"),
            contract_id=cid,
            milestone="tech-breakthrough",
            note="检测报告显示精度 98.3%",
        )
    with unit_of_work(world.factory) as s:
        v = loans.view(s, actor=world.who("officer"), contract_id=cid)
        assert v.availability.locked == 0 and v.availability.available == Decimal("5000000.00")
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("2000000.00"),
            milestone="tech-breakthrough",
            on=date(2025, 3, 3),
        )


def _voucher(
    w: World, cid: int, number: str, amount: str, data: bytes = PDF, tmp: Path = Path()
) -> int:
    with unit_of_work(w.factory) as s:
        return loans.upload_voucher(
            s,
            actor=w.who("owner-a"),
            contract_id=cid,
            document_number=number,
            invoice_amount=Decimal(amount),
            filename="invoice.pdf",
            data=data,
            store_dir=tmp,
            max_bytes=MB,
        ).id


def _payee(w: World, cid: int, approve: bool = True) -> int:
    with unit_of_work(w.factory) as s:
        pid = loans.propose_payee(
            s,
            actor=w.who("owner-a"),
            contract_id=cid,
            name="中国质量认证中心厦门分中心",
            bank_account="6222 0210 0000 1234",
            kind="certifier",
        ).id
    if approve:
        with unit_of_work(w.factory) as s:
            loans.decide_payee(s, actor=w.who("approver"), payee_id=pid, approve=True)
    return pid


def _pay(w: World, did: int, amount: str, **kw: object) -> None:
    with unit_of_work(w.factory) as s:
        loans.make_payment(
            s,
            actor=w.who("owner-a"),
            drawdown_id=did,
            amount=Decimal(amount),
            purpose=str(kw.pop("purpose", "certification")),
            **kw,  # type: ignore[arg-type]
        )


def test_entrusted_payments_go_to_approved_payees_within_their_vouchers(
    world: World, tmp_path: Path
) -> None:
    cid = signed_contract(world)
    did = _drawn(world, cid, "1000000.00")
    vid = _voucher(world, cid, "FP-2025-0001", "300000.00", tmp=tmp_path)
    with unit_of_work(world.factory) as s:
        v = s.get(LoanVoucher, vid)
        assert v is not None and v.media_type == "application/pdf"
        stored = Path(v.stored_path)
        assert stored.parent.parent == tmp_path and stored.name.startswith(v.file_sha256)
        assert stored.read_bytes() == PDF
    proposed = _payee(world, cid, approve=False)
    before = (_count(world, LoanPayment), _count(world, AuditEvent))
    with pytest.raises(Invalid, match="尚未经银行核准"):
        _pay(world, did, "100000.00", payee_id=proposed, voucher_id=vid)
    with pytest.raises(Invalid, match="未找到该收款人"):
        _pay(world, did, "100000.00", payee_id=999999, voucher_id=vid)
    assert (_count(world, LoanPayment), _count(world, AuditEvent)) == before
    # the proposer may not approve its own payee; the approver may
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        loans.decide_payee(s, actor=world.who("owner-a"), payee_id=proposed, approve=True)
    with unit_of_work(world.factory) as s:
        loans.decide_payee(s, actor=world.who("approver"), payee_id=proposed, approve=True)
    _pay(world, did, "200000.00", payee_id=proposed, voucher_id=vid)
    with pytest.raises(Invalid, match=r"超过凭证尚可支付的 100,000\.00 元"):
        _pay(world, did, "100000.01", payee_id=proposed, voucher_id=vid)
    with pytest.raises(Invalid, match="资金用途"):
        _pay(world, did, "1000.00", payee_id=proposed, voucher_id=vid, purpose="")
    with pytest.raises(Invalid, match="须附凭证"):
        _pay(world, did, "1000.00", payee_id=proposed)
    _pay(world, did, "100000.00", payee_id=proposed, voucher_id=vid)
    assert _count(world, LoanPayment) == 2


def test_self_payment_only_within_the_products_threshold(world: World, tmp_path: Path) -> None:
    cid = signed_contract(world)
    did = _drawn(world, cid, "3000000.00")
    with pytest.raises(Invalid, match=r"自主支付单笔不得超过 1,000,000.00 元（依据：《流动资金"):
        _pay(world, did, "1000000.01", self_payment=True, purpose="working_capital")
    _pay(world, did, "1000000.00", self_payment=True, purpose="working_capital")
    with unit_of_work(world.factory) as s:
        p = s.scalars(select(LoanPayment)).one()
        assert p.self_payment and p.payee_id is None and p.voucher_id is None


def test_a_voucher_must_be_a_document_of_bounded_size_and_refusals_write_nothing(
    world: World, tmp_path: Path
) -> None:
    cid = signed_contract(world)
    before = (_count(world, LoanVoucher), _count(world, AuditEvent))
    with pytest.raises(Invalid, match="PDF、OFD、JPG 或 PNG"):
        _voucher(world, cid, "FP-1", "100.00", data=b"MZ\x90\x00 not a document", tmp=tmp_path)
    with pytest.raises(ZhixinError, match="超过 1 MB 的上限") as too_big:
        _voucher(world, cid, "FP-2", "100.00", data=b"%PDF-" + b"0" * MB, tmp=tmp_path)
    assert too_big.value.status == 413
    assert (_count(world, LoanVoucher), _count(world, AuditEvent)) == before
    assert list(tmp_path.iterdir()) == []
    _voucher(world, cid, "FP-3", "100.00", data=PNG, tmp=tmp_path)
    with pytest.raises(Conflict, match="不能重复上传"):
        _voucher(world, cid, "FP-3", "100.00", data=PNG, tmp=tmp_path)


def test_each_party_sees_only_its_own_loans(world: World) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s:
        assert [r.id for r in loans.portfolio(s, actor=world.who("officer"))] == [cid]
        assert [r.id for r in loans.portfolio(s, actor=world.who("owner-a"))] == [cid]
        assert [r.id for r in loans.portfolio(s, actor=world.who("regulator"))] == [cid]
        assert loans.portfolio(s, actor=world.who("icbc-officer")) == []
        assert loans.portfolio(s, actor=world.who("owner-b")) == []
        for other in ("icbc-officer", "owner-b"):
            with pytest.raises(NotFound):
                loans.view(s, actor=world.who(other), contract_id=cid)
        with pytest.raises(Forbidden):
            loans.portfolio(s, actor=world.who("guarantor"))
    with unit_of_work(world.factory) as s, pytest.raises(NotFound):
        loans.request_drawdown(
            s, actor=world.who("owner-b"), contract_id=cid, amount=Decimal("1.00")
        )


def test_signing_twice_opens_one_contract(world: World) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s:
        c = s.get(LoanContract, cid)
        assert c is not None
        again = loans.open_contract(
            s,
            actor=world.who("officer"),
            signed=loans.Signed(
                application_id=c.application_id,
                enterprise_id=c.enterprise_id,
                bank_tenant_id=c.bank_tenant_id,
                bank_code=c.bank_code,
                product_code=c.product_code,
                product_version_id=c.product_version_id,
                quote_id=c.quote_id,
                amount=Decimal("1.00"),
                rate=Decimal("1.0"),
                term_months=12,
                method="等额本息",
            ),
            day=SIGNED_ON,
        )
        assert again.id == cid
    assert _count(world, LoanContract) == 1 and _count(world, LoanPayee) == 0


def _regulator(w: World, username: str, region: str) -> None:
    with unit_of_work(w.factory) as s:
        tenant = accounts.create_tenant(
            s,
            code=f"amr-{region}",
            name=f"{region} 市场监管局",
            kind=TenantKind.regulator,
            region_code=region,
        )
        accounts.create_user(
            s,
            tenant=tenant,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[Role.regulator],
            policy=PasswordPolicy(),
        )


def test_a_regulator_sees_the_loans_of_its_jurisdiction_only(world: World) -> None:
    cid = signed_contract(world)
    _regulator(world, "xm-reg", "3502")  # 厦门: the firm is in 350203
    _regulator(world, "hz-reg", "3301")  # 杭州
    with unit_of_work(world.factory) as s:
        assert [r.id for r in loans.portfolio(s, actor=world.who("xm-reg"))] == [cid]
        assert loans.view(s, actor=world.who("xm-reg"), contract_id=cid).contract.id == cid
        assert loans.portfolio(s, actor=world.who("hz-reg")) == []
        with pytest.raises(NotFound):
            loans.view(s, actor=world.who("hz-reg"), contract_id=cid)


@pytest.mark.parametrize(
    "method", [Method.equal_principal, Method.interest_monthly, Method.revolving]
)
def test_each_methods_schedule_is_the_lending_cores(world: World, method: Method) -> None:
    cid = signed_contract(world, method=method)
    did = _drawn(world, cid, "500000.00", on=date(2025, 3, 31))
    with unit_of_work(world.factory) as s:
        d = s.get(LoanDrawdown, did)
        assert d is not None and d.annual_rate is not None
        rows = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == did)
            .order_by(LoanInstalment.seq)
        ).all()
        core = build_schedule(
            principal=Decimal("500000.00"),
            annual_rate=d.annual_rate,
            start=date(2025, 3, 31),
            method=method,
            term_months=12,
            calendar=workdays.calendar(s),
        )
        assert [(r.period_start, r.due_date, r.principal, r.interest) for r in rows] == [
            (i.start, i.due, i.principal, i.interest) for i in core.instalments
        ]


def test_two_drawdowns_at_once_on_one_contract_the_second_is_refused(world: World) -> None:
    """Optimistic lock on the contract: of two requests that both read the contract before
    either wrote, the later write gets a 409 and leaves nothing (a retry then sees the first's
    drawdown in flight)."""
    cid = signed_contract(world)
    first, second = world.factory(), world.factory()
    try:
        loans.request_drawdown(
            first,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("1000000.00"),
            on=date(2025, 2, 10),
        )
        c2 = second.get(LoanContract, cid)
        assert c2 is not None and c2.version == 1  # read before the first commits
        first.commit()
        with pytest.raises(Conflict, match="版本已变化"):
            loans.request_drawdown(
                second,
                actor=world.who("officer"),
                contract_id=cid,
                amount=Decimal("1000000.00"),
                on=date(2025, 2, 10),
            )
        second.rollback()
    finally:
        first.close()
        second.close()
    assert _count(world, LoanDrawdown) == 1


def test_a_frozen_amount_lowers_availability_and_is_audited(world: World) -> None:
    cid = signed_contract(world)
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        loans.set_frozen(
            s, actor=world.who("officer"), contract_id=cid, amount=Decimal("1.00"), reason="x"
        )
    with unit_of_work(world.factory) as s, pytest.raises(Invalid, match="不能超过授信额度"):
        loans.set_frozen(
            s,
            actor=world.who("approver"),
            contract_id=cid,
            amount=Decimal("5000000.01"),
            reason="风险预警",
        )
    with unit_of_work(world.factory) as s:
        loans.set_frozen(
            s,
            actor=world.who("approver"),
            contract_id=cid,
            amount=Decimal("500000.00"),
            reason="质量信誉等级下调，冻结部分额度",
        )
    with unit_of_work(world.factory) as s:
        v = loans.view(s, actor=world.who("owner-a"), contract_id=cid)
        assert v.availability.frozen == Decimal("500000.00")
        assert v.availability.available == Decimal("2500000.00")
        assert "loan.line.freeze" in s.scalars(select(AuditEvent.action)).all()
