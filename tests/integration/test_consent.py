"""Consents on a real database: grant, revoke, expiry, and what a bank may read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal, seed
from zhixin.audit.models import AuditEvent
from zhixin.consent import service as consents
from zhixin.consent.models import Consent
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.records import service as records


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    return seed(factory)


def _read(factory: sessionmaker[Session], user_id: int, firm: int) -> int:
    with unit_of_work(factory) as s:
        return len(records.records_of(s, actor=principal(factory, user_id), enterprise_id=firm))


def test_grant_revoke_and_expiry_decide_what_a_bank_reads(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    firm = world["firm"]
    with pytest.raises(NotFound):
        _read(factory, world["bank"], firm)
    owner = principal(factory, world["owner"])
    with unit_of_work(factory) as s:
        c = consents.grant(s, actor=owner, enterprise_id=firm, tenant_id=world["bank_tenant"])
        cid = c.id
        assert c.scope == "records"
    assert _read(factory, world["bank"], firm) == 5
    with pytest.raises(NotFound):  # another bank: no consent
        _read(factory, world["bank2"], firm)
    with pytest.raises(NotFound):  # the consent is for this enterprise only
        _read(factory, world["bank"], world["other"])
    with unit_of_work(factory) as s:
        listed = consents.list_for_enterprise(s, actor=owner, enterprise_id=firm)
        assert [(x.id, x.state, x.expires_on) for x in listed] == [
            (cid, "active", consents.rules.default_expiry(clock.today()))
        ]
        consents.revoke(s, actor=owner, consent_id=cid)
    with pytest.raises(NotFound):
        _read(factory, world["bank"], firm)
    # a new grant, then it lapses
    with unit_of_work(factory) as s:
        c2 = consents.grant(
            s,
            actor=owner,
            enterprise_id=firm,
            tenant_id=world["bank_tenant"],
            expires_on=clock.today() + timedelta(days=10),
        )
        cid2 = c2.id
    assert _read(factory, world["bank"], firm) == 5
    with unit_of_work(factory) as s:
        row = s.get(Consent, cid2)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotFound):
        _read(factory, world["bank"], firm)
    with unit_of_work(factory) as s:
        states = {
            x.id: x.state for x in consents.list_for_enterprise(s, actor=owner, enterprise_id=firm)
        }
        assert states == {cid: "revoked", cid2: "expired"}
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("consent.%"))
            .order_by(AuditEvent.seq)
        ).all()
        assert actions == ["consent.grant", "consent.revoke", "consent.grant"]


def test_a_regrant_replaces_the_live_one(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    owner = principal(factory, world["owner"])
    with unit_of_work(factory) as s:
        a = consents.grant(
            s, actor=owner, enterprise_id=world["firm"], tenant_id=world["bank_tenant"]
        )
        b = consents.grant(
            s,
            actor=owner,
            enterprise_id=world["firm"],
            tenant_id=world["bank_tenant"],
            scope="records+portrait",
        )
        assert a.revoked_at is not None and b.revoked_at is None


def test_refusals(factory: sessionmaker[Session], world: dict[str, int]) -> None:
    owner = principal(factory, world["owner"])
    stranger = principal(factory, world["stranger"])
    bank = principal(factory, world["bank"])
    firm, bank_tenant = world["firm"], world["bank_tenant"]
    with unit_of_work(factory) as s:
        with pytest.raises(Invalid, match="最长 3 年"):
            consents.grant(
                s,
                actor=owner,
                enterprise_id=firm,
                tenant_id=bank_tenant,
                expires_on=date.today() + timedelta(days=3 * 366 + 2),
            )
        with pytest.raises(Invalid, match="晚于今天"):
            consents.grant(
                s,
                actor=owner,
                enterprise_id=firm,
                tenant_id=bank_tenant,
                expires_on=date(2020, 1, 1),
            )
        with pytest.raises(Invalid, match="未知的授权范围"):
            consents.grant(s, actor=owner, enterprise_id=firm, tenant_id=bank_tenant, scope="all")
        with pytest.raises(Invalid, match="只能向银行"):
            consents.grant(s, actor=owner, enterprise_id=firm, tenant_id=stranger.tenant_id)
        with pytest.raises(NotFound):  # another enterprise's consents: as if missing
            consents.grant(s, actor=stranger, enterprise_id=firm, tenant_id=bank_tenant)
        with pytest.raises(NotFound):
            consents.list_for_enterprise(s, actor=stranger, enterprise_id=firm)
        with pytest.raises(Forbidden):
            consents.list_for_enterprise(s, actor=bank, enterprise_id=firm)
        c = consents.grant(s, actor=owner, enterprise_id=firm, tenant_id=bank_tenant)
        with pytest.raises(NotFound):
            consents.revoke(s, actor=stranger, consent_id=c.id)
        with pytest.raises(NotFound):
            consents.revoke(s, actor=owner, consent_id=c.id + 999)
