"""Issue 18 item 5: a run records its knowledge time, and `zhixin evaluate --rerun` reproduces
its results field by field after more records and corrections arrived."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from zhixin.catalog.loader import load
from zhixin.cli import app
from zhixin.enterprises.models import Enterprise
from zhixin.evaluation import service
from zhixin.evaluation.models import EvaluationResult, EvaluationRun
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.records.models import QualityRecord

AS_OF = date(2025, 6, 30)


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


def _world(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as s:
        a = Enterprise(uscc="91350200MA31234567", name="厦门矽创", kind="企业", status="存续")
        b = Enterprise(uscc="91110000600037341L", name="乙公司", kind="企业", status="存续")
        s.add_all([a, b])
        s.flush()
        s.add_all(
            [
                _rec(a, "contract_credit", "2023", year=2023, level="市级"),
                _rec(a, "contract_credit", "2024", year=2024, level="市级"),
                _rec(
                    b,
                    "certification",
                    "Q2",
                    subtype="ISO9001",
                    ref="Q2",
                    status="有效",
                    valid_from=date(2023, 1, 1),
                    valid_to=date(2026, 1, 1),
                ),
            ]
        )
        return a.id, b.id


def _later(factory: sessionmaker[Session], a_id: int, b_id: int) -> None:
    """After the run: a new record, a correction (new version, old superseded), a penalty,
    and a new enterprise."""
    now = utcnow() + timedelta(seconds=1)
    with unit_of_work(factory) as s:
        a, b = s.get(Enterprise, a_id), s.get(Enterprise, b_id)
        assert a is not None and b is not None
        old = s.query(QualityRecord).filter_by(enterprise_id=b_id).one()
        old.superseded_at = now
        fixed = _rec(
            b,
            "certification",
            "Q2",
            subtype="ISO9001",
            ref="Q2",
            status="有效",
            valid_from=date(2023, 1, 1),
            valid_to=date(2027, 1, 1),
            version=2,
            known_at=now,
        )
        s.add_all(
            [
                fixed,
                _rec(
                    a, "award", "QM", subtype="中国质量奖", year=2024, level="国家级", known_at=now
                ),
                _rec(
                    b,
                    "penalty",
                    "P1",
                    subtype="产品质量",
                    event_date=date(2025, 3, 1),
                    known_at=now,
                ),
                Enterprise(uscc="91350200MA3XXXXXX1", name="丙公司", kind="企业", status="存续"),
            ]
        )


def test_a_rerun_reproduces_the_stored_run_after_new_records_and_corrections(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("zhixin.cli.evaluation._factory", lambda: factory)
    a_id, b_id = _world(factory)
    with unit_of_work(factory) as s:
        first = service.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF)
        first_id, known = first.id, first.known_at
    assert known is not None  # the knowledge time used is recorded (default: its start)
    _later(factory, a_id, b_id)

    # today's grades differ: a plain new run sees the award, the penalty and the new firm
    with unit_of_work(factory) as s:
        fresh = service.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF)
        assert service.differences(s, run_a=first_id, run_b=fresh.id)

    result = CliRunner().invoke(app, ["evaluate", "--rerun", str(first_id)])
    assert result.exit_code == 0, result.output
    assert "逐项相同" in result.output
    with unit_of_work(factory) as s:
        again = s.query(EvaluationRun).order_by(EvaluationRun.id.desc()).first()
        assert again is not None and again.id not in (first_id, fresh.id)
        assert again.known_at == known and again.as_of == AS_OF
        assert again.catalog_sha256 == first.catalog_sha256
        assert service.differences(s, run_a=first_id, run_b=again.id) == []
        rows = s.query(EvaluationResult).filter_by(run_id=again.id).count()
        assert rows == 2  # the enterprise registered later is not in it


def test_known_at_without_an_offset_is_beijing_time() -> None:
    from zhixin.cli.evaluation import _parse_when

    when = _parse_when("2025-07-01T08:00")
    assert when is not None and when.astimezone(UTC) == datetime(2025, 7, 1, 0, 0, tzinfo=UTC)
    assert _parse_when("2025-07-01T08:00+00:00") == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def test_a_vetoed_enterprise_shows_veto_not_a_class_in_exports_and_overview(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Issue 18 item 2: a bar gate leaves no class — 否决 in the XLSX, `vetoed` in Parquet,
    and its own bar in the run's distribution."""
    a_id, _b_id = _world(factory)
    with unit_of_work(factory) as s:
        a = s.get(Enterprise, a_id)
        assert a is not None
        s.add(_rec(a, "penalty", "P1", subtype="产品质量", event_date=date(2025, 3, 1)))
    with unit_of_work(factory) as s:
        run_id = service.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
        service.export_run(s, run_id=run_id, xlsx=tmp_path / "r.xlsx", parquet=tmp_path / "r.pq")
    rows = {r["enterprise_id"]: r for r in pq.read_table(tmp_path / "r.pq").to_pylist()}
    assert rows[a_id]["vetoed"] is True and rows[a_id]["overall_level"] is None
    sheet = load_workbook(tmp_path / "r.xlsx").worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    by_id = {row[0]: row for row in values[1:]}
    assert by_id[a_id][2] == "否决"
    assert by_id[_b_id][2] != "否决"
