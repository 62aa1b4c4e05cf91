"""The demo region comes with public support: guarantees on the demo loans (the defaulted ones
called), a fund with a paid claim and one awaiting review, and the quarter's subsidy paid — and
every party's /support page has content."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.kit.db import unit_of_work
from zhixin.support.models import Claim, Guarantee, SubsidyClaim


def test_the_demo_has_guarantees_claims_and_a_subsidy(
    factory: sessionmaker[Session], tmp_path: Path, client: TestClient
) -> None:
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded
    with unit_of_work(factory) as s:
        states = sorted(g.status for g in s.scalars(select(Guarantee)))
        assert states == ["approved", "approved", "called", "called", "called"]
        claims = {c.status: c for c in s.scalars(select(Claim))}
        assert set(claims) == {"paid", "filed"}
        for c in claims.values():
            assert c.bank_part + c.guarantor_part + c.fund_part == c.loss > 0
        (sub,) = s.scalars(select(SubsidyClaim)).all()
        assert sub.status == "paid" and sub.lines >= 1 and sub.total > 0
    for user, shows in (
        ("guarantor", "担保业务概况"),
        ("finance", "已拨付贴息 · 按银行"),
        ("finance2", "初审通过"),
        ("xmrcb-officer", "申报代偿"),
    ):
        client.cookies.clear()
        login(client, user, DEMO_PASSWORD)
        page = client.get("/support")
        assert page.status_code == 200 and shows in page.text, user
        assert "暂无代偿申请" not in page.text, user
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded is False
