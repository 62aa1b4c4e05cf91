"""A product's risk model in quotes: 专精特新e贷 names zjtx-edai for RAROC and the fast lane.

Worked here, independently of the code: RAROC = (rate − funding 1.75 − operating 0.5 − PD% ×
LGD 40 / 100) / capital 8 × 100, half-up to 4 places (the product file's parameters), with the
PD the model gives the enterprise (the champion scoring its features, as ``risk.scoring.score``
returns them) in place of the class table's.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration import test_quotes_service as qs
from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.consent import service as consents
from zhixin.disputes import service as disputes
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Collateral, CollateralKind, Method, QuoteRequest
from zhixin.quotes import service
from zhixin.quotes.schemas import QuoteOut
from zhixin.risk import scoring, valuation
from zhixin.risk import service as risk
from zhixin.risk.features import QualityFacts
from zhixin.risk.schemas import PatentIn

D = Decimal
ON = date(2025, 7, 15)
PRODUCT = "zhuanjingtexin-edai"


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        ids = {"xm1": qs._firm(s, "91350200MA31234567", "厦门矽创", "350203")}
        qs._record(
            s,
            ids["xm1"],
            "title",
            "T1",
            subtype="专精特新中小企业",
            level="省级",
            valid_from=date(2024, 1, 1),
            valid_to=date(2027, 1, 1),
        )
    publish_grades(factory, catalog="xiamen", grades={ids["xm1"]: Grade("II", {"credit": "II"})})
    ids["firm"] = make_user(factory, "firm", Role.enterprise, enterprise_id=ids["xm1"])
    ids["icbc"] = make_user(factory, "icbc", Role.bank_officer, tenant_code="bank-icbc-xm")
    ids["tf"] = make_user(factory, "tf", Role.task_force)
    ids["regulator"] = make_user(factory, "regulator", Role.regulator)
    ids["regulator2"] = make_user(factory, "regulator2", Role.regulator)
    return ids


def _champion(factory: sessionmaker[Session], world: dict[str, int]) -> int:
    """Register the zjtx-edai expert card and have another regulator promote it."""
    with unit_of_work(factory) as s:
        model = risk.register_expert(
            s, actor=qs._principal(factory, world["regulator"]), spec_code="zjtx-edai"
        )
        model_id = model.id
    with unit_of_work(factory) as s:
        risk.promote(s, actor=qs._principal(factory, world["regulator2"]), model_id=model_id)
    return model_id


def _consent(factory: sessionmaker[Session], world: dict[str, int]) -> None:
    bank = qs._principal(factory, world["icbc"])
    with unit_of_work(factory) as s:
        consents.grant(
            s,
            actor=qs._principal(factory, world["firm"]),
            enterprise_id=world["xm1"],
            tenant_id=bank.tenant_id,
        )


def _request(**kw: Any) -> QuoteRequest:
    return QuoteRequest(
        amount=D("3000000"),
        term_months=12,
        method=Method.interest_monthly,
        on=ON,
        annual_sales=D("30000000"),
        **kw,
    )


def _quote(factory: sessionmaker[Session], user: int, code: str = PRODUCT, **kw: Any) -> QuoteOut:
    actor = qs._principal(factory, user)
    with unit_of_work(factory) as s:
        return service.quote(
            s, actor=actor, product_code=code, enterprise_id=kw.pop("eid"), request=_request(**kw)
        )


def _raroc(rate: Decimal, pd_percent: Decimal) -> Decimal:
    el = pd_percent * 40 / 100
    return ((rate - D("1.75") - D("0.5") - el) / 8 * 100).quantize(
        D("0.0001"), rounding=ROUND_HALF_UP
    )


def test_without_a_champion_the_class_table_prices_and_the_quote_says_so(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    q = _quote(factory, world["icbc"], eid=world["xm1"])
    assert q.risk_model is None
    assert any("模型“zjtx-edai”没有在用版本" in n for n in q.notes)
    assert any("绿色通道须模型评分不低于 55 分：本次未做模型评分" in n for n in q.notes)
    assert q.service.fast_lane_days is None  # auto_decision: not scored, no fast lane
    assert q.raroc is not None
    source = q.raroc.factors[0]
    assert (source.code, source.value, source.amount) == (
        "pd_source",
        "按等级的违约概率表",
        D("1.2"),
    )
    assert q.raroc.raroc == _raroc(q.rate, D("1.2"))  # Ⅱ类: 1.2 % in the product's table


def test_the_model_pd_prices_raroc_and_the_quote_records_the_version_and_reasons(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    model_id = _champion(factory, world)
    # no consent: the bank is told why, nothing is quoted
    with pytest.raises(Forbidden, match="尚未授权贵行") as refused:
        _quote(factory, world["icbc"], eid=world["xm1"])
    assert refused.value.detail == {"code": "no_consent"}
    _consent(factory, world)
    q = _quote(factory, world["icbc"], eid=world["xm1"])
    # what the model gives on the grade the quote priced on (published Ⅱ类, score 50, one
    # dimension graded; the gate count is not kept with a published grade: missing)
    grade = QualityFacts(
        class_rank=2,
        total_score=D("50.00"),
        dimensions_graded=1,
        elements_held=0,
        gates_failed=None,
    )
    with unit_of_work(factory) as s:
        gathered = scoring.features_of(
            s,
            actor=qs._principal(factory, world["icbc"]),
            enterprise_id=world["xm1"],
            as_of=ON,
            quality=grade,
        )
        scored = risk.model_pd(s, model_code="zjtx-edai", features=gathered.values)
    assert gathered.values["quality_class_rank"] == 2.0
    m = q.risk_model
    assert m is not None
    assert (m.code, m.version, m.model_id, m.use_for) == (
        "zjtx-edai",
        1,
        model_id,
        ["raroc", "auto_decision"],
    )
    assert (m.score, m.pd) == (scored.score, scored.pd)
    assert [r.model_dump() for r in m.reasons] == [r.model_dump() for r in scored.reasons]
    assert 1 <= len(m.reasons) <= 4 and all("较该项最优档少" in r.text for r in m.reasons)
    assert q.raroc is not None
    pd_percent = scored.pd * 100
    assert q.raroc.factors[0].amount == pd_percent
    assert q.raroc.factors[0].value == "模型 专精特新e贷评分卡 第 1 版"
    assert q.raroc.raroc == _raroc(q.rate, pd_percent)
    assert q.raroc.expected_loss == (pd_percent * 40 / 100).quantize(D("0.0001"))
    assert not any("没有在用版本" in n for n in q.notes)
    # auto_decision: this firm scores below the product's 55 (no data loaded but its grade and
    # title), so no fast lane, and the quote says why
    assert scored.score < 55
    assert q.service.fast_lane_days is None
    assert any("绿色通道须模型评分不低于 55 分：本次模型评分低于 55 分" in n for n in q.notes)
    # stored as shown, read back by the bank with the PD, by the enterprise without it
    assert q.id is not None
    with unit_of_work(factory) as s:
        bank_view = service.get(s, actor=qs._principal(factory, world["icbc"]), quote_id=q.id)
        own = service.get(s, actor=qs._principal(factory, world["firm"]), quote_id=q.id)
    assert bank_view.risk_model == m
    assert own.raroc is None and own.risk_model is not None
    assert (own.risk_model.score, own.risk_model.pd) == (None, None)
    assert own.risk_model.version == 1 and own.risk_model.reasons == m.reasons


def test_an_enterprise_scores_itself_and_sees_reasons_but_no_pd(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    _champion(factory, world)
    q = _quote(factory, world["firm"], eid=world["xm1"])  # no consent needed for itself
    assert q.raroc is None and q.risk_model is not None
    assert (q.risk_model.score, q.risk_model.pd) == (None, None)
    assert q.risk_model.reasons and q.risk_model.version == 1
    dumped = q.model_dump_json()
    assert '"pd":null' in dumped.replace(" ", "") and "expected_loss" not in dumped
    # the task force does not score: class table, noted
    tf = _quote(factory, world["tf"], eid=world["xm1"])
    assert tf.risk_model is None and any("模型评分只在银行用户或企业本人" in n for n in tf.notes)


def test_a_new_champion_changes_the_version_new_quotes_record_old_ones_keep_theirs(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    first = _champion(factory, world)
    _consent(factory, world)
    old = _quote(factory, world["icbc"], eid=world["xm1"])
    second = _champion(factory, world)
    new = _quote(factory, world["icbc"], eid=world["xm1"])
    assert old.risk_model is not None and new.risk_model is not None
    assert (old.risk_model.version, old.risk_model.model_id) == (1, first)
    assert (new.risk_model.version, new.risk_model.model_id) == (2, second)
    assert old.id is not None
    with unit_of_work(factory) as s:
        again = service.get(s, actor=qs._principal(factory, world["icbc"]), quote_id=old.id)
    assert again.risk_model is not None and again.risk_model.version == 1


def _valuation(factory: sessionmaker[Session], world: dict[str, int], user: int) -> int:
    body = PatentIn(
        enterprise_id=world["xm1"],
        patent_no="ZL201810000001.X",
        kind="发明",
        filing_date=date(2018, 1, 1),
        status="有效",
        industry="C35",
        revenue=D(20_000_000),
        licensing_income=D(300_000),
        citations=3,
        family_size=2,
        valuation_date=ON,
    )
    with unit_of_work(factory) as s:
        return valuation.value_patent(s, actor=qs._principal(factory, user), body=body).id


@pytest.mark.parametrize("code", ["zhichanzhixin", "quzhou-zuhedai"])
def test_a_pledged_patent_counts_at_the_valuations_effective_value(
    factory: sessionmaker[Session], world: dict[str, int], code: str
) -> None:
    vid = _valuation(factory, world, world["icbc"])
    officer = qs._principal(factory, world["icbc"])
    with unit_of_work(factory) as s:
        method_value = valuation.get(s, actor=officer, valuation_id=vid).effective_value
    patent = (Collateral(CollateralKind.patent, D(0), vid),)
    q = _quote(factory, world["icbc"], code, eid=world["xm1"], collateral=patent)
    assert q.request.collateral[0].value == method_value.quantize(D("0.01"))
    assert q.request.collateral[0].valuation_id == vid
    assert not any("专利价值为手填" in n for n in q.notes)
    # the officer's override is what the next quote uses, to the fen
    with unit_of_work(factory) as s:
        valuation.override(
            s, actor=officer, valuation_id=vid, value=D("1234567.89"), reason="按许可合同下调估值"
        )
    q2 = _quote(factory, world["icbc"], code, eid=world["xm1"], collateral=patent)
    assert q2.request.collateral[0].value == D("1234567.89")
    part = {f.code: f for f in q2.limit_factors}.get("collateral:patent")
    if part is not None and part.amount is not None:
        rate = {f.code: f for f in q2.limit_factors}["pledge_rate:patent"].amount
        assert rate is not None
        assert part.amount == (D("1234567.89") * rate / 100).quantize(
            D("0.01"), rounding=ROUND_HALF_UP
        )
    # a typed-in value still quotes, and says it was not valued
    typed = (Collateral(CollateralKind.patent, D("5000000")),)
    q3 = _quote(factory, world["icbc"], code, eid=world["xm1"], collateral=typed)
    assert any("专利价值为手填" in n for n in q3.notes)


def test_a_valuation_of_another_bank_or_enterprise_is_refused(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    vid = _valuation(factory, world, world["icbc"])
    other = make_user(factory, "xmrcb", Role.bank_officer, tenant_code="bank-xmrcb")
    patent = (Collateral(CollateralKind.patent, D(0), vid),)
    with pytest.raises(NotFound, match="只能引用本机构所做的估值"):
        _quote(factory, other, "zhichanzhixin", eid=world["xm1"], collateral=patent)
    with pytest.raises(Forbidden, match="只有银行客户经理"):
        _quote(factory, world["firm"], "zhichanzhixin", eid=world["xm1"], collateral=patent)
    with unit_of_work(factory) as s:
        eid2 = qs._firm(s, "91350200MA2XXXXXX0", "厦门海屿", "350206")
    with pytest.raises(Invalid, match="不是该企业的专利"):
        _quote(factory, world["icbc"], "zhichanzhixin", eid=eid2, collateral=patent)


def test_a_strong_score_keeps_the_fast_lane(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    """The same firm with statements, three invention patents, 高新技术企业 and two standards
    led, by the card's bands: 基础 8 (10 years) + 6 (专精特新中小企业) + 5 (Ⅱ类) = 19; 财务 5
    (revenue growth 25 %) + 6 (net margin 12 %) + 6 (debt ratio 40 %) + 0 (tax burden missing)
    = 17; 创新 7 (3 patents) + 7 (R&D 6 %) + 6 + 6 (2 standards) = 26; 融资 4 (no penalty, the
    cash-flow and invoicing indicators missing: 0) — 66 points, at least the product's 55."""
    from zhixin.risk.models import FinancialYearRow

    eid = world["xm1"]
    with unit_of_work(factory) as s:
        for year, revenue in ((2023, 800), (2024, 1000)):
            s.add(
                FinancialYearRow(
                    enterprise_id=eid,
                    year=year,
                    revenue=D(revenue),
                    net_profit=D(120),
                    total_assets=D(2000),
                    total_liabilities=D(800),
                    current_assets=D(600),
                    current_liabilities=D(400),
                    rd_expense=D(60),
                    source="测试",
                )
            )
        for k in range(3):
            qs._record(
                s,
                eid,
                "patent",
                f"P{k}",
                subtype="发明",
                status="有效",
                event_date=date(2022, 3, 1),
            )
        qs._record(
            s,
            eid,
            "title",
            "H1",
            subtype="高新技术企业",
            valid_from=date(2024, 1, 1),
            valid_to=date(2026, 12, 31),
        )
        for k in range(2):
            qs._record(s, eid, "standard", f"S{k}", subtype="主导", event_date=date(2023, 5, 1))
    _champion(factory, world)
    _consent(factory, world)
    q = _quote(factory, world["icbc"], eid=eid)
    assert q.risk_model is not None and q.risk_model.score is not None
    assert q.risk_model.score == D("66.00")
    assert q.service.fast_lane_days == 3  # the product's 3 working days
    assert not any("绿色通道须模型评分" in n for n in q.notes)


def test_a_quote_with_a_model_pd_leaves_its_read_in_the_enterprises_access_log(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    """The model reads the enterprise's records under the bank's consent: every such quote,
    stored or not, writes one ``record.read`` entry, which the enterprise sees in its access
    log with the consent it was read under (issue 18 item 12)."""
    _champion(factory, world)
    _consent(factory, world)
    bank = qs._principal(factory, world["icbc"])
    stored = _quote(factory, world["icbc"], eid=world["xm1"])
    with unit_of_work(factory) as s:
        preview = service.quote(
            s,
            actor=bank,
            product_code=PRODUCT,
            enterprise_id=world["xm1"],
            request=_request(),
            store=False,
        )
    with unit_of_work(factory) as s:
        body = service.quote_json(
            s,
            actor=bank,
            product_code=PRODUCT,
            enterprise_id=world["xm1"],
            request=_request(),
        )
    assert stored.risk_model is not None and preview.risk_model is not None
    assert '"risk_model":{"code":"zjtx-edai"' in body
    with unit_of_work(factory) as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["record.read", "quote.create"]))
            .order_by(AuditEvent.seq)
        ).all()
        log = disputes.access_log(
            s, actor=qs._principal(factory, world["firm"]), enterprise_id=world["xm1"]
        )
    # stored: the read, then the quote; the preview: the read alone; the API's: both again
    assert [e.action for e in events] == [
        "record.read",
        "quote.create",
        "record.read",
        "record.read",
        "quote.create",
    ]
    reads = [e for e in events if e.action == "record.read"]
    assert all(
        (e.actor_id, e.tenant_id, e.object_type, e.object_id, e.detail)
        == (
            world["icbc"],
            bank.tenant_id,
            "enterprise",
            str(world["xm1"]),
            {"rows": 1, "what": "records"},
        )
        for e in reads
    )
    seen = [a for a in log if a.action == "record.read"]
    assert len(seen) == 3
    assert all(a.records == 1 and a.consent_id is not None for a in seen)
