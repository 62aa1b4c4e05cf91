"""The one module of the engine that touches storage: Parquet files, the operational database,
and the Ibis backends (DuckDB in-process, or Spark).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, select

from zhixin.demo.synth import ENTERPRISE_SCHEMA, RECORD_SCHEMA
from zhixin.engine import key_hashes, rule_keys
from zhixin.enterprises.models import Enterprise
from zhixin.records.models import CreditRepair, QualityRecord

ENGINES = ("duckdb", "spark")
CHUNK = 100_000
EXTRA_RECORD_FIELDS = [
    pa.field("repaired_on", pa.date32()),
    pa.field("superseded_at", pa.timestamp("us", tz="UTC")),
]
EXPORT_RECORD_SCHEMA = pa.schema(
    list(RECORD_SCHEMA) + EXTRA_RECORD_FIELDS + [rule_keys.FIELD, key_hashes.FIELD]
)
# the columns the file's writer derives (not read from the database)
_DERIVED = ("uscc", rule_keys.COLUMN, key_hashes.COLUMN)


@dataclass(frozen=True)
class Inputs:
    backend: Any
    records: ir.Table
    enterprises: ir.Table
    # the records' (kind, subtype) pairs by rule key, when the snapshot has them (rule_keys)
    rule_keys: list[rule_keys.Pair] | None = None
    # the records file, when read from Parquet (its statistics and key hashes: the input check)
    records_path: Path | None = None


def _spark_session() -> Any:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(os.environ.get("ZHIXIN_SPARK_MASTER", "local[2]"))
        .appName("zhixin-evaluate")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", os.environ.get("ZHIXIN_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def connect(engine: str = "duckdb") -> Any:
    """An Ibis backend: DuckDB in-process, or PySpark (local mode unless configured)."""
    if engine == "duckdb":
        # every table the engine returns is explicitly ordered, so DuckDB need not keep the
        # order of rows between steps (less memory, more parallel work)
        return ibis.duckdb.connect(preserve_insertion_order=False)
    if engine == "spark":
        session = _spark_session()
        session.sparkContext.setLogLevel("ERROR")
        return ibis.pyspark.connect(session)
    raise ValueError(f"未知的计算引擎 '{engine}'（可选：{'、'.join(ENGINES)}）")


def from_arrow(backend: Any, records: pa.Table, enterprises: pa.Table) -> Inputs:
    """Register in-memory Arrow tables with the backend."""
    if _is_spark(backend):
        session = backend._session
        rec = session.createDataFrame(records.to_pandas())
        ent = session.createDataFrame(enterprises.to_pandas())
        rec.createOrReplaceTempView("zx_records")
        ent.createOrReplaceTempView("zx_enterprises")
        return Inputs(backend, backend.table("zx_records"), backend.table("zx_enterprises"))
    rec_t = backend.create_table("zx_records", records, temp=True, overwrite=True)
    ent_t = backend.create_table("zx_enterprises", enterprises, temp=True, overwrite=True)
    return Inputs(backend, rec_t, ent_t)


def _is_spark(backend: Any) -> bool:
    return str(getattr(backend, "name", "")) == "pyspark"


def read_parquet(backend: Any, directory: Path) -> Inputs:
    """``records.parquet`` and ``enterprises.parquet`` as written by ``zhixin synth`` / export."""
    directory = Path(directory)
    for name in ("records.parquet", "enterprises.parquet"):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"{directory / name} 不存在")
    rec = backend.read_parquet(str(directory / "records.parquet"))
    ent = backend.read_parquet(str(directory / "enterprises.parquet"))
    path = directory / "records.parquet"
    return Inputs(backend, rec, ent, rule_keys.read_pairs(path), path)


def _record_columns(known_at: datetime | None = None) -> list[Any]:
    """The record columns the engine reads.

    With ``known_at``, ``repaired_on`` is what was known then: the repair date of a credit
    repair approved at or before ``known_at`` (a repair approved later did not exist yet), so a
    past evaluation is reproduced exactly as a bank saw it.
    """
    t = QualityRecord.__table__
    cols: list[Any] = [t.c.id.label("record_id")]
    for field in EXPORT_RECORD_SCHEMA:
        if field.name == "record_id" or field.name in _DERIVED:
            continue
        if field.name == "repaired_on" and known_at is not None:
            cols.append(
                select(CreditRepair.repair_date)
                .where(
                    CreditRepair.record_id == t.c.id,
                    CreditRepair.status == "approved",
                    CreditRepair.reviewed_at <= known_at,
                )
                .order_by(CreditRepair.reviewed_at.desc())
                .limit(1)
                .scalar_subquery()
                .label("repaired_on")
            )
            continue
        cols.append(t.c[field.name])
    return cols


def _to_arrow(part: Sequence[Any], schema: pa.Schema) -> pa.Table:
    columns: list[Sequence[Any]] = list(zip(*part, strict=True)) if part else [[] for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


def _chunks(bind: Engine | Connection, stmt: Any, schema: pa.Schema) -> Iterator[pa.Table]:
    """Rows of ``stmt`` as Arrow tables of up to :data:`CHUNK` rows (server-side cursor)."""
    stmt = stmt.execution_options(yield_per=CHUNK)  # per statement: the session's
    if isinstance(bind, Connection):  # connection keeps its own options
        for part in bind.execute(stmt).partitions(CHUNK):
            yield _to_arrow(part, schema)
        return
    with bind.connect() as conn:
        for part in conn.execute(stmt).partitions(CHUNK):
            yield _to_arrow(part, schema)


def _record_schema() -> pa.Schema:
    """The record columns read from the database (the rule key and the key hash are the file
    writer's)."""
    return pa.schema([f for f in EXPORT_RECORD_SCHEMA if f.name not in _DERIVED])


def _enterprise_columns() -> list[Any]:
    t = Enterprise.__table__
    return [t.c.id.label("enterprise_id")] + [
        t.c[f.name] for f in ENTERPRISE_SCHEMA if f.name != "enterprise_id"
    ]


def read_database_arrow(
    engine: Engine | Connection,
    *,
    enterprise_ids: list[int] | None = None,
    known_at: datetime | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Enterprises and every version of their quality records, read in chunks into Arrow."""
    rec_stmt = select(*_record_columns(known_at)).order_by(QualityRecord.id)
    ent_stmt = select(*_enterprise_columns()).order_by(Enterprise.id)
    if enterprise_ids is not None:
        rec_stmt = rec_stmt.where(QualityRecord.enterprise_id.in_(enterprise_ids))
        ent_stmt = ent_stmt.where(Enterprise.id.in_(enterprise_ids))
    if known_at is not None:  # an enterprise registered later was not known then
        ent_stmt = ent_stmt.where(Enterprise.created_at <= known_at)
    rs = _record_schema()
    es = pa.schema(list(ENTERPRISE_SCHEMA))
    records = pa.concat_tables(
        [pa.table({f.name: [] for f in rs}, schema=rs), *list(_chunks(engine, rec_stmt, rs))]
    )
    ents = pa.concat_tables(
        [pa.table({f.name: [] for f in es}, schema=es), *list(_chunks(engine, ent_stmt, es))]
    )
    return records, ents


def read_database(
    backend: Any,
    engine: Engine | Connection,
    *,
    enterprise_ids: list[int] | None = None,
    known_at: datetime | None = None,
) -> Inputs:
    records, ents = read_database_arrow(engine, enterprise_ids=enterprise_ids, known_at=known_at)
    return from_arrow(backend, records, ents)


def export_records(
    engine: Engine, out_dir: Path, *, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Write the database's enterprises and records as Parquet in the synth layout (plus
    ``repaired_on`` and ``superseded_at``, so ``--known-at`` works from the files)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_ent = n_rec = 0
    es = pa.schema(list(ENTERPRISE_SCHEMA))
    with pq.ParquetWriter(out_dir / "enterprises.parquet", es) as w:
        for chunk in _chunks(engine, select(*_enterprise_columns()).order_by(Enterprise.id), es):
            w.write_table(chunk)
            n_ent += chunk.num_rows
    uscc = {
        int(i): u
        for i, u in zip(*_two_columns(engine, select(Enterprise.id, Enterprise.uscc)), strict=True)
    }
    rs = _record_schema()
    keys = rule_keys.RuleKeys()
    with pq.ParquetWriter(out_dir / "records.parquet", EXPORT_RECORD_SCHEMA) as w:
        for chunk in _chunks(engine, select(*_record_columns()).order_by(QualityRecord.id), rs):
            usccs = pa.array(
                [uscc.get(int(e)) for e in chunk["enterprise_id"].to_pylist()], pa.string()
            )
            chunk = key_hashes.add_to(keys.add_to(chunk.add_column(2, "uscc", usccs)))
            w.write_table(chunk.select(EXPORT_RECORD_SCHEMA.names).cast(EXPORT_RECORD_SCHEMA))
            n_rec += chunk.num_rows
            if progress is not None:
                progress(n_rec)
        rule_keys.write_metadata(w, keys)
    key_hashes.seal(out_dir / "records.parquet")
    return n_ent, n_rec


def _two_columns(engine: Engine, stmt: Any) -> tuple[list[Any], list[Any]]:
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [r[0] for r in rows], [r[1] for r in rows]


OUTPUT_NAMES = ("results", "dimensions", "elements", "gates")


# Output columns whose values are (nearly) all distinct: no dictionary for them.
_DISTINCT_COLUMNS = frozenset({"enterprise_id", "record_ids"})


def _write_parquet(table: pa.Table, path: Path) -> None:
    """One output table as Parquet, dictionary-encoding every column but the ids.

    pyarrow's default builds a dictionary for every column, then falls back to plain encoding
    for the ids once the dictionary outgrows its page: work thrown away (leaving them out makes
    the writing cheaper and the files smaller: docs/performance.md).
    """
    keep = [f.name for f in table.schema if f.name not in _DISTINCT_COLUMNS]
    pq.write_table(table, path, use_dictionary=keep)


class OutputWriter:
    """Writes an evaluation's output tables as Parquet files, each on a thread of its own as
    soon as it is handed over (pyarrow releases the GIL while encoding and compressing), so
    writing overlaps the rest of the evaluation. Use as ``on_table`` of
    :func:`zhixin.engine.evaluate.evaluate`, then :meth:`finish`."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=len(OUTPUT_NAMES))
        self._pending: dict[str, Any] = {}

    def __call__(self, name: str, table: pa.Table) -> None:
        if name not in OUTPUT_NAMES:
            raise ValueError(f"未知的结果表 '{name}'")
        path = self.out_dir / f"{name}.parquet"
        self._pending[name] = self._pool.submit(_write_parquet, table, path)

    def finish(self) -> list[Path]:
        """Wait for every file (raising the first failure); the paths in the usual order."""
        try:
            for name in OUTPUT_NAMES:
                if name not in self._pending:
                    raise RuntimeError(f"结果表 '{name}' 未写出")
                self._pending[name].result()
        finally:
            self._pool.shutdown(wait=True)
        return [self.out_dir / f"{name}.parquet" for name in OUTPUT_NAMES]

    def abandon(self) -> None:
        """After a failed evaluation: wait for the writes begun, then remove their files (no
        half a result left behind to be mistaken for a whole one)."""
        self._pool.shutdown(wait=True)
        for name in self._pending:
            (self.out_dir / f"{name}.parquet").unlink(missing_ok=True)


def write_output(output: Any, out_dir: Path) -> list[Path]:
    """Write an :class:`~zhixin.engine.evaluate.EvaluationOutput` as four Parquet files."""
    writer = OutputWriter(out_dir)
    for name in OUTPUT_NAMES:
        writer(name, getattr(output, name))
    return writer.finish()
