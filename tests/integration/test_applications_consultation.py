"""Refusal → joint consultation (联合会诊): reasons from the code list, remedies computed over
every current product and the evaluation's advice, the task force's plan, the resubmission
linked to the refusal, and the time to resolution in working days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import (
    World,
    attest_all,
    build_world,
    detail,
    form,
    run,
    submit,
    to_pending_approval,
)
from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.applications import consultation
from zhixin.applications.models import Consultation
from zhixin.applications.rules import Action
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Method


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


def refuse(w: World, app_id: int, day: date, officer: str, approver: str, codes: list[str]) -> None:
    run(w, Action.accept, officer, app_id, on=day)
    run(w, Action.start_review, officer, app_id, on=day)
    attest_all(w, app_id, officer, day)
    run(
        w,
        Action.submit_for_approval,
        officer,
        app_id,
        recommendation="reject",
        note="经营现金流不足以覆盖还款",
        on=day,
    )
    run(
        w,
        Action.reject,
        approver,
        app_id,
        codes=codes,
        note="未持有专精特新称号，不符合本产品准入条件",
        on=day,
    )


def queue(w: World, user: str = "taskforce"):  # type: ignore[no-untyped-def]
    with unit_of_work(w.factory) as s:
        return consultation.queue(s, actor=w.who(user))


def test_a_recommendation_to_refuse_needs_a_written_reason(world: World) -> None:
    day = date(2025, 3, 3)
    app_id = submit(world, "owner-b", day, form("zhuanjingtexin-edai", "2000000.00"))
    run(world, Action.accept, "icbc-officer", app_id, on=day)
    run(world, Action.start_review, "icbc-officer", app_id, on=day)
    attest_all(world, app_id, "icbc-officer", day)
    with pytest.raises(Invalid, match="建议拒绝须在审查说明中写明理由"):
        run(world, Action.submit_for_approval, "icbc-officer", app_id, recommendation="reject")
    run(world, Action.submit_for_approval, "icbc-officer", app_id, recommendation="approve")
    assert detail(world, "owner-b", app_id).state == "pending_approval"


def test_a_refusal_is_planned_resubmitted_approved_and_resolved(world: World) -> None:
    # 海屿 (Ⅱ类, no 专精特新 title) asks ICBC's 专精特新e贷 for 200万 on Mon 3 Mar 2025
    original = submit(world, "owner-b", date(2025, 3, 3), form("zhuanjingtexin-edai", "2000000.00"))
    assert detail(world, "owner-b", original).terms.eligible is False
    with pytest.raises(Invalid, match="至少选择一项"):
        refuse(world, original, date(2025, 3, 3), "icbc-officer", "icbc-approver", [])
    run(
        world,
        Action.reject,
        "icbc-approver",
        original,
        codes=["not_eligible", "low_grade"],
        note="未持有专精特新称号，不符合本产品准入条件",
        on=date(2025, 3, 3),
    )
    d = detail(world, "owner-b", original)
    assert d.state == "rejected" and d.reject_labels == ["不符合产品准入条件", "信用等级低"]
    assert d.consultation is not None and d.consultation.status_label == "待会诊"

    q = queue(world)
    assert (q.total, q.open) == (1, 1)
    c = q.items[0]
    assert c.application_id == original and c.gap == Decimal("2000000.00")
    products = [s for s in c.suggestions if s.kind == "product"]
    # 鹭质贷 for a Ⅱ类 firm: limit 300万 covers 200万; 1y LPR 3.10% + 240bp − 30bp = 5.20%
    assert products[0].product_code == "luzhidai"
    assert (products[0].limit, products[0].rate, products[0].covers) == (
        Decimal("3000000.00"),
        Decimal("5.2000"),
        True,
    )
    assert "zhuanjingtexin-edai" not in {s.product_code for s in c.suggestions}
    quality = [s for s in c.suggestions if s.kind == "quality"]
    assert quality and all(s.title.endswith("提升一级") and s.detail for s in quality)
    assert not [s for s in c.suggestions if s.kind == "materials"]

    with pytest.raises(Forbidden):
        queue(world, "officer")
    with unit_of_work(world.factory) as s:
        consultation.record_plan(
            s,
            actor=world.who("taskforce"),
            consultation_id=c.id,
            plan="改投厦门农商行鹭质贷 200万元；专班协调 3 个工作日内完成审批；辅导申报 ISO 9001",
        )
    assert queue(world).planned == 1

    # the resubmission to 鹭质贷 links to the refusal and is approved on Fri 7 Mar
    with pytest.raises(NotFound):  # another enterprise cannot claim the refusal
        submit(world, "owner-a", date(2025, 3, 5), form(resubmission_of=original))
    again = submit(
        world, "owner-b", date(2025, 3, 5), form(amount="2000000.00", resubmission_of=original)
    )
    to_pending_approval(world, again, date(2025, 3, 6))
    run(world, Action.approve, "approver", again, on=date(2025, 3, 7))
    assert detail(world, "owner-b", original).resubmissions == [again]
    assert detail(world, "owner-b", again).resubmission_of_id == original

    q = queue(world)
    done = q.items[0]
    assert done.status == "resolved" and done.resolved_by_application_id == again
    # refused Mon 3 Mar, resolved Fri 7 Mar: 4 working days (4, 5, 6, 7 Mar), 4 calendar days
    assert (done.resolution_workdays, done.resolution_days) == (4, 4)
    assert (q.resolved, q.resolved_within_5, q.average_workdays) == (1, 1, Decimal("4.0"))
    with unit_of_work(world.factory) as s, pytest.raises(Conflict, match="已解决"):
        consultation.record_plan(s, actor=world.who("taskforce"), consultation_id=done.id, plan="x")


def test_a_guarantee_product_is_suggested_for_the_gap(factory: sessionmaker[Session]) -> None:
    w = build_world(factory)
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=make_uscc("91330602MA2YD0044"),
            name="绍兴纺联织造有限公司",
            kind="企业",
            status="存续",
            size_class="小",
            region_code="330602",
            established_on=date(2012, 5, 1),
        )
        s.add(firm)
        s.flush()
        d_id = firm.id
    publish_grades(
        factory,
        catalog="ningbo",
        grades={d_id: Grade("L2", {"credit": "L2", "management": "L3"}, Decimal("80.00"))},
        as_of=date(2024, 11, 30),
        published_at=datetime(2024, 12, 3, 2, 0, tzinfo=UTC),
    )
    make_user(factory, "owner-d", Role.enterprise, enterprise_id=d_id)
    make_user(factory, "nb-officer", Role.bank_officer, tenant_code="bank-nbbank")
    make_user(factory, "nb-approver", Role.bank_approver, tenant_code="bank-nbbank")
    # a Shaoxing firm asks 宁波银行's 甬质贷 (Ningbo only) for 600万
    app_id = submit(
        w,
        "owner-d",
        date(2025, 3, 3),
        form("yongzhidai", "6000000.00", term_months=24, method=Method.interest_monthly),
    )
    refuse(w, app_id, date(2025, 3, 3), "nb-officer", "nb-approver", ["not_eligible"])
    c = queue(w).items[0]
    guarantee = [s for s in c.suggestions if s.kind == "guarantee"]
    # 兴保贷 (绍兴, 保证担保): 二级 → 800万 covers the 600万 gap; 3.10% + 100bp − 30bp = 3.80%
    assert [s.product_code for s in guarantee] == ["xingbaodai"]
    assert (guarantee[0].limit, guarantee[0].rate, guarantee[0].covers) == (
        Decimal("8000000.00"),
        Decimal("3.8000"),
        True,
    )
    assert "担保费率" in guarantee[0].detail
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="结案须说明原因"):
        consultation.close(s, actor=w.who("taskforce"), consultation_id=c.id, note=" ")
    with unit_of_work(factory) as s:
        consultation.close(s, actor=w.who("taskforce"), consultation_id=c.id, note="企业暂缓融资")
        row = s.get(Consultation, c.id)
        assert row is not None and row.status == "closed"
    with unit_of_work(factory) as s, pytest.raises(Conflict, match="已结案"):
        consultation.record_plan(s, actor=w.who("taskforce"), consultation_id=c.id, plan="再议")
