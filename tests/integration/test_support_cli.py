"""The support commands on a loan book: a claim reviewed, approved and paid; a quarter's 贴息
computed, listed, approved and paid — all through ``zhixin …``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_support import FUND, GUARANTEE, POLICY, repay, world
from tests.support.cli import invoke
from zhixin.config import Settings
from zhixin.kit.db import unit_of_work
from zhixin.loans.models import LoanDrawdown
from zhixin.support import guarantees, subsidies
from zhixin.support import service as support

D = Decimal


def test_claims_and_subsidies_from_the_command_line(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    env = {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"}
    w = world(factory)
    c1 = w.book.contract_ids[0]
    with unit_of_work(factory) as s:
        guarantees.add_guarantee_product(
            s, actor=w.who("gu1"), code="G", name="担保", terms=GUARANTEE
        )
        support.create_fund(s, actor=w.who("fin1"), code="XMFC", name="资金池", terms=FUND)
        support.contribute(
            s, actor=w.who("fin1"), fund_code="XMFC", amount=D("1000000.00"), on=date(2026, 10, 1)
        )
        s.execute(
            update(LoanDrawdown)
            .where(LoanDrawdown.id == w.drawdowns[0])
            .values(classification="doubtful")
        )
        for d in w.drawdowns:
            repay(s, w.book.bank_id, d, date(2026, 11, 10), "3850.00")
        subsidies.add_policy(s, actor=w.who("fin1"), code="XMTX", name="贴息", terms=POLICY)
    with unit_of_work(factory) as s:
        cid = support.file_claim(
            s, actor=w.who("officer"), fund_code="XMFC", contract_id=c1, today=date(2026, 11, 2)
        ).id

    listed = invoke(["compensation", "claims", "--state", "filed", "--json"], env)
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["id"], row["loss"], row["status"]) == (cid, "1000000.00", "filed")
    assert invoke(["compensation", "review", str(cid), "--by", "fin1"], env).exit_code == 0
    same = invoke(["compensation", "approve", str(cid), "--by", "fin1"], env)
    assert same.exit_code == 1 and "两人" in same.output
    assert invoke(["compensation", "approve", str(cid), "--by", "fin2"], env).exit_code == 0
    paid = invoke(["compensation", "pay", str(cid), "--by", "fin1", "--date", "2026-11-20"], env)
    assert paid.exit_code == 0 and "已拨付" in paid.output, paid.output
    rec = invoke(
        ["compensation", "reconcile", "--fund", "XMFC", "--quarter", "2026Q4", "--json"], env
    )
    assert rec.exit_code == 0, rec.output
    assert [r["claim_id"] for r in json.loads(rec.output)] == [cid]
    bad = invoke(["compensation", "claims", "--state", "nonsense"], env)
    assert bad.exit_code == 1 and "状态只能是" in bad.output

    computed = invoke(["subsidies", "compute", "--quarter", "2026Q4"], env)
    assert computed.exit_code == 0, computed.output
    # the overdue-free loans only: 3850 × 1.5 / 3.85 = 1500 each, within the 30,000 cap
    assert "2026Q4：3 笔贷款" in computed.output
    listed = invoke(["subsidies", "list", "--json"], env)
    (claim,) = json.loads(listed.output)
    assert (claim["total"], claim["status"]) == ("4500.00", "computed")
    assert invoke(["subsidies", "approve", str(claim["id"]), "--by", "fin1"], env).exit_code == 0
    done = invoke(
        ["subsidies", "pay", str(claim["id"]), "--by", "fin2", "--reference", "CZ-9"], env
    )
    assert done.exit_code == 0 and "已拨付 4500.00 元" in done.output, done.output
    assert json.loads(invoke(["subsidies", "list", "--state", "paid", "--json"], env).output)
