"""Records keep their history; credit repair is requested, reviewed and ends an effect."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.enterprises.models import Enterprise
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.records import service as records
from zhixin.records.models import QualityRecord


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91110000600037341L", name="甲公司", kind="企业", status="存续")
        other = Enterprise(uscc="91350200MA2XXXXX0M", name="乙公司", kind="企业", status="存续")
        s.add_all([firm, other])
        s.flush()
        penalty = QualityRecord(
            enterprise_id=firm.id,
            kind="penalty",
            natural_key=f"{firm.uscc}|罚2024-1",
            content_hash="a" * 32,
            ref="罚2024-1",
            subtype="产品质量",
            level="一般",
            event_date=date(2024, 3, 1),
            source_system="test",
        )
        cert = QualityRecord(
            enterprise_id=firm.id,
            kind="certification",
            natural_key=f"{firm.uscc}|Q1",
            content_hash="b" * 32,
            ref="Q1",
            subtype="ISO9001",
            status="有效",
            valid_from=date(2023, 1, 1),
            valid_to=date(2026, 1, 1),
            source_system="test",
        )
        s.add_all([penalty, cert])
        s.flush()
        ids = {"firm": firm.id, "other": other.id, "penalty": penalty.id, "cert": cert.id}
    ids["reg"] = make_user(factory, "reg", Role.regulator)
    ids["reg2"] = make_user(factory, "reg2", Role.regulator)
    ids["owner"] = make_user(factory, "owner", Role.enterprise, enterprise_id=ids["firm"])
    ids["stranger"] = make_user(factory, "stranger", Role.enterprise, enterprise_id=ids["other"])
    return ids


def test_repair_approved_ends_the_effect_and_keeps_the_record(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    owner = _principal(factory, world["owner"])
    reg = _principal(factory, world["reg"])
    with unit_of_work(factory) as s:
        req = records.request_repair(
            s,
            actor=owner,
            record_id=world["penalty"],
            repair_date=date(2024, 9, 1),
            reason="已整改并履行处罚决定",
        )
        with pytest.raises(Conflict):
            records.request_repair(
                s,
                actor=owner,
                record_id=world["penalty"],
                repair_date=date(2024, 9, 1),
                reason="again",
            )
    with unit_of_work(factory) as s:
        records.review_repair(s, actor=reg, repair_id=req.id, approve=True, note="材料齐全")
    with unit_of_work(factory) as s:
        rec = s.get(QualityRecord, world["penalty"])
        assert rec is not None and rec.repaired_on == date(2024, 9, 1)
        assert rec.superseded_at is None  # the record stays
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "repair.request" in actions and "repair.review" in actions
        with pytest.raises(Conflict):
            records.review_repair(s, actor=reg, repair_id=req.id, approve=False, note="x")


def test_repair_refusals(factory: sessionmaker[Session], world: dict[str, int]) -> None:
    owner = _principal(factory, world["owner"])
    stranger = _principal(factory, world["stranger"])
    reg = _principal(factory, world["reg"])
    with unit_of_work(factory) as s:
        with pytest.raises(Invalid, match="负面记录"):
            records.request_repair(
                s, actor=owner, record_id=world["cert"], repair_date=date(2024, 9, 1), reason="x"
            )
        with pytest.raises(Invalid, match="早于"):
            records.request_repair(
                s, actor=owner, record_id=world["penalty"], repair_date=date(2024, 1, 1), reason="x"
            )
        with pytest.raises(NotFound):
            records.request_repair(
                s,
                actor=stranger,
                record_id=world["penalty"],
                repair_date=date(2024, 9, 1),
                reason="x",
            )
        with pytest.raises(Forbidden):
            records.review_repair(s, actor=owner, repair_id=1, approve=True, note="")
    with unit_of_work(factory) as s:
        req = records.request_repair(
            s,
            actor=reg,
            record_id=world["penalty"],
            repair_date=date(2024, 9, 1),
            reason="代为申请",
        )
    with unit_of_work(factory) as s, pytest.raises(Forbidden, match="自己"):
        records.review_repair(s, actor=reg, repair_id=req.id, approve=True, note="")
    reg2 = _principal(factory, world["reg2"])
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="驳回"):
        records.review_repair(s, actor=reg2, repair_id=req.id, approve=False, note=" ")


def test_removal_keeps_history(factory: sessionmaker[Session], world: dict[str, int]) -> None:
    reg = _principal(factory, world["reg"])
    with unit_of_work(factory) as s:
        records.remove(s, actor=reg, record_id=world["cert"], reason="证书信息录入错误")
    with unit_of_work(factory) as s:
        current = records.records_of(s, actor=reg, enterprise_id=world["firm"])
        everything = records.records_of(
            s, actor=reg, enterprise_id=world["firm"], include_history=True
        )
        assert [r.kind for r in current] == ["penalty"]
        assert len(everything) == 2
        removed = next(r for r in everything if r.kind == "certification")
        assert removed.removal_reason == "证书信息录入错误" and removed.superseded_at is not None
        with pytest.raises(Conflict):
            records.remove(s, actor=reg, record_id=world["cert"], reason="again")
