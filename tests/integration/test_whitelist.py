"""Whitelist publications on a real database: maker-checker, publish, refresh, diff with
reasons, the change feed, statistics and exports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.catalog.loader import load
from zhixin.enterprises.models import Enterprise
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord
from zhixin.whitelist import reports, rules
from zhixin.whitelist import service as whitelist
from zhixin.whitelist.models import WhitelistEntry

AS_OF = date(2025, 6, 30)
PENALTY_GATE = "三年内受到产品质量行政处罚"


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _rec(firm_id: int, uscc: str, kind: str, key: str, **fields: object) -> QualityRecord:
    fields.setdefault("known_at", datetime(2025, 1, 1, tzinfo=UTC))
    return QualityRecord(
        enterprise_id=firm_id,
        kind=kind,
        natural_key=f"{uscc}|{key}",
        content_hash=key.ljust(32, "0")[:32],
        source_system="test",
        **fields,
    )


def _cert(firm: Enterprise, key: str) -> QualityRecord:
    return _rec(
        firm.id,
        firm.uscc,
        "certification",
        key,
        subtype="ISO9001",
        ref=key,
        status="有效",
        valid_from=date(2023, 1, 1),
        valid_to=date(2026, 1, 1),
    )


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        xc = Enterprise(
            uscc="91350200MA31234567",
            name="厦门矽创",
            kind="企业",
            status="存续",
            region_code="350203",
            industry_code="C3976",
            size_class="中",
        )
        other = Enterprise(uscc="91110000600037341L", name="乙公司", kind="企业", status="存续")
        bing = Enterprise(
            uscc="91350200MA2XXXXXX0",
            name="丙公司",
            kind="企业",
            status="存续",
            region_code="350206",
            industry_code="C1811",
            size_class="小",
        )
        s.add_all([xc, other, bing])
        s.flush()
        s.add_all(
            [
                _rec(xc.id, xc.uscc, "contract_credit", "2023", year=2023, level="市级"),
                _rec(xc.id, xc.uscc, "contract_credit", "2024", year=2024, level="市级"),
                _cert(xc, "Q1"),
                _cert(other, "Q2"),
                _rec(
                    other.id,
                    other.uscc,
                    "penalty",
                    "P1",
                    subtype="产品质量",
                    ref="P1",
                    level="一般",
                    issuer="局",
                    event_date=date(2024, 5, 1),
                ),
                _cert(bing, "Q3"),
            ]
        )
        ids = {"xc": xc.id, "other": other.id, "bing": bing.id}
    ids["maker"] = make_user(factory, "maker", Role.regulator)
    ids["checker"] = make_user(factory, "checker", Role.regulator)
    ids["bank"] = make_user(factory, "bank", Role.bank_officer)
    ids["firm"] = make_user(factory, "firm", Role.enterprise, enterprise_id=ids["xc"])
    return ids


def _run(factory: sessionmaker[Session], as_of: date = AS_OF) -> int:
    with unit_of_work(factory) as s:
        return evaluation.evaluate_database(s, loaded=load("xiamen"), as_of=as_of).id


def _publish_first(factory: sessionmaker[Session], world: dict[str, int]) -> int:
    maker = _principal(factory, world["maker"])
    checker = _principal(factory, world["checker"])
    run_id = _run(factory)
    with unit_of_work(factory) as s:
        pub_id = whitelist.draft_from_run(s, actor=maker, run_id=run_id).id
    with unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=pub_id, approve=True)
    return pub_id


def _add_penalty(factory: sessionmaker[Session], firm_id: int) -> int:
    with unit_of_work(factory) as s:
        firm = s.get(Enterprise, firm_id)
        assert firm is not None
        rec = _rec(
            firm.id,
            firm.uscc,
            "penalty",
            "P9",
            subtype="产品质量",
            ref="P9",
            level="一般",
            issuer="局",
            event_date=date(2025, 5, 1),
            known_at=datetime.now(UTC),
        )
        s.add(rec)
        s.flush()
        return rec.id


def _entries(factory: sessionmaker[Session], pub_id: int) -> dict[tuple[int, str], str]:
    with unit_of_work(factory) as s:
        rows = s.query(WhitelistEntry).filter(WhitelistEntry.publication_id == pub_id).all()
        return {(r.enterprise_id, r.dimension): r.level for r in rows}


def test_maker_checker_and_publication(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    maker = _principal(factory, world["maker"])
    checker = _principal(factory, world["checker"])
    bank = _principal(factory, world["bank"])
    run_id = _run(factory)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        whitelist.draft_from_run(s, actor=bank, run_id=run_id)
    with unit_of_work(factory) as s:
        pub = whitelist.draft_from_run(s, actor=maker, run_id=run_id, note="第一批")
        pub_id = pub.id
        assert (pub.status, pub.version, pub.as_of) == ("draft", None, AS_OF)
        assert (pub.enterprises, pub.entries) == (2, 3)
        assert pub.catalog_name == "xiamen"
    assert _entries(factory, pub_id) == {
        (world["xc"], "credit"): "I",
        (world["xc"], "infrastructure"): "III",
        (world["bing"], "infrastructure"): "III",
    }
    # the drafter cannot approve their own draft
    with pytest.raises(Conflict, match="起草人不能复核"), unit_of_work(factory) as s:
        whitelist.review(s, actor=maker, publication_id=pub_id, approve=True)
    # a bank sees no drafts
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        whitelist.get_publication(s, actor=bank, publication_id=pub_id)
    with pytest.raises(Invalid, match="驳回须说明理由"), unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=pub_id, approve=False)
    with unit_of_work(factory) as s:
        pub = whitelist.review(s, actor=checker, publication_id=pub_id, approve=True)
        assert (pub.status, pub.version, pub.reviewed_by_id) == (
            "published",
            1,
            world["checker"],
        )
    with pytest.raises(Conflict, match="不能再复核"), unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=pub_id, approve=True)
    with unit_of_work(factory) as s:
        feed = whitelist.changes_since(s, actor=bank, since=None, limit=100)
        assert [(c.seq, c.version, c.change) for c in feed.items] == [
            (1, 1, "added"),
            (2, 1, "added"),
            (3, 1, "added"),
        ]
        stats = reports.statistics(s, actor=bank, publication_id=pub_id)
        assert [(r.label, r.entries, r.enterprises) for r in stats["level"]] == [
            ("Ⅰ类", 1, 1),
            ("Ⅲ类", 2, 2),
        ]
        assert {r.key: (r.entries, r.enterprises) for r in stats["region"]} == {
            "350203": (2, 1),
            "350206": (1, 1),
        }
        assert {r.key: r.entries for r in stats["industry"]} == {"C": 3}
        assert {r.key: r.entries for r in stats["size"]} == {"中": 2, "小": 1}
        assert {r.key: r.entries for r in stats["dimension"]} == {
            "credit": 1,
            "infrastructure": 2,
        }
        radar = whitelist.radar(s, actor=bank, enterprise_id=world["xc"])
        axes = {a.code: (a.level, a.listed) for a in radar.dimensions}
        assert radar.version == 1 and axes["credit"] == ("I", True)
        assert len(radar.dimensions) == 5
        with pytest.raises(NotFound):
            whitelist.radar(s, actor=bank, enterprise_id=world["other"])


def test_refresh_drafts_only_the_touched_and_diff_names_the_gate(
    factory: sessionmaker[Session], world: dict[str, int], tmp_path: Path
) -> None:
    v1 = _publish_first(factory, world)
    maker = _principal(factory, world["maker"])
    checker = _principal(factory, world["checker"])
    bank = _principal(factory, world["bank"])
    with unit_of_work(factory) as s:
        nothing = whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=AS_OF)
        assert nothing.publication is None and "无需刷新" in nothing.message
    penalty_id = _add_penalty(factory, world["xc"])
    with unit_of_work(factory) as s:
        outcome = whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=AS_OF)
        pub = outcome.publication
        assert pub is not None and outcome.touched == 1
        v2 = pub.id
        assert (pub.kind, pub.status, pub.base_id, pub.entries) == ("delta", "draft", v1, 1)
        run = evaluation.get_run(s, actor=maker, run_id=pub.run_id)
        assert run.enterprises == 1  # only 厦门矽创 was re-evaluated
    v1_entries = _entries(factory, v1)
    assert _entries(factory, v2) == {(world["bing"], "infrastructure"): "III"}
    with unit_of_work(factory) as s:
        rows = s.query(WhitelistEntry).filter(WhitelistEntry.publication_id == v2).all()
        assert {r.run_id for r in rows} == {next(iter(rows)).run_id}
        assert rows[0].run_id != pub.run_id  # 丙公司 kept from version 1's run
    with unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=v2, approve=True)
    with unit_of_work(factory) as s:
        diff = reports.diff(s, actor=bank, old_id=v1, new_id=v2)
        assert diff.counts == {"added": 0, "removed": 2, "upgraded": 0, "downgraded": 0}
        assert diff.reasons == {"gate": 2}
        assert {(r.enterprise_id, r.dimension) for r in diff.rows} == {
            (world["xc"], "credit"),
            (world["xc"], "infrastructure"),
        }
        for r in diff.rows:  # the bank holds no consent: the gate, not its records
            assert r.gates == [PENALTY_GATE] and r.record_ids == []
            assert r.reason_text.endswith(PENALTY_GATE) and "记录 #" not in r.reason_text
        for r in reports.diff(s, actor=checker, old_id=v1, new_id=v2).rows:
            assert r.gates == [PENALTY_GATE] and r.record_ids == [penalty_id]
            assert f"{PENALTY_GATE}（记录 #{penalty_id}）" in r.reason_text
        # the SQL diff agrees with the pure rule
        pure = rules.diff_entries(
            {k: 0 if v == "I" else 2 for k, v in v1_entries.items()},
            {k: 0 if v == "I" else 2 for k, v in _entries(factory, v2).items()},
        )
        assert [(c.enterprise_id, c.dimension, c.change) for c in pure] == sorted(
            (r.enterprise_id, r.dimension, r.change) for r in diff.rows
        )
        assert (
            reports.export_diff(s, actor=bank, old_id=v1, new_id=v2, xlsx=tmp_path / "d.xlsx") == 2
        )
        assert (
            reports.export_publication(s, actor=bank, publication_id=v1, xlsx=tmp_path / "v1.xlsx")
            == 3
        )
    sheet = load_workbook(tmp_path / "v1.xlsx").worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1] == [
        "序号",
        "统一社会信用代码",
        "名称",
        "维度",
        "等级",
        "行政区划",
        "行业",
        "规模",
    ]
    assert values[2] == [
        1,
        "91350200MA31234567",
        "厦门矽创",
        "质量信用",
        "Ⅰ类",
        "350203",
        "C3976",
        "中型",
    ]
    assert len(values) == 5
    diff_sheet = load_workbook(tmp_path / "d.xlsx").worksheets[0]
    assert PENALTY_GATE in str(list(diff_sheet.iter_rows(values_only=True))[1][7])


def test_change_feed_exactly_once_across_pages_and_versions(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    _publish_first(factory, world)
    maker = _principal(factory, world["maker"])
    checker = _principal(factory, world["checker"])
    bank = _principal(factory, world["bank"])
    seen: list[tuple[int, int, str]] = []
    cursor: str | None = None

    def poll() -> None:
        nonlocal cursor
        while True:
            with unit_of_work(factory) as s:
                page = whitelist.changes_since(s, actor=bank, since=cursor, limit=2)
            seen.extend((c.seq, c.version, c.change) for c in page.items)
            cursor = page.next_cursor
            if not page.has_more:
                return

    poll()
    assert len(seen) == 3
    poll()  # nothing new: the cursor stays put
    assert len(seen) == 3
    _add_penalty(factory, world["xc"])
    with unit_of_work(factory) as s:
        out = whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=AS_OF)
        assert out.publication is not None
        draft_id = out.publication.id
    poll()  # a draft publishes nothing
    assert len(seen) == 3
    with unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=draft_id, approve=True)
    poll()
    assert [s for s, _v, _c in seen] == [1, 2, 3, 4, 5]
    assert [(v, c) for _s, v, c in seen] == [
        (1, "added"),
        (1, "added"),
        (1, "added"),
        (2, "removed"),
        (2, "removed"),
    ]
    with pytest.raises(Invalid, match="游标无效"), unit_of_work(factory) as s:
        whitelist.changes_since(s, actor=bank, since="bm90LWEtY3Vyc29y", limit=2)


def test_urgent_removal_is_published_at_once(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    _publish_first(factory, world)
    maker = _principal(factory, world["maker"])
    _add_penalty(factory, world["xc"])
    with unit_of_work(factory) as s:
        out = whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=AS_OF, urgent=True)
        pub = out.publication
        assert pub is not None
        assert (pub.status, pub.version, pub.urgent, pub.kind) == ("published", 2, True, "urgent")
        assert pub.drafted_by_id == pub.reviewed_by_id == world["maker"]
        assert pub.entries == 1
    # the urgent version keeps the previous basis: an ordinary refresh still sees the record
    with unit_of_work(factory) as s:
        again = whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=AS_OF)
        assert again.publication is not None and again.touched == 1
        assert again.publication.entries == 1


def test_urgent_refused_without_gate_removals(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    _publish_first(factory, world)
    maker = _principal(factory, world["maker"])
    with unit_of_work(factory) as s:
        firm = s.get(Enterprise, world["bing"])
        assert firm is not None
        s.add(
            _rec(
                firm.id,
                firm.uscc,
                "contract_credit",
                "2024",
                year=2024,
                level="市级",
                known_at=datetime.now(UTC),
            )
        )
    with pytest.raises(Invalid, match="不能紧急发布"), unit_of_work(factory) as s:
        whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=AS_OF, urgent=True)


def test_expired_element_is_the_reason(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    v1 = _publish_first(factory, world)
    maker = _principal(factory, world["maker"])
    later = _run(factory, date(2026, 6, 30))  # the certificates ran out on 2026-01-01
    with unit_of_work(factory) as s:
        draft = whitelist.draft_from_run(s, actor=maker, run_id=later).id
        diff = reports.diff(s, actor=maker, old_id=v1, new_id=draft, change="removed")
        bing = [r for r in diff.rows if r.enterprise_id == world["bing"]]
        assert len(bing) == 1 and bing[0].reason == "expired"
        assert bing[0].reason_text.startswith("要素到期或失效：")
        assert len(bing[0].reason_text) > len("要素到期或失效：")
