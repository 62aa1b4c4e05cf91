"""Browser journey: a bank officer walks the quote form and reads the rate breakdown (LPR,
spread, each discount, the cap) and the 年化利率 on the result page, then downloads the schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support import irr
from tests.support.grades import Grade, publish_grades
from tests.support.people import PASSWORD, make_user
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord

pytestmark = pytest.mark.browser
XM = make_uscc("91350200MA3123456")


def _seed(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=XM,
            name="厦门矽创科技有限公司",
            kind="企业",
            status="存续",
            size_class="中",
            region_code="350203",
            established_on=date(2015, 3, 1),
        )
        s.add(firm)
        s.flush()
        eid = firm.id
        for key, kind, fields in (
            ("A1", "award", {"subtype": "政府质量奖", "title": "市长质量奖", "level": "市级",
                             "year": 2024}),
            ("T1", "title", {"subtype": "专精特新小巨人", "level": "国家级",
                             "valid_from": date(2024, 1, 1), "valid_to": date(2027, 1, 1)}),
        ):  # fmt: skip
            s.add(
                QualityRecord(
                    enterprise_id=eid,
                    kind=kind,
                    natural_key=f"{XM}|{key}",
                    content_hash=key.ljust(32, "0"),
                    source_system="test",
                    known_at=datetime(2025, 1, 1, tzinfo=UTC),
                    **fields,
                )
            )
    publish_grades(factory, catalog="xiamen", grades={eid: Grade("I", {"credit": "I"})})
    make_user(factory, "officer", Role.bank_officer, tenant_code="bank-xmrcb")


def test_a_bank_officer_walks_a_quote(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        _seed(server.factory)
        with chromium_page() as page:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "officer")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("header nav >> text=产品测算")
            page.wait_for_selector("#quote-form")
            page.select_option("#product", "luzhidai")
            page.fill("#uscc", XM)
            page.fill("#amount", "100")  # 万元, the default unit
            page.fill("#term", "12")
            page.select_option("#method", "等额本息")
            page.fill("#date", "2025-07-15")
            page.click("#quote-form summary")
            page.fill("#milestones", "tech-breakthrough")
            page.click("#quote-submit")
            page.wait_for_selector("#rate-components")
            assert "鹭质贷" in page.inner_text("h1")

            def rate_row(code: str) -> str:
                return page.inner_text(f"#rate-components-{code} td.mono").strip()

            # LPR 3.00 % + 240bp; Ⅰ类 50, 质量奖 40, 专精特新 30, 动态增信 20 = 140bp, capped
            # at 120bp: 4.20 %
            assert rate_row("lpr") == "3.0000%"
            assert rate_row("spread") == "+240bp"
            assert rate_row("discount\\:class-1") == "-50bp"
            assert rate_row("discount\\:quality-award") == "-40bp"
            assert rate_row("discount\\:zhuanjingtexin") == "-30bp"
            assert rate_row("tranche\\:tech-breakthrough") == "-20bp"
            assert rate_row("discount_cap") == "-120bp"
            assert rate_row("rate") == "4.2000%"
            assert "政府质量奖" in page.inner_text("#rate-components-discount\\:quality-award")
            apr = page.inner_text("#annualised-rate h1").strip()
            assert apr.endswith("%")
            assert page.inner_text("#limit strong").strip() == "700.00 万元"  # 500万 + 200万
            rows = page.locator("#schedule tbody tr")
            assert rows.count() == 12
            cells = [rows.nth(k).inner_text().split("\t") for k in range(12)]
            assert cells[0][:3] == ["1", "2025-08-15", "31"]
            assert cells[0][5] == "3,500.00"  # 1,000,000 × 4.20 % / 12: a month at rate / 12
            # 等额本息 with no fee: the monthly IRR × 12 of its flows, by the tests' own IRR at
            # the due dates' times on the loan's monthly grid (11-17, 02-24 and 03-16 come a
            # little later than a month's multiple: tests/support/irr.py)
            pays = [Decimal(c[6].replace(",", "")) for c in cells]
            months = irr.MONTHS_FROM_2025_07_15
            flows = [(Fraction(0), Decimal(-1000000)), *zip(months, pays, strict=True)]
            assert abs(Decimal(apr[:-1]) - irr.annual(flows)) <= Decimal("0.00005")
            assert "测算结果，不构成要约" in page.inner_text("#disclaimer")
            with page.expect_download() as info:
                page.click("#schedule-xlsx")
            saved = tmp_path / "schedule.xlsx"
            info.value.save_as(saved)
            ws = load_workbook(BytesIO(saved.read_bytes())).active
            assert any(row[0] == "合计" for row in ws.iter_rows(values_only=True))
            page.screenshot(path=str(tmp_path / "quote.png"), full_page=True)
