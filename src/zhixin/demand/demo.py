"""Demo needs and ledger rows (called by ``zhixin.demo.loader``), so the pages of the
enterprise, the banks and the task force have something to show: a need taken by 厦门农商银行
and answered through to an application, granted and disbursed in the ledger; a need on the
market; a need 工商银行 refused after contact; a need nobody took, escalated to the task force;
and whitelist pushes reported in the ledger. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.demand import ledger, service
from zhixin.demand.rules import NeedInput, Outcome
from zhixin.enterprises import service as enterprises
from zhixin.kit import clock


def _who(session: Session, username: str) -> Principal | None:
    user = accounts.user_by_username(session, username)
    return accounts.principal_for(session, user) if user is not None else None


def _need(amount: str, term: int, purpose: str, collateral: str, note: str) -> NeedInput:
    return NeedInput(
        Decimal(amount), term, purpose, collateral, True, "张经理", "0592-5550188", note
    )


def load(session: Session, *, enterprise_ids: Sequence[int]) -> None:
    firms = [_who(session, f"enterprise{i}") for i in (1, 2, 3)]
    xmrcb = _who(session, "xmrcb-officer")
    icbc = _who(session, "icbc-officer")
    taskforce = _who(session, "taskforce")
    if None in firms or xmrcb is None or icbc is None or taskforce is None:
        return
    logins = [f for f in firms if f is not None and f.enterprise_id is not None]
    # the demo banks' products serve Xiamen (3502): their firms take part in the bank flows
    xiamen = [f for f in logins if _in_xiamen(session, f.enterprise_id)]
    if len(xiamen) < 2:
        return
    f1, f3 = xiamen[:2]
    f2 = next((f for f in logins if f not in (f1, f3)), f1)
    today = clock.today()

    first = service.post(
        session,
        actor=f1,
        enterprise_id=None,
        need=_need("3000000", 12, "quality_upgrade", "none", "购置在线检测设备，提升出厂检验能力"),
    )
    service.take(session, actor=xmrcb, need_id=first.id)
    for step in ("contacted", "onsite", "applied"):
        service.step(session, actor=xmrcb, need_id=first.id, step=step)
    uscc1 = _uscc(session, first.enterprise_id)
    ledger.report(
        session,
        actor=xmrcb,
        uscc=uscc1,
        source="need",
        source_ref=str(first.id),
        outcome=Outcome(
            contacted_on=today,
            granted_on=today,
            granted_amount=Decimal("3000000.00"),
            granted_rate=Decimal("3.45"),
            product_code="luzhidai",
            disbursed_on=today,
            disbursed_amount=Decimal("2000000.00"),
            first_loan=True,
            credit=True,
        ),
    )

    service.post(
        session,
        actor=f2,
        enterprise_id=None,
        need=_need(
            "800000", 12, "certification", "ip_pledge", "申请 CNAS 实验室认可的设备与人员投入"
        ),
    )

    third = service.post(
        session,
        actor=f3,
        enterprise_id=None,
        need=_need("1500000", 12, "standards_brand", "receivables", "参与行业标准研制"),
    )
    service.take(session, actor=icbc, need_id=third.id)
    service.step(session, actor=icbc, need_id=third.id, step="contacted")
    service.step(
        session,
        actor=icbc,
        need_id=third.id,
        step="refused",
        refusal_code="R03",
        note="应收账款质押登记不全",
    )

    taken = {f.enterprise_id for f in logins}
    others = [e for e in enterprise_ids if e not in taken and _in_xiamen(session, e)]
    if others:
        late = service.post(
            session,
            actor=taskforce,
            enterprise_id=others[0],
            need=_need("500000", 6, "working_capital", "guarantee", "走访登记：旺季备货"),
        )
        # back-dated: posted ten days ago, nobody took it; the clock job sends it on
        late.posted_on = today - timedelta(days=10)
        late.take_due_on = service.add_workdays(session, late.posted_on, 3)
        session.flush()
        service.escalate_due(session, today=today)
    for i, eid in enumerate(others[1:5]):
        granted = i % 2 == 0
        ledger.report(
            session,
            actor=xmrcb,
            uscc=_uscc(session, eid),
            source="whitelist",
            source_ref="",
            outcome=Outcome(
                contacted_on=today,
                granted_on=today if granted else None,
                granted_amount=Decimal("1000000.00") if granted else None,
                granted_rate=Decimal("3.65") if granted else None,
                product_code="luzhidai" if granted else None,
                refused_on=None if granted else today,
                refusal_code=None if granted else "R02",
                first_loan=i == 0,
                credit=granted,
            ),
        )


def _in_xiamen(session: Session, enterprise_id: int | None) -> bool:
    ident = enterprises.identity(session, enterprise_id) if enterprise_id is not None else None
    return ident is not None and (ident.region_code or "").startswith("3502")


def _uscc(session: Session, enterprise_id: int) -> str:
    ident = enterprises.identity(session, enterprise_id)
    assert ident is not None
    return ident.uscc
