"""Quoting as an officer (issue 21 item 7): a quote starts from the whitelist row or the
portrait; the product defaults to the officer's own bank's; a pledge product's collateral is a
required input, not under 选填; the quote shows rates as 5.10 % and amounts in 万元 with the
exact 元 on hover."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import csrf_of, login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.web.templating import TEMPLATES

pytestmark = pytest.mark.slow


def test_rates_and_amounts_read_as_people_write_them() -> None:
    pct, wan = TEMPLATES.env.filters["pct"], TEMPLATES.env.filters["wan"]
    assert (pct(Decimal("5.1000")), pct(Decimal("4.1250")), pct(Decimal("3"))) == (
        "5.10%",
        "4.125%",
        "3.00%",
    )
    assert str(wan(Decimal("1500000.00"))) == (
        '<span class="money" title="1,500,000.00 元">150.00 万元</span>'
    )


def test_an_officer_quotes_from_the_row_with_the_own_banks_product(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    with TestClient(app) as c:
        login(c, "xmrcb-officer", DEMO_PASSWORD)
        listed = c.get("/whitelist/publications/1").text
        start = re.search(
            r'href="(/quotes/new\?enterprise_id=(\d+))" class="quote-from-row"', listed
        )
        assert start, "no 测算 link on the whitelist rows"
        firm = start.group(2)
        portrait = c.get(f"/enterprises/{firm}/portrait").text
        assert f'href="/quotes/new?enterprise_id={firm}" id="quote-from-portrait"' in portrait
        form = c.get(start.group(1)).text
        assert '<option value="luzhidai" selected' in form  # 厦门农商银行's own product
        uscc = re.search(r'name="uscc"[^>]*value="([0-9A-Z]{18})"', form)
        assert uscc, "the enterprise is not filled in"

        pledge = c.get("/quotes/new?product=zhichanzhixin").text
        required = pledge.index('id="required-collateral"')
        assert "必填：抵质押物（知产质信贷按质押的专利、商标核定额度）" in pledge
        assert (
            required < pledge.index("<summary>选填")
            and 'name="collateral_kind_0"' in pledge[required : pledge.index("<summary>选填")]
        )
        assert 'id="required-collateral"' not in form

        made = c.post(
            "/quotes/new",
            data={
                "csrf_token": csrf_of(form),
                "product": "luzhidai",
                "uscc": uscc.group(1),
                "amount": "100",
                "unit": "wan",
                "term": "12",
                "method": "随借随还",
            },
        )
        assert made.status_code == 200, made.text
        rate = re.search(
            r'<div class="tile" id="rate"><span>执行年利率</span><strong[^>]*>([^<]+)</strong>',
            made.text,
        )
        assert rate and re.fullmatch(r"\d+\.\d{2,3}%", rate.group(1)), rate
        assert '<span class="money" title="1,000,000.00 元">100.00 万元</span>' in made.text
