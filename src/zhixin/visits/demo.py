"""Demo visits (called by ``zhixin.demo.loader``), so the task force's pages and the report's
sections have content: one campaign over the demo region (厦门湖里、思明; its streets and
communities are the demo rows of ``kit/data/streets.csv``), two teams (street office, bank,
property), a visit sheet of a dozen firms imported through the real import — needs found,
banks assigned, outcomes, one follow-up overdue and escalated — one visit's need posted to the
demand side, and one 银企对接会. Never commits."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.enterprises import service as enterprises
from zhixin.kit import clock, sheets
from zhixin.visits import rules, service

NEEDS = [
    ("扩大产能，缺流动资金", "300", "鹭质贷", "跟进中"),
    ("购置检测设备，申请质量提升贷款", "500", "鹭质贷", "已申请"),
    ("经营稳定，暂无融资需求", "", "", "暂无需求"),
    ("出口订单增加，需要备货资金", "120", "", "跟进中"),
    ("研发投入，希望知识产权质押融资", "800", "知识产权质押贷", "已获贷"),
    ("厂房租金上涨，了解贴息政策", "50", "", "跟进中"),
    ("认证换证费用", "30", "", "未获支持"),
    ("暂无需求，希望参加对接会", "", "", "暂无需求"),
]
PLACES = ["海天社区", "东荣社区", "枋湖社区", "后坑社区", "中山社区", "溪岸社区"]


def _bank_code(session: Session, username: str) -> str | None:
    user = accounts.user_by_username(session, username)
    if user is None:
        return None
    return accounts.tenant_code(session, user.tenant_id)


def load(session: Session, *, enterprise_ids: Sequence[int]) -> None:
    user = accounts.user_by_username(session, "taskforce")
    if user is None:
        return
    actor = accounts.principal_for(session, user)
    xmrcb, icbc = _bank_code(session, "xmrcb-officer"), _bank_code(session, "icbc-officer")
    firms = []
    for eid in enterprise_ids:
        ident = enterprises.identity(session, eid)
        if ident is not None and (ident.region_code or "").startswith("3502"):
            firms.append(ident.uscc)
    if not firms or xmrcb is None or icbc is None:
        return
    today = clock.today()
    camp = service.create_campaign(
        session,
        actor=actor,
        name="千企万户大走访（演示）",
        start_on=today - timedelta(days=40),
        end_on=today + timedelta(days=20),
        region_code="3502",
    )
    teams = [
        (
            "湖里街道一组",
            "350206001",
            xmrcb,
            "海天物业",
            "湖里街道 王科长 · 农商银行 陈经理 · 物业 林主任",
        ),
        (
            "开元街道一组",
            "350203006",
            icbc,
            "开元创业园",
            "开元街道 李科长 · 工商银行 黄经理 · 园区 吴主任",
        ),
    ]
    for name, street, bank, prop, members in teams:
        service.add_team(
            session,
            actor=actor,
            campaign_id=camp.id,
            name=name,
            street_code=street,
            bank_code=bank,
            property_name=prop,
            members=members,
        )
    header = ["序号", "统一社会信用代码", "走访日期", "走访小组", "所在社区", "发现需求"]
    header += [
        "融资需求金额（万元）",
        "意向产品",
        "跟进时限（工作日）",
        "跟进结果",
        "结果日期",
        "备注",
    ]
    rows: list[list[object]] = [[*header]]
    for n, uscc in enumerate(firms[: 2 * len(NEEDS)]):
        needs, wan, product, outcome = NEEDS[n % len(NEEDS)]
        visited = today - timedelta(days=30 - 2 * n)
        done = "" if outcome == "跟进中" else (visited + timedelta(days=3)).isoformat()
        rows.append(
            [
                n + 1,
                uscc,
                visited.isoformat(),
                teams[n % 2][0],
                PLACES[n % len(PLACES)],
                needs,
                wan,
                product,
                "5" if wan else "",
                outcome,
                done,
                "演示数据",
            ]
        )
    with tempfile.TemporaryDirectory(prefix="zhixin-demo-visits-") as tmp:
        path = Path(tmp) / "走访记录（演示）.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            sheets.write_csv_rows(fh, rows)
        service.import_file(
            session, actor=actor, campaign_id=camp.id, path=path, file_name=path.name
        )
    service.escalate_due(session, today=today)
    visits = service.listing(session, actor=actor, campaign_id=camp.id)
    open_need = next(
        (v for v in visits if v.outcome == "open" and rules.needs_finance(v.amount_wanted)), None
    )
    if open_need is not None:
        service.post_need(
            session,
            actor=actor,
            visit_id=open_need.id,
            term_months=12,
            purpose="working_capital",
            collateral="none",
            contact_name="陈经理",
            contact_phone="0592-5550199",
        )
    service.create_event(
        session,
        actor=actor,
        title="湖里区“千企万户”银企对接会（演示）",
        held_on=today - timedelta(days=10),
        place="湖里区政务服务中心三楼会议室",
        bank_codes=[xmrcb, icbc],
        usccs=firms[:4],
        application_ids=[],
        campaign_id=camp.id,
    )
