"""The portrait on a real database: warnings, trend, who sees the evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.catalog.service import get as load
from zhixin.consent import service as consents
from zhixin.enterprises.models import Enterprise
from zhixin.errors import NotFound
from zhixin.evaluation import service as evaluation
from zhixin.evaluation.models import EvaluationResult
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.portrait import service as portraits
from zhixin.records.models import CreditRepair, QualityRecord

FIRM = "厦门矽创微电子有限公司"


def principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _rec(firm: Enterprise, kind: str, key: str, **fields: object) -> QualityRecord:
    fields.setdefault("known_at", datetime(2024, 1, 1, tzinfo=UTC))
    return QualityRecord(
        enterprise_id=firm.id,
        kind=kind,
        natural_key=f"{firm.uscc}|{key}",
        content_hash=key.rjust(32, "0")[:32],
        source_system="test",
        **fields,
    )


def seed(factory: sessionmaker[Session], today: date | None = None) -> dict[str, int]:
    """A firm with credit 2023/2024, an ISO 9001 certificate lapsing in 30 days, an ISO 14001
    one lapsing in 200 days, a penalty 100 days ago; another firm; users of every side."""
    today = today or clock.today()
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc="91350200MA2Y00770J",
            name=FIRM,
            kind="企业",
            status="存续",
            size_class="小",
            region_code="350206",
        )
        other = Enterprise(uscc="91110000600037341L", name="乙公司", kind="企业", status="存续")
        s.add_all([firm, other])
        s.flush()
        soon = _rec(
            firm,
            "certification",
            "Q-SOON",
            subtype="ISO9001",
            ref="Q-SOON",
            status="有效",
            valid_from=date(2023, 1, 1),
            valid_to=today + timedelta(days=30),
        )
        late = _rec(
            firm,
            "certification",
            "E-LATE",
            subtype="ISO14001",
            ref="E-LATE",
            status="有效",
            valid_from=date(2023, 1, 1),
            valid_to=today + timedelta(days=200),
        )
        penalty = _rec(
            firm,
            "penalty",
            "P-1",
            subtype="计量",
            ref="厦市监处罚〔2026〕1号",
            level="一般",
            issuer="厦门市市场监督管理局",
            event_date=today - timedelta(days=100),
        )
        s.add_all(
            [
                _rec(firm, "contract_credit", "2023", year=2023, level="市级"),
                _rec(firm, "contract_credit", "2024", year=2024, level="市级"),
                soon,
                late,
                penalty,
                _rec(
                    other,
                    "certification",
                    "O-1",
                    subtype="ISO9001",
                    ref="O-1",
                    status="有效",
                    valid_from=date(2023, 1, 1),
                    valid_to=today + timedelta(days=10),
                ),
            ]
        )
        s.flush()
        ids = {
            "firm": firm.id,
            "other": other.id,
            "soon": soon.id,
            "late": late.id,
            "penalty": penalty.id,
        }
    ids["regulator"] = make_user(factory, "regulator", Role.regulator)
    ids["bank"] = make_user(factory, "bank", Role.bank_officer, tenant_code="bank-a")
    ids["bank2"] = make_user(factory, "bank2", Role.bank_officer, tenant_code="bank-b")
    ids["guarantor"] = make_user(factory, "guarantor", Role.guarantor)
    ids["owner"] = make_user(factory, "owner", Role.enterprise, enterprise_id=ids["firm"])
    ids["stranger"] = make_user(factory, "stranger", Role.enterprise, enterprise_id=ids["other"])
    with unit_of_work(factory) as s:
        bank = s.get(User, ids["bank"])
        assert bank is not None
        ids["bank_tenant"] = bank.tenant_id
    return ids


def run(factory: sessionmaker[Session], as_of: date) -> int:
    with unit_of_work(factory) as s:
        return evaluation.evaluate_database(s, loaded=load("xiamen"), as_of=as_of).id


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    return seed(factory)


def test_warnings_name_the_certificate_within_90_days_only(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    run(factory, clock.today())
    owner = principal(factory, world["owner"])
    with unit_of_work(factory) as s:
        p = portraits.build(s, actor=owner, enterprise_id=world["firm"])
    expiring = [w for w in p.warnings if w.code == "expiring"]
    assert [w.record_id for w in expiring] == [world["soon"]]
    assert "ISO9001" in expiring[0].text and "还有 30 天" in expiring[0].text
    assert all("ISO14001" not in w.text for w in p.warnings)  # 200 days away: no warning
    negative = [w for w in p.warnings if w.code == "negative"]
    assert [w.record_id for w in negative] == [world["penalty"]]
    assert not [w for w in p.warnings if w.code == "repair"]
    # a pending credit repair adds its warning
    with unit_of_work(factory) as s:
        s.add(
            CreditRepair(
                record_id=world["penalty"],
                enterprise_id=world["firm"],
                repair_date=clock.today(),
                reason="已整改",
                requested_by_id=world["owner"],
            )
        )
    with unit_of_work(factory) as s:
        p = portraits.build(s, actor=owner, enterprise_id=world["firm"])
    assert [w.record_id for w in p.warnings if w.code == "repair"] == [world["penalty"]]
    assert p.evidence is True
    assert p.identity.name == FIRM


def test_trend_lists_runs_by_as_of_date_newest_last(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    second = run(factory, date(2025, 6, 30))
    first = run(factory, date(2024, 6, 30))  # evaluated later, but as of an earlier date
    third = run(factory, clock.today())
    with unit_of_work(factory) as s:
        totals = {
            r.run_id: r.total_score
            for r in s.scalars(
                select(EvaluationResult).where(EvaluationResult.enterprise_id == world["firm"])
            )
        }
        p = portraits.build(
            s, actor=principal(factory, world["regulator"]), enterprise_id=world["firm"]
        )
    assert [t.run_id for t in p.trend] == [first, second, third]
    assert [t.as_of for t in p.trend] == [date(2024, 6, 30), date(2025, 6, 30), clock.today()]
    assert [t.total_score for t in p.trend] == [totals[first], totals[second], totals[third]]
    assert p.result is not None and p.result.run_id == third
    assert len(p.dimensions) == 5
    assert {d.name for d in p.dimensions} >= {"质量信用", "质量基础"}


def test_evidence_only_with_consent_and_enterprise_sees_only_itself(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    run(factory, clock.today())
    bank = principal(factory, world["bank"])
    guarantor = principal(factory, world["guarantor"])
    with unit_of_work(factory) as s:
        p = portraits.build(s, actor=bank, enterprise_id=world["firm"])
        assert p.result is not None and p.evidence is False and p.warnings == []
        assert all(not e.records for d in p.result.dimensions for e in d.elements)
        assert any(e for d in p.result.dimensions for e in d.elements)  # elements still listed
        assert portraits.build(s, actor=guarantor, enterprise_id=world["firm"]).evidence is False
    owner = principal(factory, world["owner"])
    with unit_of_work(factory) as s:
        consents.grant(
            s,
            actor=owner,
            enterprise_id=world["firm"],
            tenant_id=world["bank_tenant"],
            scope="records",
        )
    with unit_of_work(factory) as s:  # "records" alone: the API, not the portrait's evidence
        assert portraits.build(s, actor=bank, enterprise_id=world["firm"]).evidence is False
        consents.grant(
            s,
            actor=owner,
            enterprise_id=world["firm"],
            tenant_id=world["bank_tenant"],
            scope="records+portrait",
        )
    with unit_of_work(factory) as s:
        p = portraits.build(s, actor=bank, enterprise_id=world["firm"])
        assert p.evidence is True and len(p.warnings) == 2
        assert p.result is not None
        assert any(e.records for d in p.result.dimensions for e in d.elements)
    stranger = principal(factory, world["stranger"])
    with unit_of_work(factory) as s, pytest.raises(NotFound):
        portraits.build(s, actor=stranger, enterprise_id=world["firm"])


def test_portrait_without_evaluation(factory: sessionmaker[Session], world: dict[str, int]) -> None:
    with unit_of_work(factory) as s:
        p = portraits.build(
            s, actor=principal(factory, world["owner"]), enterprise_id=world["firm"]
        )
    assert p.result is None and p.trend == [] and p.dimensions == []
    assert p.today <= utcnow().date() + timedelta(days=1)
