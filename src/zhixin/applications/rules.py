"""Pure decisions about loan applications (贷款申请): the workflow, refusal reasons, materials,
fast-lane deadlines and the officer's queue order.

No database, no web: the service feeds these functions values and turns their refusals into
errors. The five standards (五项标准) are in :mod:`zhixin.applications.standards`; the remedies a
joint consultation (联合会诊) suggests are in :mod:`zhixin.applications.remedies`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from zhixin.accounts.permissions import Permission


class State(StrEnum):
    submitted = "submitted"
    materials_requested = "materials_requested"
    accepted = "accepted"
    under_review = "under_review"
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    contracted = "contracted"


STATE_LABELS: dict[State, str] = {
    State.submitted: "已提交",
    State.materials_requested: "补充材料",
    State.accepted: "已受理",
    State.under_review: "审查中",
    State.pending_approval: "待审批",
    State.approved: "已批准",
    State.rejected: "已拒绝",
    State.withdrawn: "已撤回",
    State.contracted: "已签约",
}

# The clock runs (and the queue shows the application) while it is in one of these states.
OPEN = frozenset(
    {
        State.submitted,
        State.materials_requested,
        State.accepted,
        State.under_review,
        State.pending_approval,
    }
)
# A decision has been taken (the measured days stop here).
DECIDED = frozenset({State.approved, State.rejected, State.contracted})


class Action(StrEnum):
    accept = "accept"
    request_materials = "request_materials"
    respond_materials = "respond_materials"
    start_review = "start_review"
    submit_for_approval = "submit_for_approval"
    return_for_review = "return_for_review"
    approve = "approve"
    reject = "reject"
    withdraw = "withdraw"
    contract = "contract"


class Refusal(StrEnum):
    """Why a transition was refused: the service maps each to an HTTP status."""

    state = "state"  # not allowed from the current state → 409
    permission = "permission"  # the role may not do it → 403
    maker_checker = "maker_checker"  # 审贷分离 → 403
    invalid = "invalid"  # a missing reason, an unknown code, materials missing → 422


class TransitionRefused(ValueError):
    def __init__(self, message: str, kind: Refusal = Refusal.invalid) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class Transition:
    action: Action
    label: str
    sources: frozenset[State]
    target: State | None  # None: back to the state held before materials were requested
    permission: Permission
    needs_reason: bool = False
    checker: bool = False  # an approver's act: may not be the reviewer (maker-checker)


_S = State
_P = Permission
TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(
            Action.accept, "受理", frozenset({_S.submitted}), _S.accepted, _P.application_review
        ),
        Transition(
            Action.request_materials,
            "要求补充材料",
            frozenset({_S.submitted, _S.accepted, _S.under_review}),
            _S.materials_requested,
            _P.application_review,
            needs_reason=True,
        ),
        Transition(
            Action.respond_materials,
            "提交补充材料",
            frozenset({_S.materials_requested}),
            None,
            _P.application_submit,
        ),
        Transition(
            Action.start_review,
            "开始审查",
            frozenset({_S.accepted}),
            _S.under_review,
            _P.application_review,
        ),
        Transition(
            Action.submit_for_approval,
            "审查完成，提交审批",
            frozenset({_S.under_review}),
            _S.pending_approval,
            _P.application_review,
        ),
        Transition(
            Action.return_for_review,
            "退回补充审查",
            frozenset({_S.pending_approval}),
            _S.under_review,
            _P.application_approve,
            needs_reason=True,
            checker=True,
        ),
        Transition(
            Action.approve,
            "批准",
            frozenset({_S.pending_approval}),
            _S.approved,
            _P.application_approve,
            checker=True,
        ),
        Transition(
            Action.reject,
            "拒绝",
            frozenset({_S.pending_approval}),
            _S.rejected,
            _P.application_approve,
            needs_reason=True,
            checker=True,
        ),
        Transition(Action.withdraw, "撤回申请", OPEN, _S.withdrawn, _P.application_submit),
        Transition(
            Action.contract,
            "签订合同",
            frozenset({_S.approved}),
            _S.contracted,
            _P.application_review,
        ),
    )
}
ACTION_LABELS: dict[str, str] = {a.value: t.label for a, t in TRANSITIONS.items()} | {
    "submit": "提交申请",
    "attest": "人工核实",
    "recheck": "重新核验",
}
RESUMABLE = frozenset({State.submitted, State.accepted, State.under_review})


def next_state(
    action: Action,
    current: State,
    *,
    actor_id: int,
    permissions: Iterable[Permission],
    reviewed_by_id: int | None = None,
    state_before: State | None = None,
    reason: str = "",
) -> State:
    """The state ``action`` leads to from ``current``, or :class:`TransitionRefused`.

    Checked in this order: the role, the current state, maker-checker (an approver's act may
    not come from the user who reviewed the application), then the reason where one is needed.
    """
    t = TRANSITIONS[action]
    if t.permission not in set(permissions):
        raise TransitionRefused(f"您的角色不能执行「{t.label}」", Refusal.permission)
    if current not in t.sources:
        if action in (Action.approve, Action.reject) and current in DECIDED | {State.withdrawn}:
            raise TransitionRefused(
                f"该申请已处于「{STATE_LABELS[current]}」状态，不能再{t.label}（可能已被他人处理，请刷新）",
                Refusal.state,
            )
        raise TransitionRefused(
            f"申请当前状态为「{STATE_LABELS[current]}」，不能执行「{t.label}」", Refusal.state
        )
    if t.checker and reviewed_by_id is not None and reviewed_by_id == actor_id:
        raise TransitionRefused(
            "审贷分离：您审查了这笔申请，不能再对它作出审批决定，请由另一位审批人处理",
            Refusal.maker_checker,
        )
    if t.needs_reason and not reason.strip():
        raise TransitionRefused(f"「{t.label}」须填写理由")
    if t.target is not None:
        return t.target
    if state_before is None or state_before not in RESUMABLE:
        return State.submitted
    return state_before


def available(
    current: State,
    *,
    actor_id: int,
    permissions: Iterable[Permission],
    reviewed_by_id: int | None = None,
) -> list[Action]:
    """The actions a user may take now (the buttons a page shows)."""
    perms = frozenset(permissions)
    out = []
    for action, t in TRANSITIONS.items():
        if t.permission not in perms or current not in t.sources:
            continue
        if t.checker and reviewed_by_id is not None and reviewed_by_id == actor_id:
            continue
        out.append(action)
    return out


# -- refusal reasons ------------------------------------------------------------------------

REJECT_REASONS: dict[str, str] = {
    "low_grade": "信用等级低",
    "revenue": "营收不达标",
    "materials": "材料不全",
    "collateral": "抵押不足",
    "negative_record": "负面记录",
    "use_of_funds": "用途不合规",
    "not_eligible": "不符合产品准入条件",
    "over_limit": "申请金额超过可贷额度",
    "debt": "负债率过高",
    "cash_flow": "经营现金流不足",
    "other": "其他",
}
MAX_NOTE = 2000


def check_reject_reasons(codes: Sequence[str], note: str) -> tuple[str, ...]:
    """At least one known reason code (duplicates dropped, order kept) and a free-text note."""
    unknown = [c for c in codes if c not in REJECT_REASONS]
    if unknown:
        raise TransitionRefused(
            f"未知的拒绝原因代码：{'、'.join(unknown)}（可选：{'、'.join(REJECT_REASONS)}）"
        )
    kept = tuple(dict.fromkeys(codes))
    if not kept:
        raise TransitionRefused("拒绝须至少选择一项拒绝原因")
    if not note.strip():
        raise TransitionRefused("拒绝须填写具体说明（企业与联合会诊专班将看到这段说明）")
    if len(note) > MAX_NOTE:
        raise TransitionRefused(f"说明不能超过 {MAX_NOTE} 字")
    return kept


# -- materials (申请材料) ---------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    label: str
    required: bool
    hint: str = ""


MATERIALS: dict[str, MaterialSpec] = {
    m.code: m
    for m in (
        MaterialSpec("licence", "营业执照", True, "副本扫描件或电子营业执照"),
        MaterialSpec("financials", "近一年财务报表", True, "资产负债表、利润表、现金流量表"),
        MaterialSpec("use_proof", "用途证明", True, "购销合同、设备采购合同、认证服务合同等"),
        MaterialSpec("legal_rep_id", "法定代表人身份证明", True),
        MaterialSpec("premises", "经营场所证明", True, "不动产权证或租赁合同"),
        MaterialSpec("tax", "近一年纳税或开票证明", False, "增值税申报表或开票数据"),
        MaterialSpec("collateral", "质押物权属证明", True, "专利证书、商标注册证、评估报告"),
        MaterialSpec("guarantee", "担保意向函", True, "政府性融资担保机构出具"),
        MaterialSpec("authorisation", "企业授权书（已签章）", True, "授权银行查询企业信息"),
    )
}
MATERIAL_STATUS = {"provided": "已提供", "missing": "未提供", "requested": "待补充"}


def checklist(product_kind: str, *, by_officer: bool, invoicing_rule: bool) -> list[MaterialSpec]:
    """The materials an application needs: the common five, plus what the product's kind needs
    (质押 → pledge title, 保证担保 → guarantee letter, 组合 → both), the signed authorisation
    when an officer applies on the enterprise's behalf, and tax/invoicing proof (required when
    the product has an invoicing rule, optional otherwise)."""
    codes = ["licence", "financials", "use_proof", "legal_rep_id", "premises"]
    if product_kind in ("质押", "组合"):
        codes.append("collateral")
    if product_kind in ("保证担保", "组合"):
        codes.append("guarantee")
    if by_officer:
        codes.append("authorisation")
    out = [MATERIALS[c] for c in codes]
    tax = MATERIALS["tax"]
    out.append(MaterialSpec(tax.code, tax.label, invoicing_rule, tax.hint))
    return out


def missing_required(items: Iterable[tuple[str, bool, str]]) -> list[str]:
    """Codes of required items ``(code, required, status)`` not yet provided."""
    return [code for code, required, status in items if required and status != "provided"]


def check_acceptable(missing_labels: Sequence[str]) -> None:
    if missing_labels:
        raise TransitionRefused(
            f"材料不全，不能受理：缺少{'、'.join(missing_labels)}。请先「要求补充材料」"
        )


def check_material_request(codes: Sequence[str], known: Iterable[str]) -> tuple[str, ...]:
    have = set(known)
    kept = tuple(dict.fromkeys(codes))
    if not kept:
        raise TransitionRefused("请选择需要补充的材料")
    strange = [c for c in kept if c not in have]
    if strange:
        raise TransitionRefused(f"该申请的材料清单中没有：{'、'.join(strange)}")
    return kept


def check_material_response(requested: Sequence[str], provided: Iterable[str]) -> None:
    """Every requested item must come back; a partial answer is not silently accepted."""
    still = [c for c in requested if c not in set(provided)]
    if still:
        labels = [MATERIALS[c].label if c in MATERIALS else c for c in still]
        raise TransitionRefused(f"仍缺少要求补充的材料：{'、'.join(labels)}")


# -- approval preconditions ----------------------------------------------------------------


def check_approvable(
    *,
    eligible: bool,
    eligibility_reasons: Sequence[str],
    amount: Decimal,
    limit: Decimal,
    failed_standards: Sequence[str],
    pending_standards: Sequence[str],
) -> None:
    """Approve only what the frozen quote found eligible, within its limit, with all five
    standards passed."""
    if not eligible:
        why = "；".join(eligibility_reasons) or "不符合产品准入条件"
        raise TransitionRefused(f"不能批准：测算结论为不符合准入条件（{why}）")
    if amount > limit:
        raise TransitionRefused(
            f"不能批准：批准金额 {amount:,.2f} 元超过测算可贷额度 {limit:,.2f} 元"
        )
    if amount <= 0:
        raise TransitionRefused("批准金额须大于零")
    if pending_standards:
        raise TransitionRefused(f"不能批准：五项标准中尚待核实：{'、'.join(pending_standards)}")
    if failed_standards:
        raise TransitionRefused(f"不能批准：五项标准未通过：{'、'.join(failed_standards)}")


def check_reviewable(pending_standards: Sequence[str]) -> None:
    if pending_standards:
        raise TransitionRefused(
            f"五项标准尚未全部核实（{'、'.join(pending_standards)}），请先逐项核实并填写说明"
        )


# -- fast lane, deadlines, queue -----------------------------------------------------------


class Calendar(Protocol):
    def is_workday(self, day: date) -> bool: ...
    def add_workdays(self, start: date, n: int) -> date: ...
    def workdays_between(self, start: date, end: date) -> int: ...


def fast_lane_days(*, listed: bool, product_days: int | None) -> int | None:
    """A whitelisted applicant on a product with a fast lane gets its SLA in working days."""
    if not listed or product_days is None or product_days <= 0:
        return None
    return product_days


def deadline(calendar: Calendar, accepted_on: date, days: int) -> date:
    """The ``days``-th working day after acceptance (acceptance day itself not counted)."""
    return calendar.add_workdays(accepted_on, days)


def extend_for_pause(calendar: Calendar, due: date, paused_from: date, resumed_on: date) -> date:
    """Waiting for the enterprise's materials stops the clock: the working days spent waiting
    (in (paused_from, resumed_on]) are added to the deadline."""
    lost = calendar.workdays_between(paused_from, resumed_on) if resumed_on > paused_from else 0
    return calendar.add_workdays(due, lost) if lost else due


def workdays_left(calendar: Calendar, today: date, due: date) -> int:
    """Working days left after today up to the deadline (0 = due today); negative when the
    deadline has passed (the working days since)."""
    if today <= due:
        return calendar.workdays_between(today, due)
    return -calendar.workdays_between(due, today)


def is_overdue(today: date, due: date | None, state: State) -> bool:
    return due is not None and state in OPEN and today > due


@dataclass(frozen=True)
class Elapsed:
    calendar_days: int
    workdays: int


def elapsed(calendar: Calendar, start: date, end: date) -> Elapsed:
    """From application to decision: calendar days and working days in (start, end]."""
    if end < start:
        raise ValueError("end before start")
    return Elapsed((end - start).days, calendar.workdays_between(start, end))


def queue_key(
    *, left: int | None, due: date | None, overdue: bool, submitted: date, ident: int
) -> tuple[int, int, date, date, int]:
    """Overdue first, then by working days left, then by deadline; without a deadline last,
    oldest first."""
    if due is None or left is None:
        return (2, 0, date.max, submitted, ident)
    return (0 if overdue else 1, left, due, submitted, ident)
