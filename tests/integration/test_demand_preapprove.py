"""预授信: a batch row equals the quote service's limit and rate for the same firm, product and
request; firms not on the whitelist, and listed firms the product refuses, are absent; firms
sharing every fact are decided once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal
from tests.support.cli import invoke
from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.demand import conversion, ledger, levers, repository
from zhixin.demand import preapprove as batch
from zhixin.enterprises.models import Enterprise
from zhixin.errors import NotFound
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.products import service as products
from zhixin.quotes import service as quotes
from zhixin.records.models import QualityRecord

PRODUCT = "luzhidai"  # 厦门, Ⅲ类 or better, 中小微, 12 months old


def _firm(uscc: str, name: str, size: str = "小", region: str = "350206") -> Enterprise:
    return Enterprise(
        uscc=uscc,
        name=name,
        kind="企业",
        status="存续",
        size_class=size,
        region_code=region,
        established_on=date(2015, 3, 1),
    )


def test_batch_rows_equal_the_quote(factory: sessionmaker[Session], settings: Settings) -> None:
    env = {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"}
    firms = {
        "one": _firm("91350200MA2Y00770J", "厦门一类有限公司"),
        "two": _firm("91110000600037341L", "厦门二类有限公司"),
        "two_b": _firm("91350211MA31XQ9X4E", "厦门二类乙有限公司"),
        "three": _firm("91350200302928381R", "厦门三类有限公司"),
        "big": _firm("91350203MA2XN5K17M", "厦门大型有限公司", size="大"),
        "fuzhou": _firm("91350100MA2XN5K160", "福州有限公司", region="350102"),
        "unlisted": _firm("91350206MA2XN5K19F", "厦门未入列有限公司"),
        "penalised": _firm("91350205MA2XN5K18X", "厦门受罚有限公司"),
    }
    with unit_of_work(factory) as s:
        s.add_all(firms.values())
        s.flush()
        ids = {k: e.id for k, e in firms.items()}
        # a quality penalty two months ago: 鹭质贷 refuses it (no penalty in two years)
        s.add(
            QualityRecord(
                enterprise_id=ids["penalised"],
                kind="penalty",
                natural_key="penalised|罚1",
                content_hash="a" * 32,
                ref="罚1",
                subtype="产品质量",
                level="一般",
                event_date=clock.today() - timedelta(days=60),
                source_system="test",
            )
        )
    grades = {
        ids["one"]: Grade("I", {"credit": "I"}),
        ids["two"]: Grade("II", {"credit": "II"}),
        ids["two_b"]: Grade("II", {"credit": "II"}),
        ids["three"]: Grade("III", {"credit": "III"}),
        ids["big"]: Grade("I", {"credit": "I"}),
        ids["fuzhou"]: Grade("I", {"credit": "I"}),
        ids["penalised"]: Grade("I", {"credit": "I"}),
    }
    version = publish_grades(factory, catalog="xiamen", grades=grades)
    with unit_of_work(factory) as s:
        out = batch.preapprove(s, product_code=PRODUCT)
        assert out.whitelist_version == version and out.listed == 7
        by_id = {r.enterprise_id: r for r in out.rows}
        assert set(by_id) == {ids[k] for k in ("one", "two", "two_b", "three")}
        # the two Ⅱ类 firms share every fact but their identity: decided once
        assert out.combinations == 6
        _row, product = products.current(s, PRODUCT)
        request = levers.request_for(product, clock.today())
        for key in ("one", "two", "two_b", "three", "big", "fuzhou", "penalised"):
            q = quotes.quote(
                s,
                actor=quotes.SYSTEM,
                product_code=PRODUCT,
                enterprise_id=ids[key],
                request=request,
                store=False,
            )
            row = by_id.get(ids[key])
            if row is None:
                assert not q.eligible, key
            else:
                assert q.eligible and (row.limit, row.rate) == (q.limit, q.rate), key
        assert by_id[ids["one"]].rate < by_id[ids["three"]].rate
    shown = invoke(["preapprove", "--product", PRODUCT, "--json"], env)
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["preapproved"] == 4 and body["listed"] == 7
    with unit_of_work(factory) as s:
        stored = repository.preapproval_list(s, body["list_id"])
        assert stored is not None and stored.preapproved == 4 and stored.bank_code
        rows = repository.preapproval_rows(s, stored.id)
        assert {(r.enterprise_id, r.limit_amount, r.rate) for r in rows} == {
            (r.enterprise_id, r.limit, r.rate) for r in by_id.values()
        }
    text = invoke(["preapprove", "--product", PRODUCT], env)
    assert "预授信 4 户" in text.output


def test_push_reads_and_offers(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        firms = [
            _firm("91350200MA2Y00770J", "厦门一类有限公司"),
            _firm("91110000600037341L", "厦门二类有限公司"),
        ]
        s.add_all(firms)
        s.flush()
        one, two = firms[0].id, firms[1].id
    publish_grades(
        factory,
        catalog="xiamen",
        grades={one: Grade("I", {"credit": "I"}), two: Grade("II", {"credit": "II"})},
    )
    with unit_of_work(factory) as s:
        header, _b = batch.create_list(s, product_code=PRODUCT)
        list_id = header.id
    officer = principal(
        factory, make_user(factory, "xm-officer", Role.bank_officer, tenant_code="bank-xmrcb")
    )
    other = principal(
        factory, make_user(factory, "other-officer", Role.bank_officer, tenant_code="bank-other")
    )
    owner = principal(factory, make_user(factory, "owner1", Role.enterprise, enterprise_id=one))
    with unit_of_work(factory) as s:
        assert [h.id for h in batch.lists(s, actor=officer)] == [list_id]
        assert batch.lists(s, actor=other) == []
        with pytest.raises(NotFound):
            batch.get(s, actor=other, list_id=list_id)
        with pytest.raises(NotFound):
            batch.push(s, actor=other, list_id=list_id)
        got = batch.get(s, actor=officer, list_id=list_id)
        assert {r.enterprise_id for r in got.rows} == {one, two}
        # not pushed yet: the enterprise sees no offer
        assert batch.offers(s, actor=owner, enterprise_id=one) == []
        assert batch.push(s, actor=officer, list_id=list_id).created == 2
    with unit_of_work(factory) as s:
        assert batch.push(s, actor=officer, list_id=list_id).created == 0  # again: nothing new
        entries = ledger.entries(s, actor=officer)
        assert {(e.enterprise_id, e.source, e.source_ref) for e in entries} == {
            (one, "preapproved", str(list_id)),
            (two, "preapproved", str(list_id)),
        }
        (funnel,) = conversion.conversion(s, actor=officer, by="bank")
        assert funnel.stages[0].enterprises == 2  # listed: both pushed firms
        offers = batch.offers(s, actor=owner, enterprise_id=one)
        assert [o.product_code for o in offers] == [PRODUCT]
        o = offers[0]
        q = quotes.quote(
            s,
            actor=owner,
            product_code=PRODUCT,
            enterprise_id=one,
            request=replace(
                levers.request_for(products.current(s, PRODUCT)[1], clock.today()),
                amount=o.amount,
            ),
            store=False,
        )
        assert q.costs is not None
        assert (o.annualised_rate, o.total_cost) == (
            q.costs.annualised_rate,
            q.costs.effective_cost,
        )
        with pytest.raises(NotFound):
            batch.offers(s, actor=owner, enterprise_id=two)
