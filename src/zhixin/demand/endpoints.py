"""JSON API of the demand side under /api/v1: 融资需求 (/needs) and 对接办贷台账 (/ledger)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.config import get_settings
from zhixin.demand import conversion, ledger, levers, preapprove, reading, rules, service
from zhixin.demand.rules import NeedInput, Outcome
from zhixin.demand.schemas import (
    AssignIn,
    EscalationOut,
    FunnelOut,
    ImportOut,
    LedgerIn,
    LedgerOut,
    LeversOut,
    NeedIn,
    NeedOut,
    OfferCompareOut,
    OptionsOut,
    PreapprovalListOut,
    PreapprovalOut,
    PushOut,
    StepIn,
)
from zhixin.errors import Invalid
from zhixin.web.deps import DB, require

router = APIRouter(tags=["融资需求与对接台账 demand"])
Poster = Annotated[Principal, Depends(require(Permission.need_post))]
Taker = Annotated[Principal, Depends(require(Permission.need_take))]
Manager = Annotated[Principal, Depends(require(Permission.need_manage))]
NeedReader = Annotated[
    Principal,
    Depends(require(Permission.need_post, Permission.need_take, Permission.need_manage)),
]
Reporter = Annotated[Principal, Depends(require(Permission.ledger_report))]
LedgerReader = Annotated[Principal, Depends(require(Permission.ledger_read))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 20 * 1024 * 1024


def options() -> OptionsOut:
    s = get_settings()
    return OptionsOut(
        purposes=rules.PURPOSES,
        quality_purposes=sorted(rules.QUALITY_PURPOSES),
        collateral=rules.COLLATERAL,
        refusals=rules.REFUSALS,
        sources=rules.SOURCES,
        take_workdays=s.demand_take_workdays,
        response_workdays=s.demand_response_workdays,
    )


@router.get("/demand/options", response_model=OptionsOut)
def get_options(principal: NeedReader) -> OptionsOut:
    """资金用途（质量提升类在前）、担保方式、拒绝原因代码、台账来源与时限（工作日）。"""
    return options()


def need_input(body: NeedIn) -> NeedInput:
    return NeedInput(
        amount=body.amount,
        term_months=body.term_months,
        purpose=body.purpose,
        collateral=body.collateral,
        contact_consent=body.contact_consent,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        note=body.note,
    )


@router.post("/needs", response_model=NeedOut, status_code=201)
def post_need(body: NeedIn, db: DB, principal: Poster) -> NeedOut:
    need = service.post(
        db, actor=principal, enterprise_id=body.enterprise_id, need=need_input(body)
    )
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.get("/needs", response_model=list[NeedOut])
def list_needs(
    db: DB, principal: NeedReader, escalated: Annotated[bool, Query()] = False
) -> list[NeedOut]:
    """企业：本企业的需求；银行：本行产品可承接的待接单需求与本行承接的需求；专班：全部。"""
    rows = service.listing(db, actor=principal, escalated_only=escalated)
    return reading.outs(db, actor=principal, needs=rows)


@router.get("/needs/{need_id}", response_model=NeedOut)
def get_need(need_id: int, db: DB, principal: NeedReader) -> NeedOut:
    need = service.get(db, actor=principal, need_id=need_id)
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.post("/needs/{need_id}/take", response_model=NeedOut)
def take_need(need_id: int, db: DB, principal: Taker) -> NeedOut:
    need = service.take(db, actor=principal, need_id=need_id)
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.post("/needs/{need_id}/steps", response_model=NeedOut)
def record_step(need_id: int, body: StepIn, db: DB, principal: Taker) -> NeedOut:
    need = service.step(
        db,
        actor=principal,
        need_id=need_id,
        step=body.step,
        refusal_code=body.refusal_code,
        note=body.note,
    )
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.post("/needs/{need_id}/assign", response_model=NeedOut)
def assign_need(need_id: int, body: AssignIn, db: DB, principal: Manager) -> NeedOut:
    need = service.assign(db, actor=principal, need_id=need_id, bank_code=body.bank_code)
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.post("/needs/{need_id}/release", response_model=NeedOut)
def release_need(need_id: int, db: DB, principal: Manager) -> NeedOut:
    need = service.release(db, actor=principal, need_id=need_id)
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.post("/needs/{need_id}/withdraw", response_model=NeedOut)
def withdraw_need(need_id: int, db: DB, principal: Poster) -> NeedOut:
    need = service.withdraw(db, actor=principal, need_id=need_id)
    return reading.outs(db, actor=principal, needs=[need], with_events=True)[0]


@router.post("/needs/escalations", response_model=list[EscalationOut])
def run_escalations(db: DB, principal: Manager) -> list[EscalationOut]:
    """立即检查时限：超期无人接单、银行超期未响应的需求移交专班（同 zhixin demand escalate）。"""
    return service.escalate_due(db)


Quoter = Annotated[Principal, Depends(require(Permission.quote_run))]


@router.get("/enterprises/{enterprise_id}/price-levers", response_model=LeversOut)
def price_levers(enterprise_id: int, db: DB, principal: Quoter) -> LeversOut:
    """提升等级能省多少：本企业最优的几款产品，总体等级提升一级后利率与额度的准确变化，以及尚未满足的利率优惠。"""
    return levers.price_levers(db, actor=principal, enterprise_id=enterprise_id)


@router.get("/enterprises/{enterprise_id}/preapproved-offers", response_model=list[OfferCompareOut])
def preapproved_offers(
    enterprise_id: int,
    db: DB,
    principal: Quoter,
    sort: Annotated[
        str, Query(pattern="^(annualised_rate|total_cost|rate|limit|valid_until)$")
    ] = "annualised_rate",
) -> list[OfferCompareOut]:
    """本企业的预授信：各产品最新推送名单中的额度与利率，按同一金额与期限测算年化利率与总成本，便于比较。
    银行只看到本行产品的预授信。排序：年化利率、总成本、执行利率（低者在前），额度、有效期（高者在前）。"""
    found = preapprove.offers(db, actor=principal, enterprise_id=enterprise_id)
    return preapprove.sort_offers(found, sort)


# -- 预授信名单 ------------------------------------------------------------------------------------


@router.get("/preapprovals", response_model=list[PreapprovalListOut])
def preapproval_lists(db: DB, principal: LedgerReader) -> list[PreapprovalListOut]:
    """预授信名单：银行看本行产品的名单，专班看全部，监管看含本辖区企业的名单（户数与额度仅计本辖区）。"""
    return preapprove.lists(db, actor=principal)


@router.get("/preapprovals/{list_id}", response_model=PreapprovalOut)
def preapproval_list(
    list_id: int,
    db: DB,
    principal: LedgerReader,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> PreapprovalOut:
    """一份预授信名单及其在列主体（额度、利率、绿色通道）。
    监管只看到本辖区的企业，名单内没有本辖区企业时为 404。"""
    return preapprove.get(db, actor=principal, list_id=list_id, offset=offset, limit=limit)


@router.post("/preapprovals/{list_id}/push", response_model=PushOut)
def push_preapproval(list_id: int, db: DB, principal: Reporter) -> PushOut:
    """推送预授信名单：名单内每户记入本行对接办贷台账（来源：预授信名单），计入转化统计。"""
    return preapprove.push(db, actor=principal, list_id=list_id)


# -- the ledger ----------------------------------------------------------------------------------


def outcome_of(body: LedgerIn) -> Outcome:
    return Outcome(
        contacted_on=body.contacted_on,
        granted_on=body.granted_on,
        granted_amount=rules.money(body.granted_amount) if body.granted_amount else None,
        granted_rate=body.granted_rate,
        product_code=body.product_code or None,
        disbursed_on=body.disbursed_on,
        disbursed_amount=rules.money(body.disbursed_amount) if body.disbursed_amount else None,
        refused_on=body.refused_on,
        refusal_code=body.refusal_code or None,
        first_loan=body.first_loan,
        credit=body.credit,
    )


@router.get("/ledger", response_model=list[LedgerOut])
def list_ledger(db: DB, principal: LedgerReader) -> list[LedgerOut]:
    """银行：本行台账；专班与监管：全部（监管限于辖区）。"""
    return ledger.outs(db, actor=principal, rows=ledger.entries(db, actor=principal))


@router.post("/ledger", response_model=LedgerOut)
def report_outcome(body: LedgerIn, db: DB, principal: Reporter) -> LedgerOut:
    """报送一家企业的对接结果（整笔替换：未填的环节视为尚未发生；重复报送不改变任何内容）。"""
    entry, _change = ledger.report(
        db,
        actor=principal,
        uscc=body.uscc,
        source=body.source,
        source_ref=body.source_ref,
        outcome=outcome_of(body),
    )
    return ledger.outs(db, actor=principal, rows=[entry])[0]


def save_upload(upload: UploadFile, into: Path) -> Path:
    name = Path(upload.filename or "ledger.csv").name
    target = into / ("upload" + Path(name).suffix.lower())
    with open(target, "wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    if target.stat().st_size > MAX_UPLOAD:
        raise Invalid("文件不能超过 20 MB", status=413)
    return target


@router.post("/ledger/imports", response_model=ImportOut, status_code=201)
def import_ledger(
    db: DB,
    principal: Reporter,
    file: Annotated[UploadFile, File(description="CSV（UTF-8 或 GB18030）或 XLSX，≤ 20 MB")],
) -> ImportOut:
    """导入本行的台账文件：合格行入账，不合格行逐行报告（行号、列、原因）；同一文件可重复导入。"""
    with tempfile.TemporaryDirectory(prefix="zhixin-ledger-") as tmp:
        path = save_upload(file, Path(tmp))
        batch = ledger.import_file(
            db, actor=principal, path=path, file_name=file.filename or path.name
        )
    return ledger.import_out(batch)


@router.get("/ledger/imports/{import_id}", response_model=ImportOut)
def get_import(import_id: int, db: DB, principal: Reporter) -> ImportOut:
    return ledger.import_out(ledger.get_import(db, actor=principal, import_id=import_id))


@router.get("/ledger/template.xlsx")
def ledger_template(principal: Reporter) -> Response:
    return Response(
        ledger.template_bytes(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="ledger-template.xlsx"'},
    )


@router.get("/ledger/conversion", response_model=list[FunnelOut])
def get_conversion(
    db: DB,
    principal: LedgerReader,
    by: Annotated[str, Query(pattern="^(bank|product|region)$")] = "bank",
) -> list[FunnelOut]:
    """白名单 → 有需求 → 接单 → 授信 → 放款 的企业数与转化率，按银行、产品或地区（地市）。"""
    return conversion.conversion(db, actor=principal, by=by)


@router.get("/ledger/conversion.xlsx")
def conversion_xlsx(db: DB, principal: LedgerReader) -> Response:
    return Response(
        conversion.conversion_xlsx(db, actor=principal),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="conversion.xlsx"'},
    )
