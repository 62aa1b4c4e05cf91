"""JSON API of the visits under /api/v1/visits (千企万户大走访 · 银企对接会).

Scope (``visits.records``): the task force every visit; a regulator its jurisdiction's
enterprises' visits; a bank the visits assigned to it — any other visit answers 404
``not_found``. An area outside a regulator's jurisdiction is 403 ``forbidden``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.kit import divisions
from zhixin.visits import reading, records, service
from zhixin.visits.schemas import (
    AssignIn,
    CampaignOut,
    EventOut,
    OutcomeIn,
    RollUpOut,
    VisitIn,
    VisitOut,
    VisitPageOut,
)
from zhixin.web.deps import DB, require

router = APIRouter(tags=["千企万户大走访 visits"])
Reader = Annotated[Principal, Depends(require(Permission.visit_read))]
Manager = Annotated[Principal, Depends(require(Permission.visit_manage))]
FollowUp = Annotated[Principal, Depends(require(Permission.visit_follow_up))]
Area = Annotated[
    str | None,
    Query(
        max_length=12,
        description="区域代码前缀：省 2 位、市 4 位、区县 6 位、街道 9 位、社区 12 位",
    ),
]


@router.get("/visits", response_model=VisitPageOut)
def list_visits(
    db: DB,
    principal: Reader,
    campaign: Annotated[int | None, Query(description="走访活动编号")] = None,
    team: Annotated[int | None, Query(description="走访小组编号")] = None,
    bank: Annotated[str | None, Query(max_length=64, description="分派跟进的银行代码")] = None,
    status: Annotated[
        str | None,
        Query(max_length=16, description="跟进结果（open、applied、granted、no_need、declined）"),
    ] = None,
    region: Area = None,
    overdue: Annotated[bool, Query(description="只看跟进超期（截止日已过仍为跟进中）")] = False,
    start: Annotated[date | None, Query(description="走访日期自")] = None,
    end: Annotated[date | None, Query(description="走访日期至")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> VisitPageOut:
    """走访记录（按走访日期由近及远）：专班看全部，监管看本辖区企业的走访，银行只看分派给本行的走访。"""
    rows, total = records.listing(
        db,
        actor=principal,
        filters=records.Filters(
            campaign_id=campaign,
            team_id=team,
            bank=bank,
            outcome=status,
            area=region,
            overdue=overdue,
            start=start,
            end=end,
        ),
        limit=limit,
        offset=offset,
    )
    return VisitPageOut(total=total, items=reading.visit_outs(db, rows))


@router.post("/visits", response_model=VisitOut, status_code=201)
def create_visit(body: VisitIn, db: DB, principal: Manager) -> VisitOut:
    """登记一次走访（专班）：规则同走访记录表的一行；同一活动、企业、日期已有记录时为 409。"""
    row = records.create(
        db,
        actor=principal,
        entry=records.Entry(
            campaign_id=body.campaign_id,
            uscc=body.uscc,
            visited_on=body.visited_on.isoformat(),
            team_id=body.team_id,
            place=body.place_code,
            needs=body.needs,
            amount="" if body.amount_wanted is None else str(body.amount_wanted),
            products=body.products,
            bank_code=body.bank_code,
            follow_up_workdays=""
            if body.follow_up_workdays is None
            else str(body.follow_up_workdays),
        ),
    )
    return reading.visit_outs(db, [records.get(db, actor=principal, visit_id=row.id)])[0]


@router.get("/visits/campaigns", response_model=list[CampaignOut])
def list_campaigns(db: DB, principal: Reader) -> list[CampaignOut]:
    """走访活动及其小组（街道 + 银行 + 物业）。"""
    return reading.campaign_outs(
        db, service.campaigns(db, actor=principal), service.teams(db, actor=principal)
    )


@router.get("/visits/events", response_model=list[EventOut])
def list_events(db: DB, principal: Reader) -> list[EventOut]:
    """银企对接会：参会银行、企业与促成的申请（银行只看本行参加的）。"""
    found = service.event_outs(db, service.events(db, actor=principal))
    return [EventOut.model_validate(e, from_attributes=True) for e in found]


@router.get("/visits/areas", response_model=RollUpOut)
def roll_up(
    db: DB,
    principal: Reader,
    region: Area = None,
    campaign: Annotated[int | None, Query(description="走访活动编号")] = None,
    bank: Annotated[str | None, Query(max_length=64, description="分派跟进的银行代码")] = None,
    start: Annotated[date | None, Query(description="走访日期自")] = None,
    end: Annotated[date | None, Query(description="走访日期至")] = None,
) -> RollUpOut:
    """走访按区域汇总（省 → 市 → 区县 → 街道 → 社区）：
    所看区域（默认本辖区）下一级每个区域一行及合计。"""
    found = records.roll_up(
        db, actor=principal, area=region, campaign_id=campaign, bank=bank, start=start, end=end
    )
    return reading.roll_up_out(found, level=divisions.AREA_LEVELS)


@router.get("/visits/{visit_id}", response_model=VisitOut)
def get_visit(visit_id: int, db: DB, principal: Reader) -> VisitOut:
    """一条走访记录（不在可见范围内为 404）。"""
    return reading.visit_outs(db, [records.get(db, actor=principal, visit_id=visit_id)])[0]


@router.post("/visits/{visit_id}/outcome", response_model=VisitOut)
def record_outcome(visit_id: int, body: OutcomeIn, db: DB, principal: FollowUp) -> VisitOut:
    """登记或修改跟进结果：分派的银行在结果未最终确定前登记，专班可更正；
    最终结果须 confirm=true。"""
    records.record_outcome(
        db,
        actor=principal,
        visit_id=visit_id,
        outcome=body.outcome,
        outcome_on=body.outcome_on,
        confirm=body.confirm,
    )
    return reading.visit_outs(db, [records.get(db, actor=principal, visit_id=visit_id)])[0]


@router.post("/visits/{visit_id}/assign", response_model=VisitOut)
def assign_visit(visit_id: int, body: AssignIn, db: DB, principal: Manager) -> VisitOut:
    """分派跟进银行（专班）：仅跟进中的走访；跟进时限自今天起按工作日重新计算。"""
    records.get(db, actor=principal, visit_id=visit_id)
    service.assign(db, actor=principal, visit_id=visit_id, bank_code=body.bank_code)
    return reading.visit_outs(db, [records.get(db, actor=principal, visit_id=visit_id)])[0]
