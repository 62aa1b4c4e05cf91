"""Pages of public support (/support): each party's own side — the guarantor's portfolio, fees
and calls; the fund's balance, claims and payments; the finance bureau's subsidy lists to
approve and paid totals by bank and district; a bank's and an enterprise's own guarantees,
claims and subsidies — with forms for each act, and the same tables as XLSX."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Invalid
from zhixin.kit import clock
from zhixin.kit.divisions import region_name
from zhixin.kit.sheets import Book
from zhixin.support import guarantees, matching, rules, service, subsidies
from zhixin.support.models import (
    ZERO,
)
from zhixin.support.rules import (
    CLAIM_STATUS_LABELS,
    GUARANTEE_STATUS_LABELS,
    SUBSIDY_STATUS_LABELS,
)
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.support_read))]
Bank = Annotated[Principal, Depends(require(Permission.compensation_file))]
Guarantor = Annotated[Principal, Depends(require(Permission.guarantee_decide))]
FundManager = Annotated[Principal, Depends(require(Permission.fund_manage))]
Finance = Annotated[Principal, Depends(require(Permission.subsidy_manage))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _names(db: Session, principal: Principal, ids: set[int]) -> dict[int, str]:
    found = enterprises.names_by_ids(db, actor=principal, ids=sorted(ids))
    return {i: name for i, (_, name) in found.items()}


def _banks(db: Session, ids: set[int]) -> dict[int, str]:
    return {i: accounts.tenant_name(db, i) or "" for i in ids}


def _district(code: object) -> str:
    return (region_name(str(code)) or str(code)) if code else "未登记"


def _context(db: Session, principal: Principal) -> dict[str, Any]:
    kind = principal.tenant_kind
    mine = guarantees.visible_guarantees(db, actor=principal)
    claims = service.visible_claims(db, actor=principal)
    subs = subsidies.visible_claims(db, actor=principal)
    funds = (
        service.managed_funds(db, actor=principal) if principal.can(Permission.fund_manage) else []
    )
    ents = {g.enterprise_id for g in mine} | {c.enterprise_id for c in claims}
    banks = {g.bank_tenant_id for g in mine} | {c.bank_tenant_id for c in claims}
    paid_by_bank = paid_by_district = []
    if kind == TenantKind.finance:
        paid_by_bank = subsidies.totals(db, by="bank")
        paid_by_district = subsidies.totals(db, by="district")
        banks |= {int(str(k)) for k, *_ in paid_by_bank}
    live = [g for g in mine if g.status == "approved"]
    return {
        "kind": kind.value,
        "guarantees": mine,
        "claims": claims,
        "subsidies": subs,
        "funds": funds,
        "names": _names(db, principal, ents),
        "banks": _banks(db, banks),
        "paid_by_bank": paid_by_bank,
        "paid_by_district": [(_district(k), n, b, a) for k, n, b, a in paid_by_district],
        "portfolio": {
            "count": len(live),
            "amount": sum((g.amount for g in live), ZERO),
            "liability": sum((rules.fen(g.amount * g.coverage / 100) for g in live), ZERO),
            "fees": sum((g.fee for g in mine if g.status != "rejected"), ZERO),
            "fee_subsidy": sum((g.fee_subsidy for g in mine if g.status != "rejected"), ZERO),
            "called": sum(1 for g in mine if g.status == "called"),
        },
        "gstatus": GUARANTEE_STATUS_LABELS,
        "cstatus": CLAIM_STATUS_LABELS,
        "sstatus": SUBSIDY_STATUS_LABELS,
        "parties": rules.PARTY_LABELS,
        "policies": subsidies.policies(db) if principal.can(Permission.subsidy_manage) else [],
        "me": principal.user_id,
        "today": clock.today(),
        "quarter": rules.quarter_of(clock.today()),
    }


@router.get("/support", response_class=HTMLResponse)
def support_page(request: Request, db: DB, principal: Reader) -> Response:
    return render(request, "support.html", **_context(db, principal))


@router.get("/support/subsidies/{subsidy_claim_id}", response_class=HTMLResponse)
def subsidy_page(request: Request, db: DB, principal: Reader, subsidy_claim_id: int) -> Response:
    lines = subsidies.visible_lines(db, actor=principal, claim_id=subsidy_claim_id, limit=500)
    claim = next(
        (
            row
            for row in subsidies.visible_claims(db, actor=principal)
            if row[0].id == subsidy_claim_id
        ),
        None,
    )
    if claim is None:
        from zhixin.errors import NotFound

        raise NotFound(subsidies.NOT_FOUND)
    return render(
        request,
        "support_subsidy.html",
        claim=claim,
        lines=lines,
        names=_names(db, principal, {ln.enterprise_id for ln in lines}),
        banks=_banks(db, {ln.bank_tenant_id for ln in lines}),
        district=_district,
        sstatus=SUBSIDY_STATUS_LABELS,
        payees=rules.PAYEE_LABELS,
    )


@router.get("/support/funds/{fund_id}/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    db: DB,
    principal: FundManager,
    fund_id: int,
    quarter: Annotated[str | None, Query(pattern=r"^\d{4}[Qq][1-4]$")] = None,
) -> Response:
    f = service.fund_of(db, actor=principal, fund_id=fund_id)
    rep = service.reconcile(
        db, fund_code=f.code, quarter=quarter or rules.quarter_of(clock.today())
    )
    return render(request, "support_reconciliation.html", rep=rep)


@router.get("/support/export.xlsx", dependencies=[Heavy])
def support_export(db: DB, principal: Reader) -> Response:
    """The tables of /support as a workbook, one sheet each (formula-injection safe)."""
    c = _context(db, principal)
    book = Book()
    names, banks = c["names"], c["banks"]
    g = book.sheet("担保业务")
    g.append(
        [
            "编号",
            "合同",
            "企业",
            "银行",
            "担保金额",
            "担保比例%",
            "年担保费",
            "其中财政补贴",
            "状态",
            "终止日",
        ]
    )
    for x in c["guarantees"]:
        g.append([
            x.id, x.contract_id, names.get(x.enterprise_id, ""), banks.get(x.bank_tenant_id, ""),
            x.amount, x.coverage, x.fee, x.fee_subsidy, GUARANTEE_STATUS_LABELS[x.status],
            x.ended_on,
        ])  # fmt: skip
    k = book.sheet("代偿申请")
    k.append(
        [
            "编号",
            "合同",
            "借据",
            "企业",
            "申报日",
            "未还本金",
            "欠息",
            "损失",
            "银行承担",
            "担保承担",
            "资金池补偿",
            "已追回",
            "状态",
            "拨付日",
        ]
    )
    for x in c["claims"]:
        k.append([
            x.id, x.contract_id, x.drawdown_id if x.drawdown_id is not None else "整笔",
            names.get(x.enterprise_id, ""), x.filed_on, x.outstanding,
            x.overdue_interest, x.loss, x.bank_part, x.guarantor_part, x.fund_part,
            x.recovered_bank + x.recovered_guarantor + x.recovered_fund,
            CLAIM_STATUS_LABELS[x.status], x.paid_on,
        ])  # fmt: skip
    s = book.sheet("贴息清单")
    s.append(["编号", "季度", "笔数", "实收利息", "贴息", "状态", "拨付日", "付款凭证号"])
    for x, n, basis, total in c["subsidies"]:
        s.append(
            [
                x.id,
                x.quarter,
                n,
                basis,
                total,
                SUBSIDY_STATUS_LABELS[x.status],
                x.paid_on,
                x.payment_ref,
            ]
        )
    if c["kind"] == "finance":
        b = book.sheet("已拨付贴息·按银行")
        b.append(["银行", "笔数", "实收利息", "贴息"])
        for key, n, basis, total in c["paid_by_bank"]:
            b.append([banks.get(int(str(key)), ""), n, basis, total])
        d = book.sheet("已拨付贴息·按区县")
        d.append(["区县", "笔数", "实收利息", "贴息"])
        for row in c["paid_by_district"]:
            d.append(list(row))
        f = book.sheet("风险补偿资金池")
        f.append(["代码", "名称", "余额"])
        for fund, balance in c["funds"]:
            f.append([fund.code, fund.name, balance])
    name = f"support-{clock.today().isoformat()}.xlsx"
    return StreamingResponse(
        io.BytesIO(book.to_bytes()),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/support/subsidies/{subsidy_claim_id}/export.xlsx", dependencies=[Heavy])
def subsidy_export(db: DB, principal: Reader, subsidy_claim_id: int) -> Response:
    """贴息清单明细（每笔贷款的基数）as a workbook: the layout a finance bureau files."""
    lines = subsidies.visible_lines(db, actor=principal, claim_id=subsidy_claim_id, limit=None)
    names = _names(db, principal, {ln.enterprise_id for ln in lines})
    banks = _banks(db, {ln.bank_tenant_id for ln in lines})
    book = Book()
    sh = book.sheet("贴息明细")
    sh.append(
        [
            "用信编号",
            "合同",
            "企业",
            "银行",
            "区县",
            "执行利率%",
            "本季实收利息",
            "封顶前贴息",
            "贴息",
            "拨付对象",
        ]
    )
    for ln in lines:
        sh.append([
            ln.drawdown_id, ln.contract_id, names.get(ln.enterprise_id, ""),
            banks.get(ln.bank_tenant_id, ""), _district(ln.region_code), ln.annual_rate,
            ln.interest_paid, ln.raw, ln.amount, rules.PAYEE_LABELS.get(ln.payee, ln.payee),
        ])  # fmt: skip
    return StreamingResponse(
        io.BytesIO(book.to_bytes()),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="subsidy-{subsidy_claim_id}.xlsx"'},
    )


# -- forms -------------------------------------------------------------------------------------


def _back(to: str = "/support") -> Response:
    return RedirectResponse(to, status_code=303)


@router.post("/support/guarantees/{guarantee_id}/decision")
def decide_form(
    db: DB,
    principal: Guarantor,
    guarantee_id: int,
    approve: Annotated[bool, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    guarantees.decide_guarantee(
        db, actor=principal, guarantee_id=guarantee_id, approve=approve, reason=reason or None
    )
    return _back()


@router.post("/support/guarantees")
def request_form(
    db: DB,
    principal: Bank,
    product_code: Annotated[str, Form(max_length=64)],
    contract_id: Annotated[int, Form(ge=1, le=2**53)],
) -> Response:
    guarantees.request_guarantee(
        db, actor=principal, contract_id=contract_id, product_code=product_code
    )
    return _back()


def _contract_ids(text: str) -> list[int]:
    """合同编号清单 as typed: numbers separated by spaces, commas, 、 or new lines."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]
    if not parts or any(not p.isdigit() or len(p) > 15 for p in parts):
        raise Invalid("合同编号清单须为数字编号，以空格、逗号或换行分隔")
    if len(parts) > 1000:
        raise Invalid("一批最多 1000 笔合同")
    return [int(p) for p in parts]


@router.post("/support/guarantee-batches")
def batch_form(
    db: DB,
    principal: Bank,
    product_code: Annotated[str, Form(max_length=64)],
    contract_ids: Annotated[str, Form(max_length=20000)],
) -> Response:
    guarantees.submit_batch(
        db, actor=principal, product_code=product_code, contract_ids=_contract_ids(contract_ids)
    )
    return _back()


@router.post("/support/guarantee-batches/{batch_id}/decision")
def batch_decision_form(
    db: DB,
    principal: Guarantor,
    batch_id: int,
    approve: Annotated[bool, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """整批审批 (line by line: each guarantee's own form)."""
    guarantees.decide_batch(
        db, actor=principal, batch_id=batch_id, approve=approve, reason=reason or None
    )
    return _back()


@router.post("/support/claims/{claim_id}/reject")
def reject_form(
    db: DB,
    principal: FundManager,
    claim_id: int,
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    service.reject_claim(db, actor=principal, claim_id=claim_id, reason=reason)
    return _back()


@router.post("/support/claims/{claim_id}/recoveries")
def recovery_form(
    db: DB,
    principal: Bank,
    claim_id: int,
    amount: Annotated[Decimal, Form(gt=0, max_digits=16, decimal_places=2, title="追回金额")],
) -> Response:
    service.record_recovery(db, actor=principal, claim_id=claim_id, amount=amount, on=clock.today())
    return _back()


@router.post("/support/funds/{fund_id}/contributions")
def contribution_form(
    db: DB,
    principal: FundManager,
    fund_id: int,
    amount: Annotated[Decimal, Form(gt=0, max_digits=16, decimal_places=2, title="注资金额")],
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    f = service.fund_of(db, actor=principal, fund_id=fund_id)
    service.contribute(
        db, actor=principal, fund_code=f.code, amount=amount, on=clock.today(), note=note
    )
    return _back()


@router.post("/support/claims")
def file_form(
    db: DB,
    principal: Bank,
    fund_code: Annotated[str, Form(max_length=64)],
    contract_id: Annotated[int, Form()],
    drawdown_id: Annotated[int | None, Form()] = None,
) -> Response:
    service.file_claim(
        db, actor=principal, fund_code=fund_code, contract_id=contract_id, drawdown_id=drawdown_id
    )
    return _back()


@router.post("/support/claims/{claim_id}/review")
def review_form(db: DB, principal: FundManager, claim_id: int) -> Response:
    service.review_claim(db, actor=principal, claim_id=claim_id)
    return _back()


@router.post("/support/claims/{claim_id}/approve")
def approve_form(db: DB, principal: FundManager, claim_id: int) -> Response:
    service.approve_claim(db, actor=principal, claim_id=claim_id)
    return _back()


@router.post("/support/claims/{claim_id}/payment")
def pay_form(db: DB, principal: FundManager, claim_id: int) -> Response:
    service.pay_claim(db, actor=principal, claim_id=claim_id, on=clock.today())
    return _back()


@router.post("/support/subsidies")
def compute_form(
    db: DB,
    principal: Finance,
    policy_code: Annotated[str, Form(max_length=64)],
    quarter: Annotated[str, Form(pattern=r"^\d{4}[Qq][1-4]$")],
) -> Response:
    c = subsidies.compute(db, actor=principal, policy_code=policy_code, quarter=quarter)
    return _back(f"/support/subsidies/{c.id}")


@router.post("/support/subsidies/{subsidy_claim_id}/approve")
def approve_subsidy_form(db: DB, principal: Finance, subsidy_claim_id: int) -> Response:
    subsidies.approve(db, actor=principal, claim_id=subsidy_claim_id)
    return _back(f"/support/subsidies/{subsidy_claim_id}")


@router.post("/support/subsidies/{subsidy_claim_id}/payment")
def pay_subsidy_form(
    db: DB,
    principal: Finance,
    subsidy_claim_id: int,
    reference: Annotated[str, Form(max_length=64)],
) -> Response:
    subsidies.pay(
        db, actor=principal, claim_id=subsidy_claim_id, on=clock.today(), reference=reference
    )
    return _back(f"/support/subsidies/{subsidy_claim_id}")


@router.get("/enterprises/{enterprise_id}/policies", response_class=HTMLResponse)
def policies_page(request: Request, enterprise_id: int, db: DB, principal: Reader) -> Response:
    """惠企政策: what the firm qualifies for and, for the rest, what it still misses."""
    out = matching.policies_for(db, actor=principal, enterprise_id=enterprise_id)
    return render(request, "policies.html", out=out)
