"""The visits as the API answers them, and the CLI's list: names for codes and ids (the callers
have checked the reader's scope through ``visits.records`` or ``visits.service.listing``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.enterprises import service as enterprises
from zhixin.kit import clock, divisions
from zhixin.visits import areas, outcomes, rules
from zhixin.visits import repository as repo
from zhixin.visits.models import VisitCampaign, VisitRecord, VisitTeam
from zhixin.visits.records import RollUp
from zhixin.visits.schemas import AreaRowOut, CampaignOut, RollUpOut, TeamOut, VisitOut


def visit_outs(session: Session, rows: Sequence[tuple[VisitRecord, str | None]]) -> list[VisitOut]:
    ids = sorted({r.enterprise_id for r, _a in rows})
    places = enterprises.places_by_ids(session, ids)
    banks = {c: n for c, n in accounts.tenant_names(session, "bank").values()}
    camps = {c.id: c.name for c in repo.campaigns(session)}
    teams = {t.id: t.name for t in repo.teams(session)}
    today = clock.today()
    return [
        VisitOut(
            id=r.id,
            campaign_id=r.campaign_id,
            campaign=camps.get(r.campaign_id, ""),
            team_id=r.team_id,
            team=teams.get(r.team_id, "") if r.team_id else "",
            enterprise_id=r.enterprise_id,
            enterprise=places.get(r.enterprise_id, (f"经营主体 {r.enterprise_id}", None, None))[0],
            visited_on=r.visited_on,
            area_code=area,
            area=divisions.area_name(area),
            needs=r.needs,
            amount_wanted=r.amount_wanted,
            products=r.products,
            bank_code=r.bank_code,
            bank=banks.get(r.bank_code, r.bank_code) if r.bank_code else "",
            follow_up_workdays=r.follow_up_workdays,
            follow_up_due_on=r.follow_up_due_on,
            overdue=rules.overdue(due_on=r.follow_up_due_on, outcome=r.outcome, today=today),
            escalated_on=r.escalated_on,
            outcome=r.outcome,
            outcome_label=rules.OUTCOMES.get(r.outcome, r.outcome),
            outcome_on=r.outcome_on,
            final=r.outcome in outcomes.FINAL,
            need_id=r.need_id,
        )
        for r, area in rows
    ]


def campaign_outs(
    session: Session, camps: Sequence[VisitCampaign], teams: Sequence[VisitTeam]
) -> list[CampaignOut]:
    return [
        CampaignOut(
            id=c.id,
            name=c.name,
            start_on=c.start_on,
            end_on=c.end_on,
            region_code=c.region_code,
            region=divisions.area_name(c.region_code),
            teams=[
                TeamOut(
                    id=t.id,
                    name=t.name,
                    street_code=t.street_code,
                    street=divisions.place_name(t.street_code),
                    bank_code=t.bank_code,
                    property_name=t.property_name,
                )
                for t in teams
                if t.campaign_id == c.id
            ],
        )
        for c in camps
    ]


def _row(r: areas.AreaRow, name: str) -> AreaRowOut:
    return AreaRowOut(
        code=r.code,
        name=name,
        visits=r.visits,
        firms=len(r.firms),
        needs=r.needs,
        amount_wanted=r.amount_wanted,
        assigned=r.assigned,
        applied=r.applied,
        granted=r.granted,
        overdue=r.overdue,
    )


def roll_up_out(found: RollUp, *, level: Mapping[int, str]) -> RollUpOut:
    below = divisions.child_size(found.code)
    return RollUpOut(
        code=found.code,
        name=divisions.area_name(found.code) if found.code else "全部",
        level_below=level[below],
        trail=found.trail,
        rows=[
            _row(r, divisions.area_name(r.code) if r.code else areas.UNSPLIT) for r in found.rows
        ],
        total=_row(found.total, "合计"),
    )
