"""预授信 as people see it (issue 22): the firm's offers side by side — limit, rate, 年化利率,
total cost, fast lane, bank, product, valid until — ordered by the column it picks, with a link
to quote and apply; the bank officer's lists with their run date, count and total, the XLSX,
and the push as a form that asks for confirmation; a regulator reads only the rows of its
jurisdiction's firms (another area's: nothing, a 404), a bank only its own lists, an
enterprise only its own offers."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from tests.support.web import csrf_of, login
from zhixin.accounts.rules import Role
from zhixin.demand import preapproval_lists, preapprove
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work

FIRM_USCC = "91350200MA2Y00770J"
OTHER_USCC = "91110000600037341L"
# the jurisdiction's set-based counts and the sums differ by database
pytestmark = pytest.mark.databases

PRODUCTS = ("luzhidai", "zhongshangdai")  # 厦门农商银行's 鹭质贷; 众商贷 of another bank


def _firm(uscc: str, name: str, region: str) -> Enterprise:
    return Enterprise(
        uscc=uscc,
        name=name,
        kind="企业",
        status="存续",
        size_class="小",
        region_code=region,
        established_on=date(2015, 3, 1),
    )


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        firm = _firm(FIRM_USCC, "厦门矽创微电子有限公司", "350206")  # 湖里区
        other = _firm(OTHER_USCC, "厦门乙制造有限公司", "350211")  # 集美区
        s.add_all([firm, other])
        s.flush()
        ids = {"firm": firm.id, "other": other.id}
    publish_grades(
        factory,
        catalog="xiamen",
        grades={
            ids["firm"]: Grade("I", {"credit": "I"}),
            ids["other"]: Grade("II", {"credit": "II"}),
        },
    )
    with unit_of_work(factory) as s:
        for code in PRODUCTS:
            header, _b = preapprove.create_list(s, product_code=code)
            ids[code] = header.id
    make_user(factory, "owner", Role.enterprise, enterprise_id=ids["firm"])
    make_user(factory, "xmrcb", Role.bank_officer, tenant_code="bank-xmrcb")
    make_user(factory, "zbank", Role.bank_officer, tenant_code="bank-zbank")
    make_user(factory, "huli", Role.regulator, tenant_code="reg-huli")
    make_user(factory, "fuzhou", Role.regulator, tenant_code="reg-fz")
    make_user(factory, "zhuanban", Role.task_force)
    with unit_of_work(factory) as s:
        s.execute(text("UPDATE tenant SET region_code = '350206' WHERE code = 'reg-huli'"))
        s.execute(text("UPDATE tenant SET region_code = '3501' WHERE code = 'reg-fz'"))
    return ids


def _push(client: TestClient, list_id: int, csrf: str, confirm: bool = True) -> str:
    data = {"csrf_token": csrf, **({"confirm": "true"} if confirm else {})}
    resp = client.post(f"/preapprovals/{list_id}/push", data=data, follow_redirects=True)
    assert resp.status_code == (200 if confirm else 422), resp.text[:500]
    return str(resp.text)


def test_the_bank_pushes_its_list_and_the_firm_compares_its_offers(
    app: FastAPI, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    lz = world["luzhidai"]
    with TestClient(app) as bank, TestClient(app) as zb, TestClient(app) as owner:
        login(bank, "xmrcb")
        login(zb, "zbank")
        login(owner, "owner")
        # not pushed yet: the firm has no offer
        page = owner.get(f"/enterprises/{world['firm']}/preapproved-offers")
        assert page.status_code == 200 and 'id="no-offers"' in page.text
        assert 'id="menu-offers"' in page.text and 'id="menu-policies"' in page.text

        home = owner.get("/").text
        assert 'id="offers-link"' in home and 'id="policies-link"' in home
        assert 'id="tile-preapprovals"' in bank.get("/").text
        lists = bank.get("/preapprovals")
        assert lists.status_code == 200 and 'id="menu-preapprovals"' in lists.text
        assert f'id="list-{lz}"' in lists.text and "鹭质贷" in lists.text
        assert f'id="list-{world["zhongshangdai"]}"' not in lists.text  # another bank's
        shown = bank.get(f"/preapprovals/{lz}")
        assert shown.status_code == 200
        assert "厦门矽创微电子有限公司" in shown.text and "厦门乙制造有限公司" in shown.text
        assert "未推送" in shown.text and 'id="push-form"' in shown.text
        header = bank.get(f"/api/v1/preapprovals/{lz}").json()["header"]
        assert header["preapproved"] == 2
        csrf = csrf_of(shown.text)
        # the XLSX (kit.sheets): the header's figures, then one row per firm — read a firm a
        # page here, so the keyset pages are walked
        monkeypatch.setattr(preapproval_lists, "EXPORT_PAGE", 1)
        xlsx = bank.get(f"/preapprovals/{lz}/export.xlsx")
        assert xlsx.status_code == 200
        ws = load_workbook(io.BytesIO(xlsx.content)).active
        assert ws is not None
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        assert ["预授信户数", 2] in [r[:2] for r in rows]
        head = rows.index(preapproval_lists.EXPORT_HEAD)
        body = {r[0]: r for r in rows[head + 1 :]}
        api_rows = bank.get(f"/api/v1/preapprovals/{lz}").json()["rows"]
        assert set(body) == {FIRM_USCC, OTHER_USCC}
        for r in api_rows:
            assert Decimal(str(body[r["uscc"]][3])) == Decimal(r["limit"])
            assert Decimal(str(body[r["uscc"]][4])) == Decimal(r["rate"])

        # the push asks for confirmation first
        refused = bank.post(f"/preapprovals/{lz}/push", data={"csrf_token": csrf})
        assert refused.status_code == 422 and "请先勾选确认" in refused.text
        # another bank cannot read or push it
        assert zb.get(f"/preapprovals/{lz}").status_code == 404
        assert zb.get(f"/preapprovals/{lz}/export.xlsx").status_code == 404
        z = csrf_of(zb.get("/preapprovals").text)
        assert (
            zb.post(
                f"/preapprovals/{lz}/push", data={"csrf_token": z, "confirm": "true"}
            ).status_code
            == 404
        )
        done = _push(bank, lz, csrf)
        assert "新增台账 2 笔" in done and "已推送" in done
        assert "新增台账 0 笔" in _push(bank, lz, csrf)  # again: nothing new
        _push(zb, world["zhongshangdai"], z)
        assert "预授信名单 " + str(lz) in bank.get("/ledger").text

        # the firm: both offers, side by side, comparable
        api = owner.get(f"/api/v1/enterprises/{world['firm']}/preapproved-offers").json()
        assert {o["product_code"] for o in api} == set(PRODUCTS)
        aprs = [Decimal(o["annualised_rate"]) for o in api]
        assert aprs == sorted(aprs)  # lowest 年化利率 first
        assert len({(o["amount"], o["term_months"]) for o in api}) == 1  # one common request
        page = owner.get(f"/enterprises/{world['firm']}/preapproved-offers").text
        for o in api:
            assert o["product_name"] in page and o["bank_name"] in page
            assert f"{Decimal(o['rate']):.2f}%" in page
            assert o["valid_until"] and o["valid_until"] in page
        assert "年化利率" in page and "总成本" in page and "绿色通道" in page
        assert "/quotes/new?product=luzhidai&amp;enterprise_id=" in page
        names = re.findall(r'<section class="card offer" id="offer-\d+">\s*<h2>([^<]+)</h2>', page)
        assert names == [o["product_name"] for o in api]
        by_limit = owner.get(f"/enterprises/{world['firm']}/preapproved-offers?sort=limit").text
        ordered = sorted(api, key=lambda o: -Decimal(o["limit"]))
        assert re.findall(
            r'<section class="card offer" id="offer-\d+">\s*<h2>([^<]+)</h2>', by_limit
        ) == [o["product_name"] for o in ordered]
        by_cost = owner.get(
            f"/api/v1/enterprises/{world['firm']}/preapproved-offers?sort=total_cost"
        ).json()
        costs = [Decimal(o["total_cost"]) for o in by_cost]
        assert costs == sorted(costs)
        # another firm's offers: not the owner's to see
        assert owner.get(f"/enterprises/{world['other']}/preapproved-offers").status_code == 404
        assert (
            owner.get(f"/api/v1/enterprises/{world['other']}/preapproved-offers").status_code == 404
        )
        # a bank reads the firm's offers of its own products only
        mine = bank.get(f"/api/v1/enterprises/{world['firm']}/preapproved-offers").json()
        assert [o["product_code"] for o in mine] == ["luzhidai"]


def test_a_regulator_reads_only_its_jurisdiction(app: FastAPI, world: dict[str, int]) -> None:
    lz = world["luzhidai"]
    with TestClient(app) as huli, TestClient(app) as fz, TestClient(app) as tf:
        login(huli, "huli")
        login(fz, "fuzhou")
        login(tf, "zhuanban")
        # the task force: every list, every row
        every = tf.get("/api/v1/preapprovals").json()
        assert {h["id"] for h in every} == {lz, world["zhongshangdai"]}
        assert tf.get(f"/api/v1/preapprovals/{lz}").json()["header"]["preapproved"] == 2
        # 湖里区's regulator: only the firm of 湖里区, counted within it
        lists = huli.get("/api/v1/preapprovals").json()
        assert lists and all(h["jurisdiction"] and h["preapproved"] == 1 for h in lists)
        got = huli.get(f"/api/v1/preapprovals/{lz}").json()
        assert [r["uscc"] for r in got["rows"]] == [FIRM_USCC]
        full = tf.get(f"/api/v1/preapprovals/{lz}").json()
        firm_row = next(r for r in full["rows"] if r["uscc"] == FIRM_USCC)
        assert Decimal(got["header"]["total_limit"]) == Decimal(firm_row["limit"])
        page = huli.get(f"/preapprovals/{lz}").text
        assert "厦门矽创微电子有限公司" in page and "厦门乙制造有限公司" not in page
        assert 'id="push-form"' not in page  # a regulator reads, never pushes
        # 福州's regulator: nothing at all, each list a 404 (as a missing one)
        assert fz.get("/api/v1/preapprovals").json() == []
        assert "暂无预授信名单" in fz.get("/preapprovals").text
        for url in (
            f"/api/v1/preapprovals/{lz}",
            f"/preapprovals/{lz}",
            f"/preapprovals/{lz}/export.xlsx",
        ):
            resp = fz.get(url)
            assert resp.status_code == 404, url
        assert fz.get(f"/api/v1/preapprovals/{lz}").json()["code"] == "not_found"
