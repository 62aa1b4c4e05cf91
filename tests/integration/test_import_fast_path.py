"""The import's fast path changes nothing: the same journey imported twice, once as it runs
and once through the reference path (rows validated one by one with ``parse_row`` and
``row_key``, look-ups and inserts through SQLAlchemy Core), must leave every count, message,
error (line, field, reason), record (every column, version, hash, source line, supersession)
identical.

The journey: 700 messy certification rows (damaged cells, blank and short rows, spreadsheet
values, repeated keys across chunks, unregistered enterprises), then a correcting file, a
stale re-run of the first file, the same with ``reassert``, and the first file as XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

import zhixin.accounts.models
import zhixin.audit.models
import zhixin.enterprises.models
import zhixin.intake.models
import zhixin.records.models  # noqa: F401 - every table, so foreign keys resolve
from tests.unit.test_intake_blocks import USCCS, messy_rows
from zhixin.config import get_settings
from zhixin.intake import repository, service
from zhixin.intake.blocks import RecordBlock, parse_columns
from zhixin.intake.headers import match_headers
from zhixin.intake.models import ImportBatch, ImportRowError
from zhixin.intake.rows import ParsedRow, parse_row, row_key
from zhixin.intake.service import run_import
from zhixin.kit.db import Base, make_engine, make_sessionmaker
from zhixin.records.models import QualityRecord

KIND = "certification"


def _text(v: object) -> str:
    return "" if v is None else str(v)


def write_csv(path: Path, header: list[str], rows: list[tuple[int, list[Any]]]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([[_text(c) for c in cells] for _, cells in rows])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[tuple[int, list[Any]]]) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for _, cells in rows:
        ws.append(cells)
    wb.save(path)
    return path


def journey_files(tmp: Path, clean: bool) -> tuple[Path, list[Path]]:
    header, rows = messy_rows(KIND, 700, seed=18)
    ref_at = header.index("证书编号")
    status_at = header.index("证书状态")
    for line, cells in rows:  # most rows their own certificate, some keys repeated
        if len(cells) > ref_at and cells[ref_at] == "00123Q45678R0M" and line % 10:
            cells[ref_at] = f"R{line % 290:04d}"
    if clean:  # the valid rows (and every 150th other one): most blocks are all good
        hmap = match_headers(KIND, header)
        rows = [
            (line, cells)
            for line, cells in rows
            if isinstance(parse_row(KIND, hmap, cells, line), ParsedRow) or line % 150 == 0
        ]
    ents = [["统一社会信用代码", "名称"], *([u, f"示例企业{i}"] for i, u in enumerate(USCCS[:34]))]
    ent = tmp / "ent.csv"
    ent.write_text("\r\n".join(",".join(r) for r in ents) + "\r\n", encoding="utf-8")
    first = write_csv(tmp / "a.csv", header, rows)
    corrected = [
        (line, [*cells[:status_at], "暂停", *cells[status_at + 1 :]])
        if line % 3 == 0 and len(cells) > status_at
        else (line, cells)
        for line, cells in rows
    ]
    second = write_csv(tmp / "b.csv", header, corrected)
    return ent, [first, second, first, first, write_xlsx(tmp / "a.xlsx", header, rows)]


def run_journey(tmp: Path, clean: bool) -> dict[str, Any]:
    tmp.mkdir()
    engine = make_engine(f"sqlite:///{tmp / 'db.sqlite3'}")
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    ent, files = journey_files(tmp, clean)
    summaries = [run_import(factory, kind="enterprise", path=ent, filename=ent.name)]
    for i, path in enumerate(files):
        summaries.append(
            run_import(factory, kind=KIND, path=path, filename=path.name, reassert=i == 3)
        )
    out = {"summaries": [_summary(s) for s in summaries], **_tables(factory)}
    engine.dispose()
    return out


def _summary(s: service.ImportSummary) -> tuple[object, ...]:
    return (
        s.batch_id, s.total_rows, s.inserted, s.corrected, s.duplicates, s.rejected, s.replaced,
        s.stale, s.message, [tuple(e) for e in s.errors],
    )  # fmt: skip


def _tables(factory: sessionmaker[Session]) -> dict[str, Any]:
    with factory() as s:
        errors = s.execute(
            select(
                ImportRowError.batch_id, ImportRowError.line, ImportRowError.field,
                ImportRowError.reason,
            ).order_by(ImportRowError.id)
        ).all()  # fmt: skip
        batches = s.execute(
            select(ImportBatch.id, ImportBatch.status, ImportBatch.message).order_by(ImportBatch.id)
        ).all()
        table = QualityRecord.__table__
        rows = [dict(r._mapping) for r in s.execute(select(table).order_by(table.c.id))]
    by_id = {r["id"]: (r["natural_key"], r["version"]) for r in rows}
    records = []
    for r in rows:
        r["superseded_by"] = by_id.get(r.pop("superseded_by_id"))
        r["superseded"] = r.pop("superseded_at") is not None
        del r["id"], r["known_at"]  # the moment of each run
        records.append(r)
    records.sort(key=lambda r: (r["natural_key"], r["version"]))
    return {"errors": errors, "batches": batches, "records": records}


def _reference_insert_columns(
    session: Session,
    table: Any,
    columns: Mapping[str, Sequence[Any]],
    common: Mapping[str, Any] | None = None,
) -> None:
    rows = [dict(zip(columns, v, strict=True)) for v in zip(*columns.values(), strict=True)]
    if rows:
        session.connection().execute(insert(table), [{**r, **(common or {})} for r in rows])


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ZHIXIN_IMPORT_BATCH_SIZE", "100")  # keys repeat across chunks
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(("clean", "block"), [(False, 2000), (True, 16)])
def test_fast_path_leaves_what_the_reference_path_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: Any, clean: bool, block: int
) -> None:
    """Messy rows (blocks that mix good and bad rows), and mostly valid rows in blocks of 16
    (most blocks all good, written as columns; a block crosses a chunk's end)."""
    monkeypatch.setattr(service, "PARSE_BLOCK", block)
    whole: list[int] = []  # blocks that came as columns

    def counted(kind: str, hmap: Any, rows: Any) -> Any:
        got = parse_columns(kind, hmap, rows)
        whole.extend([1] if isinstance(got, RecordBlock) else [])
        return got

    with monkeypatch.context() as m:
        m.setattr(service, "parse_columns", counted)
        fast = run_journey(tmp_path / "fast", clean)

    with monkeypatch.context() as m:
        m.setattr(
            service,
            "parse_columns",
            lambda kind, hmap, block: [parse_row(kind, hmap, c, line) for line, c in block],
        )
        m.setattr(
            service,
            "block_keys",
            lambda kind, hmap, block: [row_key(kind, hmap, c) for _, c in block],
        )
        m.setattr(repository, "_is_sqlite", lambda session: False)
        m.setattr(repository, "insert_columns", _reference_insert_columns)
        reference = run_journey(tmp_path / "reference", clean)

    assert fast["summaries"] == reference["summaries"]
    assert fast["batches"] == reference["batches"]
    assert fast["errors"] == reference["errors"]
    assert fast["records"] == reference["records"]
    # the journey exercised what it is meant to: refusals, repeats, corrections, stale rows
    first, second, stale, reasserted, xlsx = reference["summaries"][1:]
    assert first[5] > (5 if clean else 100) and first[6] > 10 and first[2] > 100
    assert len(whole) > (20 if clean else -1)
    assert second[3] > 20  # corrected
    assert stale[7] > 20 and reasserted[3] > 20 and reasserted[7] == 0
    assert xlsx[1] == first[1]
    assert any("尚未登记" in e[3] for e in reference["errors"])
