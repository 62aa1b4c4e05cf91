"""众商贷's notch up at renewal (续贷升档, issue 19): a loan priced on Ⅲ类 whose enterprise is
graded Ⅱ类 by renewal day is renewed one class up the product's table — the rate 40bp lower
(Ⅱ类's 40bp discount against Ⅲ类's none), the limit Ⅱ类's tier (120万 against 60万) — and the
enterprise reads why; an enterprise whose class did not move renews on the same terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import form, run, submit
from tests.integration.test_applications import to_pending_approval as pending
from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.applications.rules import Action
from zhixin.audit.models import AuditEvent
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.evidence.models import EvidenceEntry
from zhixin.kit.db import unit_of_work
from zhixin.linkage import reading, renewals
from zhixin.linkage import rules as linkage_rules
from zhixin.linkage.models import LinkageAction
from zhixin.loans import service as loans
from zhixin.loans.models import LoanContract, LoanCreditLine, LoanDrawdown
from zhixin.products.loader import ProductInvalid, parse
from zhixin.products.loader import load as load_product
from zhixin.products.terms import Method
from zhixin.records.models import QualityRecord

ZBANK = "bank-zbank"
RENEW_ON = date(2025, 12, 1)  # signed 6 Feb 2025 for 12 months: matures within 90 days


@dataclass
class Book:
    factory: sessionmaker[Session]
    raised: int  # Ⅲ类 at the loan, Ⅱ类 by renewal
    same: int  # Ⅲ类 throughout

    def who(self, username: str) -> Principal:
        with unit_of_work(self.factory) as s:
            user = accounts_repo.user_by_username(s, username)
            assert user is not None
            return accounts.principal_for(s, user)


def _firm(s: Session, body: str, name: str) -> int:
    firm = Enterprise(
        uscc=make_uscc(body),
        name=name,
        kind="企业",
        status="存续",
        size_class="小",
        region_code="350203",
        established_on=date(2018, 5, 1),
    )
    s.add(firm)
    s.flush()
    return firm.id


@pytest.fixture
def book(factory: sessionmaker[Session]) -> Book:
    with unit_of_work(factory) as s:
        raised = _firm(s, "91350203MA2YD0044", "厦门质升检测有限公司")
        same = _firm(s, "91350203MA2YE0055", "厦门平稳电子有限公司")
    third = Grade("III", {"credit": "III", "management": "III"}, Decimal("55.00"))
    publish_grades(
        factory,
        catalog="xiamen",
        grades={raised: third, same: third},
        as_of=date(2024, 11, 30),
        published_at=datetime(2024, 12, 2, 2, 0, tzinfo=UTC),
    )
    make_user(factory, "zb-officer", Role.bank_officer, tenant_code=ZBANK)
    make_user(factory, "zb-approver", Role.bank_approver, tenant_code=ZBANK)
    make_user(factory, "owner-raised", Role.enterprise, enterprise_id=raised)
    make_user(factory, "owner-same", Role.enterprise, enterprise_id=same)
    return Book(factory, raised, same)


def _loan(b: Book, owner: str) -> int:
    """众商贷 60万 (Ⅲ类's tier) for 12 months, signed 6 Feb 2025, drawn in full on 10 Feb."""
    f = form(product="zhongshangdai", amount="600000.00", method=Method.equal_instalment)
    app_id = submit(b, owner, date(2025, 1, 23), f)  # type: ignore[arg-type]
    pending(b, app_id, date(2025, 1, 24), officer="zb-officer")  # type: ignore[arg-type]
    run(b, Action.approve, "zb-approver", app_id, on=date(2025, 2, 5))  # type: ignore[arg-type]
    run(b, Action.contract, "zb-officer", app_id, note="众邦 2025-01", on=date(2025, 2, 6))  # type: ignore[arg-type]
    with unit_of_work(b.factory) as s:
        cid = s.scalar(select(LoanContract.id).where(LoanContract.application_id == app_id))
    assert cid is not None
    with unit_of_work(b.factory) as s:
        d = loans.request_drawdown(
            s,
            actor=b.who(owner),
            contract_id=cid,
            amount=Decimal("600000.00"),
            on=date(2025, 2, 10),
        )
        did = d.id
    with unit_of_work(b.factory) as s:
        loans.approve_drawdown(s, actor=b.who("zb-approver"), drawdown_id=did, on=date(2025, 2, 10))
    with unit_of_work(b.factory) as s:
        loans.disburse(s, actor=b.who("zb-officer"), drawdown_id=did, on=date(2025, 2, 10))
    return cid


def _listed(_: LoanContract) -> bool:
    return True


def test_the_notch_rule_reads_the_products_table() -> None:
    product = load_product("zhongshangdai")
    assert [linkage_rules.class_discount_bp(product, r) for r in (1, 2, 3)] == [80, 40, 0]
    n = linkage_rules.renewal_notch(product, priced_rank=3, was_rank=3, now_rank=2)
    assert n is not None
    assert (n.from_class, n.to_class, n.rate_cut_bp) == ("Ⅲ类", "Ⅱ类", 40)
    assert (n.limit_from, n.limit_to) == (Decimal("600000"), Decimal("1200000"))
    # raised by two classes: still one notch (the product says 1)
    n = linkage_rules.renewal_notch(product, priced_rank=3, was_rank=3, now_rank=1)
    assert n is not None and n.to_class == "Ⅱ类"
    n = linkage_rules.renewal_notch(product, priced_rank=2, was_rank=2, now_rank=1)
    assert n is not None and (n.rate_cut_bp, n.limit_to) == (40, Decimal("2000000"))
    # not raised, lowered, at the top already, or not graded: no notch
    assert linkage_rules.renewal_notch(product, priced_rank=3, was_rank=3, now_rank=3) is None
    assert linkage_rules.renewal_notch(product, priced_rank=2, was_rank=2, now_rank=3) is None
    assert linkage_rules.renewal_notch(product, priced_rank=1, was_rank=2, now_rank=1) is None
    assert linkage_rules.renewal_notch(product, priced_rank=3, was_rank=3, now_rank=None) is None
    # a product that declares no notch (鹭质贷)
    luzhidai = load_product("luzhidai")
    assert linkage_rules.renewal_notch(luzhidai, priced_rank=3, was_rank=3, now_rank=1) is None


def test_a_raised_grade_moves_the_renewal_one_notch(book: Book) -> None:
    raised = _loan(book, "owner-raised")
    same = _loan(book, "owner-same")
    publish_grades(
        book.factory,
        catalog="xiamen",
        grades={
            book.raised: Grade("II", {"credit": "II", "management": "II"}, Decimal("74.00")),
            book.same: Grade("III", {"credit": "III", "management": "III"}, Decimal("56.00")),
        },
        as_of=date(2025, 10, 31),
        published_at=datetime(2025, 11, 3, 2, 0, tzinfo=UTC),
    )
    with unit_of_work(book.factory) as s:
        old_rate = s.get(LoanContract, raised).contract_rate  # type: ignore[union-attr]
        assert s.get(LoanContract, same).contract_rate == old_rate  # type: ignore[union-attr]
    officer = book.who("zb-officer")
    with unit_of_work(book.factory) as s:
        nid = renewals.renew(
            s, actor=officer, contract_id=raised, today=RENEW_ON, listed=_listed
        ).id
        sid = renewals.renew(s, actor=officer, contract_id=same, today=RENEW_ON, listed=_listed).id

    with book.factory() as s:
        new = s.get(LoanContract, nid)
        assert new is not None
        assert new.contract_rate == old_rate - Decimal("0.40")
        assert new.principal_limit == Decimal("1200000.00")
        line = s.scalars(select(LoanCreditLine).where(LoanCreditLine.contract_id == nid)).one()
        assert line.limit_amount == Decimal("1200000.00")
        (dd,) = s.scalars(select(LoanDrawdown).where(LoanDrawdown.contract_id == nid))
        assert dd.annual_rate == old_rate - Decimal("0.40")  # fixed rate: from the first period
        # the principal carried is the old loan's; the line's headroom (60万) is Ⅱ类's tier
        assert dd.amount == dd.outstanding_principal == Decimal("600000.00")
        assert new.terms["priced_class"] == "Ⅱ类" and new.terms["graded_class"] == "Ⅱ类"
        # the other renewal: same terms
        kept = s.get(LoanContract, sid)
        assert kept is not None and kept.contract_rate == old_rate
        assert "notch" not in kept.terms
        (act,) = s.scalars(select(LinkageAction).where(LinkageAction.kind == "notch_up"))
        assert act.contract_id == nid and act.status == "applied" and act.bp == -40
        assert act.rule == "zhongshangdai:linkage.renewal_notch"
        assert "由贷款时的Ⅲ类上调为Ⅱ类" in act.reason and "下调 40bp" in act.reason
        assert "60万元 → 120万元" in act.reason
        assert act.detail["from_class"] == "Ⅲ类" and act.detail["to_class"] == "Ⅱ类"
        # audited and in the evidence log, naming the rule
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "linkage.actions")).all()
        assert any(a.detail["kinds"] == ["notch_up"] for a in audit)
        entry = s.scalars(
            select(EvidenceEntry).where(
                EvidenceEntry.subject_type == "linkage_action",
                EvidenceEntry.subject_id == str(act.id),
            )
        ).one()
        assert entry.kind == "linkage" and "renewal_notch" in entry.payload

    # the enterprise reads why, on its loan and its own page
    owner = book.who("owner-raised")
    with book.factory() as s:
        seen = reading.of_loan(s, actor=owner, contract_id=nid)
        assert [a.label for a in seen.actions] == ["续贷升档"]
        mine = reading.of_enterprise(s, actor=owner, enterprise_id=book.raised)
        assert any("续贷按Ⅱ类" in a.row.reason for a in mine.actions)
        # the other enterprise sees none of it
        other = reading.of_enterprise(s, actor=book.who("owner-same"), enterprise_id=book.same)
        assert other.actions == []


def _patent(b: Book, enterprise_id: int, ref: str, subtype: str, granted: date) -> int:
    with unit_of_work(b.factory) as s:
        r = QualityRecord(
            enterprise_id=enterprise_id,
            kind="patent",
            natural_key=f"{enterprise_id}|{ref}",
            content_hash=ref.ljust(32, "0")[:32],
            ref=ref,
            subtype=subtype,
            title="一种在线检测装置",
            status="有效",
            event_date=granted,
            source_system="test",
        )
        s.add(r)
        s.flush()
        return r.id


def test_the_product_names_the_milestones_that_earn_a_notch() -> None:
    product = load_product("zhongshangdai")
    spec = product.linkage.renewal_notch  # type: ignore[union-attr]
    assert spec is not None and spec.on_grade_raised
    assert spec.milestones == ["invention-patent", "standard-published"]
    kinds = {m.code: m.kind for m in product.milestones}
    assert kinds == {"invention-patent": "patent", "standard-published": "standard"}
    # a milestone of kind patent verified by a certification is refused by the loader
    text = resources.files("zhixin.products.data").joinpath("zhongshangdai.yaml").read_text()
    bad = text.replace(
        "      record_kind: patent\n      label: 发明专利授权",
        "      record_kind: product_certification\n      label: 发明专利授权",
    )
    assert bad != text
    with pytest.raises(ProductInvalid) as refused:
        parse(yaml.safe_load(bad))
    assert any("只能由这些记录核验：patent" in e for e in refused.value.errors), refused.value
    # and a notch naming a milestone no record verifies
    bad = text.replace(
        "milestones: [invention-patent, standard-published]", "milestones: [tech-leap]"
    )
    with pytest.raises(ProductInvalid) as refused:
        parse(yaml.safe_load(bad))
    assert any("未定义的里程碑 'tech-leap'" in e for e in refused.value.errors)


def test_a_named_milestone_moves_the_renewal_one_notch_without_a_raised_grade(
    book: Book,
) -> None:
    """The enterprise's class did not move (Ⅲ类 throughout), but an invention patent was
    granted during the loan: the renewal goes one class up — Ⅱ类's rate (40bp lower) and
    limit (120万) — and the action names the milestone and the record."""
    patented = _loan(book, "owner-raised")
    plain = _loan(book, "owner-same")
    # the same grades at renewal as at the loan: no notch by the grade
    third = Grade("III", {"credit": "III", "management": "III"}, Decimal("56.00"))
    publish_grades(
        book.factory,
        catalog="xiamen",
        grades={book.raised: third, book.same: third},
        as_of=date(2025, 10, 31),
        published_at=datetime(2025, 11, 3, 2, 0, tzinfo=UTC),
    )
    # before the loan (6 Feb 2025) or a utility model: not the milestone
    _patent(book, book.same, "ZL202410000001.1", "发明", date(2025, 1, 10))
    _patent(book, book.same, "ZL202510000002.2", "实用新型", date(2025, 6, 1))
    rid = _patent(book, book.raised, "ZL202510000003.3", "发明", date(2025, 6, 18))
    with unit_of_work(book.factory) as s:
        old_rate = s.get(LoanContract, patented).contract_rate  # type: ignore[union-attr]
    officer = book.who("zb-officer")
    with unit_of_work(book.factory) as s:
        nid = renewals.renew(
            s, actor=officer, contract_id=patented, today=RENEW_ON, listed=_listed
        ).id
        sid = renewals.renew(s, actor=officer, contract_id=plain, today=RENEW_ON, listed=_listed).id
    with book.factory() as s:
        new = s.get(LoanContract, nid)
        assert new is not None
        assert new.contract_rate == old_rate - Decimal("0.40")
        assert new.principal_limit == Decimal("1200000.00")
        (dd,) = s.scalars(select(LoanDrawdown).where(LoanDrawdown.contract_id == nid))
        assert dd.annual_rate == old_rate - Decimal("0.40")  # from the renewal's first period
        assert new.start_date == RENEW_ON  # the new rate runs from the renewal on
        assert new.terms["priced_class"] == "Ⅱ类" and new.terms["graded_class"] == "Ⅲ类"
        assert new.terms["notch"]["milestone"] == "invention-patent"
        assert new.terms["notch"]["record_id"] == rid
        kept = s.get(LoanContract, sid)
        assert kept is not None and kept.contract_rate == old_rate and "notch" not in kept.terms
        (act,) = s.scalars(select(LinkageAction).where(LinkageAction.kind == "notch_up"))
        assert act.contract_id == nid and act.bp == -40 and act.status == "applied"
        assert act.rule == "zhongshangdai:linkage.renewal_notch.milestones:invention-patent"
        assert act.record_id == rid and act.milestone == "invention-patent"
        assert "达成里程碑「贷款期间获得发明专利授权」" in act.reason
        assert "发明专利授权" in act.reason and "2025-06-18" in act.reason
        assert "续贷按Ⅱ类（原按Ⅲ类）" in act.reason and "下调 40bp" in act.reason
        assert "60万元 → 120万元" in act.reason
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "linkage.actions")).all()
        assert any(a.detail["kinds"] == ["notch_up"] for a in audit)
        entry = s.scalars(
            select(EvidenceEntry).where(
                EvidenceEntry.subject_type == "linkage_action",
                EvidenceEntry.subject_id == str(act.id),
            )
        ).one()
        assert "invention-patent" in entry.payload
    owner = book.who("owner-raised")
    with book.factory() as s:
        seen = reading.of_loan(s, actor=owner, contract_id=nid)
        assert [a.label for a in seen.actions] == ["续贷升档"]
        mine = reading.of_enterprise(s, actor=owner, enterprise_id=book.raised)
        assert any("达成里程碑" in a.row.reason for a in mine.actions)
