"""无还本续贷: an officer renews an eligible contract; the outstanding principal is carried to the
new contract's drawdown without a repayment, the old contract is 续贷 with its rows kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from tests.integration.test_applications import World, build_world
from tests.integration.test_loans import _drawn, signed_contract
from zhixin.errors import Forbidden, Invalid
from zhixin.kit.db import unit_of_work
from zhixin.loans import service as book
from zhixin.loans.models import LoanContract, LoanDrawdown, LoanInstalment
from zhixin.loans.servicing_models import LoanRepayment

RENEW_ON = date(2025, 12, 1)  # the contract matures on 6 Feb 2026: within 90 days


def _allow_renewal(w: World, cid: int) -> None:
    with unit_of_work(w.factory) as s:
        c = s.get(LoanContract, cid)
        assert c is not None
        c.terms = {**c.terms, "renewal_allowed": True}
        flag_modified(c, "terms")


def _listed(_: LoanContract) -> bool:
    return True


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


def test_an_eligible_contract_is_renewed_without_repaying_principal(world: World) -> None:
    cid = signed_contract(world)
    did = _drawn(world, cid, "1000000.00")
    _allow_renewal(world, cid)
    with unit_of_work(world.factory) as s:
        old_dd = s.get(LoanDrawdown, did)
        assert old_dd is not None
        old_dd.accrued_interest = Decimal("1234.56")  # the current period's accrual so far
    with unit_of_work(world.factory) as s:
        new = book.renew(
            s, actor=world.who("officer"), contract_id=cid, today=RENEW_ON, listed=_listed
        )
        nid = new.id
    with world.factory() as s:
        old = s.get(LoanContract, cid)
        new = s.get(LoanContract, nid)
        assert old is not None and new is not None
        assert old.status == "renewed" and new.status == "active"
        assert new.renewed_from_id == cid and new.application_id is None
        assert (new.start_date, new.maturity_date) == (RENEW_ON, date(2026, 12, 1))
        assert new.principal_limit == Decimal("1000000.00")
        # floating: repriced on the renewal's own anniversaries
        assert (new.repricing_rule, new.repricing_date) == (old.repricing_rule, date(2026, 12, 1))
        (carried,) = s.scalars(select(LoanDrawdown).where(LoanDrawdown.contract_id == nid))
        assert carried.status == "disbursed" and carried.value_date == RENEW_ON
        assert carried.outstanding_principal == Decimal("1000000.00")
        assert carried.classification == "normal"  # a renewal keeps the class
        # floating: the LPR in force on the renewal day + the contract's spread
        assert carried.annual_rate == (carried.lpr_rate or 0) + old.spread
        insts = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == carried.id)
            .order_by(LoanInstalment.seq)
        ).all()
        assert len(insts) == 12
        assert sum((i.principal for i in insts), Decimal(0)) == Decimal("1000000.00")
        # history kept: the old drawdown and its instalments are still there, closed
        gone = s.get(LoanDrawdown, did)
        assert gone is not None and gone.status == "settled"
        assert gone.outstanding_principal == 0 and gone.accrued_interest == 0
        statuses = set(
            s.scalars(select(LoanInstalment.status).where(LoanInstalment.drawdown_id == did))
        )
        assert statuses == {"renewed"}
        # no money moved: no repayment was booked
        assert s.scalars(select(LoanRepayment)).all() == []
    # the interest accrued on the old drawdown is due with the new one's first instalment
    with world.factory() as s:
        first = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == carried.id)
            .order_by(LoanInstalment.seq)
        ).first()
        assert first is not None
        sched = book.drawdown_schedule(
            s,
            c=new,
            amount=Decimal("1000000.00"),
            rate=carried.annual_rate or Decimal(0),
            start=RENEW_ON,
            term=12,
        )
        assert first.interest == sched.instalments[0].interest + Decimal("1234.56")


def test_an_ineligible_contract_is_refused_with_the_reasons(world: World) -> None:
    cid = signed_contract(world)
    did = _drawn(world, cid, "1000000.00")
    with unit_of_work(world.factory) as s:
        dd = s.get(LoanDrawdown, did)
        assert dd is not None
        dd.classification, dd.days_past_due = "substandard", 95
    with (
        unit_of_work(world.factory) as s,
        pytest.raises(Invalid, match=r"不能无还本续贷：存在逾期.*五级分类为次级类"),
    ):
        book.renew(s, actor=world.who("officer"), contract_id=cid, today=RENEW_ON, listed=_listed)
    with (
        unit_of_work(world.factory) as s,
        pytest.raises(Invalid, match="到期日须在90天内"),
    ):
        book.renew(
            s, actor=world.who("officer"), contract_id=cid, today=date(2025, 6, 1), listed=_listed
        )
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        book.renew(s, actor=world.who("owner-a"), contract_id=cid, today=RENEW_ON, listed=_listed)
    with world.factory() as s:
        c = s.get(LoanContract, cid)
        assert c is not None and c.status == "active"
