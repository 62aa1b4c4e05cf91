"""The demo region comes with a visit campaign (teams, a dozen visits imported from a sheet, one
follow-up escalated, one need posted, a matching event), and the task force's pages, a bank's
pages and the report show them."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.kit.db import unit_of_work
from zhixin.visits.models import MatchingEvent, VisitCampaign, VisitImport, VisitRecord


def test_the_demo_has_visits_and_the_pages_show_them(
    factory: sessionmaker[Session], tmp_path: Path, app: FastAPI
) -> None:
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded
    with unit_of_work(factory) as s:
        (camp,) = s.scalars(select(VisitCampaign)).all()
        visits = s.scalars(select(VisitRecord)).all()
        (batch,) = s.scalars(select(VisitImport)).all()
        assert len(s.scalars(select(MatchingEvent)).all()) == 1
        assert batch.rejected == 0 and batch.created == len(visits) >= 8
        banks = {v.bank_code for v in visits}
        assert {"bank-xmrcb", "bank-icbc-xm"} <= banks
        assert any(v.need_id is not None for v in visits)
        assert any(v.escalated_on is not None for v in visits)
        xmrcb = sum(1 for v in visits if v.bank_code == "bank-xmrcb")
        camp_name = camp.name
    with TestClient(app) as tf, TestClient(app) as bank:
        login(tf, "taskforce", DEMO_PASSWORD)
        login(bank, "xmrcb-officer", DEMO_PASSWORD)
        home = tf.get("/visits")
        assert home.status_code == 200 and camp_name in home.text and "湖里街道一组" in home.text
        assert "厦门市湖里区湖里街道" in home.text and "海天物业" in home.text
        listing = tf.get("/visits/records")
        assert listing.status_code == 200
        assert f"共 {len(visits)} 条" in listing.text and "分派银行" in listing.text
        assert "已超期" in listing.text and "已移交专班" in listing.text
        overdue = tf.get("/visits/records", params={"overdue": "1"})
        assert "已超期" in overdue.text
        events = tf.get("/visits/events")
        assert events.status_code == 200 and "银企对接会（演示）" in events.text
        form = tf.get("/visits/import")
        assert form.status_code == 200 and "走访记录表" in form.text
        assert tf.get("/visits/template.xlsx").status_code == 200
        own = bank.get("/visits/records")
        assert own.status_code == 200 and f"共 {xmrcb} 条" in own.text
        assert "分派银行" not in own.text  # a bank reads, the task force assigns
        assert bank.get("/visits/import").status_code == 403
        other = bank.get("/visits/records", params={"bank": "bank-icbc-xm"})
        assert other.status_code == 404
        report = tf.get("/reports/monthly").text
        assert "千企万户大走访" in report and "银企对接会" in report
        # the sheet's line-level report through the page
        sheet = "序号,统一社会信用代码,走访日期,备注\n1,91350206MA2Y00010X,2026-11-05,无\n"
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        with unit_of_work(factory) as s:
            cid = s.scalars(select(VisitCampaign.id)).one()
        done = tf.post(
            "/visits/import",
            data={"campaign": str(cid), "csrf_token": csrf.group(1)},
            files={"file": ("走访.csv", sheet.encode(), "text/csv")},
        )
        assert done.status_code == 200 and "有误 1 行" in done.text
        assert "统一社会信用代码" in done.text
