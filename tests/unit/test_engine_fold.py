"""The numpy fold (rule matches → elements, gates, dimensions) against its Ibis oracle, on every
catalog, and on the edge cases a sorted fold can get wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.engine_reference import ibis_folds
from zhixin.catalog.loader import load, parse
from zhixin.catalog.schema import Catalog
from zhixin.demo.synth import write_parquet
from zhixin.engine import fold, io
from zhixin.engine.evaluate import evaluate, match_rules
from zhixin.engine.predicates import as_known, normalise
from zhixin.engine.tags import Tags

from .test_engine import SCHEMA, XIAMEN, cc, iso, penalty, rec


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-fold")
    write_parquet(out, 4000, seed=11)
    return out


def _same(numpy_table: pa.Table, oracle: pa.Table) -> None:
    assert numpy_table.column_names == oracle.column_names
    for name in numpy_table.column_names:
        ours = numpy_table[name].combine_chunks()
        theirs = oracle[name].combine_chunks()
        if ours.type != theirs.type:
            theirs = theirs.cast(ours.type)
        assert ours.equals(theirs), name


@pytest.mark.parametrize("name", ["xiamen", "jinjiang", "ningbo", "shandong"])
@pytest.mark.parametrize("as_of", [date(2025, 6, 30), date(2023, 12, 31)])
def test_the_fold_equals_the_ibis_oracle_on_every_catalog(
    synth_dir: Path, name: str, as_of: date
) -> None:
    catalog = load(name).catalog
    inputs = io.read_parquet(io.connect("duckdb"), synth_dir)
    codes = Tags.of(catalog)
    hits = match_rules(
        as_known(normalise(inputs.records), as_of=as_of, known_at=None), catalog, codes, as_of
    )
    matched = hits.order_by(list(fold.HIT_COLUMNS_ORDER)).to_pyarrow()
    shape = fold.shape(catalog, codes)
    elements, gates, effects = fold.fold_elements_and_gates(matched, shape)
    dims = fold.fold_dimensions(elements, shape)

    o_elements, o_gates, o_effects, o_dims = ibis_folds(hits, catalog, codes)
    assert elements.num_rows > 1000 and dims.num_rows > 1000
    _same(elements, o_elements)
    _same(gates, o_gates)
    _same(dims, o_dims)
    assert (effects is None) == (o_effects is None)
    if effects is not None and o_effects is not None:
        assert gates.num_rows > 0
        _same(effects, o_effects)


def _run(rows: list[dict[str, object]], ids: list[int]) -> tuple[pa.Table, ...]:
    con = ibis.duckdb.connect()
    inputs = io.from_arrow(
        con,
        pa.Table.from_pylist(rows, schema=SCHEMA),
        pa.table({"enterprise_id": pa.array(ids, pa.int64())}),
    )
    out = evaluate(inputs.records, inputs.enterprises, XIAMEN, as_of=date(2025, 6, 30))
    return out.results, out.dimensions, out.elements, out.gates


def test_no_records_folds_to_empty_tables_and_every_enterprise_unlisted() -> None:
    results, dims, elements, gates = _run([], [1, 2, 3])
    assert elements.num_rows == dims.num_rows == gates.num_rows == 0
    assert results["enterprise_id"].to_pylist() == [1, 2, 3]
    assert results["listed"].to_pylist() == [False, False, False]
    assert results["gates_failed"].to_pylist() == [[], [], []]


def test_enterprise_ids_too_large_to_pack_fold_as_small_ones() -> None:
    """The fold keys (enterprise, code) by the enterprise's rank, never by id × width, so ids
    near 2⁶³ neither overflow nor merge."""
    big = 2**62 + 5

    def rows(a: int, b: int) -> list[dict[str, object]]:
        return [
            cc(a, 2023),
            cc(a, 2024),
            iso(a),
            iso(b),
            penalty(b, date(2024, 1, 1)),
            rec(b, "patent", subtype="发明", status="有效"),
        ]

    small = _run(rows(1, 2), [1, 2])
    large = _run(rows(big, big + 1), [big, big + 1])
    for s, lg in zip(small, large, strict=True):
        assert s.num_rows == lg.num_rows
        mapped = pc.if_else(pc.equal(lg["enterprise_id"], big), 1, 2)
        assert mapped.to_pylist() == s["enterprise_id"].to_pylist()
        for name in s.column_names:
            if name not in ("enterprise_id", "record_ids"):
                assert lg[name].to_pylist() == s[name].to_pylist(), name
    results = large[0].to_pylist()
    assert results[0]["listed"] is True
    assert results[1]["listed"] is False  # the penalty bars the second
    assert results[1]["gates_failed"] == ["G-PENALTY"]


def test_a_year_counted_twice_counts_once_in_a_streak_and_twice_in_a_count() -> None:
    rows = [
        cc(1, 2023),
        cc(1, 2024),
        cc(1, 2024),
        cc(1, 2025),
        rec(1, "contract_credit", level="市级"),
    ]
    rows += [cc(2, 2023), cc(2, 2025)]
    _results, _dims, elements, _gates = _run(rows, [1, 2])
    held = {
        (r["enterprise_id"], r["element"]): (r["measure"], len(r["record_ids"]))
        for r in elements.to_pylist()
        if r["element"] in ("QC-01", "QC-02")
    }
    # QC-01 (two years in a row) is measured by the streak: 2023, 2024 (twice), 2025 is three
    # years; 2023 and 2025 are no streak. QC-02 counts the records in the window (the one
    # without a year is outside it).
    assert held == {(1, "QC-01"): (3, 4), (1, "QC-02"): (4, 4), (2, "QC-02"): (2, 2)}


def _counting_catalog() -> Catalog:
    """Xiamen with ``min_count`` where the written semantics give it a meaning beyond one
    record: every gate fires on two records, every *unless* voids on two (issue 18 item 1)."""
    body = load("xiamen").body
    for g in body["gates"]:
        g["rule"]["min_count"] = 2
    for e in body["elements"]:
        if e.get("unless"):
            e["unless"]["min_count"] = 2
    return parse(body).catalog


_YEARS = st.one_of(st.none(), st.integers(2019, 2026))
_DAYS = st.dates(date(2021, 1, 1), date(2026, 6, 30))


def _record(eid: int, pick: int, year: int | None, day: date, flag: bool) -> dict[str, object]:
    """One record of a kind the catalogs' rules read, crowded onto few enterprises so that
    years repeat, *unless* rules meet the elements they void and gates pile up."""
    kinds = [
        lambda: rec(eid, "contract_credit", year=year, level="市级"),
        lambda: rec(eid, "contract_credit", year=year, level="省级"),
        lambda: rec(eid, "spot_check", event_date=day, passed=flag, level="市级"),
        lambda: iso(eid, status="有效" if flag else "注销"),
        lambda: rec(eid, "patent", subtype="发明", status="有效"),
        lambda: rec(eid, "award", subtype="政府质量奖", level="市级", year=year),
        lambda: rec(eid, "title", subtype="专精特新中小企业", valid_from=date(2024, 1, 1)),
        lambda: penalty(eid, day),
        lambda: rec(eid, "list_entry", subtype="经营异常名录", valid_from=day),
        lambda: rec(eid, "standard", subtype="主导", level="国家标准", event_date=day),
    ]
    return kinds[pick]()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(0, 9), _YEARS, _DAYS, st.booleans()),
        min_size=1,
        max_size=60,
    )
)
def test_the_fold_equals_the_oracle_on_crowded_records(
    picks: list[tuple[int, int, int | None, date, bool]],
) -> None:
    rows = [_record(*p) for p in picks]
    con = ibis.duckdb.connect()
    inputs = io.from_arrow(
        con,
        pa.Table.from_pylist(rows, schema=SCHEMA),
        pa.table({"enterprise_id": pa.array([1, 2, 3, 4], pa.int64())}),
    )
    as_of = date(2025, 6, 30)
    for catalog in (load("xiamen").catalog, load("shandong").catalog, _counting_catalog()):
        codes = Tags.of(catalog)
        hits = match_rules(
            as_known(normalise(inputs.records), as_of=as_of, known_at=None), catalog, codes, as_of
        )
        matched = hits.order_by(list(fold.HIT_COLUMNS_ORDER)).to_pyarrow()
        shape = fold.shape(catalog, codes)
        elements, gates, effects = fold.fold_elements_and_gates(matched, shape)
        o_elements, o_gates, o_effects, o_dims = ibis_folds(hits, catalog, codes)
        _same(elements, o_elements)
        _same(gates, o_gates)
        _same(fold.fold_dimensions(elements, shape), o_dims)
        if effects is not None and o_effects is not None:
            _same(effects, o_effects)


def test_the_oracle_follows_the_written_min_count() -> None:
    """The oracle reads min_count from the catalog (it once shared the engine's assumption
    that only plain elements have one): a gate of min_count 2 fires on two records, not one."""
    catalog = _counting_catalog()
    codes = Tags.of(catalog)
    as_of = date(2025, 6, 30)

    def oracle_gates(rows: list[dict[str, object]]) -> list[str]:
        con = ibis.duckdb.connect()
        inputs = io.from_arrow(
            con,
            pa.Table.from_pylist(rows, schema=SCHEMA),
            pa.table({"enterprise_id": pa.array([1], pa.int64())}),
        )
        base = as_known(normalise(inputs.records), as_of=as_of, known_at=None)
        _e, gates, _effects, _d = ibis_folds(
            match_rules(base, catalog, codes, as_of), catalog, codes
        )
        return [str(g) for g in gates["gate"].to_pylist()]

    assert oracle_gates([penalty(1, date(2024, 5, 1))]) == []
    assert oracle_gates([penalty(1, date(2024, 5, 1)), penalty(1, date(2024, 9, 1))]) == [
        "G-PENALTY"
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, 7, 2**40, 2**62]),  # enterprise: a wide span cannot pack
            st.integers(0, 9),  # tag
            st.integers(1, 40),  # record
            st.one_of(st.none(), st.integers(2015, 2025)),  # year
        ),
        max_size=40,
    )
)
def test_the_matches_sort_as_the_engine_would_sort_them(
    rows: list[tuple[int, int, int, int | None]],
) -> None:
    """sort_hits (packed words in numpy, or Arrow where they do not fit) orders the matches as
    ``ORDER BY enterprise_id, tag, record_id`` does, each row whole (its year with it)."""
    hits = pa.table(
        {
            "enterprise_id": pa.array([r[0] for r in rows], pa.int64()),
            "record_id": pa.array([r[2] for r in rows], pa.int64()),
            "year": pa.array([r[3] for r in rows], pa.int64()),
            "tag": pa.array([r[1] for r in rows], pa.int64()),
        }
    )
    ours = fold.sort_hits(hits)
    assert ours.schema == hits.schema
    expected = sorted(
        hits.to_pylist(), key=lambda r: (r["enterprise_id"], r["tag"], r["record_id"])
    )
    got = ours.to_pylist()

    # rows equal in the three keys may come in any order (a record is never matched twice by
    # one rule: the engine never makes such ties), so compare them as sorted groups
    def key(r: dict[str, object]) -> tuple[object, ...]:
        return (r["enterprise_id"], r["tag"], r["record_id"], r["year"] is None, r["year"] or 0)

    assert [key(r)[:3] for r in got] == [key(r)[:3] for r in expected]
    assert sorted(got, key=key) == sorted(expected, key=key)
