"""Importing a file of enterprises or quality records, row by row.

**Row by row, not all-or-nothing.** A regulator's export of 1,000,000 rows should not be lost
over one bad line: good rows are kept, every bad row is reported (line, field, reason — never
the value) in ``import_row_error``, and the person fixes and re-imports only what was refused.
Re-running is safe because every row has a natural key and a content hash: an identical row is
counted as a duplicate and adds nothing, a changed row becomes a correction (a new version that
supersedes the old one), so importing the same file twice changes nothing the second time.

**The job owns its transactions.** Services elsewhere never commit (the unit of work does);
this import job is the documented exception, like polar's job wrapper: it commits the batch row
first, then once per chunk of ``import_batch_size`` rows. Memory stays flat in the file's size,
a crash loses at most the chunk in flight, and a re-run completes it without duplicates.

Within one file, the first occurrence of a natural key wins; a later identical row is a
duplicate and a later *different* row is refused ("与第 N 行重复"), also across chunks (the live
version carries this batch's id and its source line).

Concurrency: two imports writing the same natural key at the same moment may both try to
write version n+1; the unique (kind, natural_key, version) constraint refuses one chunk and the
batch is marked failed — re-running it completes the work.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from zhixin.config import get_settings
from zhixin.errors import NotFound, ZhixinError
from zhixin.intake import repository as repo
from zhixin.intake.headers import HeaderError, HeaderMap, match_headers
from zhixin.intake.models import ImportBatch, ImportRowError
from zhixin.intake.readers import FileRefused, TableReader, sha256_of
from zhixin.intake.rows import ParsedRow, RowError, is_blank, parse_row
from zhixin.intake.specs import ImportSpec, UnknownKind, get_spec, import_kinds
from zhixin.kit.db import utcnow
from zhixin.kit.sheets import Book
from zhixin.records.fields import USCC_HEADER

SUMMARY_ERRORS = 100
ANALYZE_FIRST = 5_000  # rows written before the planner statistics are first refreshed
NOT_REGISTERED = "该统一社会信用代码尚未登记为经营主体，请先导入经营主体"
HEADER_ONLY = "文件只有表头，没有数据行"

Progress = Callable[[int, int | None], None]


class ImportRefused(ZhixinError):
    """The file as a whole was refused (empty, unknown format, wrong header): 422.

    ``batch_id`` is the failed batch recorded before raising.
    """

    status = 422

    def __init__(self, message: str, *, batch_id: int) -> None:
        super().__init__(message)
        self.batch_id = batch_id


@dataclass(frozen=True)
class ImportSummary:
    batch_id: int
    total_rows: int
    inserted: int
    corrected: int
    duplicates: int
    rejected: int
    errors: list[RowError]
    message: str


@dataclass
class _Tally:
    total_rows: int = 0
    inserted: int = 0
    corrected: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    next_analyze: int = ANALYZE_FIRST

    def refuse(self, errs: list[RowError]) -> None:
        self.rejected += 1
        room = SUMMARY_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errs[:room])

    def counts(self) -> dict[str, int]:
        return {
            "total_rows": self.total_rows,
            "inserted": self.inserted,
            "corrected": self.corrected,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }

    def message(self) -> str:
        if self.total_rows == 0:
            return HEADER_ONLY
        return (
            f"共 {self.total_rows} 行：新增 {self.inserted}，更正 {self.corrected}，"
            f"重复 {self.duplicates}，拒绝 {self.rejected}"
        )


@dataclass(frozen=True)
class _Context:
    spec: ImportSpec
    batch_id: int
    filename: str
    source_system: str
    user_id: int | None
    started: datetime


# --------------------------------------------------------------------------- entry point


def run_import(
    session_factory: sessionmaker[Session],
    *,
    kind: str,
    path: Path,
    filename: str,
    source_system: str = "manual",
    channel: str = "cli",
    user_id: int | None = None,
    tenant_id: int | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``path`` as rows of ``kind``; see the module docstring for the semantics.

    Raises :class:`ImportRefused` (after recording the failed batch) when the file as a whole
    cannot be used.
    """
    started = utcnow()
    batch = ImportBatch(
        kind=kind[:32],
        filename=filename[:255],
        file_sha256=sha256_of(path),
        source_system=source_system[:64],
        channel=channel[:16],
        status="running",
        tenant_id=tenant_id,
        created_by_id=user_id,
        started_at=started,
    )
    session = session_factory()
    try:
        session.add(batch)
        session.commit()
        batch_id = batch.id
        try:
            spec = get_spec(kind)
            reader = TableReader(path, filename)
            rows = iter(reader)
            hmap = _read_header(kind, rows)
        except (FileRefused, HeaderError) as exc:
            _finish(session, batch_id, _Tally(), "failed", exc.message)
            raise ImportRefused(exc.message, batch_id=batch_id) from exc
        except UnknownKind as exc:
            message = f"未知的导入类型：{kind}（可选：{'、'.join(c for c, _ in import_kinds())}）"
            _finish(session, batch_id, _Tally(), "failed", message)
            raise ImportRefused(message, batch_id=batch_id) from exc
        ctx = _Context(spec, batch_id, filename, source_system, user_id, started)
        tally = _Tally()
        try:
            with _gc_per_chunk():
                _run_chunks(session, ctx, hmap, reader, rows, tally, progress)
        except FileRefused as exc:  # an encoding or quoting error found midway
            session.rollback()
            _finish(session, batch_id, tally, "failed", f"{exc.message}（已导入的部分保留）")
            raise ImportRefused(exc.message, batch_id=batch_id) from exc
        except BaseException as exc:
            session.rollback()
            reason = f"导入中断：{type(exc).__name__}；已提交的部分保留，可重新导入补齐"
            _finish(session, batch_id, tally, "failed", reason)
            raise
        message = tally.message()
        _finish(session, batch_id, tally, "done", message)
        return ImportSummary(batch_id, errors=list(tally.errors), message=message, **tally.counts())
    finally:
        session.close()


def _read_header(kind: str, rows: Iterator[tuple[int, list[Any]]]) -> HeaderMap:
    for _line, cells in rows:
        if not is_blank(cells):
            return match_headers(kind, cells)
    raise FileRefused("文件为空")


def _finish(session: Session, batch_id: int, tally: _Tally, status: str, message: str) -> None:
    repo.update_batch(
        session, batch_id, status=status, message=message, finished_at=utcnow(), **tally.counts()
    )
    session.commit()


@contextmanager
def _gc_per_chunk() -> Iterator[None]:
    """Pause Python's automatic cyclic GC during the import; collect the young once per chunk.

    Every chunk keeps thousands of parsed rows alive until it is written, and the automatic
    collector re-scans them again and again: about a fifth of the import's time. Reference
    counting still frees everything as usual; the chunk loop calls ``gc.collect(1)`` after each
    commit so cyclic garbage cannot pile up, and the previous setting is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_chunks(
    session: Session,
    ctx: _Context,
    hmap: HeaderMap,
    reader: TableReader,
    rows: Iterator[tuple[int, list[Any]]],
    tally: _Tally,
    progress: Progress | None,
) -> None:
    size = get_settings().import_batch_size
    kind = ctx.spec.code
    write = _enterprise_chunk if ctx.spec.is_enterprise else _record_chunk
    good: list[ParsedRow] = []
    errors: list[RowError] = []
    for line, cells in rows:
        parsed = parse_row(kind, hmap, cells, line)
        if parsed is None:
            continue
        tally.total_rows += 1
        if isinstance(parsed, ParsedRow):
            good.append(parsed)
        else:
            tally.refuse(parsed)
            errors.extend(parsed)
        if tally.total_rows % size == 0:
            _commit_chunk(session, ctx, write, good, errors, tally)
            good, errors = [], []
            gc.collect(1)
            if progress is not None:
                progress(tally.total_rows, _estimate(reader, tally.total_rows))
    _commit_chunk(session, ctx, write, good, errors, tally)
    if progress is not None:
        progress(tally.total_rows, tally.total_rows)


_Writer = Callable[[Session, _Context, list[ParsedRow], _Tally], list[RowError]]


def _commit_chunk(
    session: Session,
    ctx: _Context,
    write: _Writer,
    good: list[ParsedRow],
    errors: list[RowError],
    tally: _Tally,
) -> None:
    if good:
        errors = errors + write(session, ctx, good, tally)
    repo.insert_row_errors(session, ctx.batch_id, errors)
    repo.update_batch(session, ctx.batch_id, **tally.counts())
    session.commit()
    written = tally.inserted + tally.corrected
    if written >= tally.next_analyze:  # at 5k, 20k, 80k, 320k… rows: a few times per import
        tally.next_analyze = written * 4
        repo.refresh_statistics(session, enterprises=ctx.spec.is_enterprise)
        session.commit()


def _estimate(reader: TableReader, done: int) -> int | None:
    if reader.rows_hint:
        return max(done, reader.rows_hint - 1)
    fraction = reader.fraction_read()
    if fraction:
        return max(done, round(done / fraction))
    return None


# --------------------------------------------------------------------------- chunk writers


def _first_wins(
    ctx: _Context, chunk: list[ParsedRow], tally: _Tally
) -> tuple[list[ParsedRow], list[RowError]]:
    """Drop in-chunk repeats of a natural key: identical → duplicate, different → error."""
    first: dict[str, ParsedRow] = {}
    kept: list[ParsedRow] = []
    errors: list[RowError] = []
    field_name = _key_header(ctx.spec)
    for p in chunk:
        seen = first.get(p.natural_key)
        if seen is None:
            first[p.natural_key] = p
            kept.append(p)
        elif seen.content_hash == p.content_hash:
            tally.duplicates += 1
        else:
            err = [RowError(p.line, field_name, f"与第 {seen.line} 行重复（同一记录内容不同）")]
            tally.refuse(err)
            errors.extend(err)
    return kept, errors


def _key_header(spec: ImportSpec) -> str:
    if spec.key_fields:
        return spec.field_by_key(spec.key_fields[0]).header
    return USCC_HEADER


def _line_of(source_ref: str | None) -> str:
    return source_ref.rsplit(":", 1)[-1] if source_ref else "?"


def _record_chunk(
    session: Session, ctx: _Context, chunk: list[ParsedRow], tally: _Tally
) -> list[RowError]:
    errors: list[RowError] = []
    ids = repo.enterprise_ids(session, {p.uscc for p in chunk})
    registered: list[ParsedRow] = []
    for p in chunk:
        if p.uscc in ids:
            registered.append(p)
        else:
            err = [RowError(p.line, USCC_HEADER, NOT_REGISTERED)]
            tally.refuse(err)
            errors.extend(err)
    kept, dup_errors = _first_wins(ctx, registered, tally)
    errors.extend(dup_errors)
    current = repo.current_versions(session, ctx.spec.code, [p.natural_key for p in kept])
    common = {
        "source_system": ctx.source_system,
        "batch_id": ctx.batch_id,
        "known_at": ctx.started,
        "created_by_id": ctx.user_id,
    }
    prefix = ctx.filename[:150]
    inserts: list[dict[str, Any]] = []
    superseded: dict[str, int] = {}
    for p in kept:
        cur = current.get(p.natural_key)
        if cur is None:
            version = 1
        elif cur.content_hash == p.content_hash:
            tally.duplicates += 1
            continue
        elif cur.batch_id == ctx.batch_id:
            field_name = _key_header(ctx.spec)
            err = [
                RowError(
                    p.line,
                    field_name,
                    f"与第 {_line_of(cur.source_ref)} 行重复（同一记录内容不同）",
                )
            ]
            tally.refuse(err)
            errors.extend(err)
            continue
        else:
            version = cur.version + 1
            superseded[p.natural_key] = cur.id
        row = p.values.copy()
        row["enterprise_id"] = ids[p.uscc]
        row["version"] = version
        row["source_ref"] = f"{prefix}:{p.line}"
        inserts.append(row)
    repo.insert_records(session, inserts, common)
    repo.supersede(session, ctx.spec.code, superseded, ctx.started)
    tally.corrected += len(superseded)
    tally.inserted += len(inserts) - len(superseded)
    return errors


def _enterprise_chunk(
    session: Session, ctx: _Context, chunk: list[ParsedRow], tally: _Tally
) -> list[RowError]:
    kept, errors = _first_wins(ctx, chunk, tally)
    current = repo.current_enterprises(session, [p.uscc for p in kept])
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for p in kept:
        cur = current.get(p.uscc)
        row = p.values.copy()
        if cur is None:
            inserts.append(row)
        elif cur.content_hash == p.content_hash:
            tally.duplicates += 1
        elif cur.batch_id == ctx.batch_id:
            err = [RowError(p.line, USCC_HEADER, "与本文件中前面的行重复（同一主体内容不同）")]
            tally.refuse(err)
            errors.extend(err)
        else:
            del row["uscc"]
            row.update(
                _id=cur.id, source_system=ctx.source_system, batch_id=ctx.batch_id, updated_at=now
            )
            updates.append(row)
    common = {
        "source_system": ctx.source_system,
        "batch_id": ctx.batch_id,
        "created_at": now,
        "updated_at": now,
    }
    repo.insert_enterprises(session, inserts, common)
    repo.update_enterprises(session, updates)
    tally.inserted += len(inserts)
    tally.corrected += len(updates)
    return errors


# --------------------------------------------------------------------------- batches


def list_batches(
    session: Session, limit: int = 50, *, tenant_id: int | None = None
) -> list[ImportBatch]:
    return repo.list_batches(session, limit, tenant_id=tenant_id)


def get_batch(session: Session, batch_id: int) -> ImportBatch:
    batch = repo.get_batch(session, batch_id)
    if batch is None:
        raise NotFound("未找到该导入批次 / import batch not found")
    return batch


def batch_errors(
    session: Session, batch_id: int, limit: int = 100, offset: int = 0
) -> list[ImportRowError]:
    get_batch(session, batch_id)
    return repo.batch_errors(session, batch_id, limit, offset)


def errors_xlsx(session: Session, batch_id: int) -> bytes:
    """The batch's row errors as an Excel workbook: 行号, 字段, 原因."""
    batch = get_batch(session, batch_id)
    book = Book(streaming=True)
    ws = book.sheet("错误明细")
    ws.append(["行号", "字段", "原因"])
    for line, field_name, reason in repo.iter_batch_errors(session, batch_id):
        ws.append([line, field_name, reason])
    info = book.sheet("批次")
    info.append(["批次号", batch.id])
    info.append(["文件名", batch.filename])
    info.append(["结果", batch.message or ""])
    return book.to_bytes()
