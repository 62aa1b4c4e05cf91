"""A few demo applications in different states, so the demo's queue, review page and
consultation queue have something to show (called by ``zhixin.demo.loader``). Never commits."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.applications import checks, service, workflow
from zhixin.applications.rules import Action
from zhixin.applications.schemas import ApplicationIn
from zhixin.applications.workflow import Inputs
from zhixin.errors import ZhixinError
from zhixin.products.terms import Method

COMMON = ["licence", "financials", "use_proof", "legal_rep_id", "premises"]


def _who(session: Session, username: str) -> Principal | None:
    user = accounts.user_by_username(session, username)
    return accounts.principal_for(session, user) if user is not None else None


def _form(product: str, amount: str, materials: list[str]) -> ApplicationIn:
    return ApplicationIn(
        product_code=product,
        amount=Decimal(amount),
        term_months=12,
        method=Method.revolving,
        purpose="购置检测设备、支付认证费用",
        use_of_funds="支付设备采购合同款与认证机构服务费（受托支付）",
        annual_sales=Decimal("20000000.00"),
        materials=materials,
    )


def load(session: Session) -> list[str]:
    """enterprise1 → 鹭质贷, submitted; enterprise2 → 鹭质贷, under review with materials asked
    and answered; enterprise3 → 专精特新e贷, refused and in the consultation queue. Returns what
    was made, one line each. A refusal on the way raises: the caller's unit of work rolls the
    demo applications back whole."""
    made: list[str] = []
    people = {
        u: _who(session, u)
        for u in ("enterprise1", "enterprise2", "enterprise3", "xmrcb-officer", "icbc-officer")
    }
    people["icbc-approver"] = _who(session, "icbc-approver")
    if any(p is None for p in people.values()):
        return ["演示申请：缺少演示账号，未生成"]
    p = {k: v for k, v in people.items() if v is not None}
    a = service.submit(session, actor=p["enterprise1"], form=_form("luzhidai", "2000000", COMMON))
    made.append(f"申请 #{a.id}：已提交（待受理）")
    b = service.submit(
        session, actor=p["enterprise2"], form=_form("luzhidai", "1500000", COMMON[:3])
    )
    workflow.move(
        session,
        Action.request_materials,
        actor=p["xmrcb-officer"],
        application_id=b.id,
        inputs=Inputs(
            codes=["legal_rep_id", "premises"], note="请补充法定代表人身份证明和厂房租赁合同"
        ),
    )
    workflow.move(
        session,
        Action.respond_materials,
        actor=p["enterprise2"],
        application_id=b.id,
        inputs=Inputs(provided=["legal_rep_id", "premises"]),
    )
    workflow.move(session, Action.accept, actor=p["xmrcb-officer"], application_id=b.id)
    workflow.move(session, Action.start_review, actor=p["xmrcb-officer"], application_id=b.id)
    made.append(f"申请 #{b.id}：审查中（已补充材料）")
    c = service.submit(
        session,
        actor=p["enterprise3"],
        form=_form("zhuanjingtexin-edai", "3000000", [*COMMON, "tax"]),
    )
    officer = p["icbc-officer"]
    workflow.move(session, Action.accept, actor=officer, application_id=c.id)
    workflow.move(session, Action.start_review, actor=officer, application_id=c.id)
    for code in ("fixed_premises", "real_need", "lawful_use"):
        try:
            checks.attest(
                session,
                actor=officer,
                application_id=c.id,
                code=code,
                passed=True,
                note="演示：已核实",
            )
        except ZhixinError:
            continue  # decided by the records already
    workflow.move(
        session,
        Action.submit_for_approval,
        actor=officer,
        application_id=c.id,
        inputs=Inputs(recommendation="reject", note="不符合准入条件"),
    )
    workflow.move(
        session,
        Action.reject,
        actor=p["icbc-approver"],
        application_id=c.id,
        inputs=Inputs(codes=["not_eligible"], note="演示：不符合本产品准入条件，转联合会诊"),
    )
    made.append(f"申请 #{c.id}：已拒绝，已进入联合会诊")
    return made
