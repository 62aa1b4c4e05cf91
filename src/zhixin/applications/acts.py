"""What a person can do to an application, as one table: :data:`ACTS`.

Each row is one act — a transition of :data:`zhixin.applications.rules.TRANSITIONS` (its label
and permission come from there) or an act on the five standards (attest, recheck) — with what
the adapters need: the API's path (``POST /api/v1/applications/{id}/{path}``, which bank
systems call) and request body, and the page's form. The API routes, the page's ``/act/{name}``
handler and each route's permission are generated from this table, so adding a transition
means a row in ``rules.TRANSITIONS``, a row here, its step in :mod:`workflow` if it changes
more than the state, and its line in the route matrix test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.applications import checks, rules, workflow
from zhixin.applications.models import Application
from zhixin.applications.rules import Action
from zhixin.applications.schemas import (
    ActIn,
    ApproveIn,
    AttestIn,
    MaterialRequestIn,
    MaterialResponseIn,
    RejectIn,
    ReviewIn,
)
from zhixin.applications.workflow import Inputs
from zhixin.errors import NotFound

Run = Callable[[Session, Principal, int, Inputs, date | None], Application]


@dataclass(frozen=True)
class Form:
    """The page's form of an act that takes nothing but a note: the note's label ("" for no
    note), and whether its button is the less prominent kind."""

    prompt: str = ""
    secondary: bool = False


@dataclass(frozen=True)
class Act:
    name: str
    label: str
    permission: Permission
    path: str  # the API's path below /applications/{id}/
    body: type[ActIn]  # the API's request body
    run: Run
    form: Form | None = None  # the page's generic note-only form (other acts have their own)
    confirm: str = ""  # the page does it only once "确认…" is ticked: the verb, e.g. "拒绝"


def _transition(
    action: Action,
    path: str,
    body: type[ActIn] = ActIn,
    form: Form | None = None,
    confirm: str = "",
) -> Act:
    t = rules.TRANSITIONS[action]

    def run(
        session: Session, actor: Principal, application_id: int, inputs: Inputs, on: date | None
    ) -> Application:
        return workflow.move(
            session, action, actor=actor, application_id=application_id, inputs=inputs, on=on
        )

    return Act(action.value, t.label, t.permission, path, body, run, form, confirm)


def _attest(
    session: Session, actor: Principal, application_id: int, inputs: Inputs, on: date | None
) -> Application:
    return checks.attest(
        session,
        actor=actor,
        application_id=application_id,
        code=inputs.code,
        passed=inputs.passed,
        note=inputs.note,
        version=inputs.version,
        on=on,
    )


def _recheck(
    session: Session, actor: Principal, application_id: int, inputs: Inputs, on: date | None
) -> Application:
    return checks.recheck(
        session, actor=actor, application_id=application_id, version=inputs.version, on=on
    )


_REVIEW = Permission.application_review
ACTS: dict[str, Act] = {
    a.name: a
    for a in (
        _transition(Action.accept, "accept", form=Form("受理说明")),
        _transition(Action.request_materials, "materials/request", MaterialRequestIn),
        _transition(Action.respond_materials, "materials/respond", MaterialResponseIn),
        _transition(Action.start_review, "review/start", form=Form()),
        Act("attest", "人工核实", _REVIEW, "checks/attest", AttestIn, _attest),
        Act("recheck", "重新核验", _REVIEW, "checks/rerun", ActIn, _recheck),
        _transition(Action.submit_for_approval, "review", ReviewIn),
        _transition(Action.approve, "approve", ApproveIn),
        _transition(Action.reject, "reject", RejectIn, confirm="拒绝"),
        _transition(Action.return_for_review, "return", form=Form("退回理由", secondary=True)),
        _transition(Action.withdraw, "withdraw", form=Form("撤回原因", True), confirm="撤回申请"),
        _transition(Action.contract, "contract", form=Form("合同编号或说明")),
    )
}


def inputs_of(body: BaseModel) -> Inputs:
    """The API's request body as the act's inputs (the body's fields are Inputs' fields)."""
    return Inputs(**body.model_dump())


def perform(
    session: Session,
    name: str,
    *,
    actor: Principal,
    application_id: int,
    inputs: Inputs | None = None,
    on: date | None = None,
) -> Application:
    """Do the act ``name`` (a transition or attest/recheck); an unknown name is a 404."""
    act = ACTS.get(name)
    if act is None:
        raise NotFound("未知的操作")
    return act.run(session, actor, application_id, inputs or Inputs(), on)
