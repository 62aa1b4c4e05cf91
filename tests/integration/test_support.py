"""Guarantees, compensation claims and subsidies on a loan book (the service, on the database)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import Book, add_drawdown, make_book, placeholder_row
from tests.support.people import make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.errors import ClaimOverlap, Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.linkage.models import CovenantResult, LinkageAction
from zhixin.loans.models import LoanContract, LoanDrawdown
from zhixin.support import guarantees, rules, subsidies
from zhixin.support import repository as support_repo
from zhixin.support import service as support
from zhixin.support.models import SubsidyLine

D = Decimal
Q4 = date(2026, 10, 1)
_txn = itertools.count(1)

GUARANTEE = {
    "coverage": "80",
    "fee_rate": "0.5",
    "fee_base": "loan",
    "fee_subsidy_points": "0.2",
    "cap_per_enterprise": "25000000",
    "cap_total": "40000000",
}
FUND = {
    "share": "50",
    "order": "after_guarantee",
    "remainder_to": "bank",
    "cap_per_loan": "3000000",
}


@dataclass
class World:
    factory: sessionmaker[Session]
    book: Book
    drawdowns: list[int]

    def who(self, username: str) -> Principal:
        with unit_of_work(self.factory) as s:
            user = accounts_repo.user_by_username(s, username)
            assert user is not None
            return accounts.principal_for(s, user)


def repay(
    s: Session, w_bank: int, drawdown_id: int, on: date, interest: str, accrued: str = "0"
) -> None:
    placeholder_row(
        s, "loan_repayment", bank_tenant_id=w_bank, bank_txn_id=f"T{next(_txn)}",
        drawdown_id=drawdown_id, value_date=on, amount=D(interest) + D(accrued), source="manual",
        penalty=D(0), compound=D(0), interest=D(interest), principal=D(0), accrued=D(accrued),
        prepaid=D(0), fee=D(0),
    )  # fmt: skip


def world(factory: sessionmaker[Session]) -> World:
    officer = make_user(factory, "officer", Role.bank_officer, tenant_code="bank-a")
    make_user(factory, "other-bank", Role.bank_officer, tenant_code="bank-b")
    make_user(factory, "gu1", Role.guarantor, tenant_code="gu")
    make_user(factory, "fin1", Role.finance_bureau, tenant_code="fin")
    make_user(factory, "fin2", Role.finance_bureau, tenant_code="fin")
    with unit_of_work(factory) as s:
        bank = accounts_repo.tenant_by_code(s, "bank-a")
        assert bank is not None
        book = make_book(s, contracts=3, bank_id=bank.id, user_id=officer)
        dds = [
            add_drawdown(
                s,
                book,
                cid,
                amount=D("1000000.00"),
                annual_rate=D("3.85"),
                value_date=date(2026, 1, 10),
                instalments=[(date(2027, 1, 10), D("1000000.00"), D("39000.00"))],
            )
            for cid in book.contract_ids
        ]
    make_user(factory, "owner", Role.enterprise, enterprise_id=book.enterprise_id)
    return World(factory, book, dds)


def test_a_guarantee_is_approved_within_its_caps_and_follows_its_loan(
    factory: sessionmaker[Session],
) -> None:
    w = world(factory)
    c1, c2, c3 = w.book.contract_ids
    with unit_of_work(factory) as s:
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="XMDB", name="厦门担保·鹭质保", terms=GUARANTEE
        )
        g = guarantees.request_guarantee(
            s, actor=w.who("officer"), contract_id=c1, product_code="XMDB"
        )
        gid = g.id
        with pytest.raises(Conflict, match="已有担保"):
            guarantees.request_guarantee(
                s, actor=w.who("officer"), contract_id=c1, product_code="XMDB"
            )
        with pytest.raises(NotFound):
            guarantees.request_guarantee(
                s, actor=w.who("other-bank"), contract_id=c2, product_code="XMDB"
            )
    with unit_of_work(factory) as s:
        with pytest.raises(Forbidden):
            guarantees.decide_guarantee(s, actor=w.who("officer"), guarantee_id=gid, approve=True)
        g = guarantees.decide_guarantee(s, actor=w.who("gu1"), guarantee_id=gid, approve=True)
        # 10,000,000 × 0.5 % = 50,000 a year, of which 0.2 points (20,000) the bureau pays
        assert (g.status, g.fee, g.fee_subsidy) == ("approved", D("50000.00"), D("20000.00"))
    with unit_of_work(factory) as s:
        b = guarantees.submit_batch(
            s, actor=w.who("officer"), product_code="XMDB", contract_ids=[c2, c3]
        )
        bid = b.id
        members = support_repo.guarantees_of_batch(s, bid)
        first, second = members[0].id, members[1].id
    with unit_of_work(factory) as s:
        # line by line: the second would put the enterprise at 30,000,000 > 25,000,000
        guarantees.decide_batch(s, actor=w.who("gu1"), batch_id=bid, lines={first: True})
        with pytest.raises(Invalid, match="超过单户担保上限"):
            guarantees.decide_batch(s, actor=w.who("gu1"), batch_id=bid, lines={second: True})
    with unit_of_work(factory) as s:
        b = guarantees.decide_batch(
            s, actor=w.who("gu1"), batch_id=bid, lines={second: False}, reason="超过单户上限"
        )
        assert b.status == "decided"
    with unit_of_work(factory) as s:  # the loan book moves: c1 settled, c2 in default
        s.execute(update(LoanContract).where(LoanContract.id == c1).values(status="settled"))
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.contract_id == c2)
            .values(classification="substandard")
        )
        assert guarantees.sync_guarantees(s, today=date(2026, 12, 1)) == (1, 1)
    with factory() as s:
        states = {
            g.contract_id: g.status for g in guarantees.visible_guarantees(s, actor=w.who("gu1"))
        }
        assert states == {c1: "released", c2: "called", c3: "rejected"}
        assert [g.contract_id for g in guarantees.visible_guarantees(s, actor=w.who("owner"))]
        assert guarantees.visible_guarantees(s, actor=w.who("other-bank")) == []


def test_an_upfront_guarantee_on_the_guaranteed_part_records_the_whole_terms_fee(
    factory: sessionmaker[Session],
) -> None:
    """The product's declared basis, as the quote reads it: the guaranteed part (10,000,000 ×
    80 % = 8,000,000), once for the contract's term (2026-01-01 → 2027-12-31, 729 days)."""
    w = world(factory)
    terms = GUARANTEE | {"fee_base": "guaranteed", "fee_period": "upfront"}
    with unit_of_work(factory) as s:
        guarantees.add_guarantee_product(s, actor=w.who("gu1"), code="UP", name="一次", terms=terms)
        gid = guarantees.request_guarantee(
            s, actor=w.who("officer"), contract_id=w.book.contract_ids[0], product_code="UP"
        ).id
    with unit_of_work(factory) as s:
        guarantees.decide_guarantee(s, actor=w.who("gu1"), guarantee_id=gid, approve=True)
        g = support_repo.guarantee(s, gid)
        assert g is not None
        # 8,000,000 × 0.5 % × 729 / 360 = 81,000.00; the subsidy 0.2 points: 32,400.00
        assert (g.fee, g.fee_subsidy) == (D("81000.00"), D("32400.00"))
    with pytest.raises(rules.Refused, match="收费方式"):
        rules.guarantee_product(GUARANTEE | {"fee_period": "monthly"})


def test_claims_per_drawdown_share_the_contract_caps_and_never_overlap(
    factory: sessionmaker[Session],
) -> None:
    """Two drawdowns (借据) of one contract claimed one by one: each loss from its own line of
    the book; the fund's cap per loan and the guarantor's liability hold per contract across
    the two claims; a drawdown is claimed once, a contract with a drawdown claim is not
    claimed whole (and the reverse), a rejected claim frees its drawdown."""
    w = world(factory)
    c1, c2, _ = w.book.contract_ids
    terms = FUND | {"cap_per_loan": "100000", "loss_includes_interest": True}
    with unit_of_work(factory) as s:
        # a guarantee of 700,000 at 80 %: liability 560,000.00
        s.execute(
            update(LoanContract).where(LoanContract.id == c1).values(principal_limit=D("700000.00"))
        )
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="XMDB", name="厦门担保", terms=GUARANTEE
        )
        gid = guarantees.request_guarantee(
            s, actor=w.who("officer"), contract_id=c1, product_code="XMDB"
        ).id
        support.create_fund(s, actor=w.who("fin1"), code="XMFC", name="资金池", terms=terms)
        second = add_drawdown(
            s, w.book, c1, amount=D("300000.00"), annual_rate=D("3.85"),
            value_date=date(2026, 3, 1),
            instalments=[(date(2027, 3, 1), D("300000.00"), D("11550.00"))],
        )  # fmt: skip
    a, b = w.drawdowns[0], second
    with unit_of_work(factory) as s:
        guarantees.decide_guarantee(s, actor=w.who("gu1"), guarantee_id=gid, approve=True)
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id == a)
            .values(
                classification="loss",
                outstanding_principal=D("600000.00"),
                overdue_interest=D("12345.67"),
            )
        )
    officer = w.who("officer")
    with unit_of_work(factory) as s:
        with pytest.raises(Invalid, match="尚未形成不良"):  # b is still 正常
            support.file_claim(s, actor=officer, fund_code="XMFC", contract_id=c1, drawdown_id=b)
        with pytest.raises(NotFound, match="借据"):  # a drawdown of another contract
            support.file_claim(
                s, actor=officer, fund_code="XMFC", contract_id=c1, drawdown_id=w.drawdowns[1]
            )
        ca = support.file_claim(
            s, actor=officer, fund_code="XMFC", contract_id=c1, drawdown_id=a,
            today=date(2026, 11, 2),
        )  # fmt: skip
        # loss 600,000 + 12,345.67; guarantor 80 % = 489,876.536 → 489,876.53; fund 50 % of
        # 122,469.134 = 61,234.567 → 61,234.56; the bank the rest
        assert (ca.drawdown_id, ca.outstanding, ca.overdue_interest) == (
            a, D("600000.00"), D("12345.67"),
        )  # fmt: skip
        assert (ca.loss, ca.guarantor_part, ca.fund_part, ca.bank_part) == (
            D("612345.67"), D("489876.53"), D("61234.56"), D("61234.58"),
        )  # fmt: skip
        called = support_repo.guarantee(s, gid)
        assert called is not None and called.status == "called"
        with pytest.raises(ClaimOverlap, match="借据 #") as twice:
            support.file_claim(s, actor=officer, fund_code="XMFC", contract_id=c1, drawdown_id=a)
        assert twice.value.code == "claim_overlap" and twice.value.status == 409
        with pytest.raises(ClaimOverlap, match="不能再按整笔合同申请"):
            support.file_claim(s, actor=officer, fund_code="XMFC", contract_id=c1)
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id == b)
            .values(classification="substandard", overdue_interest=D("0"))
        )
    with unit_of_work(factory) as s:
        cb = support.file_claim(
            s, actor=officer, fund_code="XMFC", contract_id=c1, drawdown_id=b,
            today=date(2026, 11, 3),
        )  # fmt: skip
        # loss 300,000.00; the guarantor's liability left 560,000 − 489,876.53 = 70,123.47
        # (not 240,000); the fund's room left under the per-contract cap 100,000 − 61,234.56 =
        # 38,765.44 (not (300,000 − 70,123.47) × 50 % = 114,938.265); the bank the rest
        assert (cb.loss, cb.guarantor_part, cb.fund_part, cb.bank_part) == (
            D("300000.00"), D("70123.47"), D("38765.44"), D("191111.09"),
        )  # fmt: skip
        assert ca.fund_part + cb.fund_part == D("100000.00")
        assert ca.guarantor_part + cb.guarantor_part == D("560000.00")
        cb_id = cb.id
    with unit_of_work(factory) as s:
        support.reject_claim(s, actor=w.who("fin1"), claim_id=cb_id, reason="材料不全")
    with unit_of_work(factory) as s:  # the rejected claim frees its drawdown and its room
        again = support.file_claim(
            s, actor=officer, fund_code="XMFC", contract_id=c1, drawdown_id=b
        )
        assert (again.guarantor_part, again.fund_part) == (D("70123.47"), D("38765.44"))
    # a contract claimed whole: none of its drawdowns may be claimed on its own
    with unit_of_work(factory) as s:
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id == w.drawdowns[1])
            .values(classification="doubtful")
        )
    with unit_of_work(factory) as s:
        whole = support.file_claim(s, actor=officer, fund_code="XMFC", contract_id=c2)
        assert whole.drawdown_id is None and whole.loss == D("1000000.00")
        with pytest.raises(ClaimOverlap, match="整笔合同"):
            support.file_claim(
                s, actor=officer, fund_code="XMFC", contract_id=c2, drawdown_id=w.drawdowns[1]
            )


def test_a_claim_is_filed_from_the_book_reviewed_by_two_paid_and_recovered_pro_rata(
    factory: sessionmaker[Session],
) -> None:
    w = world(factory)
    c1 = w.book.contract_ids[0]
    with unit_of_work(factory) as s:
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="XMDB", name="厦门担保", terms=GUARANTEE
        )
        gid = guarantees.request_guarantee(
            s, actor=w.who("officer"), contract_id=c1, product_code="XMDB"
        ).id
    with unit_of_work(factory) as s:
        guarantees.decide_guarantee(s, actor=w.who("gu1"), guarantee_id=gid, approve=True)
        support.create_fund(
            s, actor=w.who("fin1"), code="XMFC", name="厦门市风险补偿资金池", terms=FUND
        )
    with unit_of_work(factory) as s:
        with pytest.raises(Invalid, match="尚未形成不良"):
            support.file_claim(s, actor=w.who("officer"), fund_code="XMFC", contract_id=c1)
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id == w.drawdowns[0])
            .values(classification="substandard", outstanding_principal=D("777777.77"))
        )
    with unit_of_work(factory) as s:
        c = support.file_claim(
            s, actor=w.who("officer"), fund_code="XMFC", contract_id=c1, today=date(2026, 11, 2)
        )
        cid = c.id
        # after the guarantee: guarantor 80 % = 622,222.216 → 622,222.21; fund 50 % of the
        # remaining 155,555.554 = 77,777.777 → 77,777.77; the bank the rest, 77,777.79
        assert (c.loss, c.guarantor_part, c.fund_part, c.bank_part) == (
            D("777777.77"), D("622222.21"), D("77777.77"), D("77777.79"),
        )  # fmt: skip
        assert c.bank_part + c.guarantor_part + c.fund_part == c.loss
        called = support_repo.guarantee(s, gid)
        assert called is not None and called.status == "called"
        with pytest.raises(Conflict, match="已有代偿申请"):
            support.file_claim(s, actor=w.who("officer"), fund_code="XMFC", contract_id=c1)
    with unit_of_work(factory) as s:
        with pytest.raises(NotFound):
            support.get_claim(s, actor=w.who("other-bank"), claim_id=cid)
        with pytest.raises(Forbidden):
            support.review_claim(s, actor=w.who("officer"), claim_id=cid)
        support.review_claim(s, actor=w.who("fin1"), claim_id=cid)
    with unit_of_work(factory) as s:
        with pytest.raises(Forbidden, match="两人"):
            support.approve_claim(s, actor=w.who("fin1"), claim_id=cid)
        support.approve_claim(s, actor=w.who("fin2"), claim_id=cid)
    with unit_of_work(factory) as s:
        with pytest.raises(Conflict, match="余额"):
            support.pay_claim(s, actor=w.who("fin1"), claim_id=cid, on=date(2026, 11, 20))
        support.contribute(
            s, actor=w.who("fin1"), fund_code="XMFC", amount=D("5000000.00"), on=date(2026, 10, 8)
        )
        support.pay_claim(s, actor=w.who("fin1"), claim_id=cid, on=date(2026, 11, 20))
    with unit_of_work(factory) as s:
        r = support.record_recovery(
            s, actor=w.who("officer"), claim_id=cid, amount=D("100000.00"), on=date(2026, 12, 5)
        )
        assert r.bank + r.guarantor + r.fund == D("100000.00")
        assert (r.guarantor, r.fund, r.bank) == (D("79999.99"), D("9999.99"), D("10000.02"))
        with pytest.raises(Invalid, match="超过尚未收回的损失"):
            support.record_recovery(
                s, actor=w.who("officer"), claim_id=cid, amount=D("677777.78"), on=date(2026, 12, 6)
            )
    with factory() as s:
        fund = support_repo.fund_by_code(s, "XMFC")
        assert fund is not None
        assert support.balance(s, fund.id) == D("5000000.00") - D("77777.77") + D("9999.99")
        rep = support.reconcile(s, fund_code="XMFC", quarter="2026Q4")
        assert (rep.opening, rep.contributions, rep.payments, rep.recoveries) == (
            D(0), D("5000000.00"), D("77777.77"), D("9999.99"),
        )  # fmt: skip
        assert rep.closing == support.balance(s, fund.id)
        assert [(c.id, no) for c, no in rep.claims] == [(cid, rep.claims[0][1])]
        assert [c.id for c in support.visible_claims(s, actor=w.who("gu1"))] == [cid]
        assert [c.id for c in support.claims_for_operator(s, state="paid")] == [cid]


POLICY = {
    "kind": "points",
    "points": "1.5",
    "cap_per_enterprise_year": "30000",
    "payee": "enterprise",
    "conditions": ["not_overdue"],
}


def test_a_quarters_subsidy_is_computed_in_sql_as_the_rules_say_approved_and_paid(
    factory: sessionmaker[Session],
) -> None:
    w = world(factory)
    d1, d2, d3 = w.drawdowns
    bank = w.book.bank_id
    with unit_of_work(factory) as s:
        for d, interest in ((d1, "9624.99"), (d2, "9625.01"), (d3, "33333.33")):
            repay(s, bank, d, date(2026, 10, 10), interest)
        repay(s, bank, d1, date(2026, 11, 10), "1.00", accrued="0.03")
        repay(s, bank, d1, date(2026, 9, 30), "5000.00")  # Q3: not this quarter's basis
        # Q3's claim already gave the enterprise 10,000 of its 30,000 for the year
        subsidies.add_policy(s, actor=w.who("fin1"), code="XMTX", name="厦门市贴息", terms=POLICY)
        repay(s, bank, d2, date(2026, 8, 10), "25666.67")
    with unit_of_work(factory) as s:
        q3 = subsidies.compute(s, actor=w.who("fin1"), policy_code="XMTX", quarter="2026Q3")
        assert q3.total == D("10000.00") + D("1948.05")  # 25666.67 × 1.5 / 3.85; 5000 × 1.5 / 3.85
    with unit_of_work(factory) as s:
        with pytest.raises(Forbidden):
            subsidies.compute(s, actor=w.who("officer"), policy_code="XMTX", quarter="2026Q4")
        claim = subsidies.compute(s, actor=w.who("fin1"), policy_code="XMTX", quarter="2026Q4")
        cid = claim.id
        lines = {
            ln.drawdown_id: ln
            for ln in s.scalars(select(SubsidyLine).where(SubsidyLine.claim_id == cid))
        }
        policy = rules.subsidy_policy(POLICY)
        raws = [
            rules.subsidy(policy, interest_paid=lines[d].interest_paid, annual_rate=D("3.85"))
            for d in (d1, d2, d3)
        ]
        assert [lines[d].raw for d in (d1, d2, d3)] == raws
        assert lines[d1].interest_paid == D("9626.02")
        room = D("30000") - q3.total
        assert [lines[d].amount for d in (d1, d2, d3)] == rules.capped(raws, room)
        assert claim.total == room and claim.lines == 3
        assert lines[d1].payee == "enterprise"
    with unit_of_work(factory) as s:  # recomputed while not approved: same lines
        again = subsidies.compute(s, actor=w.who("fin1"), policy_code="XMTX", quarter="2026q4")
        assert (again.id, again.total) == (cid, claim.total)
        subsidies.approve(s, actor=w.who("fin2"), claim_id=cid)
    with unit_of_work(factory) as s:
        with pytest.raises(Conflict, match="不能重算"):
            subsidies.compute(s, actor=w.who("fin1"), policy_code="XMTX", quarter="2026Q4")
        with pytest.raises(Invalid, match="付款凭证号"):
            subsidies.pay(s, actor=w.who("fin1"), claim_id=cid, on=date(2027, 1, 15), reference=" ")
        subsidies.pay(
            s, actor=w.who("fin1"), claim_id=cid, on=date(2027, 1, 15), reference="CZ-0001"
        )
    with factory() as s:
        (bank_row,) = subsidies.totals(s, by="bank", claim_id=cid)
        assert bank_row[0] == bank and bank_row[3] == room
        assert len(subsidies.visible_lines(s, actor=w.who("owner"), claim_id=cid)) == 3
        assert subsidies.visible_lines(s, actor=w.who("other-bank"), claim_id=cid) == []
        assert [c.status for c in subsidies.claims(s)] == ["paid", "computed"]


def test_conditions_and_budget(factory: sessionmaker[Session]) -> None:
    w = world(factory)
    d1, d2, d3 = w.drawdowns
    with unit_of_work(factory) as s:
        for d in w.drawdowns:
            repay(s, w.book.bank_id, d, date(2026, 10, 10), "3850.00")
        s.execute(update(LoanDrawdown).where(LoanDrawdown.id == d2).values(days_past_due=3))
        subsidies.add_policy(
            s, actor=w.who("fin1"), code="BUDGET", name="预算有限",
            terms={
                "kind": "share", "share": "50", "cap_per_year": "2000",
                "conditions": ["not_overdue"], "payee": "bank",
            },
        )  # fmt: skip
        subsidies.add_policy(
            s, actor=w.who("fin1"), code="COV", name="约束条款",
            terms={"kind": "points", "points": "1", "conditions": ["covenant_met"]},
        )  # fmt: skip
    with unit_of_work(factory) as s:
        c = subsidies.compute(s, actor=w.who("fin1"), policy_code="BUDGET", quarter="2026Q4")
        got = {
            ln.drawdown_id: ln.amount
            for ln in subsidies.visible_lines(s, actor=w.who("fin1"), claim_id=c.id)
        }
        assert got == {d1: D("1925.00"), d3: D("75.00")}  # d2 is overdue; the budget runs out
        # covenant_met: before any breach every line has its 1 point
        before = subsidies.compute(s, actor=w.who("fin1"), policy_code="COV", quarter="2026Q4")
        base = {
            ln.drawdown_id: ln.amount
            for ln in subsidies.visible_lines(s, actor=w.who("fin1"), claim_id=before.id)
        }
        assert set(base) == {d1, d2, d3} and all(v > 0 for v in base.values())
        first = s.get(LoanDrawdown, d1)
        assert first is not None
        breached = s.get(LoanContract, first.contract_id)
        assert breached is not None
        # a breached covenant of 2026Q4 withholds 贴息 on d1's contract (quality linkage's
        # 暂停贴息); the same breach of another quarter, or a reversed one, withholds nothing
        for period, status in (("2026Q4", "effective"), ("2026Q3", "effective")):
            result = CovenantResult(
                contract_id=breached.id, enterprise_id=breached.enterprise_id,
                bank_tenant_id=breached.bank_tenant_id, product_version_id=1,
                covenant="quality_use", kind="quality_use", period=period,
                period_end=date(2026, 12, 31), met=False, consequence="subsidy_withheld",
            )  # fmt: skip
            s.add(result)
            s.flush()
            action = LinkageAction(
                contract_id=breached.id, enterprise_id=breached.enterprise_id,
                bank_tenant_id=breached.bank_tenant_id, kind="subsidy_withheld",
                status=status, rule="t:quality_use", reason="资金用途不达标",
                covenant_result_id=result.id,
            )  # fmt: skip
            s.add(action)
        s.flush()
        after = subsidies.compute(s, actor=w.who("fin1"), policy_code="COV", quarter="2026Q4")
        got = {
            ln.drawdown_id: (ln.contract_id, ln.amount)
            for ln in subsidies.visible_lines(s, actor=w.who("fin1"), claim_id=after.id)
        }
        for d, (contract, amount) in got.items():
            assert amount == (D("0") if contract == breached.id else base[d])
        assert after.total == sum(
            (base[d] for d, (contract, _) in got.items() if contract != breached.id), D("0")
        )


def test_caps_binding_for_some_enterprises_then_the_budget_as_plain_recomputation(
    factory: sessionmaker[Session],
) -> None:
    """Two enterprises: the cap binds for one and not the other (the lines of each written by
    its own statement), then the budget binds as well (both windows): the lines are what the
    rules give loan by loan in drawdown order."""
    w = world(factory)
    with unit_of_work(factory) as s:
        other = make_book(s, contracts=2, bank_id=w.book.bank_id, user_id=w.book.user_id)
        more = [
            add_drawdown(
                s, other, cid, amount=D("1000000.00"), annual_rate=D("3.85"),
                value_date=date(2026, 1, 10),
                instalments=[(date(2027, 1, 10), D("1000000.00"), D("39000.00"))],
            )
            for cid in other.contract_ids
        ]  # fmt: skip
        dds = [*w.drawdowns, *more]
        paid = ("3850.00", "7700.00", "1925.00", "3850.00", "1000.00")
        for d, interest in zip(dds, paid, strict=True):
            repay(s, w.book.bank_id, d, date(2026, 11, 10), interest)
        base = {"kind": "points", "points": "1", "cap_per_enterprise_year": "2500"}
        subsidies.add_policy(s, actor=w.who("fin1"), code="FIRM", name="户限", terms=base)
        subsidies.add_policy(
            s, actor=w.who("fin1"), code="BOTH", name="户限与总额",
            terms=base | {"cap_per_year": "3000"},
        )  # fmt: skip
    # raw: interest × 1 / 3.85 → 1,000.00, 2,000.00, 500.00 (enterprise 1: 3,500 > 2,500);
    # 1,000.00, 259.74 (enterprise 2: 1,259.74, its cap does not bind)
    raws = [D("1000.00"), D("2000.00"), D("500.00"), D("1000.00"), D("259.74")]
    firm = [*rules.capped(raws[:3], D("2500")), *raws[3:]]
    assert firm == [D("1000.00"), D("1500.00"), D("0.00"), D("1000.00"), D("259.74")]
    both = rules.capped(firm, D("3000"))
    assert both == [D("1000.00"), D("1500.00"), D("0.00"), D("500.00"), D("0.00")]
    for code, want in (("FIRM", firm), ("BOTH", both)):
        with unit_of_work(factory) as s:
            c = subsidies.compute(s, actor=w.who("fin1"), policy_code=code, quarter="2026Q4")
            got = {
                ln.drawdown_id: (ln.raw, ln.amount)
                for ln in s.scalars(select(SubsidyLine).where(SubsidyLine.claim_id == c.id))
            }
            assert [got[d] for d in dds] == list(zip(raws, want, strict=True)), code
            assert c.total == sum(want, D(0)) and c.lines == 5
