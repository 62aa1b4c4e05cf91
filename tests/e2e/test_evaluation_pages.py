"""Evaluation pages: the run's distributions, the export, and who sees what."""

from __future__ import annotations

import io
from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord


def _seed(factory: sessionmaker[Session]) -> tuple[int, int]:
    ids = []
    with unit_of_work(factory) as s:
        for n, name in enumerate(("甲精工有限公司", "乙材料有限公司")):
            uscc = make_uscc(f"91350200MA2Y{n:04d}0")
            firm = Enterprise(uscc=uscc, name=name, kind="企业", status="存续")
            s.add(firm)
            s.flush()
            ids.append(firm.id)
            s.add(
                QualityRecord(
                    enterprise_id=firm.id,
                    kind="certification",
                    natural_key=f"{uscc}|Q{n}",
                    content_hash=f"{n:032d}",
                    subtype="ISO9001",
                    ref=f"Q{n}",
                    status="有效",
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2027, 1, 1),
                    source_system="test",
                )
            )
    return ids[0], ids[1]


def test_run_page_export_and_tenancy(app: FastAPI, factory: sessionmaker[Session]) -> None:
    own, other = _seed(factory)
    make_user(factory, "reg", Role.regulator)
    make_user(factory, "firm", Role.enterprise, enterprise_id=own)
    make_user(factory, "banker", Role.bank_officer)
    with TestClient(app) as reg:
        csrf = login(reg, "reg")
        made = reg.post(
            "/evaluation/runs",
            data={"csrf_token": csrf, "catalog": "xiamen", "as_of": "2025-06-30"},
            follow_redirects=False,
        )
        assert made.status_code == 303
        run_url = made.headers["location"]
        page = reg.get(run_url)
        assert "2 家" in page.text and "质量基础" in page.text and "<svg" in page.text
        assert "甲精工有限公司" in page.text
        xlsx = reg.get(run_url + "/export.xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 3 and rows[0][0] == "经营主体ID"
        assert {r[2] for r in rows[1:]} == {"Ⅲ类"}
        svg = reg.get(f"{run_url}/enterprises/{own}/radar.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml") and "质量基础" in svg.text
    with TestClient(app) as bank:
        login(bank, "banker")
        assert bank.get(f"{run_url}/enterprises/{other}").status_code == 200
        assert (
            bank.post(
                "/evaluation/runs",
                data={"catalog": "xiamen", "as_of": "2025-06-30"},
                headers={"X-CSRF-Token": "x"},
            ).status_code
            == 403
        )
    with TestClient(app) as firm:
        login(firm, "firm")
        assert firm.get(f"{run_url}/enterprises/{own}").status_code == 200
        mine = firm.get(f"/enterprises/{own}/evaluation", follow_redirects=False)
        assert mine.status_code == 303
        assert firm.get(f"{run_url}/enterprises/{other}").status_code == 404
        assert firm.get(run_url).status_code == 403
