"""登记重组: an officer records a restructuring with a reason; the drawdown is at once at least 关注
(and at least its class before), the batch holds it there through the observation period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import World, build_world
from tests.integration.test_loans import _drawn, signed_contract
from zhixin.errors import Forbidden, Invalid
from zhixin.kit.db import unit_of_work
from zhixin.loans import batch
from zhixin.loans import servicing as svc
from zhixin.loans.models import LoanDrawdown
from zhixin.loans.servicing_models import LoanClassification

VALUE = date(2025, 2, 10)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


def test_a_restructured_drawdown_is_held_at_special_mention_while_observed(world: World) -> None:
    cid = signed_contract(world)
    did = _drawn(world, cid, "1000000.00", on=VALUE)
    with unit_of_work(world.factory) as s, pytest.raises(Invalid, match="须写明理由"):
        svc.restructure(s, actor=world.who("officer"), drawdown_id=did, reason=" ", on=VALUE)
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        svc.restructure(s, actor=world.who("owner-a"), drawdown_id=did, reason="展期", on=VALUE)
    with unit_of_work(world.factory) as s:
        row = svc.restructure(
            s, actor=world.who("officer"), drawdown_id=did, reason="调整还款计划", on=VALUE
        )
        assert (row.from_class, row.to_class) == ("normal", "special_mention")
    for k in range(3):
        with unit_of_work(world.factory) as s:
            batch.close_day(s, VALUE + timedelta(days=k))
    with world.factory() as s:
        dd = s.get(LoanDrawdown, did)
        assert dd is not None
        assert dd.days_past_due == 0 and dd.classification == "special_mention"
        assert (dd.restructured_on, dd.observation_until) == (VALUE, date(2026, 2, 10))
        assert dd.restructured_from == "normal" and dd.restructure_reason == "调整还款计划"
        reasons = s.scalars(
            select(LoanClassification.reason).where(LoanClassification.drawdown_id == did)
        ).all()
        assert reasons == ["重组：调整还款计划"]  # the batch kept it: no further change
