"""Evaluation use cases: run (database or files), store in bulk, read back, explain, export.

Services never commit: the CLI command or the request dependency owns the transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.catalog import service as catalogs
from zhixin.catalog.loader import LoadedCatalog
from zhixin.catalog.schema import Catalog
from zhixin.engine.explain import (
    VETOED,
    EnterpriseRows,
    Explanation,
    HeldElement,
    explain,
    rows_from_output,
)
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.evaluation import repository as repo
from zhixin.evaluation.models import (
    EvaluationDimension,
    EvaluationElement,
    EvaluationGate,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.evaluation.schemas import (
    AdviceOut,
    DimensionOut,
    ElementOut,
    ExplanationOut,
    GateOut,
    RecordBrief,
    ResultOut,
    ResultsPage,
)
from zhixin.kit.db import utcnow
from zhixin.records import service as records

if TYPE_CHECKING:
    from zhixin.engine.evaluate import EvaluationOutput

# The engine (Ibis, DuckDB) is imported by the functions that run an evaluation, not here: the
# services that only read runs (a quote's grade, the whitelist) stay quick to import.

Progress = Callable[[str, int, int | None], None]
Run = EvaluationRun  # a stored run, as other domains' services name it


@dataclass(frozen=True)
class FileRunSummary:
    catalog: str
    catalog_sha256: str
    enterprises: int
    listed: int
    entries: int
    gated: int
    seconds: float
    files: list[Path]
    known_at: datetime
    warnings: list[str] = field(default_factory=list)


def _counts(output: EvaluationOutput) -> dict[str, int]:
    r = output.results
    return {
        "enterprises": r.num_rows,
        "listed": int(pc.sum(pc.cast(r["listed"], pa.int64())).as_py() or 0),
        "entries": int(pc.sum(r["entries"]).as_py() or 0),
        "gated": int(pc.count_distinct(output.gates["enterprise_id"]).as_py() or 0),
    }


def _check_engine(engine: str) -> None:
    from zhixin.engine import io

    if engine not in io.ENGINES:
        raise Invalid(f"未知的计算引擎 '{engine}'（可选：{'、'.join(io.ENGINES)}）")


_NAMED = 10  # rows named in a refusal
_FEW = 50_000  # repeated keys looked up by value; more: every record is looked at


def _int64(column: Any) -> Any:
    import numpy as np
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(column, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def check_parquet(inputs: Any) -> list[str]:
    """Parquet input checked like the database: refused (:class:`Invalid`, the rows named by
    record_id) when the same (kind, natural key, version) comes twice, or when a record has
    several versions in force (no ``superseded_at`` on more than one: the file would count it
    twice); records of an enterprise absent from the enterprise file are reported (returned
    as warnings: they count for nobody).

    Each record's 64-bit hash of its natural key is sorted in numpy (a group-by over millions
    of distinct string keys costs several times the read); only the keys with more than one
    row — versions, repeats, or a hash collision — are then checked exactly, on the true
    columns. The hashes are the snapshot's own column when its seal holds
    (:mod:`zhixin.engine.key_hashes`: the column cannot disagree with the keys), else DuckDB
    hashes the keys. The enterprises: when their ids are lo…hi once each, the records' row-group
    statistics (every ``enterprise_id`` within lo…hi, none null) settle it without a scan."""
    import ibis
    import numpy as np

    from zhixin.engine import key_hashes

    rec, ent = inputs.records, inputs.enterprises
    path = getattr(inputs, "records_path", None)
    keyed = {"kind", "natural_key", "version"} <= set(rec.columns)
    problems: list[str] = []
    if keyed:
        sealed = key_hashes.read_sealed(path) if path is not None else None
        if sealed is not None:
            key = rec[key_hashes.COLUMN]
            h = np.sort(sealed)
        else:
            # the natural key alone (the kind is checked exactly afterwards): hashing a
            # concatenation costs half as much again
            key = rec.natural_key.hash()
            h = np.sort(_int64(rec.select(h=key).to_pyarrow()["h"]))
        del sealed
        repeated = np.unique(h[1:][h[1:] == h[:-1]])
        del h
        if len(repeated):
            values = ibis.literal(repeated.tolist(), type="array<int64>")
            sub = rec.filter(key.isin(values)) if len(repeated) <= _FEW else rec
            problems = _exact_problems(sub)
    if problems:
        raise Invalid("Parquet 记录有误，已拒绝（最多列出 10 处）：" + "；".join(problems))
    known = np.sort(_int64(ent.select("enterprise_id").to_pyarrow()["enterprise_id"]))
    if path is not None and _within_by_statistics(known, path):
        return []
    eids = _int64(rec.select("enterprise_id").to_pyarrow()["enterprise_id"])
    absent = _absent(known, eids)
    if not len(absent):
        return []
    ids, counts = np.unique(absent, return_counts=True)
    shown = "、".join(str(i) for i in ids[:_NAMED].tolist())
    more = " 等" if len(ids) > _NAMED else ""
    return [
        f"{int(counts.sum())} 条记录所属的 {len(ids)} 个经营主体不在企业文件中，未参与评价"
        f"（enterprise_id {shown}{more}）"
    ]


def _is_range(known: Any) -> bool:
    """Whether the sorted ``known`` ids are lo…hi, each once."""
    import numpy as np

    return bool(
        len(known)
        and int(known[-1]) - int(known[0]) == len(known) - 1
        and np.all(known[1:] != known[:-1])
    )


def _within_by_statistics(known: Any, path: Path) -> bool:
    """Whether the records file's statistics alone show every record's enterprise among
    ``known`` (ids lo…hi once each): every row group's ``enterprise_id`` non-null, within
    lo…hi. False when they cannot tell (then the records are scanned)."""
    if not _is_range(known):
        return False
    lo, hi = int(known[0]), int(known[-1])
    meta = pq.read_metadata(path)
    if "enterprise_id" not in meta.schema.names:
        return False
    column = meta.schema.names.index("enterprise_id")
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        if rg.num_rows == 0:
            continue
        stats = rg.column(column).statistics
        if stats is None or not (stats.has_min_max and stats.has_null_count):
            return False
        try:
            inside = lo <= int(stats.min) and int(stats.max) <= hi
        except (TypeError, ValueError):  # not integers: let the scan say
            return False
        if stats.null_count or not inside:
            return False
    return True


def _absent(known: Any, eids: Any) -> Any:
    """The ``eids`` not among ``known`` (sorted). Ids numbered as the database and ``zhixin
    synth`` number them, each of lo…hi once, are a range test: a binary search of every
    record's id costs a tenth of an evaluation at 5,000,000 enterprises (docs/performance.md)."""
    import numpy as np

    if not len(known):
        return eids
    lo, hi = int(known[0]), int(known[-1])
    if _is_range(known):
        return eids[(eids < lo) | (eids > hi)]
    pos = np.minimum(np.searchsorted(known, eids), len(known) - 1)
    return eids[known[pos] != eids]


def _exact_problems(rec: Any) -> list[str]:
    """The (kind, natural key, version) repeated, and the records with several versions in
    force, among ``rec`` (named: at most :data:`_NAMED` of each)."""
    problems: list[str] = []
    twice = (
        rec.group_by(["kind", "natural_key", "version"])
        .aggregate(n=rec.count(), ids=rec.record_id.collect())
        .filter(lambda t: t.n > 1)
        .order_by(["kind", "natural_key", "version"])
        .limit(_NAMED)
        .to_pyarrow()
        .to_pylist()
    )
    for row in twice:
        ids = "、".join(str(i) for i in sorted(row["ids"]))
        problems.append(
            f"记录 {row['kind']} {row['natural_key']} 第 {row['version']} 版出现 {row['n']} 次"
            f"（record_id {ids}）"
        )
    import ibis

    current = (
        rec.superseded_at.isnull()
        if "superseded_at" in rec.columns
        else ibis.literal(True)  # no such column: every version is in force
    )
    t = rec.mutate(current=current)
    several = (
        t.group_by(["kind", "natural_key"])
        .aggregate(
            n=t.current.cast("int64").sum(),
            ids=t.record_id.collect(where=t.current),
            versions=t.version.collect(where=t.current),
        )
        .filter(lambda g: g.n > 1)
        .order_by(["kind", "natural_key"])
        .limit(_NAMED)
        .to_pyarrow()
        .to_pylist()
    )
    for row in several:
        ids = "、".join(str(i) for i in sorted(row["ids"]))
        versions = "、".join(str(v) for v in sorted(row["versions"]))
        problems.append(
            f"记录 {row['kind']} {row['natural_key']} 有 {row['n']} 个现行版本（第 {versions}"
            f" 版均无 superseded_at，record_id {ids}）：旧版本须注明被更正的时刻"
        )
    return problems


def evaluate_files(
    *,
    loaded: LoadedCatalog,
    source_dir: Path,
    as_of: date,
    known_at: datetime | None = None,
    engine: str = "duckdb",
    out_dir: Path,
) -> FileRunSummary:
    """Parquet in, Parquet out: no database involved."""
    from zhixin.engine import io
    from zhixin.engine.evaluate import evaluate

    _check_engine(engine)
    t0 = time.perf_counter()
    if known_at is None:  # the knowledge time used: the moment the run starts
        known_at = utcnow()
    backend = io.connect(engine)
    inputs = io.read_parquet(backend, source_dir)
    warnings = check_parquet(inputs)
    writer = io.OutputWriter(out_dir)  # each file is written as soon as its table is final
    try:
        output = evaluate(
            inputs.records,
            inputs.enterprises,
            loaded.catalog,
            as_of=as_of,
            known_at=known_at,
            on_table=writer,
            pairs=inputs.rule_keys,
        )
    except BaseException:
        writer.abandon()
        raise
    files = writer.finish()
    c = _counts(output)
    return FileRunSummary(
        loaded.catalog.name,
        loaded.sha256,
        c["enterprises"],
        c["listed"],
        c["entries"],
        c["gated"],
        time.perf_counter() - t0,
        files,
        known_at,
        warnings,
    )


def store_output(
    session: Session,
    *,
    run: EvaluationRun,
    output: EvaluationOutput,
    progress: Progress | None = None,
) -> None:
    """Bulk-write a run's four result tables (Core executemany in large batches)."""
    total = sum(
        t.num_rows for t in (output.results, output.dimensions, output.elements, output.gates)
    )
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress("写入结果", done, total)

    repo.bulk_insert(session, EvaluationResult, output.results, run_id=run.id, progress=step)
    repo.bulk_insert(session, EvaluationDimension, output.dimensions, run_id=run.id, progress=step)
    repo.bulk_insert(session, EvaluationElement, output.elements, run_id=run.id, progress=step)
    repo.bulk_insert(session, EvaluationGate, output.gates, run_id=run.id, progress=step)


def evaluate_database(
    session: Session,
    *,
    loaded: LoadedCatalog,
    as_of: date,
    known_at: datetime | None = None,
    engine: str = "duckdb",
    source_dir: Path | None = None,
    enterprise_ids: list[int] | None = None,
    actor_id: int | None = None,
    message: str | None = None,
    progress: Progress | None = None,
) -> EvaluationRun:
    """Evaluate every enterprise (from the database, or from ``source_dir`` Parquet), or only
    ``enterprise_ids`` (from the database: a whitelist refresh), and store the run — its
    bookkeeping: catalog version, as-of, knowledge time, engine, counts, timing — and its
    results.

    ``known_at`` is the knowledge time: only record versions known by then and not yet
    superseded count, and only credit repairs approved by then. Without it the run uses the
    moment it starts, and stores it, so :func:`rerun` reproduces it after later records and
    corrections."""
    from zhixin.engine import io
    from zhixin.engine.evaluate import evaluate

    _check_engine(engine)
    t0 = time.perf_counter()
    started = utcnow()
    # a past knowledge time reads the credit repairs approved by then (a subquery a record);
    # the moment the run starts reads the repair dates as they stand (the same, cheaper)
    past = known_at
    if known_at is None:  # (every database keeps the microseconds: the same instant later)
        known_at = started
    version = catalogs.register_version(session, loaded=loaded)
    run = EvaluationRun(
        catalog_version_id=version.id,
        catalog_name=version.name,
        catalog_version=version.version,
        catalog_sha256=version.sha256,
        as_of=as_of,
        known_at=known_at,
        engine=engine,
        source="parquet" if source_dir else "database",
        status="running",
        started_at=started,
        created_by_id=actor_id,
        message=message,
    )
    session.add(run)
    session.flush()
    if progress is not None:
        progress("读取数据", 0, None)
    backend = io.connect(engine)
    if source_dir is not None:
        inputs = io.read_parquet(backend, source_dir)
        warnings = check_parquet(inputs)
        if warnings:
            run.message = "；".join([*([message] if message else []), *warnings])
    else:
        inputs = io.read_database(
            backend, session.connection(), known_at=past, enterprise_ids=enterprise_ids
        )
    if progress is not None:
        progress("评价", 0, None)
    output = evaluate(
        inputs.records,
        inputs.enterprises,
        loaded.catalog,
        as_of=as_of,
        known_at=known_at,
        enterprise_ids=enterprise_ids,
        pairs=inputs.rule_keys,
    )
    store_output(session, run=run, output=output, progress=progress)
    for key, value in _counts(output).items():
        setattr(run, key, value)
    run.status = "finished"
    run.finished_at = utcnow()
    run.duration_ms = int((time.perf_counter() - t0) * 1000)
    session.flush()
    return run


def rerun(
    session: Session,
    *,
    run_id: int,
    source_dir: Path | None = None,
    actor_id: int | None = None,
    progress: Progress | None = None,
) -> EvaluationRun:
    """Evaluate again exactly as stored run ``run_id`` did: its catalog version (the stored
    body), as-of date, knowledge time and engine. Records and corrections that arrived after
    its knowledge time do not count, so the new run's results equal the old one's."""
    old = repo.run_by_id(session, run_id)
    if old is None:
        raise NotFound(f"未找到评价批次 {run_id}")
    if old.status != "finished":
        raise Invalid(f"评价批次 {run_id} 未完成（{old.status}），不能重算")
    if old.known_at is None:
        raise Invalid(f"评价批次 {run_id} 未记录数据截至时刻（known_at），无法逐项重现")
    if old.source == "parquet" and source_dir is None:
        raise Invalid(f"评价批次 {run_id} 读自 Parquet 文件：重算须给出同一目录（--from-parquet）")
    version = repo.catalog_version_by_id(session, old.catalog_version_id)
    if version is None:
        raise NotFound(f"未找到评价批次 {run_id} 的指标目录版本")
    from zhixin.catalog.loader import parse

    loaded = parse(version.body, f"catalog_version {version.id}")
    return evaluate_database(
        session,
        loaded=loaded,
        as_of=old.as_of,
        known_at=old.known_at,
        engine=old.engine,
        source_dir=source_dir if old.source == "parquet" else None,
        actor_id=actor_id,
        message=f"重算批次 {run_id}",
        progress=progress,
    )


_COMPARED = (
    (EvaluationResult, ("enterprise_id",)),
    (EvaluationDimension, ("enterprise_id", "dimension")),
    (EvaluationElement, ("enterprise_id", "element")),
    (EvaluationGate, ("enterprise_id", "gate")),
)


def differences(session: Session, *, run_a: int, run_b: int, limit: int = 20) -> list[str]:
    """Where two runs' results differ, field by field (at most ``limit`` lines; empty: the
    same rows and every field equal)."""
    out: list[str] = []
    for model, keys in _COMPARED:
        columns = [c.name for c in model.__table__.columns if c.name != "run_id"]

        def rows(run: int, model: Any = model, keys: tuple[str, ...] = keys) -> dict[Any, Any]:
            found = repo.result_rows(session, model, run_id=run)
            return {tuple(getattr(r, k) for k in keys): r for r in found}

        a, b = rows(run_a), rows(run_b)
        table = model.__tablename__
        for key in sorted(a.keys() ^ b.keys()):
            where = f"批次 {run_a}" if key in a else f"批次 {run_b}"
            out.append(f"{table} {key}：只在{where}中")
        for key in sorted(a.keys() & b.keys()):
            for c in columns:
                va, vb = getattr(a[key], c), getattr(b[key], c)
                if va != vb:
                    out.append(f"{table} {key}.{c}：{va!r} ≠ {vb!r}")
        if len(out) >= limit:
            return out[:limit]
    return out


# -- reading ---------------------------------------------------------------------------------


def _require(actor: Principal, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden()


def list_runs(
    session: Session, *, actor: Principal, limit: int = 50, offset: int = 0
) -> list[EvaluationRun]:
    _require(actor, Permission.evaluation_read)
    return list(repo.runs(session, limit=limit, offset=offset))


def get_run(session: Session, *, actor: Principal, run_id: int) -> EvaluationRun:
    _require(actor, Permission.evaluation_read)
    run = repo.run_by_id(session, run_id)
    if run is None:
        raise NotFound("未找到该评价批次 / run not found")
    return run


def run_results(
    session: Session,
    *,
    actor: Principal,
    run_id: int,
    page: int = 1,
    per_page: int = 50,
    listed: bool | None = None,
) -> ResultsPage:
    """One page of a run's results; an enterprise user sees only its own row, a regulator
    those of its jurisdiction."""
    get_run(session, actor=actor, run_id=run_id)
    own = actor.enterprise_id if not actor.sees_enterprise(-1) else None
    if own is None and not actor.sees_enterprise(-1):
        return ResultsPage(total=0, page=page, per_page=per_page, items=[])
    total, rows = repo.results(
        session,
        run_id=run_id,
        limit=per_page,
        offset=(page - 1) * per_page,
        listed=listed,
        enterprise_id=own,
        region_prefix=enterprises.jurisdiction(session, actor),
    )
    return ResultsPage(
        total=total, page=page, per_page=per_page, items=[ResultOut.model_validate(r) for r in rows]
    )


def _stored_rows(session: Session, run_id: int, enterprise_id: int) -> EnterpriseRows | None:
    _total, res = repo.results(
        session, run_id=run_id, limit=1, offset=0, enterprise_id=enterprise_id
    )
    if not res:
        return None
    r = res[0]
    return EnterpriseRows(
        enterprise_id=enterprise_id,
        total_score=Decimal(r.total_score),
        overall_level=r.overall_level,
        listed=r.listed,
        entries=r.entries,
        gates_failed=list(r.gates_failed),
        vetoed=bool(r.vetoed),
        dimensions={
            d.dimension: (d.level, d.points, d.listed)
            for d in repo.dimensions_of(session, run_id=run_id, enterprise_id=enterprise_id)
        },
        elements=[
            HeldElement(e.element, e.level, e.points, e.measure, list(e.record_ids))
            for e in repo.elements_of(session, run_id=run_id, enterprise_id=enterprise_id)
        ],
        gates={
            g.gate: list(g.record_ids)
            for g in repo.gates_of(session, run_id=run_id, enterprise_id=enterprise_id)
        },
    )


def _briefs(session: Session, ids: list[int]) -> dict[int, RecordBrief]:
    return {
        r.id: RecordBrief(
            id=r.id,
            kind=r.kind,
            subtype=r.subtype,
            title=r.title,
            ref=r.ref,
            level=r.level,
            event_date=r.event_date,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            year=r.year,
        )
        for r in repo.records_by_ids(session, ids)
    }


def to_out(
    session: Session | None,
    ex: Explanation,
    *,
    catalog: Catalog,
    run_id: int | None,
    as_of: date,
    with_records: bool = True,
) -> ExplanationOut:
    """The API shape of an explanation; with ``with_records=False`` no record reference at all
    (neither the record details nor their ids): grades, levels, element names, points."""
    ids = [i for d in ex.dimensions for e in d.elements for i in e["record_ids"]]  # type: ignore[attr-defined]
    ids += [i for g in ex.gates for i in g["record_ids"]]  # type: ignore[attr-defined]
    briefs = _briefs(session, ids) if session is not None and with_records else {}

    def recs(record_ids: Any) -> list[RecordBrief]:
        return [briefs[i] for i in record_ids if i in briefs]

    def held(e: dict[str, Any]) -> ElementOut:
        if not with_records:
            return ElementOut(**(e | {"record_ids": []}))
        return ElementOut(**e, records=recs(e["record_ids"]))

    def gate(g: dict[str, Any]) -> GateOut:
        if not with_records:
            return GateOut(**(g | {"record_ids": []}))
        return GateOut(**g, records=recs(g["record_ids"]))

    return ExplanationOut(
        enterprise_id=ex.enterprise_id,
        run_id=run_id,
        catalog_name=catalog.name,
        catalog_version=catalog.version,
        as_of=as_of,
        total_score=ex.total_score,
        overall_level=ex.overall_level,
        overall_level_name=ex.overall_level_name,
        listed=ex.listed,
        entries=ex.entries,
        dimensions=[
            DimensionOut(
                code=d.code,
                name=d.name,
                weight=d.weight,
                level=d.level,
                level_name=d.level_name,
                points=d.points,
                listed=d.listed,
                elements=[held(e) for e in d.elements],
                advice=(
                    AdviceOut(
                        from_level=d.advice.from_level,
                        to_level=d.advice.to_level,
                        needed=d.advice.needed,
                        options=d.advice.options,
                        text=d.advice.text,
                    )
                    if d.advice
                    else None
                ),
            )
            for d in ex.dimensions
        ],
        gates=[gate(g) for g in ex.gates],
        summary=ex.summary,
        records_visible=with_records,
    )


def _record_count(out: ExplanationOut) -> int:
    ids = {r.id for d in out.dimensions for e in d.elements for r in e.records}
    return len(ids | {r.id for g in out.gates for r in g.records})


def enterprise_result(
    session: Session,
    *,
    actor: Principal,
    run_id: int,
    enterprise_id: int,
    with_records: bool = True,
    audit_read: bool = True,
) -> ExplanationOut:
    """A stored result with its explanation (an enterprise the actor may not see is a 404).

    The records behind it (details and ids) only where ``with_records`` is asked and the actor
    may read the enterprise's records (``records.service.may_read``: a bank only under the
    enterprise's consent); otherwise grades, levels, element names and points. Records handed
    out are audited as one ``record.read`` event, unless the caller audits the request itself
    (``audit_read=False``).
    """
    run = get_run(session, actor=actor, run_id=run_id)
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound("未找到该经营主体的评价结果 / not found")
    rows = _stored_rows(session, run_id, enterprise_id)
    if rows is None:
        raise NotFound("未找到该经营主体的评价结果 / not found")
    version = repo.catalog_version_by_id(session, run.catalog_version_id)
    assert version is not None
    catalog = catalogs.catalog_of(version)
    readable = with_records and records.may_read(session, actor=actor, enterprise_id=enterprise_id)
    out = to_out(
        session,
        explain(catalog, rows),
        catalog=catalog,
        run_id=run.id,
        as_of=run.as_of,
        with_records=readable,
    )
    if readable and audit_read:
        _audit_explanation(session, actor, out)
    return out


def _audit_explanation(session: Session, actor: Principal, out: ExplanationOut) -> None:
    n = _record_count(out)
    if n:
        audit.record(
            session,
            actor=Actor.of(actor),
            action="record.read",
            object_type="enterprise",
            object_id=out.enterprise_id,
            detail={"rows": n, "what": "explanation", "run_id": out.run_id},
        )


def evaluate_enterprise(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    catalog_name: str,
    as_of: date,
    known_at: datetime | None = None,
) -> ExplanationOut:
    """Evaluate one enterprise now, from the database (same engine as the batch; not stored)."""
    _require(actor, Permission.evaluation_read)
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound("未找到该经营主体 / not found")
    loaded = catalogs.get(catalog_name)
    output = evaluate_one(
        session, loaded=loaded, enterprise_id=enterprise_id, as_of=as_of, known_at=known_at
    )
    rows = rows_from_output(output, enterprise_id)
    if rows is None:
        raise NotFound("未找到该经营主体 / not found")
    readable = records.may_read(session, actor=actor, enterprise_id=enterprise_id)
    out = to_out(
        session,
        explain(loaded.catalog, rows),
        catalog=loaded.catalog,
        run_id=None,
        as_of=as_of,
        with_records=readable,
    )
    if readable:
        _audit_explanation(session, actor, out)
    return out


def evaluate_one(
    session: Session,
    *,
    loaded: LoadedCatalog,
    enterprise_id: int,
    as_of: date,
    known_at: datetime | None = None,
) -> EvaluationOutput:
    from zhixin.engine import io
    from zhixin.engine.evaluate import evaluate

    backend = io.connect("duckdb")
    inputs = io.read_database(
        backend, session.connection(), enterprise_ids=[enterprise_id], known_at=known_at
    )
    return evaluate(
        inputs.records,
        inputs.enterprises,
        loaded.catalog,
        as_of=as_of,
        known_at=known_at,
        enterprise_ids=[enterprise_id],
    )


# -- export ----------------------------------------------------------------------------------


def _class_name(catalog: Catalog, level: str | None, vetoed: bool) -> str:
    """The overall class as shown: 否决 when a bar gate failed, else the level or 未达等级."""
    if vetoed:
        return VETOED
    return catalog.level_name(level) if level else "未达等级"


def export_run(
    session: Session,
    *,
    run_id: int,
    xlsx: Path | None = None,
    parquet: Path | None = None,
    actor: Principal | None = None,
) -> int:
    """Write a stored run's results (one row per enterprise, dimension levels as columns).

    Grades only — no record reference — so the same file for every reader; a regulator's file
    holds the enterprises of its jurisdiction. ``actor=None`` is the operator's console. The
    export is audited (``data.export`` with the number of rows), once per file.
    """
    if actor is not None:
        run = get_run(session, actor=actor, run_id=run_id)
        if not actor.sees_enterprise(-1):  # an enterprise user sees its own result only
            raise Forbidden("企业用户只能查看本企业的评价结果")
        prefix = enterprises.jurisdiction(session, actor)
    else:
        found = repo.run_by_id(session, run_id)
        if found is None:
            raise NotFound("未找到该评价批次 / run not found")
        run, prefix = found, None
    version = repo.catalog_version_by_id(session, run.catalog_version_id)
    assert version is not None
    catalog = catalogs.catalog_of(version)
    dims = {d.code: d.name for d in catalog.dimensions}
    per: dict[int, dict[str, Any]] = {}
    for r in repo.all_results(session, run_id=run_id, region_prefix=prefix):
        per[r.enterprise_id] = (
            {
                "enterprise_id": r.enterprise_id,
                "total_score": r.total_score,
                "overall_level": r.overall_level,
                "listed": r.listed,
                "entries": r.entries,
                "gates_failed": ",".join(r.gates_failed),
                "vetoed": bool(r.vetoed),
            }
            | {f"{c}_level": None for c in dims}
            | {f"{c}_points": 0 for c in dims}
        )
    for d in repo.all_dimensions(session, run_id=run_id, region_prefix=prefix):
        row = per.get(d.enterprise_id)
        if row is not None:
            row[f"{d.dimension}_level"] = d.level
            row[f"{d.dimension}_points"] = d.points
    rows = list(per.values())
    if parquet is not None:
        fields = [
            pa.field("enterprise_id", pa.int64()),
            pa.field("total_score", pa.decimal128(12, 2)),
            pa.field("overall_level", pa.string()),
            pa.field("listed", pa.bool_()),
            pa.field("entries", pa.int64()),
            pa.field("gates_failed", pa.string()),
            pa.field("vetoed", pa.bool_()),
        ]
        for c in dims:
            fields += [pa.field(f"{c}_level", pa.string()), pa.field(f"{c}_points", pa.int64())]
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(fields)), parquet)
    if xlsx is not None:
        from zhixin.kit.sheets import Book

        book = Book(streaming=True)
        ws = book.sheet("评价结果")
        ws.append(
            ["经营主体ID", "总分", "总体等级", "是否入白名单", "入选家次", "否决项"]
            + [h for c, n in dims.items() for h in (f"{n}等级", f"{n}得分")]
        )
        for row in rows:
            ws.append(
                [
                    row["enterprise_id"],
                    row["total_score"],
                    _class_name(catalog, row["overall_level"], row["vetoed"]),
                    "是" if row["listed"] else "否",
                    row["entries"],
                    row["gates_failed"],
                ]
                + [
                    v
                    for c in dims
                    for v in (
                        catalog.level_name(row[f"{c}_level"]) if row[f"{c}_level"] else "",
                        row[f"{c}_points"],
                    )
                ]
            )
        book.save(xlsx)
    audit.record(
        session,
        actor=Actor.of(actor) if actor is not None else Actor.system("cli"),
        action="data.export",
        object_type="evaluation_run",
        object_id=run_id,
        detail={
            "rows": len(rows),
            "what": "evaluation_results",
            "formats": [f for f, p in (("xlsx", xlsx), ("parquet", parquet)) if p is not None],
            **({"region": prefix} if prefix else {}),
        },
    )
    return len(rows)


# -- for other domains' services (no permission check: the caller has made it) ---------------

# The run's catalog and what it says of one enterprise (result, dimensions, elements): one
# round trip (a quote reads it).
grade = repo.grade
grades_among = repo.grades_among
# A stored catalog version's body (the catalog as the run used it).
catalog_body = repo.catalog_body
