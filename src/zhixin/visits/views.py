"""Pages of the task force's visits (千企万户大走访): the campaigns and their teams, the visits
with filters (assign a bank, post the need), the visit-sheet import, the matching events
(银企对接会). Same service calls as the CLI."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.demand import rules as demand_rules
from zhixin.demand.endpoints import save_upload
from zhixin.errors import Invalid
from zhixin.kit import divisions
from zhixin.kit.dates import DateParseError, parse_date
from zhixin.visits import reading, records, rules, service
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.visit_read))]
Manager = Annotated[Principal, Depends(require(Permission.visit_manage))]


def _day(text: str, label: str) -> date:
    try:
        return parse_date(text)
    except DateParseError:
        raise Invalid(f"{label}格式应为 2026-12-07") from None


def _banks(db: DB) -> list[tuple[str, str]]:
    return sorted(accounts.tenant_names(db, "bank").values())


@router.get("/visits", response_class=HTMLResponse)
def campaigns_page(request: Request, db: DB, principal: Reader) -> Response:
    camps = service.campaigns(db, actor=principal)
    teams = service.teams(db, actor=principal)
    banks = dict(_banks(db))
    return render(
        request,
        "visits.html",
        campaigns=camps,
        teams=teams,
        banks=banks,
        place=divisions.place_name,
        streets=divisions.streets(),
        manager=principal.can(Permission.visit_manage),
    )


@router.post("/visits/campaigns")
def create_campaign(
    db: DB,
    principal: Manager,
    name: Annotated[str, Form()],
    start_on: Annotated[str, Form()],
    end_on: Annotated[str, Form()],
    region_code: Annotated[str, Form()],
) -> Response:
    service.create_campaign(
        db,
        actor=principal,
        name=name,
        start_on=_day(start_on, "开始日期"),
        end_on=_day(end_on, "结束日期"),
        region_code=region_code,
    )
    return RedirectResponse("/visits", status_code=303)


@router.post("/visits/campaigns/{campaign_id}/teams")
def add_team(
    campaign_id: int,
    db: DB,
    principal: Manager,
    name: Annotated[str, Form()],
    street_code: Annotated[str, Form()],
    bank_code: Annotated[str, Form()] = "",
    property_name: Annotated[str, Form()] = "",
    members: Annotated[str, Form()] = "",
) -> Response:
    service.add_team(
        db,
        actor=principal,
        campaign_id=campaign_id,
        name=name,
        street_code=street_code.strip(),
        bank_code=bank_code.strip() or None,
        property_name=property_name,
        members=members,
    )
    return RedirectResponse(f"/visits#campaign-{campaign_id}", status_code=303)


@router.get("/visits/records", response_class=HTMLResponse)
def visits_page(
    request: Request,
    db: DB,
    principal: Reader,
    campaign: str = "",
    bank: str = "",
    outcome: str = "",
    overdue: str = "",
    region: str = "",
) -> Response:
    if campaign.strip() and not campaign.strip().isdigit():
        raise Invalid("走访活动编号应为数字")
    found, total = records.listing(
        db,
        actor=principal,
        filters=records.Filters(
            campaign_id=int(campaign) if campaign.strip() else None,
            bank=bank.strip() or None,
            outcome=outcome.strip() or None,
            area=region.strip() or None,
            overdue=bool(overdue),
        ),
        limit=records.MAX_PAGE,
    )
    return render(
        request,
        "visit_records.html",
        visits=reading.visit_outs(db, found),
        total=total,
        campaigns=service.campaigns(db, actor=principal),
        banks=_banks(db),
        outcomes=rules.OUTCOMES,
        chosen={
            "campaign": campaign,
            "bank": bank,
            "outcome": outcome,
            "overdue": overdue,
            "region": region.strip(),
        },
        area_name=divisions.area_name(region.strip()),
        manager=principal.can(Permission.visit_manage),
        purposes=demand_rules.PURPOSES,
        collateral=demand_rules.COLLATERAL,
    )


@router.post("/visits/records/{visit_id}/assign")
def assign(
    visit_id: int, db: DB, principal: Manager, bank_code: Annotated[str, Form()]
) -> Response:
    service.assign(db, actor=principal, visit_id=visit_id, bank_code=bank_code)
    return RedirectResponse(f"/visits/records#visit-{visit_id}", status_code=303)


@router.post("/visits/records/{visit_id}/need")
def post_need(
    visit_id: int,
    db: DB,
    principal: Manager,
    term_months: Annotated[int, Form()],
    purpose: Annotated[str, Form()],
    collateral: Annotated[str, Form()],
    contact_name: Annotated[str, Form()],
    contact_phone: Annotated[str, Form()],
) -> Response:
    service.post_need(
        db,
        actor=principal,
        visit_id=visit_id,
        term_months=term_months,
        purpose=purpose,
        collateral=collateral,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    return RedirectResponse(f"/visits/records#visit-{visit_id}", status_code=303)


@router.get("/visits/import", response_class=HTMLResponse)
def import_page(request: Request, db: DB, principal: Manager) -> Response:
    return render(
        request,
        "visit_import.html",
        campaigns=service.campaigns(db, actor=principal),
        imports=service.imports(db, actor=principal),
        columns=list(rules.COLUMNS.values()),
        batch=None,
    )


@router.post("/visits/import")
def import_form(
    db: DB,
    principal: Manager,
    campaign: Annotated[int, Form()],
    file: Annotated[UploadFile, File()],
) -> Response:
    with tempfile.TemporaryDirectory(prefix="zhixin-visits-") as tmp:
        path = save_upload(file, Path(tmp))
        batch = service.import_file(
            db,
            actor=principal,
            campaign_id=campaign,
            path=path,
            file_name=file.filename or path.name,
        )
    return RedirectResponse(f"/visits/imports/{batch.id}", status_code=303)


@router.get("/visits/imports/{import_id}", response_class=HTMLResponse)
def import_result(request: Request, import_id: int, db: DB, principal: Manager) -> Response:
    return render(
        request,
        "visit_import.html",
        campaigns=[],
        imports=[],
        columns=list(rules.COLUMNS.values()),
        batch=service.get_import(db, actor=principal, import_id=import_id),
    )


@router.get("/visits/template.xlsx")
def template(principal: Manager) -> Response:
    return Response(
        service.template_bytes(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="visits-template.xlsx"'},
    )


@router.get("/visits/events", response_class=HTMLResponse)
def events_page(request: Request, db: DB, principal: Reader) -> Response:
    return render(
        request,
        "visit_events.html",
        events=service.event_outs(db, service.events(db, actor=principal)),
        campaigns=service.campaigns(db, actor=principal),
        manager=principal.can(Permission.visit_manage),
    )


@router.post("/visits/events")
def create_event(
    db: DB,
    principal: Manager,
    title: Annotated[str, Form()],
    held_on: Annotated[str, Form()],
    place: Annotated[str, Form()],
    banks: Annotated[str, Form()] = "",
    enterprises: Annotated[str, Form()] = "",
    applications: Annotated[str, Form()] = "",
    campaign: Annotated[str, Form()] = "",
) -> Response:
    def items(text: str) -> list[str]:
        return [
            t
            for t in text.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
            if t.strip()
        ]

    app_ids = [t.strip() for t in items(applications)]
    if any(not t.isdigit() for t in app_ids):
        raise Invalid("促成的申请请填写申请编号（数字），以逗号分隔")
    service.create_event(
        db,
        actor=principal,
        title=title,
        held_on=_day(held_on, "举办日期"),
        place=place,
        bank_codes=[t.strip() for t in items(banks)],
        usccs=[t.strip() for t in items(enterprises)],
        application_ids=[int(t) for t in app_ids],
        campaign_id=int(campaign) if campaign.strip().isdigit() else None,
    )
    return RedirectResponse("/visits/events", status_code=303)
