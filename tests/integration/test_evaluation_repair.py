"""A credit repair approved after a past moment does not change the evaluation "as known" then."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.catalog import service as catalogs
from zhixin.enterprises.models import Enterprise
from zhixin.evaluation import service as evaluation
from zhixin.evaluation.models import EvaluationResult
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.records import service as records
from zhixin.records.models import QualityRecord


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = accounts_repo.user_by_id(s, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _listed(factory: sessionmaker[Session], known_at=None) -> bool:  # type: ignore[no-untyped-def]
    with unit_of_work(factory) as s:
        run = evaluation.evaluate_database(
            s, loaded=catalogs.get("xiamen"), as_of=date(2025, 6, 30), known_at=known_at
        )
        result = (
            s.get(EvaluationResult, (run.id, 1))
            or s.query(EvaluationResult).filter_by(run_id=run.id).one()
        )
        return bool(result.listed)


def test_repair_known_later_does_not_rewrite_the_past(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91110000600037341L", name="甲公司", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        s.add(
            QualityRecord(
                enterprise_id=firm.id,
                kind="certification",
                natural_key=f"{firm.uscc}|Q1",
                content_hash="a" * 32,
                subtype="ISO9001",
                ref="Q1",
                status="有效",
                valid_from=date(2024, 1, 1),
                valid_to=date(2027, 1, 1),
                source_system="test",
            )
        )
        penalty = QualityRecord(
            enterprise_id=firm.id,
            kind="penalty",
            natural_key=f"{firm.uscc}|罚1",
            content_hash="b" * 32,
            ref="罚1",
            subtype="产品质量",
            level="一般",
            event_date=date(2025, 1, 10),
            source_system="test",
        )
        s.add(penalty)
        s.flush()
        firm_id, penalty_id = firm.id, penalty.id
    owner = _principal(factory, make_user(factory, "owner", Role.enterprise, enterprise_id=firm_id))
    reg = _principal(factory, make_user(factory, "reg", Role.regulator))
    with unit_of_work(factory) as s:
        req = records.request_repair(
            s, actor=owner, record_id=penalty_id, repair_date=date(2025, 3, 1), reason="已整改"
        )
    assert _listed(factory) is False  # the penalty bars
    before_approval = utcnow()
    with unit_of_work(factory) as s:
        records.review_repair(s, actor=reg, repair_id=req.id, approve=True, note="同意")
    assert _listed(factory) is True  # repaired: no longer bars
    assert _listed(factory, known_at=before_approval) is False  # as a bank saw it then
