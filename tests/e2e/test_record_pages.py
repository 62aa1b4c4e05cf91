"""Record actions through the pages: removal needs a confirmation; credit repair end to end."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord


def _seed(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91110000600037341L", name="甲公司", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        rec = QualityRecord(
            enterprise_id=firm.id,
            kind="penalty",
            natural_key=f"{firm.uscc}|罚1",
            content_hash="c" * 32,
            ref="罚1",
            subtype="产品质量",
            level="一般",
            event_date=date(2024, 3, 1),
            source_system="test",
        )
        s.add(rec)
        s.flush()
        return firm.id, rec.id


def test_removal_requires_confirmation(client: TestClient, factory: sessionmaker[Session]) -> None:
    firm, rec = _seed(factory)
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")
    page = client.get(f"/enterprises/{firm}")
    assert "确认删除" in page.text and "罚1" in page.text
    form = {"csrf_token": csrf, "reason": "重复录入", "enterprise_id": str(firm)}
    refused = client.post(f"/records/{rec}/remove", data=form)
    assert refused.status_code == 422 and "勾选确认" in refused.text
    done = client.post(
        f"/records/{rec}/remove", data={**form, "confirm": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    with unit_of_work(factory) as s:
        stored = s.get(QualityRecord, rec)
        assert stored is not None and stored.removal_reason == "重复录入"


def test_credit_repair_through_the_pages(app, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    firm, rec = _seed(factory)
    make_user(factory, "owner", Role.enterprise, enterprise_id=firm)
    make_user(factory, "reg", Role.regulator)
    with TestClient(app) as owner:
        csrf = login(owner, "owner")
        assert "申请修复" in owner.get(f"/enterprises/{firm}").text
        r = owner.post(
            f"/records/{rec}/repairs",
            data={
                "csrf_token": csrf,
                "repair_date": "2024-10-01",
                "reason": "已整改",
                "enterprise_id": str(firm),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert "待审核" in owner.get("/repairs").text or "已整改" in owner.get("/repairs").text
    with TestClient(app) as reg:
        csrf = login(reg, "reg")
        queue = reg.get("/repairs")
        assert "已整改" in queue.text and "通过" in queue.text
        repair_id = queue.text.split('action="/repairs/')[1].split("/")[0]
        r = reg.post(
            f"/repairs/{repair_id}/review",
            data={"csrf_token": csrf, "decision": "approve", "note": "同意"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert "已修复（2024-10-01 起）" in reg.get(f"/enterprises/{firm}").text
