"""Applications (pure): the state machine, maker-checker, refusal reasons, materials, the five
standards, fast-lane deadlines over China's calendar, the queue order and the remedies."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhixin.accounts.permissions import ROLE_PERMISSIONS, Permission
from zhixin.accounts.rules import Role
from zhixin.applications import remedies, standards
from zhixin.applications.rules import (
    DECIDED,
    OPEN,
    TRANSITIONS,
    Action,
    Refusal,
    State,
    TransitionRefused,
    available,
    check_acceptable,
    check_approvable,
    check_material_request,
    check_material_response,
    check_reject_reasons,
    checklist,
    deadline,
    elapsed,
    extend_for_pause,
    fast_lane_days,
    is_overdue,
    missing_required,
    next_state,
    queue_key,
    workdays_left,
)
from zhixin.applications.standards import ListEntry, Need, Penalty, Source, Status, Subject
from zhixin.products.terms import Decision

OFFICER = ROLE_PERMISSIONS[Role.bank_officer]
APPROVER = ROLE_PERMISSIONS[Role.bank_approver]
ENTERPRISE = ROLE_PERMISSIONS[Role.enterprise]
BOTH = OFFICER | APPROVER


class CnCalendar:
    """China's official calendar straight from chinese-calendar (the app's calendar service adds
    operator-entered years on top; here the package alone is enough for 2025)."""

    def is_workday(self, day: date) -> bool:
        return bool(chinese_calendar.is_workday(day))

    def add_workdays(self, start: date, n: int) -> date:
        day, seen = start, 0
        while seen < n:
            day += timedelta(days=1)
            seen += self.is_workday(day)
        return day

    def workdays_between(self, start: date, end: date) -> int:
        return sum(
            self.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )


CAL = CnCalendar()


# -- the state machine ---------------------------------------------------------------------


def test_the_whole_way_from_submission_to_contract() -> None:
    s = State.submitted
    s = next_state(Action.accept, s, actor_id=2, permissions=OFFICER)
    assert s == State.accepted
    s = next_state(Action.start_review, s, actor_id=2, permissions=OFFICER)
    assert s == State.under_review
    s = next_state(Action.submit_for_approval, s, actor_id=2, permissions=OFFICER)
    assert s == State.pending_approval
    s = next_state(Action.approve, s, actor_id=3, permissions=APPROVER, reviewed_by_id=2)
    assert s == State.approved
    s = next_state(Action.contract, s, actor_id=2, permissions=OFFICER)
    assert s == State.contracted


def test_each_transition_belongs_to_its_role() -> None:
    with pytest.raises(TransitionRefused) as e:
        next_state(Action.approve, State.pending_approval, actor_id=2, permissions=OFFICER)
    assert e.value.kind == Refusal.permission and "批准" in e.value.message
    with pytest.raises(TransitionRefused) as e:
        next_state(Action.accept, State.submitted, actor_id=3, permissions=APPROVER)
    assert e.value.kind == Refusal.permission
    with pytest.raises(TransitionRefused):
        next_state(Action.start_review, State.accepted, actor_id=9, permissions=ENTERPRISE)
    # the enterprise answers material requests and may withdraw
    assert (
        next_state(
            Action.respond_materials,
            State.materials_requested,
            actor_id=9,
            permissions=ENTERPRISE,
            state_before=State.accepted,
        )
        == State.accepted
    )
    assert next_state(Action.withdraw, State.under_review, actor_id=9, permissions=ENTERPRISE) == (
        State.withdrawn
    )


def test_maker_checker_refuses_the_reviewer_even_holding_both_roles() -> None:
    # user 5 holds officer and approver roles and reviewed the application
    s = next_state(Action.submit_for_approval, State.under_review, actor_id=5, permissions=BOTH)
    for action in (Action.approve, Action.reject, Action.return_for_review):
        with pytest.raises(TransitionRefused) as e:
            next_state(action, s, actor_id=5, permissions=BOTH, reviewed_by_id=5, reason="x")
        assert e.value.kind == Refusal.maker_checker and "审贷分离" in e.value.message
    # another user with both roles may decide
    assert next_state(Action.approve, s, actor_id=6, permissions=BOTH, reviewed_by_id=5) == (
        State.approved
    )
    assert Action.approve not in available(s, actor_id=5, permissions=BOTH, reviewed_by_id=5)
    assert Action.approve in available(s, actor_id=6, permissions=BOTH, reviewed_by_id=5)


def test_a_second_approval_is_a_state_conflict_with_a_chinese_message() -> None:
    with pytest.raises(TransitionRefused) as e:
        next_state(Action.approve, State.approved, actor_id=3, permissions=APPROVER)
    assert e.value.kind == Refusal.state
    assert e.value.message == "该申请已处于「已批准」状态，不能再批准（可能已被他人处理，请刷新）"
    with pytest.raises(TransitionRefused) as e:
        next_state(Action.reject, State.approved, actor_id=3, permissions=APPROVER, reason="x")
    assert e.value.kind == Refusal.state


def test_reasons_are_required_where_the_transition_says() -> None:
    with pytest.raises(TransitionRefused, match="须填写理由"):
        next_state(Action.request_materials, State.accepted, actor_id=2, permissions=OFFICER)
    with pytest.raises(TransitionRefused, match="须填写理由"):
        next_state(
            Action.reject, State.pending_approval, actor_id=3, permissions=APPROVER, reason="  "
        )
    assert (
        next_state(
            Action.request_materials,
            State.accepted,
            actor_id=2,
            permissions=OFFICER,
            reason="缺财务报表",
        )
        == State.materials_requested
    )


def test_materials_return_to_where_they_were_requested() -> None:
    for before in (State.submitted, State.accepted, State.under_review):
        got = next_state(
            Action.respond_materials,
            State.materials_requested,
            actor_id=9,
            permissions=ENTERPRISE,
            state_before=before,
        )
        assert got == before
    odd = next_state(
        Action.respond_materials,
        State.materials_requested,
        actor_id=9,
        permissions=ENTERPRISE,
        state_before=State.approved,
    )
    assert odd == State.submitted


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), max_size=12), st.sampled_from([2, 3, 5]))
def test_no_sequence_leaves_a_final_state_or_approves_without_approval(
    actions: list[Action], actor: int
) -> None:
    state, before, reviewer = State.submitted, None, None
    for action in actions:
        try:
            new = next_state(
                action,
                state,
                actor_id=actor,
                permissions=BOTH,
                reviewed_by_id=reviewer,
                state_before=before,
                reason="理由",
            )
        except TransitionRefused:
            continue
        assert state not in {State.rejected, State.withdrawn, State.contracted}
        if new == State.approved:
            assert state == State.pending_approval and reviewer != actor
        if action == Action.submit_for_approval:
            reviewer = actor
        if new == State.materials_requested:
            before = state
        state = new


def test_transitions_only_use_existing_permissions_and_states() -> None:
    for t in TRANSITIONS.values():
        assert t.permission in set(Permission)
        assert t.sources <= set(State)
    assert not (OPEN & DECIDED)


# -- reasons and materials -----------------------------------------------------------------


def test_reject_needs_known_codes_and_text() -> None:
    assert check_reject_reasons(["low_grade", "revenue", "low_grade"], "等级三类") == (
        "low_grade",
        "revenue",
    )
    with pytest.raises(TransitionRefused, match="至少选择"):
        check_reject_reasons([], "说明")
    with pytest.raises(TransitionRefused, match="未知的拒绝原因代码：bogus"):
        check_reject_reasons(["bogus"], "说明")
    with pytest.raises(TransitionRefused, match="具体说明"):
        check_reject_reasons(["other"], " ")


def test_checklist_follows_the_product_kind_and_who_applies() -> None:
    plain = [m.code for m in checklist("纯信用", by_officer=False, invoicing_rule=False)]
    assert plain == ["licence", "financials", "use_proof", "legal_rep_id", "premises", "tax"]
    combo = checklist("组合", by_officer=True, invoicing_rule=True)
    codes = {m.code: m.required for m in combo}
    assert codes["collateral"] and codes["guarantee"] and codes["authorisation"] and codes["tax"]
    assert not {
        m.code: m.required for m in checklist("质押", by_officer=False, invoicing_rule=False)
    }["tax"]


def test_missing_material_blocks_acceptance_and_partial_answers() -> None:
    items = [
        ("licence", True, "provided"),
        ("financials", True, "requested"),
        ("tax", False, "missing"),
    ]
    assert missing_required(items) == ["financials"]
    with pytest.raises(TransitionRefused, match="缺少近一年财务报表"):
        check_acceptable(["近一年财务报表"])
    check_acceptable([])
    assert check_material_request(["financials", "financials"], ["licence", "financials"]) == (
        "financials",
    )
    with pytest.raises(TransitionRefused, match="没有：guarantee"):
        check_material_request(["guarantee"], ["licence"])
    with pytest.raises(TransitionRefused, match="仍缺少要求补充的材料：用途证明"):
        check_material_response(["financials", "use_proof"], ["financials"])


def test_approval_needs_eligibility_the_limit_and_all_five_standards() -> None:
    ok = dict(
        eligible=True,
        eligibility_reasons=(),
        amount=Decimal("3000000.00"),
        limit=Decimal("3000000.00"),
        failed_standards=(),
        pending_standards=(),
    )
    check_approvable(**ok)  # type: ignore[arg-type]
    with pytest.raises(TransitionRefused, match="不符合准入条件（未列入白名单）"):
        check_approvable(**ok | dict(eligible=False, eligibility_reasons=("未列入白名单",)))  # type: ignore[arg-type]
    with pytest.raises(
        TransitionRefused, match=r"3,000,000\.01 元超过测算可贷额度 3,000,000\.00 元"
    ):
        check_approvable(**ok | dict(amount=Decimal("3000000.01")))  # type: ignore[arg-type]
    with pytest.raises(TransitionRefused, match="尚待核实：固定经营场所"):
        check_approvable(**ok | dict(pending_standards=("固定经营场所",)))  # type: ignore[arg-type]
    with pytest.raises(TransitionRefused, match="未通过：信用状况良好"):
        check_approvable(**ok | dict(failed_standards=("信用状况良好",)))  # type: ignore[arg-type]


# -- fast lane and working days ------------------------------------------------------------


def test_fast_lane_only_for_listed_applicants_on_fast_lane_products() -> None:
    assert fast_lane_days(listed=True, product_days=3) == 3
    assert fast_lane_days(listed=False, product_days=3) is None
    assert fast_lane_days(listed=True, product_days=None) is None
    assert fast_lane_days(listed=True, product_days=0) is None


def test_deadline_across_the_2025_spring_festival() -> None:
    # Accepted Fri 24 Jan 2025. Sat 25 is off; Sun 26 is a make-up workday (1); Mon 27 (2);
    # 28 Jan – 4 Feb is the holiday; Wed 5 Feb (3).
    assert deadline(CAL, date(2025, 1, 24), 3) == date(2025, 2, 5)
    # Four days: Thu 6 Feb; six: Sat 8 Feb, the second make-up workday.
    assert deadline(CAL, date(2025, 1, 24), 4) == date(2025, 2, 6)
    assert deadline(CAL, date(2025, 1, 24), 6) == date(2025, 2, 8)


def test_deadline_across_the_2025_national_day() -> None:
    # Accepted Fri 26 Sep 2025: Sun 28 Sep make-up (1), Mon 29 (2), Tue 30 (3), 1–8 Oct off,
    # Thu 9 Oct (4), Fri 10 Oct (5), Sat 11 Oct make-up (6).
    assert deadline(CAL, date(2025, 9, 26), 3) == date(2025, 9, 30)
    assert deadline(CAL, date(2025, 9, 26), 5) == date(2025, 10, 10)
    assert deadline(CAL, date(2025, 9, 26), 6) == date(2025, 10, 11)


def test_time_left_overdue_and_elapsed() -> None:
    due = date(2025, 2, 5)
    assert workdays_left(CAL, date(2025, 1, 24), due) == 3
    assert workdays_left(CAL, date(2025, 1, 30), due) == 1  # inside the holiday
    assert workdays_left(CAL, due, due) == 0
    assert workdays_left(CAL, date(2025, 2, 7), due) == -2
    assert is_overdue(date(2025, 2, 6), due, State.under_review)
    assert not is_overdue(date(2025, 2, 6), due, State.approved)
    assert not is_overdue(due, due, State.under_review)
    # submitted Thu 23 Jan, decided Thu 6 Feb: 14 calendar days, 5 working days
    # (24, 26, 27 Jan, 5, 6 Feb)
    assert elapsed(CAL, date(2025, 1, 23), date(2025, 2, 6)) == rules_elapsed(14, 5)


def rules_elapsed(days: int, work: int) -> object:
    from zhixin.applications.rules import Elapsed

    return Elapsed(days, work)


def test_waiting_for_materials_stops_the_clock() -> None:
    # due Wed 5 Feb; materials asked Mon 27 Jan, answered Thu 6 Feb: 2 working days lost
    # (5 and 6 Feb: 28 Jan – 4 Feb is the holiday), so the deadline moves two working days on,
    # from Wed 5 Feb to Fri 7 Feb.
    assert extend_for_pause(CAL, date(2025, 2, 5), date(2025, 1, 27), date(2025, 2, 6)) == date(
        2025, 2, 7
    )
    assert extend_for_pause(CAL, date(2025, 2, 5), date(2025, 1, 27), date(2025, 1, 27)) == date(
        2025, 2, 5
    )


def test_queue_puts_overdue_first_then_least_time_left() -> None:
    items = [
        (1, None, None, False, date(2025, 1, 2)),
        (2, 3, date(2025, 2, 10), False, date(2025, 1, 5)),
        (3, -1, date(2025, 2, 3), True, date(2025, 1, 6)),
        (4, 0, date(2025, 2, 4), False, date(2025, 1, 7)),
        (5, 0, date(2025, 2, 1), True, date(2025, 1, 8)),  # a Saturday after the deadline
        (6, None, None, False, date(2025, 1, 1)),
    ]
    ordered = sorted(
        items,
        key=lambda i: queue_key(left=i[1], due=i[2], overdue=i[3], submitted=i[4], ident=i[0]),
    )
    assert [i[0] for i in ordered] == [3, 5, 4, 2, 6, 1]


# -- the five standards --------------------------------------------------------------------

ON = date(2025, 6, 30)
NEED = Need(
    amount=Decimal("2000000.00"),
    purpose="购买检测设备",
    use_of_funds="支付设备采购合同款",
    annual_sales=Decimal("8000000.00"),
    use_proof_provided=True,
)


def test_compliant_operation_from_the_register_and_the_lists() -> None:
    ok = standards.compliant_operation(Subject("存续", date(2020, 3, 1)), ON)
    assert ok.status == Status.passed and ok.source == Source.auto
    assert "成立于 2020-03-01，已经营 63 个月（要求不少于 12 个月）" in ok.evidence
    young = standards.compliant_operation(Subject("存续", date(2024, 7, 1)), ON)
    assert young.status == Status.failed
    assert "已经营 11 个月，不足 12 个月" in young.evidence[-1]
    gone = standards.compliant_operation(Subject("注销", date(2010, 1, 1)), ON)
    assert gone.status == Status.failed and "登记状态为「注销」" in gone.evidence[0]
    abnormal = Subject(
        "存续",
        date(2010, 1, 1),
        (ListEntry("经营异常名录", date(2025, 5, 1), None, "未按规定报送年度报告"),),
    )
    res = standards.compliant_operation(abnormal, ON)
    assert res.status == Status.failed
    assert "2025-05-01 列入经营异常名录，原因：未按规定报送年度报告" in res.evidence
    removed = Subject(
        "存续", date(2010, 1, 1), (ListEntry("经营异常名录", date(2024, 1, 1), date(2024, 6, 1)),)
    )
    assert standards.compliant_operation(removed, ON).status == Status.passed
    unknown = standards.compliant_operation(Subject("存续", None), ON)
    assert unknown.status == Status.pending


def test_good_credit_from_the_lists_and_serious_penalties() -> None:
    clean = standards.good_credit(Subject("存续", date(2010, 1, 1)), ON)
    assert clean.status == Status.passed
    assert clean.evidence == ("未列入严重违法失信名单", "未列入失信被执行人", "近两年行政处罚 0 起")
    judged = Subject("存续", date(2010, 1, 1), (ListEntry("失信被执行人", date(2025, 1, 1)),))
    assert standards.good_credit(judged, ON).status == Status.failed
    repaired = Subject(
        "存续",
        date(2010, 1, 1),
        (ListEntry("严重违法失信名单", date(2023, 1, 1), repaired_on=date(2024, 1, 1)),),
    )
    assert standards.good_credit(repaired, ON).status == Status.passed
    serious = Subject(
        "存续",
        date(2010, 1, 1),
        penalties=(
            Penalty(date(2024, 3, 1), "严重", "产品质量"),
            Penalty(date(2022, 3, 1), "严重", "计量"),
        ),
    )
    res = standards.good_credit(serious, ON)
    assert res.status == Status.pending and "近两年行政处罚 1 起，其中严重 1 起" in res.evidence


def test_need_premises_and_use() -> None:
    assert standards.fixed_premises(NEED).status == Status.pending
    need = standards.real_need(NEED)
    assert need.status == Status.pending
    assert "上年度销售收入 8,000,000.00 元，申请金额为其 25.0%" in need.evidence
    bad = Need(Decimal(1), "补充流动资金", "部分资金用于炒股和购买理财", None)
    use = standards.lawful_use(bad)
    assert use.status == Status.failed
    assert use.evidence == (
        "用途中出现「炒股」：贷款资金不得用于证券投资",
        "用途中出现「理财」：贷款资金不得用于购买理财产品",
    )
    assert standards.lawful_use(NEED).status == Status.pending


def test_attestation_needs_a_note_and_cannot_overrule_the_records() -> None:
    checks = standards.run_all(Subject("存续", date(2020, 1, 1)), NEED, ON)
    assert [c.code for c in checks] == list(standards.STANDARDS)
    assert standards.labels_with(checks, Status.pending) == [
        "固定经营场所",
        "真实融资需求",
        "贷款用途合法合规",
    ]
    premises = checks[1]
    with pytest.raises(standards.AttestRefused, match="须填写说明"):
        standards.attest(premises, passed=True, note=" ")
    done = standards.attest(premises, passed=True, note="2025-06-28 实地走访，厂房租赁至 2028 年")
    assert done.status == Status.passed and done.source == Source.attested
    with pytest.raises(standards.AttestRefused, match="不能人工改判"):
        standards.attest(checks[0], passed=False, note="想改")
    # a re-run keeps the attestation where the records still cannot decide
    rerun = standards.merge_rerun(
        [checks[0], done], standards.run_all(Subject("存续", date(2020, 1, 1)), NEED, ON)
    )
    assert rerun[1] == done and rerun[0].status == Status.passed


# -- remedies ------------------------------------------------------------------------------


def _decision(eligible: bool, limit: str, rate: str, fee: str = "0") -> Decision:
    return Decision(
        eligible=eligible,
        reasons=() if eligible else ("未列入白名单",),
        limit=Decimal(limit),
        limit_factors=(),
        lpr_tenor="1y",
        lpr=Decimal("3.0000"),
        rate=Decimal(rate),
        rate_components=(),
        guarantee_fee_rate=Decimal(fee),
    )


def test_remedies_pick_guarantees_for_the_gap_and_other_eligible_products() -> None:
    original = _decision(True, "2000000.00", "3.4500")  # asked 5,000,000: gap 3,000,000
    options = [
        remedies.ProductOption("ORIG", "原产品", "甲行", "纯信用", original),
        remedies.ProductOption(
            "G1", "科创专项保", "担保A", "保证担保", _decision(True, "2500000.00", "3.2000", "0.5")
        ),
        remedies.ProductOption(
            "G2", "兴保贷", "担保B", "保证担保", _decision(True, "4000000.00", "3.6000", "0.3")
        ),
        remedies.ProductOption(
            "G3", "批量保", "担保C", "保证担保", _decision(False, "0", "3.0000")
        ),
        remedies.ProductOption(
            "P1", "鹭质贷", "农商行", "纯信用", _decision(True, "5000000.00", "3.9000")
        ),
        remedies.ProductOption(
            "P2", "知产质信贷", "九江", "质押", _decision(True, "6000000.00", "3.5000")
        ),
        remedies.ProductOption("P3", "众商贷", "众邦", "纯信用", _decision(False, "0", "4.0000")),
    ]
    got = remedies.suggest(
        amount=Decimal("5000000.00"),
        original_code="ORIG",
        original=original,
        options=options,
        advice=[("质量基础", "取得 ISO 9001 认证即可升至Ⅱ类"), ("质量创新", "")],
        missing_materials=["近一年财务报表"],
    )
    assert got.gap == Decimal("3000000.00")
    # G2 covers the 3,000,000 gap; G1 does not (cheaper, but second); G3 not eligible
    assert [s.product_code for s in got.guarantee] == ["G2", "G1"]
    assert got.guarantee[0].covers is True and got.guarantee[1].covers is False
    assert "可贷额度 400.00万元（可覆盖300.00万元）" in got.guarantee[0].detail
    assert "担保费率 0.3%/年" in got.guarantee[0].detail
    # both cover 5,000,000; P2 cheaper first
    assert [s.product_code for s in got.products] == ["P2", "P1"]
    assert [s.title for s in got.quality] == ["质量基础：提升一级"]
    assert [s.title for s in got.materials] == ["近一年财务报表"]
    assert len(got.all) == 6


def test_gap_is_the_whole_amount_when_not_eligible() -> None:
    assert remedies.gap(Decimal("100.00"), _decision(False, "0", "3")) == Decimal("100.00")
    assert remedies.gap(Decimal("100.00"), _decision(True, "150.00", "3")) == Decimal(0)
