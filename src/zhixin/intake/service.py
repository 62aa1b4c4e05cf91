"""Importing a file of enterprises or quality records, row by row.

**Row by row, not all-or-nothing.** A regulator's export of 1,000,000 rows should not be lost
over one bad line: good rows are kept, every bad row is reported (line, field, reason — never
the value) in ``import_row_error``, and the person fixes and re-imports only what was refused.
Re-running is safe because every row has a natural key and a content hash: an identical row is
counted as a duplicate and adds nothing, a changed row becomes a correction (a new version that
supersedes the old one).

**Within one file, the last row for a key wins.** When a natural key appears on several lines
(an export that lists a certificate once per branch, a corrected line appended at the end), the
*last* such line is the file's word on it: the earlier ones are counted as duplicates (the
report says how many were replaced by a later line) and never written. A first pass over the
file reads only each row's key (:func:`zhixin.intake.rows.row_key`, a block of rows at a time:
:func:`zhixin.intake.blocks.block_keys`) and finds the keys that
repeat and their last line, holding 24 bytes per row (two 64-bit hashes and the line), before
anything is written. So a file always stores the same thing, whatever its chunking, however
often it is re-run: importing the same file twice changes nothing the second time, and a run
interrupted midway and re-run ends as a clean run would. (Were the last line for a key refused
— a bad date, say — the earlier lines still count as replaced: fix that line and re-import.)

**Bounded before parsing.** The upload's bytes are bounded while it streams (web), an .xlsx by
its zip directory before openpyxl opens it (:func:`zhixin.intake.readers.check_xlsx`), and the
first pass counts the rows and refuses a file over ``import_max_rows`` before a row is written
(413, like a file too large).

**The import is a job** (``kit.db.open_job``): it checkpoints the batch row first, then each
chunk of ``import_batch_size`` rows (``Job.checkpoint``). Memory stays flat in the file's size,
a crash loses at most the chunk in flight, and a re-run completes it without duplicates.

**A killed import is found and said so.** The batch row records the process running it
(``host:pid``) and a heartbeat moved at every chunk. Every import, and ``zhixin worker``, first
marks ``interrupted`` any ``running`` batch whose process is gone or whose heartbeat is older
than ``import_stale_minutes`` (:func:`recover_interrupted`), with how to resume: re-run the
same file. Every import — upload, API or ``zhixin import`` — is audited (``import``, with its
channel, counts and the file's SHA-256), and so is the marking of an interrupted one.

Concurrency: two imports writing the same natural key at the same moment may both try to
write version n+1; the unique (kind, natural_key, version) constraint refuses one chunk and the
batch is marked failed — re-running it completes the work.
"""

from __future__ import annotations

import gc
import os
import socket
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import chain, islice, repeat
from operator import add
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import Settings, get_settings
from zhixin.errors import NotFound, ZhixinError
from zhixin.intake import repository as repo
from zhixin.intake import rules
from zhixin.intake.blocks import RecordBlock, block_keys, parse_columns
from zhixin.intake.headers import MAX_TITLE_ROWS, HeaderError, HeaderMap, match_headers, pick_header
from zhixin.intake.models import ImportBatch, ImportRowError
from zhixin.intake.readers import (
    BrokenRow,
    FileRefused,
    TableReader,
    XlsxLimits,
    sha256_of,
    split_note,
)
from zhixin.intake.rows import ParsedRow, RowError, is_blank, record_columns, swallowed
from zhixin.intake.specs import ImportSpec, UnknownKind, get_spec, import_kinds
from zhixin.kit.db import Job, open_job, unit_of_work, utcnow
from zhixin.kit.sheets import Book
from zhixin.records.fields import USCC_HEADER

SUMMARY_ERRORS = 100
ANALYZE_FIRST = 5_000  # rows written before the planner statistics are first refreshed
SCAN_HEARTBEAT = 50_000  # rows of the first pass between two heartbeats
PARSE_BLOCK = 2_000  # rows read and validated together, column by column
NOT_REGISTERED = "该统一社会信用代码尚未登记为经营主体，请先导入经营主体"
HEADER_ONLY = "文件只有表头，没有数据行"
QUOTE_BROKEN = (
    "该行的引号不配对（有开引号没有闭引号），会吞并其后的行：已按行拆开，本行拒绝，"
    "请修正引号后重新导入"
)

Progress = Callable[[int, int | None], None]


class ImportRefused(ZhixinError):
    """The file as a whole was refused (empty, unknown format, wrong header: 422; too large:
    413). ``batch_id`` is the failed batch recorded before raising.
    """

    status = 422

    def __init__(self, message: str, *, batch_id: int, status: int = 422) -> None:
        super().__init__(message, status=status)
        self.batch_id = batch_id


@dataclass(frozen=True)
class ImportLimits:
    """What a file may hold (from the settings)."""

    xlsx: XlsxLimits = field(default_factory=XlsxLimits)
    max_rows: int = 2_000_000
    stale_after: timedelta = timedelta(minutes=10)

    @classmethod
    def of(cls, settings: Settings) -> ImportLimits:
        return cls(
            XlsxLimits(
                max_uncompressed=settings.xlsx_max_uncompressed_bytes,
                max_shared_strings=settings.xlsx_max_shared_strings_bytes,
                max_ratio=settings.xlsx_max_ratio,
            ),
            settings.import_max_rows,
            timedelta(minutes=settings.import_stale_minutes),
        )


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
    replaced: int = 0  # of the duplicates: earlier lines whose key a later line of the file has
    recovered: tuple[int, ...] = ()  # batches found abandoned and marked interrupted first
    stale: int = 0  # rows equal to a superseded earlier version: reported, nothing changed


@dataclass
class _Tally:
    total_rows: int = 0
    inserted: int = 0
    corrected: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejected: int = 0
    stale: int = 0
    errors: list[RowError] = field(default_factory=list)
    next_analyze: int = ANALYZE_FIRST
    notes: tuple[str, ...] = ()  # the layout: title rows skipped, columns ignored

    def refuse(self, errs: list[RowError]) -> None:
        self.rejected += 1
        room = SUMMARY_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errs[:room])

    def report(self, errs: list[RowError]) -> None:
        """Listed beside the refusals, not counted as one (a row equal to a past version)."""
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
        notes = "".join(f"。{n}" for n in self.notes)
        if self.total_rows == 0:
            return HEADER_ONLY + notes
        replaced = f"（其中 {self.replaced} 行被文件中后面的同一记录取代）" if self.replaced else ""
        stale = f"，与历史版本相同 {self.stale}（未覆盖现行版本）" if self.stale else ""
        return (
            f"共 {self.total_rows} 行：新增 {self.inserted}，更正 {self.corrected}，"
            f"重复 {self.duplicates}{replaced}，拒绝 {self.rejected}{stale}{notes}"
        )


@dataclass(frozen=True)
class _Context:
    spec: ImportSpec
    batch_id: int
    filename: str
    source_system: str
    user_id: int | None
    started: datetime
    reassert: bool = False


# Keys that occur on more than one line of the file → the last such line; by two 64-bit hashes
# of the key (Python's, salted per process), so the table is small and needs no key strings.
_Repeats = dict[tuple[int, int], int]


def _key_hash(key: str) -> tuple[int, int]:
    return hash(key), hash(key + "\x1f")


def _here() -> rules.Worker:
    return rules.Worker(socket.gethostname()[:60], os.getpid())


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
    actor: Actor | None = None,
    limits: ImportLimits | None = None,
    progress: Progress | None = None,
    reassert: bool = False,
) -> ImportSummary:
    """Import ``path`` as rows of ``kind``; see the module docstring for the semantics.

    ``actor`` is who the audit names (default: the system actor named after the channel).
    ``reassert``: a row equal to a superseded earlier version is written as a correction
    (the operator restores it on purpose); by default it is reported and changes nothing.
    Raises :class:`ImportRefused` (after recording the failed batch) when the file as a whole
    cannot be used.
    """
    limits = limits or ImportLimits.of(get_settings())
    actor = actor or Actor.system(channel)
    recovered = tuple(recover_interrupted(session_factory, stale_after=limits.stale_after))
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
        worker=str(_here()),
        heartbeat_at=started,
    )
    outcome = "failure"
    detail: dict[str, Any] = {"kind": kind, "channel": channel, "sha256": batch.file_sha256}
    if reassert:
        detail["reassert"] = True
    try:
        with open_job(session_factory) as job:
            session = job.session
            session.add(batch)
            job.checkpoint()
            batch_id = batch.id
            try:
                spec = get_spec(kind)
                reader = TableReader(path, filename, xlsx_limits=limits.xlsx)
                hmap, rows, titles, at = _read_header(kind, iter(reader))
                # a CSV's data rows (after the header) are checked for a stray quote's swallowed
                # lines: read again from the top with the check (a few lines; an XLSX has none)
                check = partial(swallowed, hmap)
                if reader.format == "csv":
                    reader = TableReader(
                        path, filename, xlsx_limits=limits.xlsx, swallowed=check, check_after=at
                    )
                    _hmap, rows, _titles, _at = _read_header(kind, iter(reader))
                with _gc_per_chunk():  # a block's rows are freed by reference counting
                    repeats = _scan(job, batch_id, kind, hmap, rows, limits.max_rows)
                reader = TableReader(
                    path, filename, xlsx_limits=limits.xlsx, swallowed=check, check_after=at
                )
                _hmap, rows, _titles, _at = _read_header(kind, iter(reader))
            except (FileRefused, HeaderError) as exc:
                status = exc.status if isinstance(exc, FileRefused) else 422
                _finish(job, batch_id, _Tally(), "failed", exc.message)
                raise ImportRefused(exc.message, batch_id=batch_id, status=status) from exc
            except UnknownKind as exc:
                kinds = "、".join(c for c, _ in import_kinds())
                message = f"未知的导入类型：{kind}（可选：{kinds}）"
                _finish(job, batch_id, _Tally(), "failed", message)
                raise ImportRefused(message, batch_id=batch_id) from exc
            ctx = _Context(spec, batch_id, filename, source_system, user_id, started, reassert)
            tally = _Tally(notes=_layout_notes(spec, hmap, titles))
            try:
                with _gc_per_chunk():
                    _run_chunks(job, ctx, hmap, reader, rows, repeats, tally, progress)
            except FileRefused as exc:  # an encoding or quoting error found midway
                session.rollback()
                _finish(job, batch_id, tally, "failed", f"{exc.message}（已导入的部分保留）")
                raise ImportRefused(exc.message, batch_id=batch_id, status=exc.status) from exc
            except BaseException as exc:
                session.rollback()
                reason = f"导入中断：{type(exc).__name__}；已提交的部分保留，{rules.RESUME}"
                _finish(job, batch_id, tally, "failed", reason)
                raise
            note = split_note(reader.splits)
            if note:
                tally.notes += (note,)
            message = tally.message()
            _finish(job, batch_id, tally, "done", message)
            outcome, detail = "success", detail | tally.counts()
            return ImportSummary(
                batch_id,
                errors=list(tally.errors),
                message=message,
                replaced=tally.replaced,
                recovered=recovered,
                stale=tally.stale,
                **tally.counts(),
            )
    finally:
        if batch.id is not None:
            try:
                _audit(session_factory, actor, batch.id, outcome, detail)
            except Exception:
                if outcome == "success":
                    raise
                # the import failed already: its own error says why, not the audit's


def _audit(
    factory: sessionmaker[Session],
    actor: Actor,
    batch_id: int,
    outcome: str,
    detail: dict[str, Any],
) -> None:
    with unit_of_work(factory) as session:
        audit.record(
            session,
            actor=actor,
            action="import",
            object_type="import_batch",
            object_id=batch_id,
            outcome=outcome,
            detail=detail,
        )


_Rows = Iterator[tuple[int, list[Any]]]


def _read_header(kind: str, rows: _Rows) -> tuple[HeaderMap, _Rows, list[int], int]:
    """The header among the first non-blank rows (title rows above it are skipped), the rows
    after it, the lines of the title rows skipped and the header's line."""
    candidates: list[tuple[int, list[Any]]] = []
    for line, cells in rows:
        if is_blank(cells):
            continue
        candidates.append((line, cells))
        if len(candidates) > MAX_TITLE_ROWS:
            break
    if not candidates:
        raise FileRefused("文件为空")
    i = pick_header(kind, [cells for _, cells in candidates])
    hmap = match_headers(kind, candidates[i][1])
    titles = [line for line, _ in candidates[:i]]
    return hmap, chain(candidates[i + 1 :], rows), titles, candidates[i][0]


def _layout_notes(spec: ImportSpec, hmap: HeaderMap, titles: list[int]) -> tuple[str, ...]:
    """What of the file's layout was not ours and was left aside, in words for the report."""
    notes: list[str] = []
    if titles:
        shown = "、".join(str(n) for n in titles)
        notes.append(f"已跳过表头上方的标题行（第 {shown} 行）")
    if hmap.ignored:
        notes.append(f"已忽略不属于「{spec.label}」的列：{'、'.join(hmap.ignored)}")
    return tuple(notes)


def _scan(
    job: Job,
    batch_id: int,
    kind: str,
    hmap: HeaderMap,
    rows: Iterator[tuple[int, list[Any]]],
    max_rows: int,
) -> _Repeats:
    """The first pass: count the data rows (refusing past ``max_rows``) and find the keys that
    repeat, with their last line. Nothing is written but the batch's heartbeat. The keys are
    read a block of rows at a time (:func:`zhixin.intake.blocks.block_keys`)."""
    h1, h2, lines = array("q"), array("q"), array("q")
    n = 0
    beat = SCAN_HEARTBEAT
    while block := list(islice(rows, PARSE_BLOCK)):
        plain = [b for b in block if type(b[1]) is not BrokenRow]
        keys = block_keys(kind, hmap, plain)
        if len(plain) == len(block) and None not in keys:  # every row has its key: at once
            h1.extend(map(hash, keys))
            h2.extend(map(hash, map(add, keys, repeat("\x1f"))))
            lines.extend([line for line, _ in block])
            n += len(block)
        else:
            found = iter(keys)
            for line, cells in block:
                key = None if type(cells) is BrokenRow else next(found)
                if key is None:
                    if type(cells) is not BrokenRow and is_blank(cells):
                        continue
                else:
                    a, b = _key_hash(key)
                    h1.append(a)
                    h2.append(b)
                    lines.append(line)
                n += 1
        if n > max_rows:
            raise FileRefused(
                f"文件超过 {max_rows:,} 行的上限，请拆分成几个文件分别导入", status=413
            )
        if n >= beat:
            beat = (n // SCAN_HEARTBEAT + 1) * SCAN_HEARTBEAT
            repo.update_batch(job.session, batch_id, heartbeat_at=utcnow())
            job.checkpoint()
    return _repeated(h1, h2, lines)


def _repeated(h1: array[int], h2: array[int], lines: array[int]) -> _Repeats:
    if len(h1) < 2:
        return {}
    a = np.frombuffer(h1, dtype=np.int64)
    b = np.frombuffer(h2, dtype=np.int64)
    ln = np.frombuffer(lines, dtype=np.int64)
    order = np.lexsort((ln, b, a))  # by key, then by line
    a, b, ln = a[order], b[order], ln[order]
    same = (a[1:] == a[:-1]) & (b[1:] == b[:-1])  # row i and i + 1 share a key
    last = np.ones(len(a), dtype=bool)
    last[:-1] = ~same
    repeated = np.zeros(len(a), dtype=bool)
    repeated[:-1] |= same
    repeated[1:] |= same
    pick = last & repeated
    return {(int(x), int(y)): int(z) for x, y, z in zip(a[pick], b[pick], ln[pick], strict=True)}


def _finish(job: Job, batch_id: int, tally: _Tally, status: str, message: str) -> None:
    repo.update_batch(
        job.session,
        batch_id,
        status=status,
        message=message,
        finished_at=utcnow(),
        heartbeat_at=None,
        **tally.counts(),
    )
    job.checkpoint()


def recover_interrupted(
    session_factory: sessionmaker[Session], *, stale_after: timedelta | None = None
) -> list[int]:
    """Mark ``interrupted`` every ``running`` batch whose process is gone (or silent longer than
    ``stale_after``), saying how to resume; audited. Returns their ids. Commits."""
    stale_after = stale_after or timedelta(minutes=get_settings().import_stale_minutes)
    here, now = _here(), utcnow()
    marked: list[int] = []
    with unit_of_work(session_factory) as session:
        for batch in repo.running_batches(session):
            reason = rules.abandoned(
                worker=batch.worker,
                last_progress=batch.heartbeat_at or batch.started_at,
                now=now,
                stale_after=stale_after,
                here=here,
                alive=_alive,
            )
            if reason is None:
                continue
            written = batch.inserted + batch.corrected
            if not repo.mark_interrupted(
                session,
                batch.id,
                message=rules.interrupted_message(reason, written=written),
                at=now,
            ):
                continue  # finished or marked by someone else meanwhile
            audit.record(
                session,
                actor=Actor.system("intake"),
                action="import.interrupted",
                object_type="import_batch",
                object_id=batch.id,
                outcome="failure",
                detail={"kind": batch.kind, "worker": batch.worker or "", "written": written},
            )
            marked.append(batch.id)
    return marked


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


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
    job: Job,
    ctx: _Context,
    hmap: HeaderMap,
    reader: TableReader,
    rows: Iterator[tuple[int, list[Any]]],
    repeats: _Repeats,
    tally: _Tally,
    progress: Progress | None,
) -> None:
    size = get_settings().import_batch_size
    kind = ctx.spec.code
    pending: _Pending = [] if ctx.spec.is_enterprise else _RecordRows(record_columns(kind))
    write = _enterprise_chunk if ctx.spec.is_enterprise else _record_chunk
    errors: list[RowError] = []

    def commit() -> None:
        nonlocal pending, errors
        _commit_chunk(job, ctx, write, pending, errors, tally)
        pending = [] if ctx.spec.is_enterprise else _RecordRows(record_columns(kind))
        errors = []
        gc.collect(1)
        if progress is not None:
            progress(tally.total_rows, _estimate(reader, tally.total_rows))

    for line, parsed in _parsed(kind, hmap, rows):
        if isinstance(parsed, RecordBlock):  # a block of good rows: taken a chunk's room at a time
            n, i = len(parsed.lines), 0
            while i < n:
                j = min(n, i + size - tally.total_rows % size)
                tally.total_rows += j - i
                assert isinstance(pending, _RecordRows)
                pending.add_block(parsed, i, j, repeats, tally)
                i = j
                if tally.total_rows % size == 0:
                    commit()
            continue
        if parsed is None:
            continue
        tally.total_rows += 1
        if isinstance(parsed, ParsedRow):
            last = repeats.get(_key_hash(parsed.natural_key)) if repeats else None
            if last is not None and last != line:  # a later line of the file has this key
                tally.duplicates += 1
                tally.replaced += 1
            else:
                pending.append(parsed)
        else:
            tally.refuse(parsed)
            errors.extend(parsed)
        if tally.total_rows % size == 0:
            commit()
    _commit_chunk(job, ctx, write, pending, errors, tally)
    if progress is not None:
        progress(tally.total_rows, tally.total_rows)


class _RecordRows:
    """A chunk's good record rows, as columns (the names of a parsed row's ``values``), with
    each row's line and USCC: what the writer inserts, without a dict per row."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.lines: list[int] = []
        self.usccs: list[str] = []
        self.columns: dict[str, list[Any]] = {name: [] for name in names}

    def __len__(self) -> int:
        return len(self.lines)

    def append(self, p: ParsedRow) -> None:
        self.lines.append(p.line)
        self.usccs.append(p.uscc)
        for name, col in self.columns.items():
            col.append(p.values[name])

    def add_block(
        self, block: RecordBlock, i: int, j: int, repeats: _Repeats, tally: _Tally
    ) -> None:
        """Rows ``i`` to ``j - 1`` of ``block``, less those whose key a later line has."""
        lines = block.lines[i:j]
        if repeats:
            keys = block.columns["natural_key"][i:j]
            last = list(map(repeats.get, map(_key_hash, keys)))
            keep = [
                k
                for k, (at, line) in enumerate(zip(last, lines, strict=True))
                if at is None or at == line
            ]
            if len(keep) < len(lines):
                tally.duplicates += len(lines) - len(keep)
                tally.replaced += len(lines) - len(keep)
                pick = [i + k for k in keep]
                self.lines.extend(map(block.lines.__getitem__, pick))
                self.usccs.extend(map(block.usccs.__getitem__, pick))
                for name, col in self.columns.items():
                    col.extend(map(block.columns[name].__getitem__, pick))
                return
        self.lines.extend(lines)
        self.usccs.extend(block.usccs[i:j])
        for name, col in self.columns.items():
            col.extend(block.columns[name][i:j])


_Pending = list[ParsedRow] | _RecordRows


def _parsed(
    kind: str, hmap: HeaderMap, rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[int, ParsedRow | list[RowError] | RecordBlock | None]]:
    """Each row's line and :func:`~zhixin.intake.rows.parse_row` outcome, in the file's order,
    validated a block at a time (:func:`zhixin.intake.blocks.parse_columns`); a block whose
    rows are all good comes whole, as a :class:`~zhixin.intake.blocks.RecordBlock` (its first
    line beside it)."""
    while block := list(islice(rows, PARSE_BLOCK)):
        plain = [b for b in block if type(b[1]) is not BrokenRow]
        got = parse_columns(kind, hmap, plain)
        if type(got) is RecordBlock and len(plain) == len(block):
            yield block[0][0], got
            continue
        done = iter(got.rows() if isinstance(got, RecordBlock) else got)
        for line, cells in block:
            if type(cells) is BrokenRow:
                yield line, [RowError(line, "", QUOTE_BROKEN)]
            else:
                yield line, next(done)


_Writer = Callable[[Session, _Context, Any, _Tally], list[RowError]]


def _commit_chunk(
    job: Job,
    ctx: _Context,
    write: _Writer,
    good: _Pending,
    errors: list[RowError],
    tally: _Tally,
) -> None:
    session = job.session
    if good:
        errors = errors + write(session, ctx, good, tally)
    repo.insert_row_errors(session, ctx.batch_id, errors)
    repo.update_batch(session, ctx.batch_id, heartbeat_at=utcnow(), **tally.counts())
    job.checkpoint()
    written = tally.inserted + tally.corrected
    if written >= tally.next_analyze:  # at 5k, 20k, 80k, 320k… rows: a few times per import
        tally.next_analyze = written * 4
        repo.refresh_statistics(session, enterprises=ctx.spec.is_enterprise)
        job.checkpoint()


def _estimate(reader: TableReader, done: int) -> int | None:
    if reader.rows_hint:
        return max(done, reader.rows_hint - 1)
    fraction = reader.fraction_read()
    if fraction:
        return max(done, round(done / fraction))
    return None


# --------------------------------------------------------------------------- chunk writers


def _record_chunk(
    session: Session, ctx: _Context, chunk: _RecordRows, tally: _Tally
) -> list[RowError]:
    """Each key reaches here once per file (the first pass keeps only its last line). The
    chunk's rows are columns; a row's index picks its values from each."""
    errors: list[RowError] = []
    usccs, lines = chunk.usccs, chunk.lines
    keys, hashes = chunk.columns["natural_key"], chunk.columns["content_hash"]
    ids = repo.enterprise_ids(session, set(usccs))
    enterprise_ids = list(map(ids.get, usccs))
    kept: list[int] | None = None  # the rows whose enterprise is registered (None: all)
    if None in enterprise_ids:
        kept = []
        for i, (eid, line) in enumerate(zip(enterprise_ids, lines, strict=True)):
            if eid is None:
                err = [RowError(line, USCC_HEADER, NOT_REGISTERED)]
                tally.refuse(err)
                errors.extend(err)
            else:
                kept.append(i)
    kept_keys = keys if kept is None else [keys[i] for i in kept]
    current = repo.current_versions(session, ctx.spec.code, kept_keys)
    superseded: dict[str, int] = {}
    if current:  # some keys are known: each row decides (new, duplicate, stale or correction)
        past = {} if ctx.reassert else _past_record_versions(session, ctx.spec.code, chunk, current)
        picked: list[int] = []
        versions: list[int] = []
        for i in range(len(lines)) if kept is None else kept:
            cur = current.get(keys[i])
            if cur is None:
                version = 1
            elif cur.content_hash == hashes[i]:
                tally.duplicates += 1
                continue
            elif (old := past.get((keys[i], hashes[i]))) is not None:
                err = [RowError(lines[i], "", stale_reason(old, cur.version))]
                tally.stale += 1
                tally.report(err)
                errors.extend(err)
                continue
            else:
                version = cur.version + 1
                superseded[keys[i]] = cur.id
            picked.append(i)
            versions.append(version)
        kept = picked
    elif kept is None:
        versions = [1] * len(lines)
    else:
        versions = [1] * len(kept)
    if kept is None:  # every row of the chunk is written
        columns = dict(chunk.columns)
        written_lines = lines
    else:
        columns = {name: list(map(col.__getitem__, kept)) for name, col in chunk.columns.items()}
        enterprise_ids = list(map(enterprise_ids.__getitem__, kept))
        written_lines = list(map(lines.__getitem__, kept))
    columns["enterprise_id"] = enterprise_ids
    columns["version"] = versions
    columns["source_ref"] = list(map(f"{ctx.filename[:150]}:".__add__, map(str, written_lines)))
    common = {
        "source_system": ctx.source_system,
        "batch_id": ctx.batch_id,
        "known_at": ctx.started,
        "created_by_id": ctx.user_id,
    }
    repo.insert_records(session, columns, common)
    repo.supersede(session, ctx.spec.code, superseded, ctx.started)
    tally.corrected += len(superseded)
    tally.inserted += len(written_lines) - len(superseded)
    return errors


STALE = "与历史版本相同"


def stale_reason(old_version: int, current_version: int) -> str:
    return (
        f"{STALE}：该行与已被更正的第 {old_version} 版一致，未覆盖现行的第 {current_version} 版"
        "（旧文件不会撤销更正）；确需恢复该版本，请勾选“按文件内容恢复历史版本”或使用 --reassert"
    )


def _past_record_versions(
    session: Session, kind: str, rows: _RecordRows, current: dict[str, repo.CurrentVersion]
) -> dict[tuple[str, str], int]:
    """(natural key, content hash) → version, for the superseded versions of the rows that
    differ from their live version (only those could be an older file undoing a correction)."""
    changed = [
        nk
        for nk, h in zip(rows.columns["natural_key"], rows.columns["content_hash"], strict=True)
        if (cur := current.get(nk)) is not None and cur.content_hash != h
    ]
    return repo.past_versions(session, kind, changed) if changed else {}


def _enterprise_chunk(
    session: Session, ctx: _Context, chunk: list[ParsedRow], tally: _Tally
) -> list[RowError]:
    """Each USCC reaches here once per file (the first pass keeps only its last line). A
    correction keeps the state it replaces in ``enterprise_version`` (its history)."""
    current = repo.current_enterprises(session, [p.uscc for p in chunk])
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    errors: list[RowError] = []
    changed = [
        cur.id
        for p in chunk
        if (cur := current.get(p.uscc)) is not None and cur.content_hash != p.content_hash
    ]
    past, kept = repo.enterprise_history(session, changed) if changed else ({}, {})
    if ctx.reassert:
        past = {}
    for p in chunk:
        cur = current.get(p.uscc)
        row = p.values.copy()
        if cur is None:
            inserts.append(row)
        elif cur.content_hash == p.content_hash:
            tally.duplicates += 1
        elif (old := past.get((cur.id, p.content_hash))) is not None:
            err = [RowError(p.line, "", stale_reason(old, kept.get(cur.id, 0) + 1))]
            tally.stale += 1
            tally.report(err)
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
    repo.keep_enterprise_history(
        session, [u["_id"] for u in updates], kept=kept, at=now, batch_id=ctx.batch_id
    )
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
