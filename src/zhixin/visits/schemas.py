"""The visits' JSON API shapes (千企万户大走访 · 银企对接会), described in Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

OUTCOME_TEXT = (
    "跟进结果：open 跟进中 / applied 已申请 / granted 已获贷 / no_need 暂无需求 / declined 未获支持"
)


class VisitIn(BaseModel):
    campaign_id: int = Field(description="走访活动编号（GET /visits/campaigns）")
    uscc: str = Field(max_length=32, description="被走访企业的统一社会信用代码（18 位）")
    visited_on: date = Field(description="走访日期：在活动期间内，不晚于今天")
    team_id: int | None = Field(None, description="走访小组编号（本活动的小组）")
    place_code: str = Field(
        "", max_length=12, description="所在社区（12 位）或街道（9 位）代码；空：按企业注册地区县"
    )
    needs: str = Field("", max_length=2000, description="发现的问题与需求")
    amount_wanted: Decimal | None = Field(
        None, ge=0, max_digits=16, decimal_places=2, description="融资需求金额（元，到分）"
    )
    products: str = Field("", max_length=200, description="意向产品")
    bank_code: str = Field(
        "", max_length=64, description="分派跟进的银行代码；空：小组所属银行（如有）"
    )
    follow_up_workdays: int | None = Field(
        None,
        ge=1,
        le=60,
        description="跟进时限（工作日，自走访日期起算）；空：有融资需求或分派银行时为 5",
    )


class OutcomeIn(BaseModel):
    outcome: str = Field(description=OUTCOME_TEXT)
    outcome_on: date | None = Field(
        None, description="结果日期：跟进结果不是 open 时必填，不早于走访日期、不晚于今天"
    )
    confirm: bool = Field(
        False,
        description="记录最终结果（granted、no_need、declined）须为 true：记录后跟进结束，"
        "银行不能再改（专班可更正）",
    )


class AssignIn(BaseModel):
    bank_code: str = Field(max_length=64, description="分派跟进的银行代码；跟进时限自今天重新起算")


class VisitOut(BaseModel):
    id: int
    campaign_id: int
    campaign: str = Field(description="走访活动名称")
    team_id: int | None
    team: str = Field(description="走访小组名称")
    enterprise_id: int
    enterprise: str = Field(description="企业名称")
    visited_on: date
    area_code: str | None = Field(
        description="走访所在区域：所记社区或街道代码，未记时为企业注册地区县代码"
    )
    area: str = Field(description="区域全称（省市区县街道社区）")
    needs: str
    amount_wanted: Decimal | None = Field(description="融资需求金额（元）")
    products: str = Field(description="意向产品")
    bank_code: str | None = Field(description="分派跟进的银行代码；null：未分派")
    bank: str = Field(description="分派跟进的银行名称")
    follow_up_workdays: int | None = Field(description="跟进时限（工作日）")
    follow_up_due_on: date | None = Field(description="跟进截止日（按工作日历，含调休）")
    overdue: bool = Field(description="跟进超期：截止日已过而仍为跟进中")
    escalated_on: date | None = Field(description="超期移交专班的日期")
    outcome: str = Field(description=OUTCOME_TEXT)
    outcome_label: str
    outcome_on: date | None
    final: bool = Field(description="已是最终结果（已获贷、暂无需求、未获支持）")
    need_id: int | None = Field(description="已发布为融资需求时的需求编号")


class VisitPageOut(BaseModel):
    total: int = Field(description="符合条件的走访记录数（不受 limit、offset 影响）")
    items: list[VisitOut]


class TeamOut(BaseModel):
    id: int
    name: str
    street_code: str = Field(description="街道（乡镇）代码，9 位")
    street: str
    bank_code: str | None
    property_name: str = Field(description="物业或园区")


class CampaignOut(BaseModel):
    id: int
    name: str
    start_on: date
    end_on: date
    region_code: str = Field(description="活动区域：区县、街道或社区代码")
    region: str
    teams: list[TeamOut]


class EventOut(BaseModel):
    id: int
    title: str
    held_on: date
    place: str
    campaign: str
    banks: list[str] = Field(description="参会银行（名称）")
    enterprises: list[str] = Field(description="参会企业（名称）")
    application_ids: list[int] = Field(description="由对接会促成的贷款申请编号")


class AreaRowOut(BaseModel):
    code: str | None = Field(description="下一级区域代码；null：走访未细分到该级")
    name: str
    visits: int = Field(description="走访（次）")
    firms: int = Field(description="走访企业（家）")
    needs: int = Field(description="发现融资需求（次）：融资需求金额大于 0")
    amount_wanted: Decimal = Field(description="需求金额（元）")
    assigned: int = Field(description="已分派银行（次）")
    applied: int = Field(description="已申请或已获贷（次）")
    granted: int = Field(description="已获贷（次）")
    overdue: int = Field(description="跟进超期（次）")


class RollUpOut(BaseModel):
    code: str | None = Field(description="所看区域；null：全部（无辖区）")
    name: str
    level_below: str = Field(description="下一级的层级名称（市、区县、街道、社区）")
    trail: list[str] = Field(description="自辖区以下至所看区域的各级代码（逐级返回用）")
    rows: list[AreaRowOut]
    total: AreaRowOut
