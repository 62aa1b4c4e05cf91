"""惠企政策 matching over HTTP (issue 22): a firm qualifies for one 贴息 policy and one guarantee
product and misses the others for named reasons (未在白名单内, 存在逾期, 超出单户上限,
资金用途约定未达标) — read off the same policies, products and facts the support services use;
the enterprise sees its own, a bank officer any firm's, from the firm's page; another firm's
owner gets a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_support import GUARANTEE, POLICY, world
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.linkage.models import CovenantResult, LinkageAction
from zhixin.loans.models import LoanContract, LoanDrawdown
from zhixin.products import service as products
from zhixin.support import guarantees, rules, subsidies

# the jurisdiction's set-based counts and the sums differ by database
pytestmark = pytest.mark.databases

LISTED_ONLY = {"kind": "points", "points": "1", "payee": "enterprise", "conditions": ["listed"]}
COVENANT_ONLY = {"kind": "share", "share": "20", "conditions": ["covenant_met"]}


def _by_code(body: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p["code"]: p for p in body["policies"]}


def test_a_firm_qualifies_for_one_and_misses_another_for_a_named_reason(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = world(factory)
    firm = w.book.enterprise_id
    c1 = w.book.contract_ids[0]
    with unit_of_work(factory) as s:
        # the contracts are 鹭质贷's: "listed" reads the whitelist of its catalog (none published)
        version, _product = products.current(s, "luzhidai")
        s.execute(update(LoanContract).values(product_version_id=version.id))
        subsidies.add_policy(s, actor=w.who("fin1"), code="XMTX", name="厦门市贴息", terms=POLICY)
        subsidies.add_policy(
            s, actor=w.who("fin1"), code="BMD", name="白名单企业贴息", terms=LISTED_ONLY
        )
        # 鹭质保: 10,000,000 per enterprise — the firm's first contract takes all of it
        small = {**GUARANTEE, "cap_per_enterprise": "10000000"}
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="LZB", name="鹭质保", terms=small
        )
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="KCB", name="科创保", terms=GUARANTEE
        )
        g = guarantees.request_guarantee(
            s, actor=w.who("officer"), contract_id=c1, product_code="LZB"
        )
        gid = g.id
    with unit_of_work(factory) as s:
        guarantees.decide_guarantee(s, actor=w.who("gu1"), guarantee_id=gid, approve=True)
        other = Enterprise(
            uscc="91110000600037341L", name="他家有限公司", kind="企业", status="存续"
        )
        s.add(other)
        s.flush()
        other_id = other.id
    make_user(factory, "other-owner", Role.enterprise, enterprise_id=other_id)

    with TestClient(app) as owner, TestClient(app) as officer, TestClient(app) as stranger:
        login(owner, "owner")
        login(officer, "officer")
        login(stranger, "other-owner")
        body = owner.get(f"/api/v1/enterprises/{firm}/policies").json()
        assert (body["listed"], body["overdue"]) == (False, False)
        got = _by_code(body)
        # qualifies: 厦门市贴息 (无逾期) and 科创保 (room under its caps)
        assert got["XMTX"]["qualifies"] and got["XMTX"]["gaps"] == []
        assert got["KCB"]["qualifies"] and got["KCB"]["gaps"] == []
        # misses: 白名单企业贴息 — not listed; 鹭质保 — its cap per enterprise is used up
        assert not got["BMD"]["qualifies"] and got["BMD"]["gaps"] == ["未在白名单内"]
        assert not got["LZB"]["qualifies"]
        (why,) = got["LZB"]["gaps"]
        assert why.startswith("超出单户上限") and "10000000" in why
        assert [p["qualifies"] for p in body["policies"]] == [True, True, False, False]
        assert got["XMTX"]["conditions"] == ["无逾期"]

        page = owner.get(f"/enterprises/{firm}/policies")
        assert page.status_code == 200
        qualified, missing = page.text.split('id="missing"')
        assert "厦门市贴息" in qualified and "科创保" in qualified
        assert "白名单企业贴息" in missing and "未在白名单内" in missing
        assert "鹭质保" in missing and "超出单户上限" in missing

        # a drawdown falls past due: 厦门市贴息 is missed for 存在逾期
        with unit_of_work(factory) as s:
            s.execute(
                update(LoanDrawdown)
                .where(LoanDrawdown.id == w.drawdowns[1])
                .values(days_past_due=5)
            )
        got = _by_code(officer.get(f"/api/v1/enterprises/{firm}/policies").json())
        assert got["XMTX"]["gaps"] == ["存在逾期"] and not got["XMTX"]["qualifies"]
        # a covenant of this quarter breached, 贴息 withheld (linkage's 暂停贴息)
        with unit_of_work(factory) as s:
            subsidies.add_policy(
                s, actor=w.who("fin1"), code="YTTX", name="专款专用贴息", terms=COVENANT_ONLY
            )
            breached = s.get(LoanContract, c1)
            assert breached is not None
            today = clock.today()
            result = CovenantResult(
                contract_id=c1, enterprise_id=firm, bank_tenant_id=breached.bank_tenant_id,
                product_version_id=breached.product_version_id, covenant="quality_use",
                kind="quality_use", period=rules.quarter_of(today), period_end=today, met=False,
                consequence="subsidy_withheld",
            )  # fmt: skip
            s.add(result)
            s.flush()
            s.add(
                LinkageAction(
                    contract_id=c1,
                    enterprise_id=firm,
                    bank_tenant_id=breached.bank_tenant_id,
                    kind="subsidy_withheld",
                    status="effective",
                    rule="t:quality_use",
                    reason="资金用途不达标",
                    covenant_result_id=result.id,
                )
            )
        body = officer.get(f"/api/v1/enterprises/{firm}/policies").json()
        assert body["covenant_breached"] is True
        assert _by_code(body)["YTTX"]["gaps"] == ["资金用途约定未达标"]
        # the officer reaches it from the firm's page
        assert f'href="/enterprises/{firm}/policies"' in officer.get(f"/enterprises/{firm}").text
        assert "存在逾期" in officer.get(f"/enterprises/{firm}/policies").text

        # another firm's owner: a 404, as for a missing enterprise
        assert stranger.get(f"/api/v1/enterprises/{firm}/policies").status_code == 404
        assert stranger.get(f"/enterprises/{firm}/policies").status_code == 404
        assert stranger.get(f"/api/v1/enterprises/{other_id}/policies").status_code == 200
    assert Decimal(GUARANTEE["cap_per_enterprise"]) > Decimal("10000000")


def test_a_listed_firm_with_no_loan_yet_is_not_told_it_is_off_the_whitelist(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    """A firm shopping for policies before it borrows reads "listed" from the whitelists in
    force (any catalog): listed in Xiamen's, 白名单企业贴息 has no gap; unlisted, 未在白名单内."""
    from datetime import UTC, datetime

    from tests.support.grades import Grade, publish_grades

    w = world(factory)
    with unit_of_work(factory) as s:
        subsidies.add_policy(
            s, actor=w.who("fin1"), code="BMD", name="白名单企业贴息", terms=LISTED_ONLY
        )
        listed = Enterprise(
            uscc="91350200MA2XYZ1234", name="上榜未贷公司", kind="企业", status="存续"
        )
        unlisted = Enterprise(
            uscc="91350200MA2XYZ5678", name="未上榜公司", kind="企业", status="存续"
        )
        s.add_all([listed, unlisted])
        s.flush()
        ids = (listed.id, unlisted.id)
    publish_grades(
        factory,
        catalog="xiamen",
        grades={ids[0]: Grade("I", {"credit": "I"}), ids[1]: Grade("IV", {"credit": "IV"})},
        published_at=datetime(2025, 7, 1, 2, 0, tzinfo=UTC),
    )
    with TestClient(app) as officer:
        login(officer, "officer")
        on = officer.get(f"/api/v1/enterprises/{ids[0]}/policies").json()
        off = officer.get(f"/api/v1/enterprises/{ids[1]}/policies").json()
    assert on["listed"] is True and _by_code(on)["BMD"]["gaps"] == []
    assert off["listed"] is False and _by_code(off)["BMD"]["gaps"] == ["未在白名单内"]
