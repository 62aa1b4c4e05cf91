"""A bank sees an enterprise's identity page; its records only under the enterprise's consent."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.consent import service as consents
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord


def test_bank_page_shows_records_only_with_consent(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91110000600037341L", name="甲公司", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        s.add(
            QualityRecord(
                enterprise_id=firm.id,
                kind="certification",
                natural_key=f"{firm.uscc}|Q9",
                content_hash="d" * 32,
                subtype="ISO9001",
                ref="Q-SECRET-9",
                status="有效",
                valid_from=date(2024, 1, 1),
                valid_to=date(2027, 1, 1),
                source_system="test",
            )
        )
        firm_id = firm.id
    make_user(factory, "banker", Role.bank_officer, tenant_code="bank-a")
    owner_id = make_user(factory, "owner", Role.enterprise, enterprise_id=firm_id)
    with TestClient(app) as bank:
        login(bank, "banker")
        page = bank.get(f"/enterprises/{firm_id}")
        assert page.status_code == 200 and "甲公司" in page.text
        assert "须经企业授权" in page.text and "Q-SECRET-9" not in page.text
        with unit_of_work(factory) as s:
            owner = accounts_repo.user_by_id(s, owner_id)
            assert isinstance(owner, User)
            from zhixin.accounts import service as accounts

            actor = accounts.principal_for(s, owner)
            tenant = accounts_repo.tenant_by_code(s, "bank-a")
            assert tenant is not None
            consents.grant(s, actor=actor, enterprise_id=firm_id, tenant_id=tenant.id)
        page = bank.get(f"/enterprises/{firm_id}")
        assert "Q-SECRET-9" in page.text
