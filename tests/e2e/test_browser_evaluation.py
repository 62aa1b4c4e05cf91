"""Browser journey: a regulator evaluates, opens an enterprise's radar chart and its advice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support.people import PASSWORD, make_user
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord

pytestmark = pytest.mark.browser


def _seed(factory) -> int:  # type: ignore[no-untyped-def]
    """厦门矽创-like: 守合同重信用 2023 and 2024, and one ISO 9001 certificate (seed 000)."""
    uscc = make_uscc("91350200MA2Y00770")
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=uscc,
            name="厦门矽创微电子有限公司",
            kind="企业",
            status="存续",
            size_class="小",
            region_code="350206",
        )
        s.add(firm)
        s.flush()
        for year in (2023, 2024):
            s.add(
                QualityRecord(
                    enterprise_id=firm.id,
                    kind="contract_credit",
                    natural_key=f"{uscc}|{year}|市级",
                    content_hash=f"{year:032d}",
                    year=year,
                    level="市级",
                    source_system="test",
                )
            )
        s.add(
            QualityRecord(
                enterprise_id=firm.id,
                kind="certification",
                natural_key=f"{uscc}|Q-1",
                content_hash="9" * 32,
                subtype="ISO9001",
                ref="Q-1",
                status="有效",
                valid_from=date(2024, 1, 1),
                valid_to=date(2027, 1, 1),
                source_system="test",
            )
        )
        return firm.id


def test_regulator_evaluates_and_reads_radar_and_advice(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        firm_id = _seed(server.factory)
        make_user(server.factory, "regulator", Role.regulator)
        with chromium_page() as page:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "regulator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("text=质量评价")
            page.select_option("select[name=catalog]", "xiamen")
            page.fill("input[name=as_of]", "2025-06-30")
            page.click("text=开始评价")
            page.wait_for_selector("#run-enterprises")
            assert page.inner_text("#run-enterprises") == "1 家"
            assert "1 家，2 家次" in page.inner_text("#run-listed")

            page.goto(f"{server.url}/enterprises/{firm_id}")
            page.click("#latest-evaluation")
            page.wait_for_selector("#radar svg polygon.score")
            radar = page.inner_html("#radar")
            for name in ("质量信用", "质量管理", "质量品牌", "质量基础", "质量创新"):
                assert name in radar
            credit = page.inner_text("#dim-credit")
            assert "质量信用 · Ⅰ类" in credit and "2023" in credit and "2024" in credit
            assert "质量基础 · Ⅲ类" in page.inner_text("#dim-infrastructure")
            advice = page.inner_text("#advice")
            assert "质量基础" in advice and "Ⅲ类→Ⅱ类" in advice
            assert "质量信用" not in advice  # already at the top level
            png = page.request.get(page.url.rstrip("/") + "/radar.png")
            assert png.status == 200 and png.body()[:8] == b"\x89PNG\r\n\x1a\n"
            page.screenshot(path=str(tmp_path / "radar.png"), full_page=True)
