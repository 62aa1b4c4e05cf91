"""The demo region comes with applications in different states and one consultation."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zhixin.applications import reading
from zhixin.applications.models import Consultation
from zhixin.demo.loader import load_demo
from zhixin.kit.db import unit_of_work


def test_the_demo_has_applications_in_three_states(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded
    with unit_of_work(factory) as s:
        q = reading.operator_queue(s)
        # the signed ones are the loan book's demo (tests/integration/test_loans_demo.py)
        items = [i for i in q.items if i.state != "contracted"]
        assert sorted(i.state for i in items) == ["rejected", "submitted", "under_review"]
        assert {i.bank_code for i in items} == {"bank-xmrcb", "bank-icbc-xm"}
        refused = next(i for i in items if i.state == "rejected")
        assert refused.reject_labels == ["不符合产品准入条件"]
        cons = s.scalars(select(Consultation)).all()
        assert [c.application_id for c in cons] == [refused.id]
        assert cons[0].status == "open"
    # a second load only lists the logins and adds nothing
    assert not load_demo(factory, enterprises=200).loaded
    with unit_of_work(factory) as s:
        assert reading.operator_queue(s).total == q.total
