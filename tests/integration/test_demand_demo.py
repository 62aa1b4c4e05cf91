"""The demo region comes with financing needs in each state and a ledger, and the pages of the
enterprise, the bank and the task force show them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.demand.models import FinancingNeed, LedgerEntry
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.kit.db import unit_of_work


def test_the_demo_has_needs_and_a_ledger(
    factory: sessionmaker[Session], tmp_path: Path, app: FastAPI
) -> None:
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded
    with unit_of_work(factory) as s:
        needs = s.scalars(select(FinancingNeed).order_by(FinancingNeed.id)).all()
        assert [(n.status, n.bank_code, n.escalation) for n in needs] == [
            ("applied", "bank-xmrcb", None),
            ("open", None, None),
            ("refused", "bank-icbc-xm", None),
            ("open", None, "untaken"),
            # a visit's need (visits.demo), posted by the task force and assigned to its bank
            ("taken", "bank-icbc-xm", None),
        ]
        entries = s.scalars(select(LedgerEntry)).all()
        sources = Counter(e.source for e in entries)
        # three from needs, four pushed with the whitelist, one per firm on 鹭质贷's list
        assert (sources["need"], sources["whitelist"]) == (3, 4)
        assert set(sources) == {"need", "whitelist", "preapproved"}
    with TestClient(app) as firm, TestClient(app) as bank, TestClient(app) as tf:
        login(firm, "enterprise1", DEMO_PASSWORD)  # the first Xiamen login: its need was applied
        login(bank, "xmrcb-officer", DEMO_PASSWORD)
        login(tf, "taskforce", DEMO_PASSWORD)
        mine = firm.get("/needs")
        assert mine.status_code == 200 and "已受理申请" in mine.text and "发布需求" in mine.text
        market = bank.get("/needs")
        assert "接单" in market.text and "已受理申请" in market.text
        assert "已上门" not in market.text or "已上门走访" in market.text
        assert "超期无银行接单" in tf.get("/needs").text
        page = bank.get("/ledger")
        assert page.status_code == 200 and "已放款" in page.text and "导入台账文件" in page.text
        conv = tf.get("/ledger/conversion?by=region")
        assert conv.status_code == 200 and "厦门市" in conv.text
        # 鹭质贷's pre-approved list: the bank reads it (pushed), the first firm its offer
        lists = bank.get("/api/v1/preapprovals").json()
        assert [(x["product_code"], x["pushed"]) for x in lists] == [("luzhidai", True)]
        assert lists[0]["preapproved"] == sources["preapproved"] >= 1
        assert "鹭质贷" in bank.get("/preapprovals").text
        with unit_of_work(factory) as s:
            me = accounts.user_by_username(s, "enterprise1")
            assert me is not None
            eid = accounts.principal_for(s, me).enterprise_id
        offers = firm.get(f"/api/v1/enterprises/{eid}/preapproved-offers").json()
        assert [o["product_code"] for o in offers] == ["luzhidai"]
        assert "鹭质贷" in firm.get(f"/enterprises/{eid}/preapproved-offers").text
