"""Applications on a real database: intake freezes the quote, the five standards from records,
materials, the workflow with maker-checker, tenant isolation, fast-lane deadlines across the
Spring Festival and National Day, an unknown year said plainly, the queue order.

``build_world`` is shared with the API, CLI and browser tests of applications.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import PASSWORD, make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
from zhixin.applications import acts, reading, service
from zhixin.applications.models import Application, ApplicationEvent
from zhixin.applications.rules import Action
from zhixin.applications.schemas import ApplicationIn
from zhixin.applications.workflow import Inputs
from zhixin.audit.models import AuditEvent
from zhixin.consent.models import Consent
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Method
from zhixin.quotes.models import Quote
from zhixin.records.models import QualityRecord

XMRCB, ICBC = "bank-xmrcb", "bank-icbc-xm"
ALL_MATERIALS = ["licence", "financials", "use_proof", "legal_rep_id", "premises", "tax"]
# The whitelist in force from 2 Dec 2024 (10:00 Beijing time): quotes from then on read it.
PUBLISHED = datetime(2024, 12, 2, 2, 0, tzinfo=UTC)


@dataclass
class World:
    factory: sessionmaker[Session]
    a: int  # 厦门鹭芯科技: listed, Ⅰ类
    b: int  # 厦门海屿材料: listed, Ⅱ类, no 专精特新 title
    c: int  # 厦门新芽: not listed, founded October 2024
    ids: dict[str, int]

    def who(self, username: str) -> Principal:
        with unit_of_work(self.factory) as s:
            user = accounts_repo.user_by_username(s, username)
            assert user is not None
            return accounts.principal_for(s, user)


def _firm(s: Session, body: str, name: str, established: date) -> int:
    firm = Enterprise(
        uscc=make_uscc(body),
        name=name,
        kind="企业",
        status="存续",
        size_class="中",
        region_code="350203",
        established_on=established,
    )
    s.add(firm)
    s.flush()
    return firm.id


def build_world(factory: sessionmaker[Session], published_at: datetime = PUBLISHED) -> World:
    with unit_of_work(factory) as s:
        a = _firm(s, "91350203MA2YA0011", "厦门鹭芯科技有限公司", date(2015, 3, 1))
        b = _firm(s, "91350203MA2YB0022", "厦门海屿材料有限公司", date(2016, 6, 1))
        c = _firm(s, "91350203MA2YC0033", "厦门新芽科技有限公司", date(2024, 10, 8))
    top = {"credit": "I", "management": "I", "infrastructure": "II"}
    publish_grades(
        factory,
        catalog="xiamen",
        grades={
            a: Grade("I", top, Decimal("91.50")),
            b: Grade("II", {"credit": "II", "infrastructure": "III"}, Decimal("72.00")),
        },
        as_of=date(2024, 11, 30),
        published_at=published_at,
    )
    ids = {
        "officer": make_user(factory, "officer", Role.bank_officer, tenant_code=XMRCB),
        "approver": make_user(factory, "approver", Role.bank_approver, tenant_code=XMRCB),
        "approver2": make_user(factory, "approver2", Role.bank_approver, tenant_code=XMRCB),
        "icbc-officer": make_user(factory, "icbc-officer", Role.bank_officer, tenant_code=ICBC),
        "icbc-approver": make_user(factory, "icbc-approver", Role.bank_approver, tenant_code=ICBC),
        "owner-a": make_user(factory, "owner-a", Role.enterprise, enterprise_id=a),
        "owner-b": make_user(factory, "owner-b", Role.enterprise, enterprise_id=b),
        "owner-c": make_user(factory, "owner-c", Role.enterprise, enterprise_id=c),
        "regulator": make_user(factory, "regulator", Role.regulator, tenant_code="amr"),
        "taskforce": make_user(factory, "taskforce", Role.task_force, tenant_code="tf"),
        "guarantor": make_user(factory, "guarantor", Role.guarantor, tenant_code="gu"),
    }
    with unit_of_work(factory) as s:
        tenant = accounts_repo.tenant_by_code(s, XMRCB)
        assert tenant is not None and tenant.kind == TenantKind.bank
        both = accounts.create_user(
            s,
            tenant=tenant,
            username="both",
            display_name="身兼二职",
            password=PASSWORD,
            roles=[Role.bank_officer, Role.bank_approver],
            policy=PasswordPolicy(),
        )
        ids["both"] = both.id
    return World(factory, a, b, c, ids)


def form(product: str = "luzhidai", amount: str = "3000000.00", **extra: object) -> ApplicationIn:
    data: dict[str, object] = {
        "product_code": product,
        "amount": Decimal(amount),
        "term_months": 12,
        "method": Method.revolving,
        "purpose": "购置在线检测设备",
        "use_of_funds": "支付设备采购合同款（合同编号 XM-2025-018）",
        "annual_sales": Decimal("30000000.00"),
        "materials": ALL_MATERIALS,
    }
    data.update(extra)
    return ApplicationIn.model_validate(data)


def submit(w: World, user: str, on: date, f: ApplicationIn | None = None) -> int:
    with unit_of_work(w.factory) as s:
        return service.submit(s, actor=w.who(user), form=f or form(), on=on).id


def run(
    w: World, act: str, user: str, app_id: int, on: date | None = None, **kw: Any
) -> Application:
    """Do ``act`` (an :data:`~zhixin.applications.acts.ACTS` name) as ``user``, committed."""
    with unit_of_work(w.factory) as s:
        return acts.perform(
            s, act, actor=w.who(user), application_id=app_id, inputs=Inputs(**kw), on=on
        )


def attest_all(w: World, app_id: int, user: str = "officer", on: date | None = None) -> None:
    for code in ("fixed_premises", "real_need", "lawful_use"):
        run(w, "attest", user, app_id, code=code, passed=True, note="已实地走访核实", on=on)


def to_pending_approval(w: World, app_id: int, day: date, officer: str = "officer") -> None:
    run(w, Action.accept, officer, app_id, on=day)
    run(w, Action.start_review, officer, app_id, on=day)
    attest_all(w, app_id, officer, day)
    run(w, Action.submit_for_approval, officer, app_id, recommendation="approve", on=day)


def detail(w: World, user: str, app_id: int, on: date | None = None):  # type: ignore[no-untyped-def]
    with unit_of_work(w.factory) as s:
        return reading.detail(s, actor=w.who(user), application_id=app_id, on=on)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


# -- intake --------------------------------------------------------------------------------


def test_submission_freezes_the_quote_grants_consent_and_runs_the_checks(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 1, 23))
    with unit_of_work(world.factory) as s:
        app = s.get(Application, app_id)
        assert app is not None
        quote = s.get(Quote, app.quote_id)
        assert quote is not None
        # the frozen quote is the one made at submission, for this enterprise and product
        assert (quote.enterprise_id, quote.product_code, quote.quoted_on) == (
            world.a,
            "luzhidai",
            date(2025, 1, 23),
        )
        assert app.product_version_id == quote.product_version_id
        assert app.evaluation_run_id == quote.evaluation_run_id is not None
        assert app.whitelist_version == quote.whitelist_version == 1
        assert app.listed and app.fast_lane_days == 4
        # Ⅰ类 on 鹭质贷: limit 500万; 1y LPR on 23 Jan 2025 is 3.10% + 240bp − 50bp = 5.00%
        assert app.terms["eligible"] is True
        assert Decimal(app.terms["limit"]) == Decimal("5000000.00")
        assert Decimal(app.terms["rate"]) == Decimal("5.0000")
        consent = s.get(Consent, app.consent_id)
        assert consent is not None and app.consent_mode == "granted"
        bank = accounts_repo.tenant_by_code(s, XMRCB)
        assert bank is not None and consent.tenant_id == bank.id == app.bank_tenant_id
    d = detail(world, "officer", app_id)
    assert d.state == "submitted" and d.state_label == "已提交"
    status = {c.code: c.status for c in d.checks}
    assert status == {
        "compliant_operation": "passed",
        "fixed_premises": "pending",
        "real_need": "pending",
        "good_credit": "passed",
        "lawful_use": "pending",
    }
    ops = next(c for c in d.checks if c.code == "compliant_operation")
    assert "成立于 2015-03-01，已经营 118 个月（要求不少于 12 个月）" in ops.evidence
    assert [m.code for m in d.materials] == ALL_MATERIALS
    assert [e.action for e in d.events] == ["submit"]


def test_the_list_entries_decide_the_standards_and_an_unlisted_firm_gets_no_fast_lane(
    world: World,
) -> None:
    with unit_of_work(world.factory) as s:
        s.add(
            QualityRecord(
                enterprise_id=world.c,
                kind="list_entry",
                natural_key="c|abnormal",
                content_hash="c" * 32,
                subtype="经营异常名录",
                valid_from=date(2025, 1, 2),
                title="未按规定报送年度报告",
                source_system="test",
            )
        )
    app_id = submit(world, "owner-c", date(2025, 1, 23), form(amount="500000.00"))
    d = detail(world, "owner-c", app_id)
    assert d.listed is False and d.fast_lane_days is None
    assert d.terms.eligible is False and d.terms.reasons
    ops = next(c for c in d.checks if c.code == "compliant_operation")
    assert ops.status == "failed"
    assert "2025-01-02 列入经营异常名录，原因：未按规定报送年度报告" in ops.evidence
    assert "成立于 2024-10-08，已经营 3 个月，不足 12 个月" in ops.evidence


def test_an_officer_applies_on_behalf_with_an_attested_authorisation(world: World) -> None:
    with pytest.raises(Invalid, match="授权书"):
        submit(world, "officer", date(2025, 1, 23), form(enterprise_id=world.a))
    app_id = submit(
        world,
        "officer",
        date(2025, 1, 23),
        form(enterprise_id=world.a, authorisation_attested=True),
    )
    d = detail(world, "officer", app_id)
    assert d.consent_mode == "attested"
    assert {m.code: m.status for m in d.materials}["authorisation"] == "missing"
    # another bank's product is not the officer's to apply for
    with pytest.raises(Forbidden, match="本行"):
        submit(
            world,
            "officer",
            date(2025, 1, 23),
            form("zhuanjingtexin-edai", enterprise_id=world.b, authorisation_attested=True),
        )
    # and one open application per product is enough
    with pytest.raises(Conflict, match=f"#{app_id}"):
        submit(world, "owner-a", date(2025, 1, 23))


def test_missing_material_is_requested_and_answered_not_silently_accepted(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 1, 23), form(materials=["licence", "use_proof"]))
    with pytest.raises(
        Invalid, match="材料不全，不能受理：缺少近一年财务报表、法定代表人身份证明、经营场所证明"
    ):
        run(world, Action.accept, "officer", app_id, on=date(2025, 1, 24))
    run(
        world,
        Action.request_materials,
        "officer",
        app_id,
        codes=["financials", "legal_rep_id", "premises"],
        note="请补充 2024 年度财务报表等",
        on=date(2025, 1, 24),
    )
    assert detail(world, "owner-a", app_id).state == "materials_requested"
    with pytest.raises(Invalid, match="仍缺少要求补充的材料：经营场所证明"):
        run(
            world,
            Action.respond_materials,
            "owner-a",
            app_id,
            provided=["financials", "legal_rep_id"],
            on=date(2025, 1, 26),
        )
    # another enterprise cannot answer for it
    with pytest.raises(NotFound):
        run(world, Action.respond_materials, "owner-b", app_id, provided=["premises"])
    run(
        world,
        Action.respond_materials,
        "owner-a",
        app_id,
        provided=["financials", "legal_rep_id", "premises"],
        notes={"premises": "厂房租赁合同（至 2028 年）"},
        on=date(2025, 1, 26),
    )
    d = detail(world, "owner-a", app_id)
    assert d.state == "submitted"
    assert {m.code: m.status for m in d.materials}["premises"] == "provided"
    premises = next(c for c in d.checks if c.code == "fixed_premises")
    assert "企业已提交经营场所证明" in premises.evidence
    run(world, Action.accept, "officer", app_id, on=date(2025, 1, 27))
    assert detail(world, "officer", app_id).state == "accepted"


# -- workflow, maker-checker, isolation ----------------------------------------------------


def test_the_whole_way_with_events_audit_and_measured_days(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 1, 23))
    run(world, Action.accept, "officer", app_id, on=date(2025, 1, 24))
    run(world, Action.start_review, "officer", app_id, on=date(2025, 1, 24))
    with pytest.raises(
        Invalid, match="五项标准尚未全部核实（固定经营场所、真实融资需求、贷款用途合法合规）"
    ):
        run(world, Action.submit_for_approval, "officer", app_id, recommendation="approve")
    attest_all(world, app_id, "officer", date(2025, 1, 26))
    run(
        world,
        Action.submit_for_approval,
        "officer",
        app_id,
        recommendation="approve",
        note="五项标准均通过",
        on=date(2025, 1, 27),
    )
    run(world, Action.approve, "approver", app_id, on=date(2025, 2, 5))
    d = detail(world, "owner-a", app_id)
    assert d.state == "approved"
    assert d.approved_amount == Decimal("3000000.00") and d.approved_rate == Decimal("5.0000")
    # accepted Fri 24 Jan; 4 working days: Sun 26 (make-up), Mon 27, Wed 5 Feb, Thu 6 Feb
    assert d.deadline == date(2025, 2, 6)
    # submitted Thu 23 Jan, approved Wed 5 Feb: 13 calendar days; working days 24, 26, 27 Jan
    # and 5 Feb = 4
    assert (d.decision_days, d.decision_workdays, d.on_time) == (13, 4, True)
    assert [e.action for e in d.events] == [
        "submit",
        "accept",
        "start_review",
        "attest",
        "attest",
        "attest",
        "submit_for_approval",
        "approve",
    ]
    assert d.events[-1].actor_name == "approver" and d.events[-1].to_label == "已批准"
    run(world, Action.contract, "officer", app_id, note="合同 XMRCB-2025-77")
    assert detail(world, "officer", app_id).state == "contracted"
    with unit_of_work(world.factory) as s:
        actions = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "loan_application", AuditEvent.object_id == str(app_id)
            )
        ).all()
        assert actions.count("application.approve") == 1 and "application.contract" in actions


def test_maker_checker_even_for_a_user_holding_both_roles(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 1, 23))
    to_pending_approval(world, app_id, date(2025, 1, 24), officer="both")
    with pytest.raises(Forbidden, match="审贷分离"):
        run(world, Action.approve, "both", app_id)
    with pytest.raises(Forbidden, match="审贷分离"):
        run(world, Action.reject, "both", app_id, codes=["other"], note="x")
    left = detail(world, "both", app_id).actions
    assert "approve" not in left and "reject" not in left and "return_for_review" not in left
    run(world, Action.approve, "approver", app_id, on=date(2025, 1, 27))
    assert detail(world, "both", app_id).state == "approved"


def test_approval_refuses_what_the_quote_did_not_support(world: World) -> None:
    # Ⅱ类 on 鹭质贷: limit 300万, so asking 400万 makes the frozen quote "not eligible"
    over = submit(world, "owner-b", date(2025, 1, 23), form(amount="4000000.00"))
    to_pending_approval(world, over, date(2025, 1, 24))
    with pytest.raises(
        Invalid, match=re.escape("不符合准入条件（申请金额 400.00万元 超过可贷额度 300.00万元）")
    ):
        run(world, Action.approve, "approver", over)
    # an eligible application may be approved for less than asked, never for more
    fits = submit(world, "owner-a", date(2025, 1, 23))
    to_pending_approval(world, fits, date(2025, 1, 24))
    with pytest.raises(Invalid, match="批准金额不能超过申请金额"):
        run(world, Action.approve, "approver", fits, amount=Decimal("3000000.01"))
    run(world, Action.approve, "approver", fits, amount=Decimal("2500000.00"))
    assert detail(world, "owner-a", fits).approved_amount == Decimal("2500000.00")


def test_a_bank_sees_only_its_own_and_an_enterprise_only_its_own(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 1, 23))
    for user in ("icbc-officer", "icbc-approver", "owner-b"):
        with pytest.raises(NotFound):
            detail(world, user, app_id)
        with unit_of_work(world.factory) as s:
            assert reading.queue(s, actor=world.who(user)).total == 0
    with pytest.raises(NotFound):
        run(world, Action.accept, "icbc-officer", app_id)
    with pytest.raises(Forbidden):
        detail(world, "guarantor", app_id)
    for user in ("officer", "approver", "owner-a", "regulator", "taskforce"):
        assert detail(world, user, app_id).id == app_id
    with pytest.raises(Forbidden):  # the regulator reads, it does not act
        run(world, Action.accept, "regulator", app_id)


def test_withdrawal_and_what_cannot_follow_it(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 1, 23))
    run(world, Action.withdraw, "owner-a", app_id, note="资金需求已通过其他渠道解决")
    with pytest.raises(Conflict, match="已撤回"):
        run(world, Action.accept, "officer", app_id)
    d = detail(world, "owner-a", app_id)
    assert d.state == "withdrawn" and d.decided_on is None and d.actions == []


# -- fast lane deadlines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "deadline"),
    [
        # Fri 24 Jan 2025 + 4: Sun 26 Jan (make-up), Mon 27, [28 Jan – 4 Feb off], Wed 5, Thu 6
        (date(2025, 1, 24), date(2025, 2, 6)),
        # Mon 27 Jan + 4: Wed 5, Thu 6, Fri 7, Sat 8 Feb (make-up)
        (date(2025, 1, 27), date(2025, 2, 8)),
        # Fri 26 Sep 2025 + 4: Sun 28 Sep (make-up), Mon 29, Tue 30, [1–8 Oct off], Thu 9 Oct
        (date(2025, 9, 26), date(2025, 10, 9)),
        # Tue 30 Sep + 4: Thu 9, Fri 10, Sat 11 Oct (make-up), Mon 13 Oct
        (date(2025, 9, 30), date(2025, 10, 13)),
    ],
)
def test_the_deadline_counts_china_working_days(
    world: World, accepted: date, deadline: date
) -> None:
    app_id = submit(world, "owner-a", accepted)
    run(world, Action.accept, "officer", app_id, on=accepted)
    assert detail(world, "officer", app_id, on=accepted).deadline == deadline


def test_waiting_for_materials_moves_the_deadline(world: World) -> None:
    app_id = submit(world, "owner-a", date(2025, 9, 24))
    run(world, Action.accept, "officer", app_id, on=date(2025, 9, 26))  # due Thu 9 Oct
    run(
        world,
        Action.request_materials,
        "officer",
        app_id,
        codes=["financials"],
        note="补充 2025 年半年报",
        on=date(2025, 9, 29),
    )
    # answered Thu 9 Oct: working days lost in (29 Sep, 9 Oct] = 30 Sep and 9 Oct = 2,
    # so Thu 9 Oct + 2 = Sat 11 Oct (make-up workday)
    run(
        world,
        Action.respond_materials,
        "owner-a",
        app_id,
        provided=["financials"],
        on=date(2025, 10, 9),
    )
    d = detail(world, "officer", app_id, on=date(2025, 10, 9))
    assert d.state == "accepted" and d.deadline == date(2025, 10, 11)
    # on Thu 9 Oct, left: Fri 10 and Sat 11 Oct
    assert d.workdays_left == 2 and d.overdue is False


def test_an_unknown_year_is_said_plainly(world: World) -> None:
    # Accepted Mon 28 Dec 2026: 29, 30, 31 Dec are working days; the 4th falls in 2027, a year
    # neither chinese-calendar nor the operator's calendar knows.
    app_id = submit(world, "owner-a", date(2026, 12, 28))
    run(world, Action.accept, "officer", app_id, on=date(2026, 12, 28))
    d = detail(world, "officer", app_id, on=date(2026, 12, 28))
    assert d.deadline is None
    assert d.deadline_note is not None and "2027" in d.deadline_note
    assert d.deadline_note.startswith("无法计算快速通道办结时限")


def test_the_queue_runs_by_working_days_left_and_counts_the_overdue(world: World) -> None:
    first = submit(world, "owner-a", date(2025, 1, 20))
    run(world, Action.accept, "officer", first, on=date(2025, 1, 20))  # due Fri 24 Jan
    second = submit(world, "owner-b", date(2025, 1, 23))
    run(world, Action.accept, "officer", second, on=date(2025, 1, 24))  # due Thu 6 Feb
    third = submit(world, "owner-c", date(2025, 1, 23), form(amount="500000.00"))  # no lane
    with unit_of_work(world.factory) as s:
        q = reading.queue(s, actor=world.who("officer"), on=date(2025, 1, 27))
        assert [i.id for i in q.items] == [first, second, third]
        assert q.overdue == 1 and q.items[0].overdue and q.items[0].workdays_left == -2
        # from Mon 27 Jan to Thu 6 Feb: 5 and 6 Feb
        assert q.items[1].workdays_left == 2 and q.fast_lane == 2
        only = reading.queue(s, actor=world.who("officer"), on=date(2025, 1, 27), overdue_only=True)
        assert [i.id for i in only.items] == [first]
        assert reading.queue(s, actor=world.who("owner-b"), on=date(2025, 1, 27)).total == 1
        n = s.scalar(select(func.count()).select_from(ApplicationEvent))
        assert n == 5  # three submissions, two acceptances
