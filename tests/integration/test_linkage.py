"""Quality linkage after the loan on a real database: a quarter in which a 甬质贷 loan falls
below 30 % quality use steps its rate up from the next interest period (and withholds 贴息);
a product-quality penalty imported freezes a 鹭质贷 line within one worker cycle, after which
drawdowns and payments are refused with the reason until an approver other than the officer
who asked lifts it; a product certification imported verifies the milestone, unlocks the
tranche and schedules the growth-linked rate cut.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import World, build_world
from tests.integration.test_loans import _drawn, signed_contract
from tests.support.loan_book import placeholder_row
from zhixin.enterprises.models import Enterprise
from zhixin.errors import Forbidden, LineFrozen
from zhixin.evidence import service as evidence
from zhixin.evidence.models import EvidenceEntry
from zhixin.intake.service import run_import
from zhixin.kit.db import unit_of_work
from zhixin.lending.dates import add_months
from zhixin.linkage import decisions, reading, service
from zhixin.linkage.models import CovenantResult, LinkageAction
from zhixin.loans import service as loans
from zhixin.loans.models import LoanContract, LoanCreditLine, LoanDrawdown, LoanInstalment
from zhixin.products import service as products
from zhixin.records.kinds import RECORD_KINDS
from zhixin.webhooks.models import WebhookOutbox

# -- 甬质贷: the quarterly quality-use covenant ---------------------------------------------------


def _yongzhidai_loan(
    s: Session, *, bank: int, user: int, paid: dict[str, str], amount: str = "1000000.00"
) -> tuple[int, int]:
    """A 甬质贷 contract on the shipped product version, one drawdown of ``amount`` disbursed
    1 July 2026 (12 monthly 等额本息 instalments, 3.6 %), and payments in November 2026."""
    version, _ = products.current(s, "yongzhidai")
    enterprise = placeholder_row(s, "enterprise")
    contract = placeholder_row(
        s,
        "loan_contract",
        bank_tenant_id=bank,
        enterprise_id=enterprise,
        product_version_id=version.id,
        product_code="yongzhidai",
        rate_kind="fixed",
        spread=Decimal("0.6"),
        contract_rate=Decimal("3.6"),
        penalty_markup=Decimal("0.5"),
        allocation_order=["penalty", "compound", "interest", "principal"],
        principal_limit=Decimal(amount),
        term_months=12,
        method="等额本息",
        start_date=date(2026, 7, 1),
        maturity_date=date(2027, 7, 1),
        terms={},
        status="active",
        version=1,
    )
    placeholder_row(
        s,
        "loan_credit_line",
        contract_id=contract,
        limit_amount=Decimal(amount),
        expiry=date(2027, 7, 1),
        revolving=False,
        frozen_amount=Decimal(0),
    )
    c = s.get(LoanContract, contract)
    assert c is not None
    sched = loans.drawdown_schedule(
        s, c=c, amount=Decimal(amount), rate=Decimal("3.6"), start=date(2026, 7, 1), term=12
    )
    dd = placeholder_row(
        s,
        "loan_drawdown",
        contract_id=contract,
        amount=Decimal(amount),
        requested_by_id=user,
        status="disbursed",
        value_date=date(2026, 7, 1),
        maturity=sched.maturity,
        term_months=12,
        annual_rate=Decimal("3.6"),
        method="等额本息",
        outstanding_principal=Decimal(amount),
    )
    for i in sched.instalments:
        placeholder_row(
            s,
            "loan_instalment",
            drawdown_id=dd,
            seq=i.number,
            period_start=i.start,
            due_date=i.due,
            principal=i.principal,
            interest=i.interest,
            principal_paid=Decimal(0),
            interest_paid=Decimal(0),
            status="due",
        )
    for k, (purpose, value) in enumerate(paid.items()):
        placeholder_row(
            s,
            "loan_payment",
            drawdown_id=dd,
            purpose=purpose,
            amount=Decimal(value),
            self_payment=True,
            created_by_id=user,
            created_at=datetime(2026, 11, 10 + k, 2, 0, tzinfo=UTC),
        )
    return contract, dd


def test_a_quarter_below_30_percent_steps_the_rate_up_from_the_next_period(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as s:
        bank = placeholder_row(s, "tenant", kind="bank")
        user = placeholder_row(s, "app_user", tenant_id=bank)
        # 200,000 of 1,000,000 to quality purposes: 20 % < 30 %
        low, dd = _yongzhidai_loan(
            s,
            bank=bank,
            user=user,
            paid={"certification": "200000.00", "working_capital": "800000.00"},
        )
        # 300,000 of 1,000,000 (testing + equipment): exactly 30 %, met
        ok, _ = _yongzhidai_loan(
            s, bank=bank, user=user, paid={"testing": "100000.00", "equipment": "200000.00"}
        )
    with unit_of_work(factory) as s:
        done = service.check_covenants(s, "2026Q4", on=date(2027, 1, 5))
    assert done.breaches == 2  # the low loan: rate step-up and 贴息 withheld
    assert done.results == 6  # 2 loans × (2 quality-use + no serious penalty)
    with unit_of_work(factory) as s:
        res = {
            (r.contract_id, r.covenant): r
            for r in s.scalars(select(CovenantResult).where(CovenantResult.period == "2026Q4"))
        }
        low_use = res[(low, "quality-use")]
        assert (low_use.met, low_use.share, low_use.threshold) == (
            False,
            Decimal("20.0000"),
            Decimal("30.0000"),
        )
        assert (low_use.drawn, low_use.quality_paid, low_use.payments) == (
            Decimal("1000000.00"),
            Decimal("200000.00"),
            2,
        )
        assert res[(ok, "quality-use")].met is True
        assert res[(low, "no-serious-penalty")].met is True
        assert (low, "stay-whitelisted") not in res  # no whitelist published: not checked
        step = s.scalars(
            select(LinkageAction).where(
                LinkageAction.contract_id == low, LinkageAction.kind == "rate_step_up"
            )
        ).one()
        # from the next interest period: the first instalment beginning after the check day
        first_after = min(
            i.period_start
            for i in s.scalars(select(LoanInstalment).where(LoanInstalment.drawdown_id == dd))
            if i.period_start > date(2027, 1, 5)
        )
        assert (step.status, step.bp, step.effective_on) == ("scheduled", 50, first_after)
        assert step.covenant_result_id == low_use.id
        assert "20.00%" in step.reason and "30.00%" in step.reason
        assert service.subsidy_withheld(s, contract_id=low, period="2026Q4") is True
        assert service.subsidy_withheld(s, contract_id=ok, period="2026Q4") is False
        assert not s.scalars(select(LinkageAction).where(LinkageAction.contract_id == ok)).all()
        before = {
            i.seq: i.interest
            for i in s.scalars(select(LoanInstalment).where(LoanInstalment.drawdown_id == dd))
        }
    # a re-run of the quarter adds nothing
    with unit_of_work(factory) as s:
        again = service.check_covenants(s, "2026Q4", on=date(2027, 1, 6))
    assert (again.results, again.actions) == (0, 0)
    # nothing moves before the period begins; on its first day the rate steps up
    with unit_of_work(factory) as s:
        assert service.apply_due_rates(s, first_after - timedelta(days=1)) == 0
    with unit_of_work(factory) as s:
        assert service.apply_due_rates(s, first_after) == 1
    with unit_of_work(factory) as s:
        d = s.get(LoanDrawdown, dd)
        c = s.get(LoanContract, low)
        assert d is not None and c is not None
        assert d.annual_rate == Decimal("4.100000")
        assert c.contract_rate == Decimal("4.100000")
        rows = sorted(
            s.scalars(select(LoanInstalment).where(LoanInstalment.drawdown_id == dd)),
            key=lambda i: i.seq,
        )
        kept = [i for i in rows if i.period_start < first_after]
        moved = [i for i in rows if i.period_start >= first_after]
        assert kept and moved
        assert all(i.interest == before[i.seq] for i in kept)
        left = sum((i.principal for i in moved), Decimal(0))
        expected = loans.drawdown_schedule(
            s,
            c=c,
            amount=left,
            rate=Decimal("4.1"),
            start=add_months(date(2026, 7, 1), moved[0].seq - 1),
            term=len(moved),
        )
        assert [(i.principal, i.interest) for i in moved] == [
            (e.principal, e.interest) for e in expected.instalments
        ]
        assert moved[0].interest > before[moved[0].seq]
        step = s.scalars(
            select(LinkageAction).where(
                LinkageAction.contract_id == low, LinkageAction.kind == "rate_step_up"
            )
        ).one()
        assert (step.status, step.applied_on) == ("applied", first_after)
        # the breach's consequence is a leaf of the evidence log as a covenant result
        (leaf,) = s.scalars(
            select(EvidenceEntry).where(
                EvidenceEntry.subject_type == "linkage_action",
                EvidenceEntry.subject_id == str(step.id),
            )
        ).all()
        assert (leaf.kind, leaf.contract_id) == ("covenant", low)
        assert evidence.verify(s).finding is None


def test_the_whitelist_covenant_reads_the_products_own_catalog(
    factory: sessionmaker[Session],
) -> None:
    """甬质贷 is graded on Ningbo's catalog: "stay on the whitelist" reads Ningbo's newest
    version, not whichever catalog published last (Xiamen's here, which lists the firm)."""
    from tests.support.grades import Grade, publish_grades

    with unit_of_work(factory) as s:
        bank = placeholder_row(s, "tenant", kind="bank")
        user = placeholder_row(s, "app_user", tenant_id=bank)
        contract, _ = _yongzhidai_loan(s, bank=bank, user=user, paid={"certification": "400000.00"})
        loan = s.get(LoanContract, contract)
        assert loan is not None
        firm, other = loan.enterprise_id, placeholder_row(s, "enterprise")
    publish_grades(
        factory,
        catalog="ningbo",
        grades={other: Grade("L1", {"credit": "L1"})},  # Ningbo's list: another firm only
        published_at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
    )
    publish_grades(
        factory,
        catalog="xiamen",
        grades={firm: Grade("I", {"credit": "I"})},  # newer, and it lists the borrower
        published_at=datetime(2026, 8, 1, 2, 0, tzinfo=UTC),
    )
    with unit_of_work(factory) as s:
        service.check_covenants(s, "2026Q4", on=date(2027, 1, 5))
    with unit_of_work(factory) as s:
        result = s.scalars(
            select(CovenantResult).where(
                CovenantResult.contract_id == contract,
                CovenantResult.covenant == "stay-whitelisted",
            )
        ).one()
        assert result.met is False


# -- 鹭质贷: negative and positive linkage through the worker's cycle --------------------------


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


def _uscc(w: World) -> str:
    with unit_of_work(w.factory) as s:
        ent = s.get(Enterprise, w.a)  # 厦门鹭芯科技
        assert ent is not None
        return ent.uscc


def _import(w: World, tmp: Path, kind: str, values: dict[str, str]) -> None:
    spec = RECORD_KINDS[kind]
    path = tmp / f"{kind}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(spec.headers)
        writer.writerow([_uscc(w)] + [values.get(field.header, "") for field in spec.fields])
    summary = run_import(w.factory, kind=kind, path=path, filename=path.name)
    assert (summary.inserted, summary.rejected) == (1, 0), summary.errors


def _cycle(w: World) -> service.Cycle:
    with unit_of_work(w.factory) as s:
        return service.run_cycle(s, day=date(2025, 3, 3))


def test_a_penalty_import_freezes_the_line_in_one_cycle_until_another_person_lifts_it(
    world: World, tmp_path: Path
) -> None:
    cid = signed_contract(world)
    did = _drawn(world, cid, "1000000.00")
    assert _cycle(world).freezes == 0  # the first cycle starts reading from now
    with unit_of_work(world.factory) as s:
        endpoint_tenant = s.get(LoanContract, cid)
        assert endpoint_tenant is not None
        placeholder_row(
            s,
            "webhook_endpoint",
            tenant_id=endpoint_tenant.bank_tenant_id,
            url="https://bank.example/hooks",
            secret="whsec_test",
            active=True,
        )
    _import(
        world,
        tmp_path,
        "penalty",
        {
            "处罚决定书文号": "厦市监处罚〔2025〕7号",
            "处罚日期": "2025-02-28",
            "处罚机关": "厦门市市场监督管理局",
            "违法类别": "产品质量",
            "严重程度": "较重",
        },
    )
    done = _cycle(world)
    assert (done.records, done.freezes) == (1, 1)
    with unit_of_work(world.factory) as s:
        line = s.scalars(select(LoanCreditLine).where(LoanCreditLine.contract_id == cid)).one()
        # the reason names the record's kind and date, never its reference (consent rules)
        assert line.blocked_reason == (
            "新增产品质量类行政处罚：行政处罚（2025-02-28）。按产品的质量联动约定冻结授信额度"
        )
        freeze = s.scalars(select(LinkageAction).where(LinkageAction.kind == "freeze")).one()
        assert freeze.record_id is not None and freeze.rule == "luzhidai:linkage.freeze_on:penalty"
        event = s.scalars(select(WebhookOutbox)).one()
        assert event.event_type == "loan.line.frozen" and "产品质量类行政处罚" in event.body
        assert "厦市监处罚" not in event.body
    # new drawdowns and payments refused with the reason and the stable code
    with (
        unit_of_work(world.factory) as s,
        pytest.raises(LineFrozen, match="产品质量类行政处罚") as exc,
    ):
        loans.request_drawdown(
            s, actor=world.who("owner-a"), contract_id=cid, amount=Decimal("100000.00")
        )
    assert exc.value.code == "line_frozen"
    with unit_of_work(world.factory) as s, pytest.raises(LineFrozen):
        loans.make_payment(
            s,
            actor=world.who("owner-a"),
            drawdown_id=did,
            amount=Decimal("1000.00"),
            purpose="testing",
            self_payment=True,
        )
    # the enterprise sees the freeze and why
    with unit_of_work(world.factory) as s:
        mine = reading.of_enterprise(s, actor=world.who("owner-a"), enterprise_id=world.a)
        assert [a.row.id for a in mine.frozen] == [freeze.id]
    # maker-checker: the officer asks, may not approve; an approver who did not ask does
    with unit_of_work(world.factory) as s:
        req = decisions.request_reversal(
            s, actor=world.who("officer"), action_id=freeze.id, reason="企业已整改并经复查合格"
        ).id
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        decisions.decide_reversal(s, actor=world.who("officer"), reversal_id=req, approve=True)
    with unit_of_work(world.factory) as s:
        decisions.decide_reversal(s, actor=world.who("approver"), reversal_id=req, approve=True)
    with unit_of_work(world.factory) as s:
        line = s.scalars(select(LoanCreditLine).where(LoanCreditLine.contract_id == cid)).one()
        assert line.blocked_reason is None
        kinds = [
            (a.kind, a.status) for a in s.scalars(select(LinkageAction).order_by(LinkageAction.id))
        ]
        assert kinds == [("freeze", "reversed"), ("unfreeze", "effective")]
        unfreeze = s.scalars(select(LinkageAction).where(LinkageAction.kind == "unfreeze")).one()
        assert (unfreeze.reverses_id, unfreeze.decision_id, unfreeze.record_id) == (
            freeze.id,
            req,
            freeze.record_id,
        )
        # 链上存证: the freeze and the unfreeze are leaves of the evidence log, naming the
        # linkage action, and the log still verifies
        logged = [
            (e.kind, e.subject_type, e.subject_id)
            for e in s.scalars(
                select(EvidenceEntry)
                .where(EvidenceEntry.subject_type == "linkage_action")
                .order_by(EvidenceEntry.seq)
            )
        ]
        assert logged == [
            ("freeze", "linkage_action", str(freeze.id)),
            ("unfreeze", "linkage_action", str(unfreeze.id)),
        ]
        assert evidence.verify(s).finding is None
    with unit_of_work(world.factory) as s:
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("100000.00"),
            on=date(2025, 3, 4),
        )


def test_a_certification_import_unlocks_the_tranche_and_schedules_the_rate_cut(
    world: World, tmp_path: Path
) -> None:
    cid = signed_contract(world)
    _drawn(world, cid, "1000000.00")
    _cycle(world)
    with unit_of_work(world.factory) as s:
        c = s.get(LoanContract, cid)
        assert c is not None
        assert [t.get("verified_on") for t in c.terms["tranches"]] == [None]
    _import(
        world,
        tmp_path,
        "product_certification",
        {
            "认证类型": "CCC",
            "产品或服务名称": "在线水质检测仪",
            "证书编号": "2025010101234567",
            "认证机构": "中国质量认证中心",
            "发证日期": "2025-02-20",
            "有效期至": "2030-02-19",
            "证书状态": "有效",
        },
    )
    done = _cycle(world)
    assert (done.unlocks, done.rate_cuts, done.freezes) == (1, 1, 0)
    with unit_of_work(world.factory) as s:
        c = s.get(LoanContract, cid)
        assert c is not None
        tranche = c.terms["tranches"][0]
        assert tranche["milestone"] == "tech-breakthrough" and tranche["verified_on"]
        assert "产品和服务认证（2025-02-20）" in tranche["note"]
        cut = s.scalars(select(LinkageAction).where(LinkageAction.kind == "rate_cut")).one()
        assert (cut.status, cut.bp) == ("scheduled", -20)
        assert cut.effective_on is not None and cut.effective_on > date(2025, 3, 3)
    # the tranche may now be drawn; a second certification unlocks nothing more
    with unit_of_work(world.factory) as s:
        loans.request_drawdown(
            s,
            actor=world.who("owner-a"),
            contract_id=cid,
            amount=Decimal("100000.00"),
            milestone="tech-breakthrough",
            on=date(2025, 3, 4),
        )
    _import(
        world,
        tmp_path,
        "product_certification",
        {
            "认证类型": "节能",
            "产品或服务名称": "在线水质检测仪（节能型）",
            "证书编号": "2025010101239999",
            "认证机构": "中国质量认证中心",
            "发证日期": "2025-03-01",
            "有效期至": "2030-02-28",
            "证书状态": "有效",
        },
    )
    assert _cycle(world).unlocks == 0
