"""disputes.service on SQLite: element disputes, rejection, a proposal sent back, removal,
who may see what (issue 18 item 12)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal, seed
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.disputes import service
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord

STATEMENT = "评价结果中该要素的口径与目录说明不一致，请复核。"


def test_element_dispute_rejected_and_a_proposal_sent_back(
    factory: sessionmaker[Session],
) -> None:
    w = seed(factory)
    second = make_user(factory, "regulator2", Role.regulator)
    owner, maker = principal(factory, w["owner"]), principal(factory, w["regulator"])
    checker = principal(factory, second)
    with unit_of_work(factory) as s:
        d = service.file(
            s,
            actor=owner,
            enterprise_id=w["firm"],
            record_id=None,
            element_code="qc-04",
            statement=STATEMENT,
        )
        dispute_id = d.id
        assert (d.element_code, d.status, d.evidence) == ("QC-04", "pending", None)
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="只有"):
        service.propose(
            s,
            actor=maker,
            dispute_id=dispute_id,
            decision="uphold",
            note="x",
            correction={"status": "撤销"},
        )
    with unit_of_work(factory) as s:
        service.propose(s, actor=maker, dispute_id=dispute_id, decision="reject", note="口径无误")
    with unit_of_work(factory) as s:
        back = service.decide(s, actor=checker, dispute_id=dispute_id, approve=False, note="再核")
        assert (back.status, back.proposal, back.decision_note) == ("pending", None, "再核")
    with unit_of_work(factory) as s:
        service.propose(s, actor=checker, dispute_id=dispute_id, decision="reject", note="口径无误")
    with unit_of_work(factory) as s:
        done = service.decide(s, actor=maker, dispute_id=dispute_id, approve=True)
        assert (done.status, done.rerun_due_at, done.corrected_record_id) == (
            "rejected",
            None,
            None,
        )
    with unit_of_work(factory) as s, pytest.raises(Conflict):
        service.decide(s, actor=checker, dispute_id=dispute_id, approve=True)


def test_upheld_removal_and_who_sees_what(factory: sessionmaker[Session]) -> None:
    w = seed(factory)
    second = make_user(factory, "regulator2", Role.regulator)
    owner, maker = principal(factory, w["owner"]), principal(factory, w["regulator"])
    checker, stranger = principal(factory, second), principal(factory, w["stranger"])
    bank = principal(factory, w["bank"])
    with unit_of_work(factory) as s:
        with pytest.raises(NotFound):  # another enterprise's record
            service.file(
                s,
                actor=stranger,
                enterprise_id=w["other"],
                record_id=w["penalty"],
                element_code=None,
                statement=STATEMENT,
            )
        with pytest.raises(NotFound):  # on behalf of another enterprise
            service.file(
                s,
                actor=stranger,
                enterprise_id=w["firm"],
                record_id=None,
                element_code="QC-04",
                statement=STATEMENT,
            )
        with pytest.raises(Forbidden):
            service.file(
                s,
                actor=bank,
                enterprise_id=w["firm"],
                record_id=None,
                element_code="QC-04",
                statement=STATEMENT,
            )
        d = service.file(
            s,
            actor=owner,
            enterprise_id=w["firm"],
            record_id=w["penalty"],
            element_code=None,
            statement="该处罚决定已被行政复议撤销，附复议决定书。",
            evidence=b"%PDF-1.4 decision",
            evidence_name="复议决定书.pdf",
        )
        dispute_id = d.id
        assert (d.evidence_type, d.evidence_size) == ("application/pdf", 17)
    with unit_of_work(factory) as s:
        assert [x.id for x in service.listing(s, actor=owner)] == [dispute_id]
        assert service.listing(s, actor=stranger) == []
        assert [x.id for x in service.listing(s, actor=maker, status="open")] == [dispute_id]
        with pytest.raises(NotFound):
            service.get(s, actor=stranger, dispute_id=dispute_id)
        assert service.open_count(s, w["firm"]) == 1
        service.propose(
            s,
            actor=maker,
            dispute_id=dispute_id,
            decision="uphold",
            note="复议已撤销",
            correction={"remove": True},
        )
    with unit_of_work(factory) as s:
        done = service.decide(s, actor=checker, dispute_id=dispute_id, approve=True)
        assert done.status == "upheld" and done.rerun_due_at is not None
        rec = s.scalars(select(QualityRecord).where(QualityRecord.id == w["penalty"])).one()
        assert rec.superseded_at is not None and "异议" in (rec.removal_reason or "")
        assert service.open_count(s, w["firm"]) == 0
