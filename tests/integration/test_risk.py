"""Risk models on a real database: the registry with maker-checker, drift runs, loading the data
models read, scoring under consent with reason codes, and patent valuation with an override."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal, seed
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.consent import service as consents
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.risk import datasets, intake, scoring, service, valuation
from zhixin.risk.models import RiskModel
from zhixin.risk.schemas import PatentIn

AS_OF = date(2025, 7, 15)  # window 2024-07 … 2025-06


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    ids = seed(factory)
    ids["regulator2"] = make_user(factory, "regulator2", Role.regulator)
    ids["approver"] = make_user(factory, "approver", Role.bank_approver, tenant_code="bank-a")
    return ids


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return pd.DataFrame(datasets.synthetic_enterprises(3000, seed=11))


def _actions(factory: sessionmaker[Session], prefix: str) -> list[str]:
    with unit_of_work(factory) as s:
        return [
            a
            for a in s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq))
            if a.startswith(prefix)
        ]


def _train(factory: sessionmaker[Session], user: int, frame: pd.DataFrame) -> int:
    with unit_of_work(factory) as s:
        m = service.train(
            s, actor=principal(factory, user), spec_code="enterprise", frame=frame, source="合成"
        )
        return m.id


def _promote(factory: sessionmaker[Session], user: int, model_id: int) -> None:
    with unit_of_work(factory) as s:
        service.promote(s, actor=principal(factory, user), model_id=model_id)


def test_registry_versions_and_maker_checker(
    factory: sessionmaker[Session], world: dict[str, int], synthetic: pd.DataFrame
) -> None:
    first = _train(factory, world["regulator"], synthetic)
    with unit_of_work(factory) as s:
        m = s.get(RiskModel, first)
        assert m is not None
        assert (m.code, m.version, m.status, m.trained_by_name) == (
            "enterprise",
            1,
            "challenger",
            "regulator",
        )
        assert m.training_hash == datasets.frame_hash(synthetic)
        assert m.metrics["test"]["n"] == 900 and 0.5 < m.metrics["test"]["auc"] <= 1
        assert len(m.calibration) == 10
    # the trainer cannot approve their own model
    with pytest.raises(Conflict, match="另一人"):
        _promote(factory, world["regulator"], first)
    with pytest.raises(Forbidden):  # a bank officer has no model:approve
        _promote(factory, world["bank"], first)
    _promote(factory, world["regulator2"], first)
    second = _train(factory, world["regulator"], synthetic.iloc[:2500])
    _promote(factory, world["regulator2"], second)
    with unit_of_work(factory) as s:
        rows = {m.version: m for m in s.scalars(select(RiskModel))}
        assert (rows[1].status, rows[2].status) == ("retired", "champion")
        assert rows[1].retired_at is not None and rows[2].approved_by_name == "regulator2"
        assert rows[2].training_hash != rows[1].training_hash
    with pytest.raises(Conflict, match="只有“候选”"):
        _promote(factory, world["regulator2"], first)
    assert _actions(factory, "risk_model.") == [
        "risk_model.register",
        "risk_model.promote",
        "risk_model.register",
        "risk_model.promote",
    ]
    bank = principal(factory, world["bank"])
    with unit_of_work(factory) as s:
        listed = service.list_models(s, actor=bank)
        assert [(x.version, x.status_label) for x in listed] == [(2, "在用"), (1, "已退役")]
        detail = service.get_model(s, actor=bank, model_id=second)
        assert detail.card_features and detail.calibration
        with pytest.raises(NotFound):
            service.get_model(s, actor=bank, model_id=999_999)
    guarantor = principal(factory, world["guarantor"])
    with unit_of_work(factory) as s, pytest.raises(Forbidden):
        service.list_models(s, actor=guarantor)


def test_psi_and_csi_on_the_frozen_bins(
    factory: sessionmaker[Session], world: dict[str, int], synthetic: pd.DataFrame
) -> None:
    model_id = _train(factory, world["regulator"], synthetic)
    reg = principal(factory, world["regulator"])

    def cols(frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {c: frame[c].to_numpy() for c in frame.columns}

    same = pd.DataFrame(datasets.synthetic_enterprises(3000, seed=99))  # same process
    shifted = same.copy()
    shifted["debt_ratio"] = shifted["debt_ratio"] + 0.4  # every firm far more indebted
    with unit_of_work(factory) as s:
        calm = service.monitor(s, actor=reg, model_id=model_id, columns=cols(same), source="同分布")
        moved = service.monitor(
            s, actor=reg, model_id=model_id, columns=cols(shifted), source="负债率上移"
        )
        calm_level, calm_psi = calm.level, calm.psi
        moved_csi, moved_level, warnings = dict(moved.csi), moved.level, list(moved.warnings)
    assert calm_level == "stable" and calm_psi < 0.1
    assert moved_csi["debt_ratio"] >= 0.25
    assert moved_level == "alert"
    assert any("资产负债率" in w and "显著偏移" in w for w in warnings)
    with unit_of_work(factory) as s:
        detail = service.get_model(s, actor=reg, model_id=model_id)
        assert [r.source for r in detail.monitors] == ["负债率上移", "同分布"]
        assert detail.drift_level == moved_level
    # an expert card registered without a reference population has no baseline
    with unit_of_work(factory) as s:
        edai = service.register_expert(s, actor=reg, spec_code="zjtx-edai")
        edai_id = edai.id
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="没有基准分布"):
        service.monitor(s, actor=reg, model_id=edai_id, columns=cols(same), source="x")
    with unit_of_work(factory) as s:
        ref = service.register_expert(s, actor=reg, spec_code="zjtx-edai", reference=cols(same))
        ref_id = ref.id
    with unit_of_work(factory) as s:
        run = service.monitor(s, actor=reg, model_id=ref_id, columns=cols(same), source="同")
        assert run.level == "stable" and run.psi == 0.0


FIN = (
    "统一社会信用代码,年度,营业收入,净利润,资产总额,负债总额,流动资产,流动负债,研发费用\n"
    "91350200MA2Y00770J,2023,800,10,1500,900,500,400,20\n"
    "91350200MA2Y00770J,2024,1000,50,2000,1200,600,400,30\n"
    "91350200MA2Y00770X,2024,1,1,1,1,1,1,1\n"  # bad check character
    "91350100MA2Y00771G,2024,1,1,1,1,1,1,1\n"  # valid code, not registered
    "91350200MA2Y00770J,2022,abc,1,1,1,1,1,1\n"
)


def _bank_csv() -> str:
    rows = ["统一社会信用代码,开户行,流水号,记账日期,金额,交易对手"]
    payers = ["甲客户", "乙客户", "甲客户", "丙客户", "乙客户", "甲客户"]
    months = [(2024, 7), (2024, 9), (2024, 11), (2025, 1), (2025, 3), (2025, 5)]
    for i, (y, m) in enumerate(months):
        rows.append(f"91350200MA2Y00770J,厦门银行,T{i},{y}-{m:02d}-10,200,{payers[i]}")
    for i, (y, m) in enumerate([(2023, 7), (2023, 9), (2023, 11), (2024, 1), (2024, 3), (2024, 5)]):
        rows.append(f"91350200MA2Y00770J,厦门银行,P{i},{y}-{m:02d}-03,100,甲客户")
    rows.append("91350200MA2Y00770J,厦门银行,O1,2025-02-01,-300,供应商")
    return "\n".join(rows) + "\n"


def _load(factory: sessionmaker[Session], user: int, kind: str, text: str) -> intake.LoadReport:
    with unit_of_work(factory) as s:
        return intake.load(
            s, actor=principal(factory, user), kind=kind, data=text.encode(), source="测试导出"
        )


def test_loading_keeps_good_rows_reports_bad_ones_and_replaces_on_reload(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    report = _load(factory, world["regulator"], "financials", FIN)
    assert (report.rows, report.inserted, report.replaced) == (5, 2, 0)
    assert report.errors == [
        (4, "“统一社会信用代码”无效"),
        (5, "未登记的经营主体"),
        (6, "“营业收入”不是金额"),
    ]
    again = _load(factory, world["regulator"], "financials", FIN)
    assert (again.inserted, again.replaced) == (0, 2)
    with pytest.raises(Invalid, match="缺少列：实缴税额"):
        _load(factory, world["regulator"], "invoices", "统一社会信用代码,月份,开票金额\n")
    with pytest.raises(Forbidden):
        _load(factory, world["bank"], "financials", FIN)
    assert _actions(factory, "risk_data.") == ["risk_data.load", "risk_data.load"]


def _score(factory: sessionmaker[Session], user: int, model: str = "enterprise") -> object:
    with unit_of_work(factory) as s:
        return scoring.score(
            s,
            actor=principal(factory, user),
            enterprise_id=_firm(factory),
            model_code=model,
            as_of=AS_OF,
            catalog="xiamen",
        )


def _firm(factory: sessionmaker[Session]) -> int:
    from zhixin.enterprises.models import Enterprise

    with unit_of_work(factory) as s:
        found = s.scalar(select(Enterprise.id).where(Enterprise.uscc == "91350200MA2Y00770J"))
        assert found is not None
        return found


def test_scoring_reads_the_data_only_under_consent_and_gives_reasons(
    factory: sessionmaker[Session], world: dict[str, int], synthetic: pd.DataFrame
) -> None:
    _load(factory, world["regulator"], "financials", FIN)
    _load(factory, world["regulator"], "bank-lines", _bank_csv())
    _load(
        factory,
        world["regulator"],
        "invoices",
        "统一社会信用代码,月份,开票金额,实缴税额\n91350200MA2Y00770J,2025-05,100,3\n",
    )
    with pytest.raises(Invalid, match="没有在用版本"):
        _score(factory, world["owner"])
    _promote(factory, world["regulator2"], _train(factory, world["regulator"], synthetic))
    # no consent: refused, and the message says why
    with pytest.raises(Forbidden, match="尚未授权贵行"):
        _score(factory, world["bank"])
    with pytest.raises(Forbidden):  # a regulator prices no loans
        _score(factory, world["regulator"])
    with unit_of_work(factory) as s:
        consents.grant(
            s,
            actor=principal(factory, world["owner"]),
            enterprise_id=world["firm"],
            tenant_id=world["bank_tenant"],
        )
    out = _score(factory, world["bank"])
    own = _score(factory, world["owner"])  # an enterprise scores itself without consent
    assert out.model_dump() == own.model_dump()  # type: ignore[attr-defined]
    f = out.features  # type: ignore[attr-defined]
    # the loaded rows, worked by hand (see tests/unit/test_risk_features.py)
    assert f["debt_ratio"] == pytest.approx(0.6)
    assert f["revenue_growth"] == pytest.approx(0.25)
    assert f["inflow_cv"] == pytest.approx(1.0)
    assert f["top_counterparty_share"] == pytest.approx(0.5)
    assert f["net_inflow_ratio"] == pytest.approx(0.75)
    # the seeded penalty is dated 100 days before today, after the scoring date: not counted
    assert f["quality_penalties_2y"] == 0.0
    # the evaluation engine ran for the firm on the date (xiamen catalog): quality is not missing
    assert f["quality_elements_held"] is not None and f["quality_gates_failed"] == 0.0
    assert f["tax_burden"] == pytest.approx(0.03)
    assert out.model_code == "enterprise" and out.model_version == 1  # type: ignore[attr-defined]
    assert Decimal(0) < out.pd < Decimal(1)  # type: ignore[attr-defined]
    assert out.pd == out.pd.quantize(Decimal("0.000001"))  # type: ignore[attr-defined]
    reasons = out.reasons  # type: ignore[attr-defined]
    assert 1 <= len(reasons) <= 4
    assert all(r.text and "较该项最优档少" in r.text for r in reasons)
    assert [r.points_lost for r in reasons] == sorted(
        (r.points_lost for r in reasons), reverse=True
    )
    # the expert card scores the same enterprise once registered and approved
    with unit_of_work(factory) as s:
        edai = service.register_expert(
            s, actor=principal(factory, world["regulator"]), spec_code="zjtx-edai"
        )
        edai_id = edai.id
    _promote(factory, world["regulator2"], edai_id)
    edai_out = _score(factory, world["bank"], "zjtx-edai")
    assert edai_out.model_code == "zjtx-edai"  # type: ignore[attr-defined]
    assert 0 <= edai_out.score <= 100  # type: ignore[attr-defined]
    assert edai_out.pd in {Decimal(x) for x in ("0.12", "0.06", "0.03", "0.015", "0.008")}  # type: ignore[attr-defined]


def test_patent_valuation_and_the_officer_override(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    officer = principal(factory, world["bank"])
    body = PatentIn(
        enterprise_id=world["firm"],
        patent_no="ZL201810000001.X",
        kind="实用新型",
        filing_date=date(2018, 1, 1),
        status="有效",
        industry="C35",
        revenue=Decimal(2_000_000),
        licensing_income=Decimal(100_000),
        citations=12,
        family_size=1,
        valuation_date=date(2025, 1, 1),
    )
    with unit_of_work(factory) as s:
        row = valuation.value_patent(s, actor=officer, body=body)
        vid = row.id
        out = valuation.to_out(row)
    assert out.value == Decimal("322806.12")  # as worked by hand in the unit test
    assert out.effective_value == out.value
    assert [f.code for f in out.factors][:2] == ["royalty_rate", "benefit"]
    assert out.inputs["filing_date"] == "2018-01-01" and out.inputs["revenue"] == "2000000"
    assert "收益法" in out.method
    with unit_of_work(factory) as s, pytest.raises(NotFound):  # another bank's valuation
        valuation.get(s, actor=principal(factory, world["bank2"]), valuation_id=vid)
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="理由"):
        valuation.override(s, actor=officer, valuation_id=vid, value=Decimal(1), reason="太高")
    with unit_of_work(factory) as s:
        row = valuation.override(
            s,
            actor=officer,
            valuation_id=vid,
            value=Decimal("300000"),
            reason="对标同类专利许可合同，下调约 7%",
        )
        again = valuation.to_out(row)
    assert again.value == Decimal("322806.12") and again.effective_value == Decimal("300000.00")
    assert again.override_reason == "对标同类专利许可合同，下调约 7%"
    assert _actions(factory, "patent.") == ["patent.value", "patent.override"]
    with unit_of_work(factory) as s, pytest.raises(Forbidden):
        valuation.value_patent(s, actor=principal(factory, world["regulator"]), body=body)
    bad = body.model_copy(update={"status": "未知"})
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="法律状态"):
        valuation.value_patent(s, actor=officer, body=bad)
