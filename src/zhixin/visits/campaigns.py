"""Visit campaigns (千企万户大走访) and their teams: created by the task force
(``visit:manage``), read by every visit reader. Audited: ``visit.campaign``, ``visit.team``.
Re-exported by ``visits.service``. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Conflict, Invalid, NotFound
from zhixin.kit import divisions
from zhixin.visits import repository as repo
from zhixin.visits.common import _audit, _require, _uid, bank_codes
from zhixin.visits.models import VisitCampaign, VisitTeam

# -- campaigns and teams -----------------------------------------------------------------------


def create_campaign(
    session: Session,
    *,
    actor: Principal | None,
    name: str,
    start_on: date,
    end_on: date,
    region_code: str,
) -> VisitCampaign:
    _require(actor, Permission.visit_manage)
    name, region_code = name.strip(), region_code.strip()
    if not name or len(name) > 100:
        raise Invalid("请填写活动名称（不超过 100 字）")
    if end_on < start_on:
        raise Invalid("结束日期不能早于开始日期")
    if not divisions.known_place(region_code):
        raise Invalid(f"未知的区域代码：{region_code}")
    if repo.campaign_by_name(session, name) is not None:
        raise Conflict(f"已有名为“{name}”的走访活动")
    row = VisitCampaign(
        name=name,
        start_on=start_on,
        end_on=end_on,
        region_code=region_code,
        created_by_id=_uid(actor),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "visit.campaign", "visit_campaign", row.id, name=name)
    return row


def campaign(session: Session, *, actor: Principal | None, campaign_id: int) -> VisitCampaign:
    _require(actor, Permission.visit_read)
    row = repo.campaign(session, campaign_id)
    if row is None:
        raise NotFound("未找到该走访活动")
    return row


def campaigns(session: Session, *, actor: Principal | None) -> Sequence[VisitCampaign]:
    _require(actor, Permission.visit_read)
    return repo.campaigns(session)


def add_team(
    session: Session,
    *,
    actor: Principal | None,
    campaign_id: int,
    name: str,
    street_code: str,
    bank_code: str | None,
    property_name: str = "",
    members: str = "",
) -> VisitTeam:
    """A team of the street office (its street), a bank and the property or park manager."""
    _require(actor, Permission.visit_manage)
    camp = campaign(session, actor=actor, campaign_id=campaign_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("请填写小组名称（不超过 100 字）")
    if divisions.level_of(street_code) != "street" or not divisions.known_place(street_code):
        raise Invalid(f"街道代码应为已登记的 9 位街道（乡镇）代码：{street_code}")
    if bank_code and bank_code not in bank_codes(session):
        raise NotFound(f"没有代码为 {bank_code} 的银行")
    if repo.team_by_name(session, camp.id, name) is not None:
        raise Conflict(f"本活动已有名为“{name}”的小组")
    row = VisitTeam(
        campaign_id=camp.id,
        name=name,
        street_code=street_code,
        bank_code=bank_code or None,
        property_name=property_name.strip()[:200],
        members=members.strip(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "visit.team", "visit_team", row.id, campaign_id=camp.id, name=name)
    return row


def teams(
    session: Session, *, actor: Principal | None, campaign_id: int | None = None
) -> Sequence[VisitTeam]:
    _require(actor, Permission.visit_read)
    return repo.teams(session, campaign_id)
