"""A snapshot's rule keys (engine.rule_keys): written with the records, they name each
record's (kind, subtype), and matching on them gives exactly what matching on the strings
gives — on every catalog, on synthetic data and on crowded hand-made records with the subtypes
a join can get wrong (none, empty, unknown, a kind whose rules are open to every subtype)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhixin.catalog.loader import load
from zhixin.demo.synth import write_parquet
from zhixin.engine import fold, io, rule_keys
from zhixin.engine.evaluate import EvaluationOutput, evaluate, match_rules
from zhixin.engine.predicates import as_known, normalise
from zhixin.engine.tags import Tags

from .test_engine import SCHEMA, iso, rec
from .test_engine_fold import _counting_catalog, _record

AS_OF = date(2025, 6, 30)
KNOWN = datetime(2026, 1, 1, tzinfo=UTC)
CATALOGS = ["xiamen", "jinjiang", "ningbo", "shandong"]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-keys")
    write_parquet(out, 4000, seed=7)
    return out


def _same(a: EvaluationOutput, b: EvaluationOutput) -> None:
    for name in ("results", "dimensions", "elements", "gates"):
        assert getattr(a, name).equals(getattr(b, name)), name


def test_the_writer_names_each_records_kind_and_subtype(synth_dir: Path) -> None:
    pairs = rule_keys.read_pairs(synth_dir / "records.parquet")
    assert pairs is not None and len(pairs) == len(set(pairs)) > 10
    t = pq.read_table(synth_dir / "records.parquet", columns=["kind", "subtype", "rule_key"])
    assert t["rule_key"].null_count == 0
    seen = {
        (k, s, n)
        for k, s, n in zip(
            t["kind"].to_pylist(), t["subtype"].to_pylist(), t["rule_key"].to_pylist(), strict=True
        )
    }
    assert {(k, s) for k, s, _n in seen} == set(pairs)
    assert all(pairs[n] == (k, s) for k, s, n in seen)
    assert any(s is None for _k, s in pairs)  # kinds without a subtype have a key too


@pytest.mark.parametrize("name", CATALOGS)
@pytest.mark.parametrize("as_of", [AS_OF, date(2023, 12, 31)])
def test_matching_on_rule_keys_equals_matching_on_strings(
    synth_dir: Path, name: str, as_of: date
) -> None:
    catalog = load(name).catalog
    inputs = io.read_parquet(io.connect("duckdb"), synth_dir)
    assert inputs.rule_keys is not None
    on_keys = evaluate(
        inputs.records,
        inputs.enterprises,
        catalog,
        as_of=as_of,
        known_at=KNOWN,
        pairs=inputs.rule_keys,
    )
    on_strings = evaluate(inputs.records, inputs.enterprises, catalog, as_of=as_of, known_at=KNOWN)
    assert on_keys.elements.num_rows > 1000 and on_keys.gates.num_rows > 0
    _same(on_keys, on_strings)


def _keyed_files(tmp_path: Path, rows: list[dict[str, object]], ids: list[int]) -> Path:
    keys = rule_keys.RuleKeys()
    table = keys.add_to(pa.Table.from_pylist(rows, schema=SCHEMA))
    with pq.ParquetWriter(tmp_path / "records.parquet", table.schema) as w:
        half = table.num_rows // 2  # two row groups: numbers kept from one to the next
        w.write_table(table.slice(0, half))
        w.write_table(table.slice(half))
        rule_keys.write_metadata(w, keys)
    pq.write_table(
        pa.table({"enterprise_id": pa.array(ids, pa.int64())}), tmp_path / "enterprises.parquet"
    )
    return tmp_path


def _odd(eid: int, pick: int) -> dict[str, object]:
    """Records whose subtype a join can mishandle."""
    odd = [
        lambda: iso(eid, subtype=None),  # type: ignore[arg-type]
        lambda: iso(eid, subtype=""),
        lambda: iso(eid, subtype="ISO9001 "),
        lambda: rec(eid, "patent", subtype=None, status="有效"),
        lambda: rec(eid, "penalty", subtype="未知", level="一般", event_date=date(2024, 1, 1)),
        lambda: rec(eid, "no_such_kind", subtype="ISO9001"),
    ]
    return odd[pick]()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.integers(1, 4),
                st.integers(0, 9),
                st.one_of(st.none(), st.integers(2019, 2026)),
                st.dates(date(2021, 1, 1), date(2026, 6, 30)),
                st.booleans(),
            ).map(lambda p: _record(*p)),
            st.tuples(st.integers(1, 4), st.integers(0, 5)).map(lambda p: _odd(*p)),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_rule_keys_match_as_strings_on_crowded_and_odd_records(
    rows: list[dict[str, object]],
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        inputs = io.read_parquet(ibis.duckdb.connect(), _keyed_files(Path(tmp), rows, [1, 2, 3, 4]))
        assert inputs.rule_keys is not None
        base = as_known(normalise(inputs.records, rule_key=True), as_of=AS_OF, known_at=None)
        for catalog in (load("xiamen").catalog, load("shandong").catalog, _counting_catalog()):
            codes = Tags.of(catalog)
            order = list(fold.HIT_COLUMNS_ORDER)
            on_keys = match_rules(base, catalog, codes, AS_OF, pairs=inputs.rule_keys)
            on_strings = match_rules(base, catalog, codes, AS_OF)
            assert (
                on_keys.order_by(order).to_pyarrow().equals(on_strings.order_by(order).to_pyarrow())
            )


def test_a_file_whose_keys_cannot_be_trusted_is_matched_on_strings(tmp_path: Path) -> None:
    rows = [iso(1), iso(1, subtype="ISO14001"), rec(1, "patent", subtype="发明", status="有效")]
    path = _keyed_files(tmp_path, rows, [1]) / "records.parquet"
    assert rule_keys.read_pairs(path) == [
        ("certification", "ISO9001"),
        ("certification", "ISO14001"),
        ("patent", "发明"),
    ]
    table = pq.read_table(path)
    # no metadata (another writer's column of that name)
    pq.write_table(table.replace_schema_metadata(None), path)
    assert rule_keys.read_pairs(path) is None
    # a key beyond the pairs, or a row without one
    for bad in ([0, 1, 3], [0, None, 2]):
        keys = rule_keys.RuleKeys()
        keys.add_to(table)
        fixed = table.set_column(
            table.schema.get_field_index("rule_key"), rule_keys.FIELD, pa.array(bad, pa.int32())
        )
        with pq.ParquetWriter(path, fixed.schema) as w:
            w.write_table(fixed)
            rule_keys.write_metadata(w, keys)
        assert rule_keys.read_pairs(path) is None
    # no column at all
    pq.write_table(table.drop_columns(["rule_key"]), path)
    assert rule_keys.read_pairs(path) is None
    assert io.read_parquet(ibis.duckdb.connect(), tmp_path).rule_keys is None
