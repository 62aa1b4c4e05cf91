"""Public support over HTTP: the API's claim journey (file → review → approve by another →
payment), the pages each party sees, the forms, and the workbooks."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_support import FUND, GUARANTEE, POLICY, repay, world
from tests.support.loan_book import add_drawdown
from tests.support.web import login
from zhixin.kit.db import unit_of_work
from zhixin.loans.models import LoanDrawdown
from zhixin.support import guarantees, subsidies
from zhixin.support import service as support

D = Decimal


def test_the_claim_and_subsidy_journeys_over_http(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = world(factory)
    c1, c2, _ = w.book.contract_ids
    with unit_of_work(factory) as s:
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="G", name="担保", terms=GUARANTEE
        )
        support.create_fund(
            s, actor=w.who("fin1"), code="XMFC", name="厦门市风险补偿资金池", terms=FUND
        )
        support.contribute(
            s, actor=w.who("fin1"), fund_code="XMFC", amount=D("2000000.00"), on=date(2026, 10, 1)
        )
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id == w.drawdowns[0])
            .values(classification="loss")
        )
        for d in w.drawdowns:
            repay(s, w.book.bank_id, d, date(2026, 11, 10), "3850.00")
        subsidies.add_policy(s, actor=w.who("fin1"), code="XMTX", name="厦门市贴息", terms=POLICY)

    with TestClient(app) as bank:
        csrf = login(bank, "officer")
        h = {"X-CSRF-Token": csrf}
        r = bank.post(
            "/api/v1/support/guarantees", json={"contract_id": c2, "product_code": "G"}, headers=h
        )
        assert r.status_code == 201, r.text
        gid = r.json()["id"]
        r = bank.post(
            "/api/v1/support/claims", json={"fund_code": "XMFC", "contract_id": c1}, headers=h
        )
        assert r.status_code == 201, r.text
        claim = r.json()
        assert D(claim["loss"]) == D(claim["bank_part"]) + D(claim["guarantor_part"]) + D(
            claim["fund_part"]
        )
        r = bank.post(
            "/api/v1/support/claims", json={"fund_code": "XMFC", "contract_id": c2}, headers=h
        )
        assert r.status_code == 422 and "尚未形成不良" in r.json()["message"]
    with TestClient(app) as guarantor:
        h = {"X-CSRF-Token": login(guarantor, "gu1")}
        page = guarantor.get("/support")
        assert (
            page.status_code == 200
            and "担保业务概况" in page.text
            and f'id="guarantee-{gid}"' in page.text
        )
        r = guarantor.post(
            f"/support/guarantees/{gid}/decision",
            data={"approve": "true", "csrf_token": h["X-CSRF-Token"]},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert guarantor.get("/api/v1/support/guarantees").json()[0]["status"] == "approved"
    cid = claim["id"]
    with TestClient(app) as fin1:
        h = {"X-CSRF-Token": login(fin1, "fin1")}
        assert (
            fin1.post(f"/api/v1/support/claims/{cid}/review", headers=h).json()["status"]
            == "reviewed"
        )
        r = fin1.post(f"/api/v1/support/claims/{cid}/approve", headers=h)
        assert r.status_code == 403 and "两人" in r.json()["message"]
    with TestClient(app) as fin2:
        csrf = login(fin2, "fin2")
        page = fin2.get("/support")
        assert "复核通过" in page.text and "厦门市风险补偿资金池" in page.text
        r = fin2.post(
            f"/support/claims/{cid}/approve", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert r.status_code == 303
        r = fin2.post(
            f"/api/v1/support/claims/{cid}/payment",
            json={"on": "2026-11-20"},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.json()["status"] == "paid", r.text
        funds = fin2.get("/api/v1/support/funds").json()
        assert D(funds[0]["balance"]) == D("2000000.00") - D(claim["fund_part"])
        rec = fin2.get(f"/support/funds/{funds[0]['id']}/reconciliation?quarter=2026Q4")
        assert rec.status_code == 200 and "期末余额" in rec.text
        # a quarter's subsidy: computed from the form, approved, paid
        r = fin2.post(
            "/support/subsidies",
            data={"policy_code": "XMTX", "quarter": "2026Q4", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303
        sid = int(r.headers["location"].rsplit("/", 1)[1])
        lines = fin2.get(f"/api/v1/support/subsidies/{sid}/lines").json()
        assert len(lines) == 3 and all(x["interest_paid"] == "3850.00" for x in lines)
        assert (
            fin2.post(
                f"/support/subsidies/{sid}/approve",
                data={"csrf_token": csrf},
                follow_redirects=False,
            ).status_code
            == 303
        )
        r = fin2.post(
            f"/support/subsidies/{sid}/payment",
            data={"reference": "CZ-2026-88", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303
        page = fin2.get(f"/support/subsidies/{sid}")
        assert "已拨付" in page.text and "CZ-2026-88" in page.text
        book = load_workbook(io.BytesIO(fin2.get("/support/export.xlsx").content))
        assert {
            "担保业务",
            "代偿申请",
            "贴息清单",
            "已拨付贴息·按银行",
            "已拨付贴息·按区县",
        } <= set(book.sheetnames)
        by_bank = list(book["已拨付贴息·按银行"].values)
        assert by_bank[1][1:] == (3, 11550, 4500)
        detail = load_workbook(
            io.BytesIO(fin2.get(f"/support/subsidies/{sid}/export.xlsx").content)
        )
        assert len(list(detail["贴息明细"].values)) == 4
    with TestClient(app) as owner:
        login(owner, "owner")
        mine = owner.get("/api/v1/support/subsidies").json()
        assert [(x["id"], x["total"]) for x in mine] == [(sid, "4500.00")]
        assert owner.get("/support").status_code == 200
        assert owner.get("/api/v1/support/funds").status_code == 403
    with TestClient(app) as other:
        login(other, "other-bank")
        assert other.get(f"/api/v1/support/claims/{cid}").status_code == 404
        assert other.get("/api/v1/support/subsidies").json() == []


def _post(client: TestClient, url: str, csrf: str, **data: str) -> int:
    r = client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
    return r.status_code


def test_every_act_has_a_page_form(app: FastAPI, factory: sessionmaker[Session]) -> None:
    """Single and batch guarantees, a batch decided whole, a claim refused with a reason, a
    contribution and a recovery: each from the /support page's forms, not only the API."""
    w = world(factory)
    c1, c2, c3 = w.book.contract_ids
    with unit_of_work(factory) as s:
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="G", name="担保", terms=GUARANTEE
        )
        support.create_fund(
            s, actor=w.who("fin1"), code="XMFC", name="厦门市风险补偿资金池", terms=FUND
        )
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id.in_(w.drawdowns[:2]))
            .values(classification="loss")
        )
    with TestClient(app) as bank:
        csrf = login(bank, "officer")
        page = bank.get("/support").text
        assert 'id="guarantee-form"' in page and 'id="batch-form"' in page
        assert (
            _post(bank, "/support/guarantees", csrf, product_code="G", contract_id=str(c1)) == 303
        )
        assert (
            _post(bank, "/support/guarantee-batches", csrf, product_code="G",
                  contract_ids=f"{c2}，{c3}")
            == 303
        )  # fmt: skip
        refused = bank.post(
            "/support/guarantee-batches",
            data={"csrf_token": csrf, "product_code": "G", "contract_ids": "甲乙"},
        )
        assert refused.status_code == 422 and "合同编号清单须为数字编号" in refused.text
        mine = bank.get("/api/v1/support/guarantees").json()
        assert sorted(g["contract_id"] for g in mine) == sorted([c1, c2, c3])
        batch_ids = {g["batch_id"] for g in mine if g["contract_id"] in (c2, c3)}
        assert len(batch_ids) == 1 and None not in batch_ids
        (bid,) = batch_ids
    with TestClient(app) as guarantor:
        csrf = login(guarantor, "gu1")
        page = guarantor.get("/support").text
        assert f'id="batch-{bid}"' in page and "整批承保" in page
        assert (
            _post(guarantor, f"/support/guarantee-batches/{bid}/decision", csrf, approve="true")
            == 303
        )
        statuses = {
            g["contract_id"]: g["status"]
            for g in guarantor.get("/api/v1/support/guarantees").json()
        }
        assert statuses == {c1: "requested", c2: "approved", c3: "approved"}
        assert f'id="batch-{bid}"' not in guarantor.get("/support").text
    with TestClient(app) as fin1:
        csrf = login(fin1, "fin1")
        (fund,) = fin1.get("/api/v1/support/funds").json()
        assert _post(fin1, f"/support/funds/{fund['id']}/contributions", csrf, amount="1500000.50",
                     note="财预〔2026〕1号") == 303  # fmt: skip
        (fund,) = fin1.get("/api/v1/support/funds").json()
        assert D(fund["balance"]) == D("1500000.50")
    with TestClient(app) as bank:
        csrf = login(bank, "officer")
        filed = []
        for contract in (c1, c2):
            r = bank.post(
                "/api/v1/support/claims",
                json={"fund_code": "XMFC", "contract_id": contract},
                headers={"X-CSRF-Token": csrf},
            )
            assert r.status_code == 201, r.text
            filed.append(r.json())
    paid, refused_claim = filed
    with TestClient(app) as fin1:
        csrf = login(fin1, "fin1")
        assert (
            _post(fin1, f"/support/claims/{refused_claim['id']}/reject", csrf, reason="材料不全")
            == 303
        )
        assert (
            fin1.get(f"/api/v1/support/claims/{refused_claim['id']}").json()["status"] == "rejected"
        )
        assert _post(fin1, f"/support/claims/{paid['id']}/review", csrf) == 303
    with TestClient(app) as fin2:
        csrf = login(fin2, "fin2")
        assert _post(fin2, f"/support/claims/{paid['id']}/approve", csrf) == 303
        assert _post(fin2, f"/support/claims/{paid['id']}/payment", csrf) == 303
    with TestClient(app) as bank:
        csrf = login(bank, "officer")
        assert f'action="/support/claims/{paid["id"]}/recoveries"' in bank.get("/support").text
        assert (
            _post(bank, f"/support/claims/{paid['id']}/recoveries", csrf, amount="1000.00") == 303
        )
        recovered = bank.get(f"/api/v1/support/claims/{paid['id']}/recoveries").json()
        assert len(recovered) == 1
        (rec,) = recovered
        assert D(rec["amount"]) == D("1000.00")
        assert D(rec["bank"]) + D(rec["guarantor"]) + D(rec["fund"]) == D("1000.00"), rec


def test_a_claim_per_drawdown_from_the_form_and_the_api(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    """Two drawdowns (借据) of one contract claimed one by one (the page form for the first,
    the API for the second); the same drawdown twice and the whole contract after them are
    refused with ``claim_overlap``; an empty 借据 field claims the whole contract."""
    w = world(factory)
    c1, c2, _ = w.book.contract_ids
    with unit_of_work(factory) as s:
        support.create_fund(
            s, actor=w.who("fin1"), code="XMFC", name="厦门市风险补偿资金池", terms=FUND
        )
        b = add_drawdown(
            s, w.book, c1, amount=D("400000.00"), annual_rate=D("3.85"),
            value_date=date(2026, 3, 1),
            instalments=[(date(2027, 3, 1), D("400000.00"), D("15400.00"))],
        )  # fmt: skip
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id.in_([w.drawdowns[0], w.drawdowns[1]]))
            .values(classification="loss")
        )
        s.execute(
            update(LoanDrawdown).where(LoanDrawdown.id == b).values(classification="substandard")
        )
    a = w.drawdowns[0]
    with TestClient(app) as bank:
        csrf = login(bank, "officer")
        assert 'name="drawdown_id"' in bank.get("/support").text
        assert (
            _post(bank, "/support/claims", csrf, fund_code="XMFC", contract_id=str(c1),
                  drawdown_id=str(a))
            == 303
        )  # fmt: skip
        h = {"X-CSRF-Token": csrf}
        (first,) = bank.get("/api/v1/support/claims").json()
        # the first drawdown's 1,000,000.00 outstanding: fund 50 %, the bank the rest
        assert (first["contract_id"], first["drawdown_id"]) == (c1, a)
        assert (D(first["loss"]), D(first["fund_part"]), D(first["bank_part"])) == (
            D("1000000.00"), D("500000.00"), D("500000.00"),
        )  # fmt: skip
        for body in (
            {"fund_code": "XMFC", "contract_id": c1, "drawdown_id": a},
            {"fund_code": "XMFC", "contract_id": c1},
        ):
            r = bank.post("/api/v1/support/claims", json=body, headers=h)
            assert r.status_code == 409 and r.json()["code"] == "claim_overlap", r.text
            assert "代偿" in r.json()["message"]
        r = bank.post(
            "/api/v1/support/claims",
            json={"fund_code": "XMFC", "contract_id": c1, "drawdown_id": b},
            headers=h,
        )
        assert r.status_code == 201, r.text
        second = r.json()
        assert (D(second["loss"]), D(second["fund_part"]), D(second["bank_part"])) == (
            D("400000.00"), D("200000.00"), D("200000.00"),
        )  # fmt: skip
        refused = bank.post(
            "/support/claims",
            data={"csrf_token": csrf, "fund_code": "XMFC", "contract_id": str(c1),
                  "drawdown_id": str(b)},
        )  # fmt: skip
        assert refused.status_code == 409 and "不能重复申请" in refused.text
        assert (
            _post(bank, "/support/claims", csrf, fund_code="XMFC", contract_id=str(c2),
                  drawdown_id="")
            == 303
        )  # fmt: skip
        page = bank.get("/support").text
        assert f'id="claim-{first["id"]}"' in page and "整笔" in page
        claims = {c["id"]: c["drawdown_id"] for c in bank.get("/api/v1/support/claims").json()}
        assert sorted(claims.values(), key=str) == sorted([a, b, None], key=str)
