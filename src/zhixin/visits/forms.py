"""Pages for one visit: the form that enters a visit (the task force), the visit's page with
the form that records or corrects its outcome (the assigned bank, the task force), and the
roll-up of the reader's visits by area. Same service calls as the API (``visits.records``).
A form that fails comes back refilled with the Chinese reason beside its field (web.forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.kit import clock, divisions
from zhixin.kit.dates import DateParseError, parse_date
from zhixin.visits import outcomes, reading, records, rules, service
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.visit_read))]
Manager = Annotated[Principal, Depends(require(Permission.visit_manage))]
FollowUp = Annotated[Principal, Depends(require(Permission.visit_follow_up))]


def _places() -> list[tuple[str, str]]:
    """Every listed street and its communities, by code: (code, full name)."""
    found: list[tuple[str, str]] = []
    for code, name in divisions.streets():
        found.append((code, name))
        found += [(c, divisions.place_name(c)) for c, _n in divisions.below(code)]
    return found


@router.get("/visits/records/new", response_class=HTMLResponse)
def new_page(request: Request, db: DB, principal: Manager) -> Response:
    camps = service.campaigns(db, actor=principal)
    return render(
        request,
        "visit_new.html",
        campaigns=camps,
        teams=service.teams(db, actor=principal),
        places=_places(),
        banks=sorted(accounts.tenant_names(db, "bank").values()),
    )


@router.post("/visits/records/new")
def create(
    db: DB,
    principal: Manager,
    campaign: Annotated[str, Form()] = "",
    uscc: Annotated[str, Form()] = "",
    visited_on: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    needs: Annotated[str, Form()] = "",
    amount_wan: Annotated[str, Form()] = "",
    products: Annotated[str, Form()] = "",
    bank_code: Annotated[str, Form()] = "",
    follow_up_workdays: Annotated[str, Form()] = "",
) -> Response:
    if not campaign.strip().isdigit():
        raise Invalid("走访活动：请选择走访活动")
    if team.strip() and not team.strip().isdigit():
        raise Invalid("走访小组：请从列表中选择")
    row = records.create(
        db,
        actor=principal,
        entry=records.Entry(
            campaign_id=int(campaign),
            uscc=uscc,
            visited_on=visited_on,
            team_id=int(team) if team.strip() else None,
            place=place,
            needs=needs,
            amount_wan=amount_wan,
            products=products,
            bank_code=bank_code,
            follow_up_workdays=follow_up_workdays,
        ),
    )
    return RedirectResponse(f"/visits/records/{row.id}?saved=1", status_code=303)


@router.get("/visits/records/{visit_id}", response_class=HTMLResponse)
def visit_page(
    request: Request, visit_id: int, db: DB, principal: Reader, saved: str = ""
) -> Response:
    found = records.get(db, actor=principal, visit_id=visit_id)
    v = reading.visit_outs(db, [found])[0]
    manager = principal.can(Permission.visit_manage)
    editable = principal.can(Permission.visit_follow_up) and (manager or not v.final)
    return render(
        request,
        "visit_detail.html",
        v=v,
        saved=saved,
        editable=editable,
        manager=manager,
        outcomes=rules.OUTCOMES,
        final=sorted(outcomes.FINAL),
        today=clock.today(),
    )


@router.post("/visits/records/{visit_id}/outcome")
def record_outcome(
    visit_id: int,
    db: DB,
    principal: FollowUp,
    outcome: Annotated[str, Form()] = "",
    outcome_on: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    day = None
    if outcome_on.strip():
        try:
            day = parse_date(outcome_on)
        except DateParseError:
            raise Invalid("结果日期：格式应为 2026-12-07") from None
    if not outcome.strip():
        raise Invalid("跟进结果：请选择跟进结果")
    records.record_outcome(
        db,
        actor=principal,
        visit_id=visit_id,
        outcome=outcome,
        outcome_on=day,
        confirm=confirm == "yes",
    )
    return RedirectResponse(f"/visits/records/{visit_id}?saved=1", status_code=303)


@router.get("/visits/areas", response_class=HTMLResponse)
def areas_page(
    request: Request,
    db: DB,
    principal: Reader,
    region: str = "",
    campaign: str = "",
) -> Response:
    if campaign.strip() and not campaign.strip().isdigit():
        raise Invalid("走访活动编号应为数字")
    found = records.roll_up(
        db,
        actor=principal,
        area=region.strip() or None,
        campaign_id=int(campaign) if campaign.strip() else None,
    )
    return render(
        request,
        "visit_areas.html",
        r=reading.roll_up_out(found, level=divisions.AREA_LEVELS),
        campaigns=service.campaigns(db, actor=principal),
        chosen={"campaign": campaign.strip(), "region": region.strip()},
        area_name=divisions.area_name,
    )
