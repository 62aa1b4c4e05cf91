"""Evaluation runs on a real database: stored in bulk, read back, explained, exported, API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.catalog.loader import load
from zhixin.engine import io, rule_keys
from zhixin.enterprises.models import Enterprise
from zhixin.errors import NotFound
from zhixin.evaluation import service
from zhixin.evaluation.models import CatalogVersion, EvaluationElement, EvaluationResult
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord

AS_OF = date(2025, 6, 30)


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _rec(firm: Enterprise, kind: str, key: str, **fields: object) -> QualityRecord:
    fields.setdefault("known_at", datetime(2025, 1, 1, tzinfo=UTC))
    return QualityRecord(
        enterprise_id=firm.id,
        kind=kind,
        natural_key=f"{firm.uscc}|{key}",
        content_hash=key.ljust(32, "0")[:32],
        source_system="test",
        **fields,
    )


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        xc = Enterprise(uscc="91350200MA31234567", name="厦门矽创", kind="企业", status="存续")
        other = Enterprise(uscc="91110000600037341L", name="乙公司", kind="企业", status="存续")
        s.add_all([xc, other])
        s.flush()
        s.add_all(
            [
                _rec(xc, "contract_credit", "2023", year=2023, level="市级"),
                _rec(xc, "contract_credit", "2024", year=2024, level="市级"),
                _rec(
                    xc,
                    "certification",
                    "Q1",
                    subtype="ISO9001",
                    ref="Q1",
                    status="有效",
                    valid_from=date(2023, 1, 1),
                    valid_to=date(2026, 1, 1),
                ),
                _rec(
                    other,
                    "certification",
                    "Q2",
                    subtype="ISO9001",
                    ref="Q2",
                    status="有效",
                    valid_from=date(2023, 1, 1),
                    valid_to=date(2026, 1, 1),
                ),
                _rec(
                    other,
                    "penalty",
                    "P1",
                    subtype="产品质量",
                    ref="P1",
                    level="一般",
                    issuer="局",
                    event_date=date(2024, 5, 1),
                ),
            ]
        )
        return {"xc": xc.id, "other": other.id}


def test_a_run_is_stored_explained_and_reproducible(
    factory: sessionmaker[Session], world: dict[str, int], tmp_path: Path
) -> None:
    loaded = load("xiamen")
    with unit_of_work(factory) as s:
        run = service.evaluate_database(s, loaded=loaded, as_of=AS_OF)
        run_id = run.id
    assert (run.enterprises, run.listed, run.entries, run.gated) == (2, 1, 2, 1)
    reg = _principal(factory, make_user(factory, "reg", Role.regulator))
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(CatalogVersion)) == 1
        row = s.get(EvaluationResult, (run_id, world["xc"]))
        assert row is not None and row.total_score == Decimal("10.00") and row.listed
        ex = service.enterprise_result(s, actor=reg, run_id=run_id, enterprise_id=world["xc"])
        levels = {d.code: d.level for d in ex.dimensions}
        assert levels["credit"] == "I" and levels["infrastructure"] == "III"
        credit = next(d for d in ex.dimensions if d.code == "credit")
        assert {r.year for e in credit.elements for r in e.records} == {2023, 2024}
        gated = service.enterprise_result(s, actor=reg, run_id=run_id, enterprise_id=world["other"])
        assert not gated.listed and gated.gates[0].records[0].ref == "P1"
        # on demand = batch
        now = service.evaluate_enterprise(
            s, actor=reg, enterprise_id=world["xc"], catalog_name="xiamen", as_of=AS_OF
        )
        assert now.model_dump(exclude={"run_id"}) == ex.model_dump(exclude={"run_id"})
        page = service.run_results(s, actor=reg, run_id=run_id, page=1, per_page=1)
        assert page.total == 2 and len(page.items) == 1
    # a record learned later does not change an evaluation with an earlier known-at
    with unit_of_work(factory) as s:
        firm = s.get(Enterprise, world["other"])
        assert firm is not None
        s.add(
            _rec(
                firm,
                "contract_credit",
                "2024",
                year=2024,
                level="市级",
                known_at=datetime(2025, 6, 1, tzinfo=UTC),
            )
        )
    with unit_of_work(factory) as s:
        again = service.evaluate_database(
            s, loaded=loaded, as_of=AS_OF, known_at=datetime(2025, 2, 1, tzinfo=UTC)
        )
        later = service.evaluate_database(s, loaded=loaded, as_of=AS_OF)

        def elements(rid: int) -> list[tuple[int, str]]:
            rows = s.execute(
                select(EvaluationElement.enterprise_id, EvaluationElement.element)
                .where(EvaluationElement.run_id == rid)
                .order_by(EvaluationElement.enterprise_id, EvaluationElement.element)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]

        assert elements(again.id) == elements(run_id)
        assert len(elements(later.id)) == len(elements(run_id)) + 1
    with unit_of_work(factory) as s:
        assert (
            service.export_run(
                s, run_id=run_id, xlsx=tmp_path / "r.xlsx", parquet=tmp_path / "r.parquet"
            )
            == 2
        )
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == 2 and table["credit_level"].to_pylist() == ["I", None]
    assert (tmp_path / "r.xlsx").stat().st_size > 0


def test_an_enterprise_sees_only_its_own_result(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    with unit_of_work(factory) as s:
        run_id = service.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
    me = _principal(factory, make_user(factory, "firm", Role.enterprise, enterprise_id=world["xc"]))
    with unit_of_work(factory) as s:
        page = service.run_results(s, actor=me, run_id=run_id)
        assert [r.enterprise_id for r in page.items] == [world["xc"]]
        with pytest.raises(NotFound):
            service.enterprise_result(s, actor=me, run_id=run_id, enterprise_id=world["other"])


def test_export_records_round_trips_through_parquet(
    factory: sessionmaker[Session], world: dict[str, int], engine: object, tmp_path: Path
) -> None:
    n_ent, n_rec = io.export_records(engine, tmp_path)  # type: ignore[arg-type]
    assert (n_ent, n_rec) == (2, 5)
    # the export carries its rule keys: each record's (kind, subtype), matched on by the engine
    pairs = rule_keys.read_pairs(tmp_path / "records.parquet")
    t = pq.read_table(tmp_path / "records.parquet", columns=["kind", "subtype", "rule_key"])
    assert pairs is not None and [pairs[k] for k in t["rule_key"].to_pylist()] == list(
        zip(t["kind"].to_pylist(), t["subtype"].to_pylist(), strict=True)
    )
    s = service.evaluate_files(
        loaded=load("xiamen"), source_dir=tmp_path, as_of=AS_OF, out_dir=tmp_path / "out"
    )
    assert (s.enterprises, s.listed, s.entries, s.gated) == (2, 1, 2, 1)


def test_api(client: TestClient, factory: sessionmaker[Session], world: dict[str, int]) -> None:
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")
    resp = client.post(
        f"/api/v1/evaluation/enterprises/{world['xc']}/evaluate",
        json={"catalog": "xiamen", "as_of": "2025-06-30"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total_score"] == "10.00"
    assert any("质量基础 Ⅲ类→Ⅱ类" in line for line in body["summary"])
    with unit_of_work(factory) as s:
        run_id = service.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
    assert client.get("/api/v1/evaluation/runs").json()[0]["id"] == run_id
    assert client.get(f"/api/v1/evaluation/runs/{run_id}").json()["listed"] == 1
    page = client.get(f"/api/v1/evaluation/runs/{run_id}/results?per_page=10").json()
    assert page["total"] == 2
    one = client.get(f"/api/v1/evaluation/runs/{run_id}/enterprises/{world['xc']}").json()
    assert one["dimensions"][0]["level"] == "I"
    assert client.get(f"/api/v1/evaluation/runs/{run_id}/enterprises/999999").status_code == 404
