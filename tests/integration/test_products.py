"""Products on a real database: versions by content, reading them back, who may list them."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.errors import Forbidden, NotFound
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.lpr import service as lpr
from zhixin.products import loader
from zhixin.products import service as products
from zhixin.products.models import ProductVersion


def _count(s: Session, code: str) -> int:
    return s.scalar(select(func.count()).where(ProductVersion.code == code)) or 0


def test_current_stores_a_version_once_and_reuses_it(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        row, product = products.current(s, "luzhidai")
        first = row.id
        assert product.name == "鹭质贷" and row.bank_code == "bank-xmrcb"
        assert row.version == "2025.1" and row.sha256 == loader.load_shipped("luzhidai").sha256
    with unit_of_work(factory) as s:
        again, _ = products.current(s, "luzhidai")
        assert again.id == first
        assert _count(s, "luzhidai") == 1
        assert again.body["code"] == "luzhidai" and again.body["levels"] == ["Ⅰ类", "Ⅱ类", "Ⅲ类"]


def test_a_changed_product_is_a_new_version_and_the_old_one_reads_back(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as s:
        old_row, old = products.current(s, "luzhidai")
        old_id = old_row.id
    body = copy.deepcopy(loader.load_shipped("luzhidai").body)
    body["version"] = "2025.2"
    body["pricing"]["spread_bp"] = 260
    edited = loader.parse(body, "luzhidai.yaml (edited)")
    with unit_of_work(factory) as s:
        new_row = products.register(s, loaded=edited)
        new_id = new_row.id
        assert new_id != old_id and new_row.version == "2025.2"
        assert products.register(s, loaded=edited).id == new_id  # same body, same row
        assert _count(s, "luzhidai") == 2
    with unit_of_work(factory) as s:
        _, back_old = products.by_version(s, old_id)
        _, back_new = products.by_version(s, new_id)
        assert back_old == old and back_old.pricing.spread_bp == 240
        assert back_new.pricing.spread_bp == 260
        # the shipped file is still what current() gives
        assert products.current(s, "luzhidai")[0].id == old_id


def test_unknown_code_and_version_are_not_found_in_chinese(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        with pytest.raises(NotFound, match="未找到产品「no-such」"):
            products.current(s, "no-such")
        with pytest.raises(NotFound, match=re.escape("未找到产品「../catalog/data/xiamen」")):
            products.current(s, "../catalog/data/xiamen")
        with pytest.raises(NotFound, match="未找到产品版本 #999999"):
            products.by_version(s, 999_999)


def test_all_current_stores_every_shipped_product(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        pairs = products.all_current(s)
        assert [p.code for _, p in pairs] == loader.shipped()
        assert len({row.id for row, _ in pairs}) == len(pairs)


def test_list_and_get_for_readers_with_the_lowest_rate_on_todays_lpr(
    factory: sessionmaker[Session],
) -> None:
    officer = principal(factory, make_user(factory, "officer", Role.bank_officer))
    admin = principal(factory, make_user(factory, "admin", Role.sysadmin))
    with unit_of_work(factory) as s:
        listed = products.list_products(s, actor=officer)
        assert [p.code for p in listed] == loader.shipped()
        lu = next(p for p in listed if p.code == "luzhidai")
        today = lpr.rates_on(s, clock.today())
        # best case: LPR + 240bp − 120bp (the discount cap), never below the 2.73 % floor
        expected = max(today.one_year + Decimal("1.20"), Decimal("2.73"))
        assert lu.rate_from == expected and lu.lpr_on == today.effective_on
        assert lu.fast_lane_days == 4 and lu.amount_max == Decimal(7_000_000)
        assert lu.config.pricing.floor == Decimal("2.73")
        one = products.get(s, actor=officer, code="quzhou-zuhedai")
        assert one.kind == "组合" and [v.id for v in one.versions] == [one.version_id]
        with pytest.raises(Forbidden):
            products.list_products(s, actor=admin)
        with pytest.raises(Forbidden):
            products.get(s, actor=admin, code="luzhidai")
        with pytest.raises(NotFound):
            products.get(s, actor=officer, code="nope")


def test_two_writers_registering_the_same_new_version_get_one_row(
    factory: sessionmaker[Session],
) -> None:
    """The second writer's lookup misses the first one's uncommitted row, its insert waits on the
    first one's lock, and then it takes the row the first one committed: no error, one row."""
    import threading
    import time

    body = copy.deepcopy(loader.load_shipped("luzhidai").body)
    body["version"] = "2099.1"
    edited = loader.parse(body, "luzhidai.yaml (raced)")
    got: dict[str, object] = {}

    def second() -> None:
        try:
            with unit_of_work(factory) as s:
                got["id"] = products.register(s, loaded=edited).id
        except BaseException as exc:  # reported to the main thread
            got["error"] = exc

    first = factory()
    try:
        first_id = products.register(first, loaded=edited).id  # stored, not yet committed
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.6)  # the second writer is now waiting on the first one's lock
        first.commit()
    finally:
        first.close()
    t.join(30)
    assert "error" not in got, got.get("error")
    assert got["id"] == first_id
    with unit_of_work(factory) as s:
        assert (
            s.scalar(
                select(func.count()).where(
                    ProductVersion.code == "luzhidai", ProductVersion.version == "2099.1"
                )
            )
            == 1
        )
