"""``zhixin guarantees`` / ``zhixin compensation`` / ``zhixin subsidies``: public support around
the loan for operators and the finance bureau — list, sync, review, approve, pay; compute a
quarter's 贴息. Lists print a table, or JSON with ``--json``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import typer

from zhixin.cli._app import AsJson, _factory, _fail, app, emit, out
from zhixin.errors import ZhixinError

guarantees_app = typer.Typer(help="担保：列表、随贷款状态解保/代偿", no_args_is_help=True)
compensation_app = typer.Typer(help="风险补偿：代偿申请、审核、拨付、对账", no_args_is_help=True)
subsidies_app = typer.Typer(help="贴息：按季计算、审核、拨付", no_args_is_help=True)
app.add_typer(guarantees_app, name="guarantees")
app.add_typer(compensation_app, name="compensation")
app.add_typer(subsidies_app, name="subsidies")

T = TypeVar("T")
By = typer.Option("--by", help="以哪位财政部门用户的名义办理（审核与复核须为两人）")


def _run(work: Callable[[Any], T]) -> T:
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            return work(session)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc


def _actor(session: Any, username: str) -> Any:
    from zhixin.accounts import service as accounts

    user = accounts.user_by_username(session, username)
    if user is None:
        raise _fail(f"未找到用户 {username}")
    return accounts.principal_for(session, user, via="cli")


def _day(value: str | None) -> date:
    from zhixin.kit import clock

    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"日期格式应为 2026-12-31：{value}", 2) from exc


# -- guarantees --------------------------------------------------------------------------------


@guarantees_app.command("list")
def guarantees_list(
    status: Annotated[
        str | None, typer.Option(help="状态：requested、approved、rejected、released、called")
    ] = None,
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """列出担保：合同、企业、担保金额、比例、担保费与补贴、状态。"""
    from zhixin.support import guarantees
    from zhixin.support.rules import GUARANTEE_STATUS_LABELS

    rows = _run(lambda s: guarantees.guarantees_for_operator(s, status=status))
    emit(
        [
            ("id", "编号"), ("contract_id", "合同"), ("enterprise_id", "企业"),
            ("amount", "担保金额"), ("coverage", "担保比例%"), ("fee", "年担保费"),
            ("fee_subsidy", "其中补贴"), ("status", "状态"),
        ],
        [
            [g.id, g.contract_id, g.enterprise_id, g.amount, g.coverage, g.fee, g.fee_subsidy,
             g.status if as_json else GUARANTEE_STATUS_LABELS[g.status]]
            for g in rows
        ],
        as_json=as_json,
    )  # fmt: skip


@guarantees_app.command("sync")
def guarantees_sync(
    on: Annotated[str | None, typer.Option("--date", help="日期（默认今天）")] = None,
) -> None:
    """担保随贷款：结清或续贷的合同解保，形成不良（次级及以下）的合同转为代偿。"""
    from zhixin.support import guarantees

    day = _day(on)
    released, called = _run(lambda s: guarantees.sync_guarantees(s, today=day))
    out.print(f"解保 {released} 笔，转代偿 {called} 笔")


# -- compensation ------------------------------------------------------------------------------


@compensation_app.command("claims")
def compensation_claims(
    state: Annotated[
        str | None,
        typer.Option(help="状态：filed 已申报、reviewed 已初审、approved 已核准、rejected、paid"),
    ] = None,
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """列出代偿申请：合同、损失及银行/担保/资金池各自承担的金额、状态。"""
    from zhixin.support import service
    from zhixin.support.rules import CLAIM_STATUS_LABELS

    rows = _run(lambda s: service.claims_for_operator(s, state=state))
    emit(
        [
            ("id", "编号"), ("contract_id", "合同"), ("drawdown_id", "借据"),
            ("filed_on", "申报日"), ("loss", "损失"),
            ("bank_part", "银行承担"), ("guarantor_part", "担保承担"), ("fund_part", "资金池补偿"),
            ("recovered", "已追回"), ("status", "状态"),
        ],
        [
            [c.id, c.contract_id, c.drawdown_id if as_json else c.drawdown_id or "整笔",
             c.filed_on, c.loss, c.bank_part, c.guarantor_part, c.fund_part,
             c.recovered_bank + c.recovered_guarantor + c.recovered_fund,
             c.status if as_json else CLAIM_STATUS_LABELS[c.status]]
            for c in rows
        ],
        as_json=as_json,
        title="代偿申请",
    )  # fmt: skip


def _claim_act(action: str, claim_id: int, by: str, **kw: Any) -> None:
    from zhixin.support import service
    from zhixin.support.rules import CLAIM_STATUS_LABELS

    def work(s: Any) -> str:
        fn = getattr(service, f"{action}_claim")
        return str(fn(s, actor=_actor(s, by), claim_id=claim_id, **kw).status)

    status = _run(work)
    out.print(f"代偿申请 #{claim_id}：{CLAIM_STATUS_LABELS[status]}")


@compensation_app.command("review")
def compensation_review(
    claim_id: Annotated[int, typer.Argument(help="代偿申请编号")],
    by: Annotated[str, By],
) -> None:
    """初审代偿申请（资金池管理人第一人）。"""
    _claim_act("review", claim_id, by)


@compensation_app.command("approve")
def compensation_approve(
    claim_id: Annotated[int, typer.Argument(help="代偿申请编号")],
    by: Annotated[str, By],
) -> None:
    """复核代偿申请（第二人，不能是初审人）。"""
    _claim_act("approve", claim_id, by)


@compensation_app.command("pay")
def compensation_pay(
    claim_id: Annotated[int, typer.Argument(help="代偿申请编号")],
    by: Annotated[str, By],
    on: Annotated[str | None, typer.Option("--date", help="拨付日（默认今天）")] = None,
) -> None:
    """从资金池拨付已核准的代偿（余额不足则拒绝）。"""
    _claim_act("pay", claim_id, by, on=_day(on))


@compensation_app.command("reconcile")
def compensation_reconcile(
    fund: Annotated[str, typer.Option(help="资金池代码")],
    quarter: Annotated[str, typer.Option(help="季度，如 2026Q4")],
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """资金池季度对账：期初、注资、拨付、追偿、期末，及本季拨付的每笔代偿。"""
    from zhixin.support import service

    rep = _run(lambda s: service.reconcile(s, fund_code=fund, quarter=quarter))
    if not as_json:
        out.print(
            f"{rep.fund.name} {rep.quarter}：期初 {rep.opening} 元，注资 {rep.contributions} 元，"
            f"拨付 {rep.payments} 元，追偿返还 {rep.recoveries} 元，期末 {rep.closing} 元"
        )
    emit(
        [
            ("claim_id", "代偿申请"), ("contract_no", "合同"), ("outstanding", "未还本金"),
            ("overdue_interest", "欠息"), ("loss", "损失"), ("fund_part", "补偿"),
            ("paid_on", "拨付日"),
        ],
        [
            [c.id, no, c.outstanding, c.overdue_interest, c.loss, c.fund_part, c.paid_on]
            for c, no in rep.claims
        ],
        as_json=as_json,
    )  # fmt: skip


# -- subsidies ---------------------------------------------------------------------------------


@subsidies_app.command("compute")
def subsidies_compute(
    quarter: Annotated[str, typer.Option(help="季度，如 2026Q4")],
    policy: Annotated[str | None, typer.Option(help="贴息政策代码（默认全部政策）")] = None,
    by: Annotated[str | None, typer.Option("--by", help="以哪位财政部门用户的名义计算")] = None,
) -> None:
    """按季计算贴息：以贷款台账中该季度实收利息为基数，逐笔生成贴息清单（未审核的可重算）。"""
    from zhixin.support import subsidies

    def work(s: Any) -> list[tuple[str, int, Decimal, Decimal]]:
        actor = _actor(s, by) if by else None
        if policy:
            claims = [subsidies.compute(s, actor=actor, policy_code=policy, quarter=quarter)]
        else:
            claims = subsidies.compute_all(s, actor=actor, quarter=quarter)
        return [(c.quarter, c.lines, c.basis, c.total) for c in claims]

    done = _run(work)
    if not done:
        out.print("没有需要计算的贴息政策")
    for q, n, basis, total in done:
        out.print(f"{q}：{n} 笔贷款，实收利息 {basis} 元，贴息 {total} 元")


@subsidies_app.command("list")
def subsidies_list(
    state: Annotated[
        str | None, typer.Option(help="状态：computed 待审核、approved 已审核、paid 已拨付")
    ] = None,
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """列出贴息清单：政策、季度、笔数、利息基数、贴息合计、状态。"""
    from zhixin.support import subsidies
    from zhixin.support.rules import SUBSIDY_STATUS_LABELS

    rows = _run(lambda s: subsidies.claims(s, state=state))
    emit(
        [
            ("id", "编号"), ("policy_id", "政策"), ("quarter", "季度"), ("lines", "笔数"),
            ("basis", "实收利息"), ("total", "贴息"), ("status", "状态"), ("paid_on", "拨付日"),
        ],
        [
            [c.id, c.policy_id, c.quarter, c.lines, c.basis, c.total,
             c.status if as_json else SUBSIDY_STATUS_LABELS[c.status], c.paid_on]
            for c in rows
        ],
        as_json=as_json,
    )  # fmt: skip


@subsidies_app.command("approve")
def subsidies_approve(
    claim_id: Annotated[int, typer.Argument(help="贴息清单编号")],
    by: Annotated[str, By],
) -> None:
    """审核贴息清单（财政部门）。"""
    from zhixin.support import subsidies

    c = _run(lambda s: subsidies.approve(s, actor=_actor(s, by), claim_id=claim_id))
    out.print(f"贴息清单 #{c.id}（{c.quarter}）已审核，合计 {c.total} 元")


@subsidies_app.command("pay")
def subsidies_pay(
    claim_id: Annotated[int, typer.Argument(help="贴息清单编号")],
    by: Annotated[str, By],
    reference: Annotated[str, typer.Option(help="付款凭证号")],
    on: Annotated[str | None, typer.Option("--date", help="拨付日（默认今天）")] = None,
) -> None:
    """登记贴息拨付（须先审核）。"""
    from zhixin.support import subsidies

    day = _day(on)
    c = _run(
        lambda s: subsidies.pay(
            s, actor=_actor(s, by), claim_id=claim_id, on=day, reference=reference
        )
    )
    out.print(f"贴息清单 #{c.id}（{c.quarter}）已拨付 {c.total} 元，凭证 {c.payment_ref}")
