"""An enterprise's own webhook endpoint (issue 19): the borrower registers an endpoint like a
bank does and receives, signed (Standard Webhooks), the linkage events of its own lines — a
freeze made by a penalty import reaches a real HTTP receiver on localhost — and nothing of
another enterprise's, nor the whitelist feed, which is the financial side's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import World, build_world
from tests.integration.test_linkage import _cycle, _import
from tests.integration.test_loans import _drawn, signed_contract
from tests.integration.test_webhooks import LOOPBACK, Receiver
from zhixin.kit.db import unit_of_work
from zhixin.webhooks import service as webhooks
from zhixin.webhooks.models import WebhookOutbox
from zhixin.webhooks.worker import run_once
from zhixin.whitelist.models import WhitelistPublication


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    made = {name: Receiver(fail_first=0) for name in ("owner-a", "owner-b", "officer")}
    for r in made.values():
        r.thread.start()
    yield made
    for r in made.values():
        r.server.shutdown()
        r.server.server_close()


def _register(w: World, user: str, receiver: Receiver) -> None:
    with unit_of_work(w.factory) as s:
        issued = webhooks.register(
            s, actor=w.who(user), url=receiver.url, description=user, allow_loopback=True
        )
        receiver.secrets.append(issued.secret)


def test_a_freeze_reaches_the_enterprises_own_endpoint_and_no_other(
    world: World, tmp_path: Path, receivers: dict[str, Receiver]
) -> None:
    cid = signed_contract(world)  # 鹭质贷 for 厦门鹭芯科技 (owner-a), 厦门农商银行
    _drawn(world, cid, "1000000.00")
    assert _cycle(world).freezes == 0  # the first cycle starts reading from now
    for user, receiver in receivers.items():
        _register(world, user, receiver)
    # the whitelist feed goes to the bank's endpoint only
    with unit_of_work(world.factory) as s:
        pub = s.scalars(select(WhitelistPublication)).first()
        assert pub is not None
        assert webhooks.enqueue_publication(s, publication=pub) == 1
        (row,) = s.scalars(select(WebhookOutbox))
        s.delete(row)

    _import(
        world,
        tmp_path,
        "penalty",
        {
            "处罚决定书文号": "厦市监处罚〔2025〕7号",
            "处罚日期": "2025-02-28",
            "处罚机关": "厦门市市场监督管理局",
            "违法类别": "产品质量",
            "严重程度": "较重",
        },
    )
    assert _cycle(world).freezes == 1
    sent = run_once(world.factory, LOOPBACK)
    assert (sent.claimed, sent.delivered) == (2, 2), sent

    mine = receivers["owner-a"]
    assert mine.bad_signatures == 0 and sum(mine.processed.values()) == 1
    (body,) = mine.bodies.values()
    assert body["type"] == "loan.line.frozen"
    data = body["data"]
    assert isinstance(data, dict)
    assert data["contract_id"] == cid and data["label"] == "冻结额度"
    assert "产品质量类行政处罚" in str(data["reason"]) and "厦市监处罚" not in str(data)
    # the bank gets the same event on its own endpoint, signed with its own secret
    bank = receivers["officer"]
    assert [b["type"] for b in bank.bodies.values()] == ["loan.line.frozen"]
    # another enterprise's endpoint: nothing
    assert receivers["owner-b"].tries == {} and receivers["owner-b"].bodies == {}
