"""Quotes through the service: who may quote and read, what is stored and audited, refusals,
stacked discounts, tranches, automatic rules, subsidy caps, guarantee years, RAROC and the
holiday fallback for years nobody has published."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.enterprises.models import Enterprise
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Method, QuoteRequest
from zhixin.quotes import service
from zhixin.quotes.models import Quote
from zhixin.quotes.schemas import QuoteOut
from zhixin.records.models import QualityRecord

D = Decimal
ON = date(2025, 7, 15)
WAN = D(10000)


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _firm(s: Session, uscc: str, name: str, region: str, size: str = "小") -> int:
    firm = Enterprise(
        uscc=uscc,
        name=name,
        kind="企业",
        status="存续",
        size_class=size,
        region_code=region,
        established_on=date(2015, 3, 1),
    )
    s.add(firm)
    s.flush()
    return firm.id


def _record(s: Session, eid: int, kind: str, key: str, **fields: object) -> None:
    s.add(
        QualityRecord(
            enterprise_id=eid,
            kind=kind,
            natural_key=f"{eid}|{key}",
            content_hash=key.ljust(32, "0")[:32],
            source_system="test",
            known_at=datetime(2025, 1, 1, tzinfo=UTC),
            **fields,
        )
    )


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        ids = {
            "xm1": _firm(s, "91350200MA31234567", "厦门矽创", "350203"),
            "xm2": _firm(s, "91350200MA2XXXXXX0", "厦门海屿", "350206"),
            "xm3": _firm(s, "91110000600037341L", "北京乙公司", "110105"),
            "nb": _firm(s, "91330200MA2AAAAAA1", "宁波甲公司", "330203"),
            "sx": _firm(s, "91330600MA2BBBBBB2", "绍兴甲公司", "330602"),
        }
        # xm1 holds a municipal quality award (2024) and the 专精特新中小企业 title
        _record(
            s,
            ids["xm1"],
            "award",
            "A1",
            subtype="政府质量奖",
            title="市长质量奖",
            level="市级",
            year=2024,
        )
        _record(
            s,
            ids["xm1"],
            "title",
            "T1",
            subtype="专精特新中小企业",
            level="省级",
            valid_from=date(2024, 1, 1),
            valid_to=date(2027, 1, 1),
        )
        # xm3 had a product-quality penalty in 2025
        _record(
            s,
            ids["xm3"],
            "penalty",
            "P1",
            subtype="产品质量",
            ref="P1",
            level="一般",
            issuer="局",
            event_date=date(2025, 3, 1),
        )
    publish_grades(
        factory,
        catalog="xiamen",
        grades={
            ids["xm1"]: Grade("I", {"credit": "I"}),
            ids["xm2"]: Grade("II", {"credit": "II"}),
            ids["xm3"]: Grade("II", {"credit": "II"}),
        },
    )
    publish_grades(
        factory,
        catalog="ningbo",
        grades={ids["nb"]: Grade("L2", {"credit": "L2"}), ids["sx"]: Grade("L5", {"brand": "L5"})},
        published_at=datetime(2025, 7, 2, 2, 0, tzinfo=UTC),
    )
    ids["firm"] = make_user(factory, "firm", Role.enterprise, enterprise_id=ids["xm1"])
    ids["firm2"] = make_user(factory, "firm2", Role.enterprise, enterprise_id=ids["xm2"])
    ids["xmrcb"] = make_user(factory, "xmrcb", Role.bank_officer, tenant_code="bank-xmrcb")
    ids["xmrcb2"] = make_user(factory, "xmrcb2", Role.bank_approver, tenant_code="bank-xmrcb")
    ids["icbc"] = make_user(factory, "icbc", Role.bank_officer, tenant_code="bank-icbc-xm")
    ids["tf"] = make_user(factory, "tf", Role.task_force)
    ids["guarantor"] = make_user(factory, "guarantor", Role.guarantor)
    return ids


def _req(
    amount: str, term: int = 12, method: Method = Method.interest_monthly, **kw: Any
) -> QuoteRequest:
    return QuoteRequest(amount=D(amount), term_months=term, method=method, on=ON, **kw)


def _quote(
    factory: sessionmaker[Session],
    actor: service.Requester,
    code: str,
    eid: int,
    request: QuoteRequest,
) -> QuoteOut:
    with unit_of_work(factory) as s:
        return service.quote(s, actor=actor, product_code=code, enterprise_id=eid, request=request)


def test_an_enterprise_quotes_for_itself_only_and_reads_its_own(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    firm = _principal(factory, world["firm"])
    q = _quote(factory, firm, "luzhidai", world["xm1"], _req("1000000"))
    assert q.id is not None and q.eligible
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        service.quote(
            s,
            actor=firm,
            product_code="luzhidai",
            enterprise_id=world["xm2"],
            request=_req("1000000"),
        )
    firm2 = _principal(factory, world["firm2"])
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        service.get(s, actor=firm2, quote_id=q.id)
    with unit_of_work(factory) as s:
        again = service.get(s, actor=firm, quote_id=q.id)
    assert again == q  # exactly what was shown


def test_who_reads_a_stored_quote(factory: sessionmaker[Session], world: dict[str, int]) -> None:
    icbc = _principal(factory, world["icbc"])
    # ICBC's officer prices XMRCB's 鹭质贷 for an enterprise (products are public)
    q = _quote(factory, icbc, "luzhidai", world["xm2"], _req("1000000"))
    assert q.id is not None
    readers = {
        "icbc": True,  # the tenant that made it
        "xmrcb2": True,  # the bank whose product it prices
        "tf": True,  # the task force sees every quote
        "firm2": True,  # the enterprise it is for
        "firm": False,  # another enterprise
    }
    for who, sees in readers.items():
        actor = _principal(factory, world[who])
        with unit_of_work(factory) as s:
            if sees:
                assert service.get(s, actor=actor, quote_id=q.id).id == q.id, who
            else:
                with pytest.raises(NotFound):
                    service.get(s, actor=actor, quote_id=q.id)
    # an XMRCB quote for its own product is not ICBC's business
    mine = _quote(
        factory, _principal(factory, world["xmrcb"]), "luzhidai", world["xm2"], _req("1000000")
    )
    assert mine.id is not None
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        service.get(s, actor=icbc, quote_id=mine.id)
    guarantor = _principal(factory, world["guarantor"])
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        service.get(s, actor=guarantor, quote_id=mine.id)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        service.quote(
            s,
            actor=guarantor,
            product_code="luzhidai",
            enterprise_id=world["xm2"],
            request=_req("1000000"),
        )


def test_the_stored_row_and_the_audit_event(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    officer = _principal(factory, world["xmrcb"])
    q = _quote(factory, officer, "luzhidai", world["xm2"], _req("2000000"))
    with unit_of_work(factory) as s:
        row = s.get(Quote, q.id)
        assert row is not None
        assert (row.enterprise_id, row.product_code, row.bank_code, row.quoted_on) == (
            world["xm2"],
            "luzhidai",
            "bank-xmrcb",
            ON,
        )
        assert (row.amount, row.term_months, row.method, row.eligible) == (
            D("2000000.00"),
            12,
            "按月付息到期还本",
            True,
        )
        # Ⅱ类: 300万 at 3.00 + 2.40 − 0.30
        assert (row.limit_amount, row.rate) == (D("3000000.00"), D("5.1000"))
        assert row.annualised_rate == q.costs.annualised_rate  # type: ignore[union-attr]
        assert (row.whitelist_version, row.evaluation_run_id) == (1, q.grade.evaluation_run_id)
        assert (row.created_by_id, row.tenant_id) == (officer.user_id, officer.tenant_id)
        # the body is stored from pydantic's JSON as it is (kit.db.RawJSON): a JSON object
        # equal to what was shown, not a JSON string holding it
        assert row.body == q.model_dump(mode="json", exclude={"id", "created_at"})
        assert service.to_out(row) == q
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "quote.create")).one()
        assert (event.object_type, event.object_id, event.actor_id) == (
            "quote",
            str(q.id),
            officer.user_id,
        )
        assert event.detail["product"] == "luzhidai"
        assert event.detail["eligible"] is True


def test_refusals_give_every_reason_and_no_schedule(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    # 北京乙公司: outside Xiamen, one quality penalty in two years, and asks beyond its limit
    q = _quote(factory, service.SYSTEM, "luzhidai", world["xm3"], _req("4000000"))
    assert not q.eligible
    # the wording is the product rules'; each refusal is there, in Chinese, in this order
    assert len(q.reasons) == 3, q.reasons
    assert "110105" in q.reasons[0] and "厦门市" in q.reasons[0]
    assert "1 次质量类行政处罚" in q.reasons[1]
    assert "超过可贷额度 300.00万元" in q.reasons[2]
    assert (q.schedule, q.costs) == (None, None)
    with unit_of_work(factory) as s:
        row = s.get(Quote, q.id)
        assert row is not None and (row.eligible, row.annualised_rate) == (False, None)
    # not on any Xiamen whitelist version at all
    nb = _quote(factory, service.SYSTEM, "luzhidai", world["nb"], _req("1000000"))
    assert "未列入质量信誉经营主体白名单（本产品仅面向白名单企业）" in nb.reasons


def test_unknown_product_or_a_date_before_the_lpr_table(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    with pytest.raises(NotFound, match="未找到产品"), unit_of_work(factory) as s:
        service.quote(
            s,
            actor=service.SYSTEM,
            product_code="nope",
            enterprise_id=world["xm1"],
            request=_req("1000000"),
        )
    early = QuoteRequest(D("1000000"), 12, Method.interest_monthly, date(2019, 1, 2))
    with pytest.raises(Invalid, match="早于 LPR 表"), unit_of_work(factory) as s:
        service.quote(
            s,
            actor=service.SYSTEM,
            product_code="luzhidai",
            enterprise_id=world["xm1"],
            request=early,
        )


def test_stacked_discounts_are_capped_and_a_milestone_unlocks_its_tranche(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    q = _quote(
        factory,
        service.SYSTEM,
        "luzhidai",
        world["xm1"],
        _req("7000000", milestones_met=frozenset({"tech-breakthrough"})),
    )
    assert q.eligible, q.reasons
    # Ⅰ类 50 + 质量奖 40 + 专精特新 30 + 动态增信 20 = 140bp, capped at 120bp:
    # 3.00 + 2.40 − 1.20 = 4.20 %
    assert q.rate == D("4.2000")
    applied = {f.code: f.value for f in q.rate_components}
    assert applied["discount:class-1"] == "-50bp"
    assert applied["discount:quality-award"] == "-40bp"
    assert applied["discount:zhuanjingtexin"] == "-30bp"
    assert applied["tranche:tech-breakthrough"] == "-20bp"
    assert applied["discount_cap"] == "-120bp"
    # 500万 for Ⅰ类 + 200万 unlocked by the milestone = 700万 (the product's maximum)
    assert q.limit == 700 * WAN
    assert [(t.milestone, t.amount, t.rate_cut_bp, t.met) for t in q.tranches] == [
        ("tech-breakthrough", 200 * WAN, 20, True)
    ]
    # RAROC at 4.20 %: EL 0.8 × 45 % = 0.36; 4.20 − 1.8 − 0.8 − 0.36 = 1.24; ÷ 8 % = 15.5 %
    assert q.raroc is not None
    assert (q.raroc.expected_loss, q.raroc.risk_adjusted_return, q.raroc.raroc) == (
        D("0.3600"),
        D("1.2400"),
        D("15.5000"),
    )
    assert q.raroc.clears  # hurdle 12 %


def test_zhongshangdai_raises_the_class_on_growth_without_penalties(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    fast = _quote(
        factory,
        service.SYSTEM,
        "zhongshangdai",
        world["xm2"],
        _req("500000", method=Method.equal_instalment, invoicing_growth=D("20")),
    )
    # Ⅱ类 priced as Ⅰ类: 200万, 3.00 + 3.00 − 0.80
    assert (fast.grade.overall_class, fast.grade.effective_class) == ("Ⅱ类", "Ⅰ类")
    assert (fast.limit, fast.rate) == (200 * WAN, D("5.2000"))
    assert [f.code for f in fast.auto_rules] == ["growth-uplift"]
    slow = _quote(
        factory,
        service.SYSTEM,
        "zhongshangdai",
        world["xm2"],
        _req("500000", method=Method.equal_instalment, invoicing_growth=D("15")),
    )
    assert (slow.grade.effective_class, slow.limit, slow.rate) == ("Ⅱ类", 120 * WAN, D("5.6000"))
    # growth without a clean record: xm3 had a quality penalty in 2025
    penalised = _quote(
        factory,
        service.SYSTEM,
        "zhongshangdai",
        world["xm3"],
        _req("500000", method=Method.equal_instalment, invoicing_growth=D("40")),
    )
    assert (penalised.grade.effective_class, penalised.rate) == ("Ⅱ类", D("5.6000"))


def test_the_subsidy_stops_at_its_cap(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    # 甬质贷 二级: sales 2亿 × 30 % × 1.3 = 7,800万; 3 points on 5,000万 for a year would be
    # about 152万 (5,000万 × 3 % × 365/360), the cap is 100万
    q = _quote(
        factory,
        service.SYSTEM,
        "yongzhidai",
        world["nb"],
        _req("50000000", annual_sales=D("200000000")),
    )
    assert q.eligible, q.reasons
    assert q.limit == 7800 * WAN
    assert q.rate == D("3.7500")  # 3.00 + 1.20 − 0.45
    assert q.costs is not None
    assert q.costs.subsidy == D("1000000.00")
    # 50,000,000 × 3 % / 360 = 4,166.666… a day; periods of 31, 31, 30, 33, 28, 31, 40 days
    # give 129,166.67 ×3 + 125,000.00 + 137,500.00 + 116,666.67 + 166,666.67 = 933,333.35;
    # the eighth (20 days, 83,333.33) is cut to what is left under the cap: 66,666.65
    assert [s.amount for s in q.costs.subsidies][-1] == D("66666.65")
    assert len(q.costs.subsidies) == 8
    assert q.costs.effective_cost == q.costs.total_interest - D("1000000.00")
    assert q.service.covenant is not None and "30%" in q.service.covenant
    assert q.support.subsidy_payer == "宁波市财政" and "30%" in (q.support.subsidy_condition or "")
    assert q.support.guarantor is None


def test_guarantee_years_and_the_unpublished_holiday_years(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    # 兴保贷 五级: 100万 over 36 months, guarantee fee 0.5 % a year, paid at the start of each
    # guarantee year: 365, 365 and 366 days (the third year holds 2028-02-29)
    q = _quote(factory, service.SYSTEM, "xingbaodai", world["sx"], _req("1000000", term=36))
    assert q.eligible, q.reasons
    assert q.costs is not None and q.schedule is not None
    assert [(f.on, f.days, f.amount) for f in q.costs.guarantee_fees] == [
        (date(2025, 7, 15), 365, D("5069.44")),
        (date(2026, 7, 15), 365, D("5069.44")),
        (date(2027, 7, 15), 366, D("5083.33")),
    ]
    assert q.costs.guarantee_fee == D("15222.21")
    assert q.support.guarantor == "绍兴市融资担保有限公司" and q.support.guarantee_coverage == 80
    assert q.costs.annualised_rate > q.rate  # the fee raises the 年化利率 above 4.00 %
    # chinese-calendar knows 2026 but not 2027: from 2027 on due dates avoid weekends only,
    # and the quote says so
    assert (
        "2027 年起节假日安排尚未公布，该部分还款日只避开周末（遇周六、周日调整），未考虑法定节假日"
        in (q.notes)
    )
    dues = [i.due for i in q.schedule.instalments]
    assert date(2026, 2, 24) in dues  # 2026-02-15 moved past the Spring Festival
    assert all(d.weekday() < 5 for d in dues)  # never a weekend, known year or not
    assert date(2027, 2, 15) in dues  # a Monday (the holidays of 2027 are not known)
    assert date(2027, 5, 17) in dues  # 2027-05-15 is a Saturday: the Monday after
    assert dues[-1] == date(2028, 7, 17)  # 2028-07-15 is a Saturday
    # the guarantee years follow the contract's term (to 2028-07-15), not the moved last date
    assert q.schedule.weekends_only == [2027, 2028]
