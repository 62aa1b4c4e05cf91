"""The same Ibis evaluation on DuckDB and on Spark (local mode) gives identical tables."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from zhixin.catalog.loader import load
from zhixin.demo.synth import write_parquet
from zhixin.engine import io
from zhixin.engine.evaluate import evaluate

pytest.importorskip("pyspark", reason="pyspark not installed (pip install 'zhixin[spark]')")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("Java 17 is needed for Spark and was not found", allow_module_level=True)

pytestmark = pytest.mark.slow


def test_duckdb_and_spark_agree(tmp_path: Path) -> None:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    write_parquet(tmp_path, 2500, seed=11)
    for name in ("xiamen", "ningbo"):
        catalog = load(name).catalog
        outs = []
        # DuckDB on the strings; Spark on the strings and on the snapshot's rule keys
        for engine, keyed in (("duckdb", False), ("spark", False), ("spark", True)):
            inputs = io.read_parquet(io.connect(engine), tmp_path)
            assert inputs.rule_keys is not None
            pairs = inputs.rule_keys if keyed else None
            outs.append(
                evaluate(
                    inputs.records,
                    inputs.enterprises,
                    catalog,
                    as_of=date(2025, 6, 30),
                    pairs=pairs,
                )
            )
        duck = outs[0]
        assert duck.results.num_rows == 2500
        assert duck.elements.num_rows > 500
        for spark in outs[1:]:
            for table in ("results", "dimensions", "elements", "gates"):
                assert getattr(duck, table).equals(getattr(spark, table)), f"{name}: {table} differ"
