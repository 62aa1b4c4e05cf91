"""Every query of the evaluation domain, and the bulk writes of a run's results."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from zhixin.enterprises.models import Enterprise
from zhixin.evaluation.models import (
    CatalogVersion,
    EvaluationDimension,
    EvaluationElement,
    EvaluationGate,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.records.models import QualityRecord

BATCH = 20_000
COPY_BATCH = 200_000


def catalog_version(session: Session, *, name: str, sha256: str) -> CatalogVersion | None:
    return session.scalars(
        select(CatalogVersion).where(CatalogVersion.name == name, CatalogVersion.sha256 == sha256)
    ).first()


def catalog_version_by_id(session: Session, version_id: int) -> CatalogVersion | None:
    return session.get(CatalogVersion, version_id)


def run_by_id(session: Session, run_id: int) -> EvaluationRun | None:
    return session.get(EvaluationRun, run_id)


def runs(session: Session, *, limit: int, offset: int) -> Sequence[EvaluationRun]:
    return session.scalars(
        select(EvaluationRun).order_by(EvaluationRun.id.desc()).limit(limit).offset(offset)
    ).all()


def count_runs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(EvaluationRun)) or 0)


def in_region(column: InstrumentedAttribute[int], prefix: str) -> ColumnElement[bool]:
    """``column`` (an enterprise id) is of an enterprise whose region code starts with
    ``prefix`` (a regulator's jurisdiction)."""
    return column.in_(
        select(Enterprise.id).where(Enterprise.region_code.startswith(prefix, autoescape=True))
    )


def results(
    session: Session,
    *,
    run_id: int,
    limit: int,
    offset: int,
    listed: bool | None = None,
    enterprise_id: int | None = None,
    region_prefix: str | None = None,
) -> tuple[int, Sequence[EvaluationResult]]:
    stmt = select(EvaluationResult).where(EvaluationResult.run_id == run_id)
    if region_prefix is not None:
        stmt = stmt.where(in_region(EvaluationResult.enterprise_id, region_prefix))
    if listed is not None:
        stmt = stmt.where(EvaluationResult.listed == listed)
    if enterprise_id is not None:
        stmt = stmt.where(EvaluationResult.enterprise_id == enterprise_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(
        stmt.order_by(EvaluationResult.enterprise_id).limit(limit).offset(offset)
    ).all()
    return total, rows


def dimensions_of(
    session: Session, *, run_id: int, enterprise_id: int
) -> Sequence[EvaluationDimension]:
    return session.scalars(
        select(EvaluationDimension).where(
            EvaluationDimension.run_id == run_id, EvaluationDimension.enterprise_id == enterprise_id
        )
    ).all()


def elements_of(
    session: Session, *, run_id: int, enterprise_id: int
) -> Sequence[EvaluationElement]:
    return session.scalars(
        select(EvaluationElement)
        .where(EvaluationElement.run_id == run_id, EvaluationElement.enterprise_id == enterprise_id)
        .order_by(EvaluationElement.element)
    ).all()


def gates_of(session: Session, *, run_id: int, enterprise_id: int) -> Sequence[EvaluationGate]:
    return session.scalars(
        select(EvaluationGate).where(
            EvaluationGate.run_id == run_id, EvaluationGate.enterprise_id == enterprise_id
        )
    ).all()


def result_rows(session: Session, model: type[Any], *, run_id: int) -> Sequence[Any]:
    """Every row of one of a run's result tables."""
    return session.scalars(select(model).where(model.run_id == run_id)).all()


def records_by_ids(session: Session, ids: Sequence[int]) -> Sequence[QualityRecord]:
    if not ids:
        return []
    return session.scalars(select(QualityRecord).where(QualityRecord.id.in_(list(ids)))).all()


def _json_text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A list column as JSON text, vectorised: ``[1,2]`` for integers, ``["a","b"]`` for
    strings (with ``\\`` and ``"`` escaped); a null list stays null."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    items = arr.flatten()
    if pa.types.is_string(items.type) or pa.types.is_large_string(items.type):
        items = pc.replace_substring(items, "\\", "\\\\")
        items = pc.replace_substring(items, '"', '\\"')
        items = pc.binary_join_element_wise('"', items, '"', "")
    else:
        items = pc.cast(items, pa.string())
    # rebuild the lists over the converted items (offsets relative to the flattened values)
    offsets = pc.subtract(arr.offsets, arr.offsets[0])
    lists = pa.ListArray.from_arrays(offsets, items, mask=arr.is_null())
    joined = pc.binary_join(lists, ",")
    return pc.binary_join_element_wise("[", joined, "]", "")


def _copy_postgres(
    session: Session,
    model: type[Any],
    table: pa.Table,
    *,
    run_id: int,
    progress: Callable[[int], None] | None,
) -> int:
    """COPY … FROM STDIN (CSV built by Arrow, no Python per row) on PostgreSQL with psycopg 3."""
    t = model.__table__
    columns = [c.name for c in t.columns]
    json_cols = {c.name for c in t.columns if isinstance(c.type, JSON)}
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    quote = session.get_bind().dialect.identifier_preparer.quote
    sql = f"COPY {quote(t.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN (FORMAT csv)"
    options = pacsv.WriteOptions(include_header=False)
    n = 0
    with dbapi.cursor() as cur, cur.copy(sql) as copy:
        for batch in table.to_batches(max_chunksize=COPY_BATCH):
            arrays = []
            for name in columns:
                if name == "run_id":
                    arrays.append(pa.array(np.full(batch.num_rows, run_id, dtype=np.int64)))
                elif name in json_cols:
                    arrays.append(_json_text(batch.column(name)))
                else:
                    arrays.append(batch.column(name))
            sink = pa.BufferOutputStream()
            pacsv.write_csv(pa.Table.from_arrays(arrays, names=columns), sink, options)
            copy.write(sink.getvalue().to_pybytes())
            n += batch.num_rows
            if progress is not None:
                progress(batch.num_rows)
    return n


def _batches(table: pa.Table, extra: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    for batch in table.to_batches(max_chunksize=BATCH):
        rows = batch.to_pylist()
        for r in rows:
            r.update(extra)
        yield rows


def bulk_insert(
    session: Session,
    model: type[Any],
    table: pa.Table,
    *,
    run_id: int,
    rename: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """COPY on PostgreSQL (psycopg 3); elsewhere Core executemany in batches of :data:`BATCH`
    rows."""
    if rename:
        table = table.rename_columns([rename.get(n, n) for n in table.column_names])
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg":
        return _copy_postgres(session, model, table, run_id=run_id, progress=progress)
    n = 0
    for rows in _batches(table, {"run_id": run_id}):
        session.execute(insert(model.__table__), rows)
        n += len(rows)
        if progress is not None:
            progress(len(rows))
    return n


def level_counts(
    session: Session, *, run_id: int, region_prefix: str | None = None
) -> list[tuple[str, str, int]]:
    """(dimension, level, enterprises) for a run (within ``region_prefix`` when given)."""
    stmt = select(EvaluationDimension.dimension, EvaluationDimension.level, func.count()).where(
        EvaluationDimension.run_id == run_id
    )
    if region_prefix is not None:
        stmt = stmt.where(in_region(EvaluationDimension.enterprise_id, region_prefix))
    rows = session.execute(stmt.group_by(EvaluationDimension.dimension, EvaluationDimension.level))
    return [(d, lv, int(n)) for d, lv, n in rows]


def listed_counts(
    session: Session, *, run_id: int, region_prefix: str | None = None
) -> dict[str, int]:
    """Entries per dimension (dimensions ``listed``: at a whitelist level and not held back by a
    gate), the whitelist's 家次 by dimension (within ``region_prefix`` when given)."""
    d = EvaluationDimension
    stmt = select(d.dimension, func.count()).where(d.run_id == run_id, d.listed.is_(True))
    if region_prefix is not None:
        stmt = stmt.where(in_region(d.enterprise_id, region_prefix))
    return {dim: int(n) for dim, n in session.execute(stmt.group_by(d.dimension))}


def overall_counts(
    session: Session, *, run_id: int, region_prefix: str | None = None
) -> list[tuple[str | None, bool, bool, int]]:
    """(overall level, listed, vetoed, enterprises) for a run."""
    r = EvaluationResult
    stmt = select(r.overall_level, r.listed, r.vetoed, func.count()).where(r.run_id == run_id)
    if region_prefix is not None:
        stmt = stmt.where(in_region(r.enterprise_id, region_prefix))
    rows = session.execute(stmt.group_by(r.overall_level, r.listed, r.vetoed))
    return [(lv, bool(listed), bool(vetoed), int(n)) for lv, listed, vetoed, n in rows]


def score_counts(
    session: Session, *, run_id: int, region_prefix: str | None = None
) -> list[tuple[Decimal, int]]:
    """How many enterprises got each exact total score (bucketed by the caller)."""
    stmt = select(EvaluationResult.total_score, func.count()).where(
        EvaluationResult.run_id == run_id
    )
    if region_prefix is not None:
        stmt = stmt.where(in_region(EvaluationResult.enterprise_id, region_prefix))
    rows = session.execute(stmt.group_by(EvaluationResult.total_score))
    return [(Decimal(s), int(n)) for s, n in rows]


def latest_run_with(session: Session, *, enterprise_id: int) -> EvaluationRun | None:
    """The newest finished run that has a result for this enterprise."""
    return session.scalar(
        select(EvaluationRun)
        .join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationResult.enterprise_id == enterprise_id, EvaluationRun.status == "finished")
        .order_by(EvaluationRun.id.desc())
        .limit(1)
    )


def all_results(
    session: Session, *, run_id: int, region_prefix: str | None = None
) -> Iterator[EvaluationResult]:
    """Every result of a run, by enterprise, streamed (an export of a million rows)."""
    stmt = select(EvaluationResult).where(EvaluationResult.run_id == run_id)
    if region_prefix is not None:
        stmt = stmt.where(in_region(EvaluationResult.enterprise_id, region_prefix))
    yield from session.scalars(
        stmt.order_by(EvaluationResult.enterprise_id).execution_options(yield_per=10_000)
    )


def all_dimensions(
    session: Session, *, run_id: int, region_prefix: str | None = None
) -> Iterator[EvaluationDimension]:
    stmt = select(EvaluationDimension).where(EvaluationDimension.run_id == run_id)
    if region_prefix is not None:
        stmt = stmt.where(in_region(EvaluationDimension.enterprise_id, region_prefix))
    yield from session.scalars(stmt.execution_options(yield_per=10_000))


# -- an enterprise's grade in a run: one round trip, its statement built once ----------------
# A quote reads it (a hot path, bench/quotes.py): built at import with bound values, so
# SQLAlchemy neither builds it nor computes its cache key per call.

_run = EvaluationRun.__table__
_res = EvaluationResult.__table__
_dim = EvaluationDimension.__table__
_el = EvaluationElement.__table__
_RUN, _EID = bindparam("run", type_=Integer), bindparam("eid", type_=Integer)
_GRADE = union_all(
    select(
        literal("run", String).label("kind"),
        _run.c.catalog_name.label("a"),
        _run.c.catalog_sha256.label("b"),
        cast(_run.c.catalog_version_id, String).label("c"),
    ).where(_run.c.id == _RUN),
    select(
        literal("result", String),
        _res.c.overall_level,
        cast(_res.c.total_score, String),
        cast(null(), String),
    ).where(_res.c.run_id == _RUN, _res.c.enterprise_id == _EID),
    select(
        literal("dimension", String), _dim.c.dimension, _dim.c.level, cast(null(), String)
    ).where(_dim.c.run_id == _RUN, _dim.c.enterprise_id == _EID),
    select(literal("element", String), _el.c.element, _el.c.level, cast(null(), String)).where(
        _el.c.run_id == _RUN, _el.c.enterprise_id == _EID
    ),
)


@dataclass(frozen=True)
class Grade:
    """What a run says of an enterprise, with the run's catalog."""

    run_id: int
    catalog_name: str | None = None
    catalog_sha256: str | None = None
    catalog_version_id: int | None = None
    evaluated: bool = False  # the run has a result for the enterprise
    total_score: Decimal | None = None
    overall_level: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)  # dimension → level code
    elements: frozenset[str] = frozenset()


def grade(session: Session, *, run_id: int, enterprise_id: int) -> Grade:
    """The run's catalog, and the enterprise's result, dimension levels and elements held."""
    rows = session.execute(_GRADE, {"run": run_id, "eid": enterprise_id}).all()
    dims: dict[str, str] = {}
    elements: set[str] = set()
    found: dict[str, Any] = {}
    for kind, a, b, c in rows:
        if kind == "run":
            found.update(catalog_name=a, catalog_sha256=b, catalog_version_id=int(c))
        elif kind == "result":
            score = None if b is None else Decimal(str(b)).quantize(Decimal("0.01"))
            found.update(evaluated=True, overall_level=a, total_score=score)
        elif kind == "dimension" and b:
            dims[str(a)] = str(b)
        elif kind == "element":
            elements.add(str(a))
    return Grade(run_id=run_id, dimensions=dims, elements=frozenset(elements), **found)


def catalog_body(session: Session, catalog_version_id: int) -> dict[str, object] | None:
    body = session.scalar(
        select(CatalogVersion.body).where(CatalogVersion.id == catalog_version_id)
    )
    return dict(body) if body is not None else None


def grades_among(session: Session, pairs: Any) -> dict[int, Grade]:
    """:func:`grade` for each (enterprise_id, run_id) the select ``pairs`` yields, in four
    set-based queries (runs, results, dimensions, elements) whatever the number of firms."""
    p = pairs.subquery()
    conn = session.connection()
    runs = {
        int(r[0]): (r[1], r[2], int(r[3]))
        for r in conn.execute(
            select(
                _run.c.id, _run.c.catalog_name, _run.c.catalog_sha256, _run.c.catalog_version_id
            ).where(_run.c.id.in_(select(p.c.run_id).distinct()))
        )
    }
    found: dict[int, dict[str, Any]] = {}
    dims: dict[int, dict[str, str]] = {}
    elements: dict[int, set[str]] = {}
    run_of: dict[int, int] = {}
    for eid, run_id in conn.execute(select(p.c.enterprise_id, p.c.run_id)):
        run_of[int(eid)] = int(run_id)
    on = (_res.c.run_id == p.c.run_id) & (_res.c.enterprise_id == p.c.enterprise_id)
    for eid, level, score in conn.execute(
        select(_res.c.enterprise_id, _res.c.overall_level, _res.c.total_score).join(p, on)
    ):
        value = None if score is None else Decimal(str(score)).quantize(Decimal("0.01"))
        found[int(eid)] = {"evaluated": True, "overall_level": level, "total_score": value}
    on = (_dim.c.run_id == p.c.run_id) & (_dim.c.enterprise_id == p.c.enterprise_id)
    for eid, dimension, level in conn.execute(
        select(_dim.c.enterprise_id, _dim.c.dimension, _dim.c.level).join(p, on)
    ):
        if level:
            dims.setdefault(int(eid), {})[str(dimension)] = str(level)
    on = (_el.c.run_id == p.c.run_id) & (_el.c.enterprise_id == p.c.enterprise_id)
    for eid, element in conn.execute(select(_el.c.enterprise_id, _el.c.element).join(p, on)):
        elements.setdefault(int(eid), set()).add(str(element))
    out: dict[int, Grade] = {}
    for eid, run_id in run_of.items():
        name, sha, version_id = runs.get(run_id, (None, None, None))
        out[eid] = Grade(
            run_id=run_id,
            catalog_name=name,
            catalog_sha256=sha,
            catalog_version_id=version_id,
            dimensions=dims.get(eid, {}),
            elements=frozenset(elements.get(eid, ())),
            **found.get(eid, {}),
        )
    return out
