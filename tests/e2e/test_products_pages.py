"""Product pages and API: the list, one product in full (in Chinese), who may see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support.people import PASSWORD, make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.products import loader


def test_product_list_page_shows_every_product_with_its_headline(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    with TestClient(app) as c:
        login(c, "reg")
        page = c.get("/products")
        assert page.status_code == 200
        html = page.text
        for name in (
            "鹭质贷",
            "知产质信贷",
            "甬质贷",
            "鲁质贷",
            "众商贷",
            "专精特新e贷",
            "科创E贷",
        ):
            assert name in html
        assert 'id="product-luzhidai"' in html
        row = html.split('id="product-luzhidai"', 1)[1].split("</tr>", 1)[0]
        assert "厦门农村商业银行" in row and "纯信用" in row and "10万元–700万元" in row
        assert "4 个工作日" in row and "% 起" in row and "线上及线下网点" in row
        row = html.split('id="product-yongzhidai"', 1)[1].split("</tr>", 1)[0]
        assert "10万元–5亿元" in row and "5 个工作日" in row


def test_product_page_says_everything_in_chinese(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91110000600037341L", name="甲公司", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        firm_id = firm.id
    make_user(factory, "firm", Role.enterprise, enterprise_id=firm_id)
    with TestClient(app) as c:
        login(c, "firm")
        html = c.get("/products/zhichanzhixin").text
        for heading in ("准入条件", "额度核定", "定价", "服务", "依据", "本项目的建议", "版本记录"):
            assert heading in html, heading
        assert "总体等级为Ⅰ类，且有效发明专利不少于 3 件时提高到 60%" in html
        assert "依据：《关于进一步开展质量融资增信工作" in html and ".txt" not in html
        html = c.get("/products/yongzhidai").text
        assert "贷款资金不低于30%用于质量升级" in html and "按季检查" in html
        assert "贴息：3 个百分点/年" in html
        html = c.get("/products/xingbaodai").text
        assert "担保：绍兴市融资担保有限公司，担保比例 80%，担保费率 0.5%/年" in html
        html = c.get("/products/luzhidai").text
        assert "动态增信" in html and "增加额度 200万元，降息 20bp" in html
        assert "最低执行利率 2.7300%" in html
        missing = c.get("/products/no-such-product")
        assert missing.status_code == 404 and "未找到产品" in missing.text


def test_product_pages_need_product_read(app: FastAPI, factory: sessionmaker[Session]) -> None:
    make_user(factory, "admin", Role.sysadmin)
    with TestClient(app) as c:
        assert c.get("/products", follow_redirects=False).status_code in (302, 303, 401)
        login(c, "admin")
        assert c.get("/products").status_code == 403
        assert c.get("/products/luzhidai").status_code == 403


def test_products_api_gives_the_configuration(app: FastAPI, factory: sessionmaker[Session]) -> None:
    make_user(factory, "banker", Role.bank_approver)
    with TestClient(app) as c:
        login(c, "banker")
        listed = c.get("/api/v1/products")
        assert listed.status_code == 200
        body = listed.json()
        assert [p["code"] for p in body] == loader.shipped()
        one = c.get("/api/v1/products/quzhou-zuhedai").json()
        assert one["kind"] == "组合" and one["catalog"] == "ningbo"
        pledges = {x["kind"]: x["rate"] for x in one["config"]["limit"]["collateral"]}
        assert pledges["厂房"] == "70" and pledges["专利"] == "50"
        assert one["versions"][0]["id"] == one["version_id"]
        assert one["config"]["levels"] == ["一级", "二级", "三级", "四级", "五级"]
        missing = c.get("/api/v1/products/nope")
        assert missing.status_code == 404 and "未找到产品" in missing.text


@pytest.mark.browser
def test_browser_walks_from_the_list_to_a_product(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        make_user(server.factory, "guarantor", Role.guarantor)
        with chromium_page() as page:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "guarantor")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("nav >> text=质量贷产品")
            page.wait_for_selector("#product-list")
            page.screenshot(path=str(tmp_path / "products.png"), full_page=True)
            page.click("#product-quzhou-zuhedai >> text=知产组合贷（衢州）")
            limit = page.inner_text("#section-limit")
            assert "厂房：评估价值 × 抵质押率 70%" in limit
            assert "专利：评估价值 × 抵质押率 50%" in limit
            seeds = page.inner_text("#section-seeds")
            assert "40.89%（1840万元）" in seeds
            page.screenshot(path=str(tmp_path / "product.png"), full_page=True)
