"""The quote pages: the form (/quotes/new), the result (/quotes/{id}) and its XLSX schedule."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work

XM = make_uscc("91350200MA3123456")
XM2 = make_uscc("91350200MA3123457")


@pytest.fixture
def ids(factory: sessionmaker[Session]) -> dict[str, int]:
    out = {}
    with unit_of_work(factory) as s:
        for key, uscc, name in (("xm", XM, "厦门矽创"), ("xm2", XM2, "厦门海屿")):
            firm = Enterprise(
                uscc=uscc,
                name=name,
                kind="企业",
                status="存续",
                size_class="小",
                region_code="350203",
                established_on=date(2015, 3, 1),
            )
            s.add(firm)
            s.flush()
            out[key] = firm.id
    publish_grades(
        factory,
        catalog="xiamen",
        grades={out["xm"]: Grade("I", {"credit": "I"}), out["xm2"]: Grade("III", {"brand": "III"})},
    )
    out["officer"] = make_user(factory, "officer", Role.bank_officer, tenant_code="bank-xmrcb")
    out["firm"] = make_user(factory, "firm", Role.enterprise, enterprise_id=out["xm"])
    out["firm2"] = make_user(factory, "firm2", Role.enterprise, enterprise_id=out["xm2"])
    return out


def _form(csrf: str, **kw: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "product": "luzhidai",
        "uscc": XM,
        "amount": "100",
        "unit": "wan",
        "term": "12",
        "method": "按月付息到期还本",
        "date": "2025-07-15",
    }
    data.update(kw)
    return data


def _post(client: TestClient, data: dict[str, str]) -> int:
    resp = client.post("/quotes/new", data=data, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    found = re.fullmatch(r"/quotes/(\d+)", resp.headers["location"])
    assert found
    return int(found.group(1))


def _cells(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table class="grid" id="{table_id}">(.*?)</table>', html, re.S)
    assert table, table_id
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    assert body
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_the_form_lists_products_with_their_banks(client: TestClient, ids: dict[str, int]) -> None:
    login(client, "officer")
    page = client.get(f"/quotes/new?enterprise_id={ids['xm']}")
    assert page.status_code == 200
    assert "鹭质贷 · 厦门农村商业银行" in page.text
    assert "专精特新e贷 · " in page.text
    assert f'name="uscc" id="uscc" value="{XM}"' in page.text  # preselected from the link
    assert '<option value="wan" selected>万元</option>' in page.text
    assert "tech-breakthrough" in page.text  # 鹭质贷's milestone is offered by its code
    # 众商贷's milestones earn a notch at renewal, not anything in a quote: not offered
    assert "invention-patent" not in page.text and "standard-published" not in page.text


def test_an_enterprise_sees_itself_preselected(client: TestClient, ids: dict[str, int]) -> None:
    login(client, "firm")
    page = client.get("/quotes/new")
    assert page.status_code == 200
    assert 'id="fixed-enterprise">厦门矽创<' in page.text
    assert 'name="uscc"' not in page.text


def test_a_quote_from_the_form_shows_every_part(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "officer")
    quote_id = _post(client, _form(csrf))
    page = client.get(f"/quotes/{quote_id}")
    assert page.status_code == 200
    html = page.text
    assert "符合" in html and 'id="reasons"' not in html
    rate = {row[0]: row[1:] for row in _cells(html, "rate-components")}
    assert rate["贷款市场报价利率（1年期 LPR）"][0] == "3.0000%"
    assert rate["加点"][0] == "+240bp"
    assert rate["Ⅰ类（优秀）企业优惠"][0] == "-50bp"
    assert rate["质量奖优惠"][0] == "未适用"
    assert rate["执行利率"][0] == "4.9000%"
    limit = {row[0]: row[1] for row in _cells(html, "limit-factors")}
    assert limit["可贷额度"] == "500.00万元"
    apr = re.search(r'id="annualised-rate">.*?<h1 class="apr">([0-9.]+)%</h1>', html, re.S)
    # interest-only at 4.90 % on actual days / 360 costs about 4.90 × 365 / 360 = 4.968 % a
    # year as the monthly IRR × 12 — the figure the API stored, shown as it is
    assert apr and abs(Decimal(apr.group(1)) - Decimal("4.90") * 365 / 360) <= Decimal("0.005")
    stored = client.get(f"/api/v1/quotes/{quote_id}").json()
    assert apr.group(1) == stored["costs"]["annualised_rate"]
    # the terms an offer must state, and that it is not one
    assert "测算结果，不构成要约" in html
    offer = re.search(r'<dl class="facts" id="offer">(.*?)</dl>', html, re.S)
    assert offer, "the quote shows its offer terms"
    terms = offer.group(1)
    assert "浮动利率" in terms and "本笔期限内不重定价" in terms  # 12 months: no repricing date
    assert "罚息利率 7.3500%/年" in terms  # 4.90 % × (1 + 50 %)
    assert "允许提前还款，须提前 5 个工作日申请，不收违约金" in terms
    assert "除利息外不收取其他费用" in terms
    assert "15 天，至 2025-07-29（含）" in terms
    assert "按月付息到期还本：利息 = 期初本金 × 年利率 ÷ 360 × 实际天数" in html
    rows = _cells(html, "schedule")
    assert len(rows) == 12
    # 期数, 还款日, 天数, 期初本金, 本金, 利息, 还款额, 期末本金: 1,000,000 × 4.90 % × 31/360
    assert rows[0] == [
        "1",
        "2025-08-15",
        "31",
        "1,000,000.00",
        "0.00",
        "4,219.44",
        "4,219.44",
        "1,000,000.00",
    ]
    assert rows[3][1:3] == ["2025-11-17", "33"]  # 11-15 is a Saturday
    assert rows[-1][4] == "1,000,000.00" and rows[-1][7] == "0.00"
    total = re.search(r'<tr id="schedule-total">(.*?)</tr>', html, re.S)
    assert total and "1,000,000.00" in total.group(1)


def test_an_eligible_quote_leads_to_a_prefilled_application(
    client: TestClient, ids: dict[str, int]
) -> None:
    csrf = login(client, "officer")
    quote_id = _post(client, _form(csrf))
    html = client.get(f"/quotes/{quote_id}").text
    link = re.search(r'<a class="button" id="apply" href="([^"]+)"', html)
    assert link, "an eligible quote offers 按此测算申请贷款"
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith("/applications/new?product=luzhidai&amount=100&term=12&method=")
    assert f"enterprise_id={ids['xm']}" in href  # the officer applies on the firm's behalf
    form = client.get(href)
    assert form.status_code == 200, form.text
    assert '<option value="luzhidai" selected>' in form.text
    assert 'name="amount" value="100"' in form.text
    assert '<option value="按月付息到期还本" selected>' in form.text
    assert f'name="enterprise_id" value="{ids["xm"]}"' in form.text
    refused = _post(client, _form(csrf, uscc=XM2, amount="300"))
    assert 'id="apply"' not in client.get(f"/quotes/{refused}").text


def test_amounts_in_yuan_and_bad_figures(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "officer")
    quote_id = _post(client, _form(csrf, amount="1,000,000", unit="yuan"))
    api = client.get(f"/api/v1/quotes/{quote_id}").json()
    assert api["request"]["amount"] == "1000000.00"
    bad = client.post("/quotes/new", data=_form(csrf, amount="一百万"))
    assert bad.status_code == 422
    assert "申请金额不是数字：一百万" in bad.text
    assert 'value="一百万"' in bad.text  # the form comes back as it was filled in
    term = client.post("/quotes/new", data=_form(csrf, term="abc"))
    assert term.status_code == 422 and "期限（月）：应为整数" in term.text
    nobody = client.post("/quotes/new", data=_form(csrf, uscc=make_uscc("91350200MA3199999")))
    assert nobody.status_code == 404 and "未找到该经营主体" in nobody.text


def test_a_refusal_shows_its_reasons_and_offers_no_schedule(
    client: TestClient, ids: dict[str, int]
) -> None:
    csrf = login(client, "officer")
    quote_id = _post(client, _form(csrf, uscc=XM2, amount="300"))  # Ⅲ类: 150万
    html = client.get(f"/quotes/{quote_id}").text
    assert 'id="reasons"' in html and "超过可贷额度 150.00万元" in html
    assert 'id="schedule"' not in html
    assert client.get(f"/quotes/{quote_id}/schedule.xlsx").status_code == 409


def test_the_schedule_downloads_as_xlsx(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "firm")
    quote_id = _post(client, _form(csrf, method="等额本金", amount="120"))
    resp = client.get(f"/quotes/{quote_id}/schedule.xlsx")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    ws = load_workbook(BytesIO(resp.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = rows.index(
        ["期数", "还款日", "天数", "期初本金", "本金", "利息", "还款额", "期末本金"]
    )
    lines = rows[header + 1 : header + 13]
    assert [r[0] for r in lines] == list(range(1, 13))
    # 等额本金: 1,200,000 / 12 = 100,000.00 a month; a month's interest at 4.90 % / 12 on
    # 1,200,000 = 4,900.00 (the old 5,063.33 charged its 31 days over 360: not how 等额本金 is)
    assert Decimal(str(lines[0][4])) == Decimal("100000")
    assert Decimal(str(lines[0][5])) == Decimal("4900")
    terms = {r[0]: r[1] for r in rows[:header] if r and r[0]}
    assert terms["说明"] == "测算结果，不构成要约"
    assert terms["逾期罚息利率（%）"] == 7.35 and terms["有效期至"] == "2025-07-29"
    total = rows[header + 13]
    assert total[0] == "合计" and Decimal(str(total[4])) == Decimal("1200000")
    # another enterprise cannot read it
    other = TestClient(client.app)
    login(other, "firm2")
    assert other.get(f"/quotes/{quote_id}").status_code == 404
    assert other.get(f"/quotes/{quote_id}/schedule.xlsx").status_code == 404


def test_the_form_pledges_a_patent_by_valuation_id(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "officer")
    valued = client.post(
        "/api/v1/risk/patents/valuations",
        json={
            "enterprise_id": ids["xm"],
            "patent_no": "ZL201810000009.1",
            "kind": "发明",
            "filing_date": "2018-01-01",
            "status": "有效",
            "industry": "C35",
            "revenue": "10000000",
            "licensing_income": "0",
            "citations": 0,
            "family_size": 1,
            "valuation_date": "2025-07-15",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert valued.status_code == 201, valued.text
    v = valued.json()
    form = _form(
        csrf, product="zhichanzhixin", collateral_kind_0="专利", collateral_valuation_0=str(v["id"])
    )
    quote_id = _post(client, form)
    api = client.get(f"/api/v1/quotes/{quote_id}").json()
    assert api["request"]["collateral"] == [
        {"kind": "专利", "value": v["effective_value"], "valuation_id": v["id"]}
    ]
    bad = client.post("/quotes/new", data=form | {"collateral_valuation_0": "abc"})
    assert bad.status_code == 422 and "抵质押物 1 的专利估值 ID 应为数字" in bad.text
