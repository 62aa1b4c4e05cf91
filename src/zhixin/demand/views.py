"""Pages of the demand side: 融资需求 for the enterprise, the bank and the task force; the
bank's 对接办贷台账 with its file import; the conversion page."""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.demand import conversion, ledger, levers, preapprove, reading, rules, service
from zhixin.demand.endpoints import options, save_upload
from zhixin.demand.rules import NeedInput, Outcome
from zhixin.errors import Invalid
from zhixin.kit import clock
from zhixin.kit.dates import DateParseError, parse_date
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Poster = Annotated[Principal, Depends(require(Permission.need_post))]
Taker = Annotated[Principal, Depends(require(Permission.need_take))]
Manager = Annotated[Principal, Depends(require(Permission.need_manage))]
NeedReader = Annotated[
    Principal,
    Depends(require(Permission.need_post, Permission.need_take, Permission.need_manage)),
]
Reporter = Annotated[Principal, Depends(require(Permission.ledger_report))]
LedgerReader = Annotated[Principal, Depends(require(Permission.ledger_read))]
BACK = "/needs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/needs", response_class=HTMLResponse)
def needs_page(request: Request, db: DB, principal: NeedReader) -> Response:
    rows = service.listing(db, actor=principal)
    manager = principal.can(Permission.need_manage)
    return render(
        request,
        "needs.html",
        needs=reading.outs(db, actor=principal, needs=rows, with_events=True),
        poster=principal.can(Permission.need_post),
        taker=principal.can(Permission.need_take),
        manager=manager,
        enterprise=principal.tenant_kind.value == "enterprise",
        ranking=service.ranking(db, actor=principal) if manager else [],
        opts=options(),
    )


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation as exc:
        raise Invalid(f"{what}应为数字") from exc
    if not value.is_finite():
        raise Invalid(f"{what}应为数字")
    return value


@router.post("/needs")
def post_form(
    db: DB,
    principal: Poster,
    amount_wan: Annotated[str, Form(max_length=20)],
    term_months: Annotated[int, Form()],
    purpose: Annotated[str, Form(max_length=32)],
    collateral: Annotated[str, Form(max_length=32)],
    contact_name: Annotated[str, Form(max_length=50)],
    contact_phone: Annotated[str, Form(max_length=20)],
    contact_consent: Annotated[bool, Form()] = False,
    note: Annotated[str, Form(max_length=500)] = "",
    enterprise_id: Annotated[int | None, Form()] = None,
) -> Response:
    amount = _decimal(amount_wan, "融资金额") * 10000
    service.post(
        db,
        actor=principal,
        enterprise_id=enterprise_id,
        need=NeedInput(
            amount,
            term_months,
            purpose,
            collateral,
            contact_consent,
            contact_name,
            contact_phone,
            note,
        ),
    )
    return RedirectResponse(BACK, status_code=303)


@router.post("/needs/{need_id}/take")
def take_form(need_id: int, db: DB, principal: Taker) -> Response:
    service.take(db, actor=principal, need_id=need_id)
    return RedirectResponse(f"{BACK}#need-{need_id}", status_code=303)


@router.post("/needs/{need_id}/steps")
def step_form(
    need_id: int,
    db: DB,
    principal: Taker,
    step: Annotated[str, Form(max_length=16)],
    refusal_code: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    service.step(
        db,
        actor=principal,
        need_id=need_id,
        step=step,
        refusal_code=refusal_code or None,
        note=note,
    )
    return RedirectResponse(f"{BACK}#need-{need_id}", status_code=303)


@router.post("/needs/{need_id}/assign")
def assign_form(
    need_id: int, db: DB, principal: Manager, bank_code: Annotated[str, Form(max_length=64)]
) -> Response:
    service.assign(db, actor=principal, need_id=need_id, bank_code=bank_code.strip())
    return RedirectResponse(f"{BACK}#need-{need_id}", status_code=303)


@router.post("/needs/{need_id}/release")
def release_form(need_id: int, db: DB, principal: Manager) -> Response:
    service.release(db, actor=principal, need_id=need_id)
    return RedirectResponse(f"{BACK}#need-{need_id}", status_code=303)


@router.post("/needs/{need_id}/withdraw")
def withdraw_form(need_id: int, db: DB, principal: Poster) -> Response:
    service.withdraw(db, actor=principal, need_id=need_id)
    return RedirectResponse(BACK, status_code=303)


@router.post("/needs/escalations")
def escalate_form(db: DB, principal: Manager) -> Response:
    service.escalate_due(db)
    return RedirectResponse(BACK, status_code=303)


Quoter = Annotated[Principal, Depends(require(Permission.quote_run))]


@router.get("/enterprises/{enterprise_id}/price-levers", response_class=HTMLResponse)
def levers_page(request: Request, enterprise_id: int, db: DB, principal: Quoter) -> Response:
    out = levers.price_levers(db, actor=principal, enterprise_id=enterprise_id)
    return render(request, "price_levers.html", out=out)


@router.get("/enterprises/{enterprise_id}/preapproved-offers", response_class=HTMLResponse)
def offers_page(
    request: Request,
    enterprise_id: int,
    db: DB,
    principal: Quoter,
    sort: Annotated[str, Query(max_length=20)] = "annualised_rate",
) -> Response:
    """The firm's pre-approved offers side by side, ordered by the column the reader picks."""
    found = preapprove.offers(db, actor=principal, enterprise_id=enterprise_id)
    if sort not in preapprove.OFFER_SORTS:
        sort = "annualised_rate"
    return render(
        request,
        "preapproved_offers.html",
        offers=preapprove.sort_offers(found, sort),
        sort=sort,
        sorts=preapprove.OFFER_SORTS,
        enterprise_id=enterprise_id,
        today=clock.today(),
    )


# -- 预授信名单 (the bank's, the task force's, a regulator's within its jurisdiction) ------------

PAGE = 200


@router.get("/preapprovals", response_class=HTMLResponse)
def preapprovals_page(request: Request, db: DB, principal: LedgerReader) -> Response:
    return render(
        request,
        "preapprovals.html",
        lists=preapprove.lists(db, actor=principal),
        reporter=principal.can(Permission.ledger_report),
    )


@router.get("/preapprovals/{list_id}", response_class=HTMLResponse)
def preapproval_page(
    request: Request,
    list_id: int,
    db: DB,
    principal: LedgerReader,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    pushed: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    out = preapprove.get(db, actor=principal, list_id=list_id, offset=(page - 1) * PAGE, limit=PAGE)
    return render(
        request,
        "preapproval.html",
        out=out,
        page=page,
        more=len(out.rows) == PAGE,
        pushed=pushed,
        reporter=principal.can(Permission.ledger_report) and principal.tenant_kind.value == "bank",
    )


@router.get("/preapprovals/{list_id}/export.xlsx", dependencies=[Heavy])
def preapproval_export(list_id: int, db: DB, principal: LedgerReader) -> Response:
    name, body = preapprove.list_xlsx(db, actor=principal, list_id=list_id)
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/preapprovals/{list_id}/push")
def push_form(
    list_id: int,
    db: DB,
    principal: Reporter,
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    """推送名单: the form asks the officer to confirm first (every firm enters the ledger)."""
    if not confirm:
        raise Invalid("请先勾选确认：推送后名单内每户都将记入本行对接办贷台账")
    done = preapprove.push(db, actor=principal, list_id=list_id)
    return RedirectResponse(f"/preapprovals/{list_id}?pushed={done.created}#push", status_code=303)


# -- ledger ----------------------------------------------------------------------------------------


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, db: DB, principal: LedgerReader) -> Response:
    reporter = principal.can(Permission.ledger_report)
    return render(
        request,
        "ledger.html",
        rows=ledger.outs(db, actor=principal, rows=ledger.entries(db, actor=principal)),
        reporter=reporter,
        imports=[ledger.import_out(b) for b in ledger.imports(db, actor=principal)]
        if reporter
        else [],
        opts=options(),
    )


def _day(text: str, what: str) -> date | None:
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except DateParseError as exc:
        raise Invalid(f"{what}：{exc}") from exc


def _money(text: str, what: str) -> Decimal | None:
    if not text.strip():
        return None
    return rules.money(_decimal(text, what))


@router.post("/ledger")
def report_form(
    db: DB,
    principal: Reporter,
    uscc: Annotated[str, Form(max_length=18)],
    source: Annotated[str, Form(max_length=16)],
    source_ref: Annotated[str, Form(max_length=64)] = "",
    contacted_on: Annotated[str, Form(max_length=20)] = "",
    granted_on: Annotated[str, Form(max_length=20)] = "",
    granted_amount: Annotated[str, Form(max_length=20)] = "",
    granted_rate: Annotated[str, Form(max_length=10)] = "",
    product_code: Annotated[str, Form(max_length=64)] = "",
    disbursed_on: Annotated[str, Form(max_length=20)] = "",
    disbursed_amount: Annotated[str, Form(max_length=20)] = "",
    refused_on: Annotated[str, Form(max_length=20)] = "",
    refusal_code: Annotated[str, Form(max_length=8)] = "",
    first_loan: Annotated[bool, Form()] = False,
    credit: Annotated[bool, Form()] = False,
) -> Response:
    outcome = Outcome(
        contacted_on=_day(contacted_on, "联系日期"),
        granted_on=_day(granted_on, "授信日期"),
        granted_amount=_money(granted_amount, "授信金额"),
        granted_rate=_decimal(granted_rate, "年化利率") if granted_rate.strip() else None,
        product_code=product_code.strip() or None,
        disbursed_on=_day(disbursed_on, "放款日期"),
        disbursed_amount=_money(disbursed_amount, "放款金额"),
        refused_on=_day(refused_on, "拒绝日期"),
        refusal_code=refusal_code.strip() or None,
        first_loan=first_loan,
        credit=credit,
    )
    entry, _ = ledger.report(
        db, actor=principal, uscc=uscc, source=source, source_ref=source_ref, outcome=outcome
    )
    return RedirectResponse(f"/ledger#entry-{entry.id}", status_code=303)


@router.post("/ledger/imports")
def import_form(db: DB, principal: Reporter, file: Annotated[UploadFile, File()]) -> Response:
    with tempfile.TemporaryDirectory(prefix="zhixin-ledger-") as tmp:
        path = save_upload(file, Path(tmp))
        batch = ledger.import_file(
            db, actor=principal, path=path, file_name=file.filename or path.name
        )
    return RedirectResponse(f"/ledger/imports/{batch.id}", status_code=303)


@router.get("/ledger/imports/{import_id}", response_class=HTMLResponse)
def import_page(request: Request, import_id: int, db: DB, principal: Reporter) -> Response:
    batch = ledger.get_import(db, actor=principal, import_id=import_id)
    return render(request, "ledger_import.html", batch=ledger.import_out(batch))


@router.get("/ledger/conversion", response_class=HTMLResponse)
def conversion_page(
    request: Request, db: DB, principal: LedgerReader, by: str = "bank"
) -> Response:
    if by not in rules.GROUPINGS:
        by = "bank"
    return render(
        request,
        "conversion.html",
        funnels=conversion.conversion(db, actor=principal, by=by),
        by=by,
        groupings=conversion.BY_LABELS,
        stages=rules.STAGES,
    )
