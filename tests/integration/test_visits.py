"""千企万户大走访: a team's visit sheet (Chinese headers, 序号/备注 ignored, amounts in 万元 or 元)
imported with a row-level report and re-run without change; the follow-up clock in working
days and its escalation; a visit's need posted to the demand side; a matching event; and the
report's sections, worked out by hand and recomputed by plain SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role, TenantKind
from zhixin.demand.models import FinancingNeed
from zhixin.errors import Invalid
from zhixin.reports import rules as report_rules
from zhixin.reports import service as reports
from zhixin.visits import service
from zhixin.visits.models import VisitRecord

E1, E2, E3 = "91350206MA2Y00010B", "91350206MA2Y00020C", "91350203MA2Y000302"
HEADER = (
    "序号,统一社会信用代码,企业名称,走访日期,走访小组,所在社区,发现需求,融资需求金额（万元）,"
    "意向产品,对接银行,跟进时限（工作日）,跟进结果,结果日期,备注"
)
ROWS = [
    f"1,{E1},甲公司,2026-11-03,湖里街道一组,海天社区,扩产缺流动资金,200,鹭质贷,,,跟进中,,上门",
    f"2,{E2},乙公司,2026/11/4,,东荣社区,设备更新,50.5,,乙银行,3,已申请,2026-11-06,",
    f"3,{E3},丙公司,2026年11月5日,,,,,,,,暂无需求,2026-11-05,经营稳定",
    "4,91350206MA2Y00010X,错码公司,2026-11-05,,,,,,,,,,",  # line 5: USCC checksum
    f"5,{E1},甲公司,2026-12-15,,,,,,,,,,",  # line 6: outside the campaign
    f"6,{E2},乙公司,2026-11-04,,,,,,,,,,",  # line 7: the same visit as line 3
    f"7,{E3},丙公司,2026-11-06,,,,abc,,,,,,",  # line 8: amount
    f"8,{E3},丙公司,2026-11-07,,,,,,,,完成,,",  # line 9: outcome
    f"9,{E3},丙公司,2026-11-08,无此小组,不存在社区,,,,丁银行,,,,",  # line 10: names
]


@pytest.fixture
def world(factory: sessionmaker[Session]) -> Iterator[tuple[Session, dict[str, Any]]]:
    session = factory()
    ids: dict[str, Any] = {}
    for code, name in (("bank-a", "甲银行"), ("bank-b", "乙银行")):
        ids[code] = placeholder_row(session, "tenant", kind="bank", code=code, name=name)
    for key, uscc, region in (("E1", E1, "350206"), ("E2", E2, "350206"), ("E3", E3, "350203")):
        ids[key] = placeholder_row(
            session, "enterprise", uscc=uscc, name=f"{key}公司", region_code=region
        )
    session.commit()
    make_user(factory, "zhuanban", Role.task_force)
    user = session.query(User).filter_by(username="zhuanban").one()
    ids["actor"] = accounts.principal_for(session, user)
    camp = service.create_campaign(
        session,
        actor=ids["actor"],
        name="2026 年千企万户大走访 · 湖里",
        start_on=date(2026, 11, 1),
        end_on=date(2026, 11, 30),
        region_code="350206",
    )
    service.add_team(
        session,
        actor=ids["actor"],
        campaign_id=camp.id,
        name="湖里街道一组",
        street_code="350206001",
        bank_code="bank-a",
        property_name="海天物业",
        members="街道 王某 · 甲银行 李某 · 物业 张某",
    )
    session.commit()
    ids["campaign"] = camp.id
    yield session, ids
    session.close()


def _sheet(tmp_path: Path, rows: list[str], name: str = "visits.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _import(session: Session, ids: dict[str, Any], path: Path) -> Any:
    batch = service.import_file(
        session, actor=ids["actor"], campaign_id=ids["campaign"], path=path, file_name=path.name
    )
    session.commit()
    return batch


def test_the_sheet_keeps_good_rows_and_reports_bad_ones(
    world: tuple[Session, dict[str, Any]], tmp_path: Path
) -> None:
    session, ids = world
    batch = _import(session, ids, _sheet(tmp_path, ROWS))
    assert (batch.rows, batch.created, batch.updated, batch.unchanged, batch.rejected) == (
        9,
        3,
        0,
        0,
        6,
    )
    assert [(e["line"], e["field"]) for e in batch.errors] == [
        (5, "统一社会信用代码"),
        (6, "走访日期"),
        (7, "统一社会信用代码"),
        (8, "融资需求金额（万元）"),
        (9, "跟进结果"),
        (10, "对接银行"),
        (10, "所在社区"),
        (10, "走访小组"),
    ]
    assert "不在本次活动期间（2026-11-01 至 2026-11-30）" in batch.errors[1]["reason"]
    assert "与第 3 行是同一次走访" in batch.errors[2]["reason"]
    visits = {v.enterprise_id: v for v in session.query(VisitRecord)}
    one, two, three = visits[ids["E1"]], visits[ids["E2"]], visits[ids["E3"]]
    # 200 万元; the team's bank follows up; 5 working days from Tue 2026-11-03
    assert (one.amount_wanted, one.bank_code, one.follow_up_workdays) == (
        Decimal("2000000.00"),
        "bank-a",
        5,
    )
    assert one.follow_up_due_on == date(2026, 11, 10)
    assert one.place_code == "350206001001" and one.products == "鹭质贷"
    # 50.5 万元, the sheet's bank by its name, 3 working days from Wed 11-04 → Mon 11-09
    assert (two.amount_wanted, two.bank_code, two.follow_up_due_on) == (
        Decimal("505000.00"),
        "bank-b",
        date(2026, 11, 9),
    )
    assert (two.outcome, two.outcome_on) == ("applied", date(2026, 11, 6))
    assert (three.amount_wanted, three.bank_code, three.follow_up_due_on) == (None, None, None)
    assert three.outcome == "no_need"
    # the same file again changes nothing; a corrected row updates its visit
    again = _import(session, ids, _sheet(tmp_path, ROWS))
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 6)
    fixed = [ROWS[0], ROWS[1].replace("已申请,2026-11-06", "已获贷,2026-11-20")]
    third = _import(session, ids, _sheet(tmp_path, fixed, "v2.csv"))
    assert (third.created, third.updated, third.unchanged, third.rejected) == (0, 1, 1, 0)
    assert session.query(VisitRecord).count() == 3


def test_a_sheet_without_the_required_columns_is_refused(
    world: tuple[Session, dict[str, Any]], tmp_path: Path
) -> None:
    session, ids = world
    path = tmp_path / "bad.csv"
    path.write_text("序号,企业名称,备注\n1,甲公司,无\n", encoding="utf-8")
    with pytest.raises(Invalid, match="缺少必需的列：统一社会信用代码、走访日期"):
        service.import_file(
            session, actor=ids["actor"], campaign_id=ids["campaign"], path=path, file_name="b.csv"
        )


def test_follow_up_escalates_and_a_need_is_posted(
    world: tuple[Session, dict[str, Any]], tmp_path: Path
) -> None:
    session, ids = world
    _import(session, ids, _sheet(tmp_path, ROWS[:3]))
    assert service.escalate_due(session, today=date(2026, 11, 10)) == []  # due that day
    done = service.escalate_due(session, today=date(2026, 11, 11))
    assert [v.enterprise_id for v in done] == [ids["E1"]]
    assert done[0].escalated_on == date(2026, 11, 11)
    assert service.escalate_due(session, today=date(2026, 11, 12)) == []  # once
    overdue = service.listing(session, actor=ids["actor"], overdue=True)
    assert [v.enterprise_id for v in overdue] == [ids["E1"]]
    visit = done[0]
    service.post_need(
        session,
        actor=ids["actor"],
        visit_id=visit.id,
        term_months=12,
        purpose="working_capital",
        collateral="none",
        contact_name="甲经理",
        contact_phone="13800000000",
    )
    need = session.get(FinancingNeed, visit.need_id)
    assert need is not None
    assert (need.amount, need.enterprise_id, need.bank_code) == (
        Decimal("2000000.00"),
        ids["E1"],
        "bank-a",
    )
    session.commit()


def test_the_listing_limit_counts_matching_visits(
    world: tuple[Session, dict[str, Any]], factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """The overdue clock and a regulator's jurisdiction filter in the statement, before the
    limit: newer visits that do not match never crowd out older ones that do (they were
    filtered after fetching ``limit`` rows)."""
    session, ids = world
    _import(session, ids, _sheet(tmp_path, ROWS[:3]))  # E1 open 11-03, E2 11-04, E3 11-05
    # E1's follow-up ran out long ago; E2 (applied) and E3 (no need) are newer and not overdue
    overdue = service.listing(session, actor=ids["actor"], overdue=True, limit=2)
    assert [v.enterprise_id for v in overdue] == [ids["E1"]]
    make_user(factory, "huli-reg", Role.regulator, tenant_code="reg-huli")
    tenant = accounts.get_or_create_tenant(
        session, code="reg-huli", name="测试regulator", kind=TenantKind.regulator
    )
    accounts.set_region(session, actor=None, tenant_id=tenant.id, region_code="350206")
    session.commit()
    huli = _principal(session, "huli-reg")
    # E3 (思明, the newest) is outside 湖里: one visit of the jurisdiction still comes back
    assert [v.enterprise_id for v in service.listing(session, actor=huli, limit=1)] == [ids["E2"]]
    assert [v.enterprise_id for v in service.listing(session, actor=huli)] == [
        ids["E2"],
        ids["E1"],
    ]


def _principal(session: Session, username: str) -> Principal:
    return accounts.principal_for(session, session.query(User).filter_by(username=username).one())


def sql_visits(session: Session, p: report_rules.Period, today: date) -> list[list[Any]]:
    """The visits section recomputed from the tables: per bank code (None last)."""
    rows = session.execute(
        text(
            "SELECT v.bank_code, COUNT(*), COUNT(DISTINCT v.enterprise_id), "
            "SUM(CASE WHEN v.amount_wanted > 0 THEN 1 ELSE 0 END), "
            "COALESCE(SUM(CASE WHEN v.amount_wanted > 0 THEN v.amount_wanted END), 0), "
            "SUM(CASE WHEN v.need_id IS NOT NULL THEN 1 ELSE 0 END), "
            "COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM loan_application a "
            "  WHERE a.enterprise_id = v.enterprise_id AND a.submitted_on >= v.visited_on "
            "  AND a.submitted_on <= :e) THEN v.enterprise_id END), "
            "SUM(CASE WHEN v.follow_up_due_on < :t AND (v.outcome = 'open' "
            "  OR v.outcome_on > v.follow_up_due_on) THEN 1 ELSE 0 END) "
            "FROM visit_record v WHERE v.visited_on BETWEEN :s AND :e "
            "GROUP BY v.bank_code"
        ),
        {"s": p.start, "e": p.end, "t": today},
    )
    out = [
        [r[0], *[int(x) for x in r[1:4]], Decimal(r[4]).quantize(Decimal("0.01")), *map(int, r[5:])]
        for r in rows
    ]
    return sorted(out, key=lambda r: (r[0] is None, r[0] or ""))


def sql_visit_areas(
    session: Session, p: report_rules.Period, today: date, prefix: str, size: int
) -> list[list[Any]]:
    """The roll-up by area recomputed from the tables: a visit's area is its place code, else
    its enterprise's county; grouped by the first ``size`` digits, within ``prefix``."""
    rows = session.execute(
        text(
            "SELECT SUBSTR(COALESCE(v.place_code, e.region_code), 1, :n) AS area, COUNT(*), "
            "COUNT(DISTINCT v.enterprise_id), "
            "SUM(CASE WHEN v.amount_wanted > 0 THEN 1 ELSE 0 END), "
            "COALESCE(SUM(CASE WHEN v.amount_wanted > 0 THEN v.amount_wanted END), 0), "
            "SUM(CASE WHEN v.bank_code IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN v.outcome IN ('applied', 'granted') THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN v.outcome = 'granted' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN v.outcome = 'open' AND v.follow_up_due_on < :t THEN 1 ELSE 0 END) "
            "FROM visit_record v JOIN enterprise e ON e.id = v.enterprise_id "
            "WHERE v.visited_on BETWEEN :s AND :e AND e.region_code LIKE :p "
            "GROUP BY SUBSTR(COALESCE(v.place_code, e.region_code), 1, :n) ORDER BY area"
        ),
        {"s": p.start, "e": p.end, "t": today, "n": size, "p": prefix + "%"},
    )
    return [
        [r[0], *[int(x) for x in r[1:4]], Decimal(r[4]).quantize(Decimal("0.01")), *map(int, r[5:])]
        for r in rows
    ]


def test_the_report_sections(
    world: tuple[Session, dict[str, Any]], tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    session, ids = world
    _import(session, ids, _sheet(tmp_path, ROWS[:3]))
    # E2 applied to bank B on 11-06 (after its visit), approved 50 万元; E1 applied in October
    quote = placeholder_row(session, "quote", enterprise_id=ids["E2"])
    app = placeholder_row(
        session,
        "loan_application",
        enterprise_id=ids["E2"],
        bank_tenant_id=ids["bank-b"],
        bank_name="乙银行",
        quote_id=quote,
        product_code="luzhidai",
        product_name="鹭质贷",
        amount=Decimal("500000.00"),
        state="approved",
        submitted_on=date(2026, 11, 6),
        decided_on=date(2026, 11, 12),
        approved_amount=Decimal("500000.00"),
        listed=False,
        version=1,
    )
    quote1 = placeholder_row(session, "quote", enterprise_id=ids["E1"])
    placeholder_row(
        session,
        "loan_application",
        enterprise_id=ids["E1"],
        bank_tenant_id=ids["bank-a"],
        bank_name="甲银行",
        quote_id=quote1,
        product_code="luzhidai",
        product_name="鹭质贷",
        amount=Decimal("500000.00"),
        state="submitted",
        submitted_on=date(2026, 10, 20),
        listed=False,
        version=1,
    )
    service.create_event(
        session,
        actor=ids["actor"],
        title="湖里区银企对接会",
        held_on=date(2026, 11, 20),
        place="湖里区政务中心",
        bank_codes=["bank-a", "bank-b"],
        usccs=[E1, E2],
        application_ids=[app],
        campaign_id=ids["campaign"],
    )
    session.commit()
    nov = report_rules.monthly("2026-11")
    today = date(2026, 12, 7)
    r = reports.build(session, nov, reports.Scope(), today=today)
    visits = r.table("visits").rows
    assert visits == [
        ["甲银行", 1, 1, 1, Decimal("2000000.00"), 0, 0, 1],
        ["乙银行", 1, 1, 1, Decimal("505000.00"), 0, 1, 0],
        ["未分配银行", 1, 1, 0, Decimal("0.00"), 0, 0, 0],
        ["合计", 3, 3, 2, Decimal("2505000.00"), 0, 1, 1],
    ]
    assert [row[1:] for row in visits[:-1]] == [row[1:] for row in sql_visits(session, nov, today)]
    assert r.table("matching").rows == [[1, 2, 2, 1, 1, Decimal("500000.00")]]
    # bank B's own report: its visit and its application only
    b = reports.build(session, nov, reports.Scope(bank_tenant_id=ids["bank-b"]), today=today)
    assert b.table("visits").rows == [["乙银行", 1, 1, 1, Decimal("505000.00"), 0, 1, 0]]
    # a region: 思明区 holds only E3's visit
    sm = reports.build(session, nov, reports.Scope(region_prefix="350203"), today=today)
    assert sm.table("visits").rows == [["未分配银行", 1, 1, 0, Decimal("0.00"), 0, 0, 0]]
    # the roll-up by area: the platform by city; 湖里区 by street (E1 and E2 were placed in
    # 湖里街道's communities); 思明区's one visit is known only to its county
    areas = r.table("visit_areas")
    assert areas.columns[0].label == "市"
    assert areas.rows == [
        ["厦门市", 3, 3, 2, Decimal("2505000.00"), 2, 1, 0, 1],
        ["合计", 3, 3, 2, Decimal("2505000.00"), 2, 1, 0, 1],
    ]
    assert [row[1:] for row in areas.rows[:1]] == [
        row[1:] for row in sql_visit_areas(session, nov, today, "", 4)
    ]
    huli = reports.build(session, nov, reports.Scope(region_prefix="350206"), today=today)
    assert huli.table("visit_areas").columns[0].label == "街道（乡镇）"
    assert huli.table("visit_areas").rows[:-1] == [
        ["厦门市湖里区湖里街道", 2, 2, 2, Decimal("2505000.00"), 2, 1, 0, 1]
    ]
    assert [row[1:] for row in huli.table("visit_areas").rows[:-1]] == [
        row[1:] for row in sql_visit_areas(session, nov, today, "350206", 9)
    ]
    assert sm.table("visit_areas").rows[:-1] == [
        ["未细分到下级区域", 1, 1, 0, Decimal("0.00"), 0, 0, 0, 0]
    ]
    # December: no visits
    dec = reports.build(session, report_rules.monthly("2026-12"), reports.Scope(), today=today)
    assert dec.table("visits").rows == []
