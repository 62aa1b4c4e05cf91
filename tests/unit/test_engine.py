"""The evaluation engine on DuckDB, over small hand-built record tables (no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhixin.catalog.loader import load
from zhixin.catalog.schema import Catalog
from zhixin.demo.synth import write_parquet
from zhixin.engine import io
from zhixin.engine.evaluate import EvaluationOutput, evaluate
from zhixin.engine.explain import explain, rows_from_output

AS_OF = date(2025, 6, 30)
XIAMEN = load("xiamen").catalog
T0 = datetime(2020, 1, 1, tzinfo=UTC)

SCHEMA = pa.schema(
    [
        ("record_id", pa.int64()),
        ("enterprise_id", pa.int64()),
        ("kind", pa.string()),
        ("subtype", pa.string()),
        ("ref", pa.string()),
        ("title", pa.string()),
        ("level", pa.string()),
        ("status", pa.string()),
        ("issuer", pa.string()),
        ("event_date", pa.date32()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("year", pa.int16()),
        ("rank", pa.int16()),
        ("passed", pa.bool_()),
        ("flag", pa.bool_()),
        ("repaired_on", pa.date32()),
        ("known_at", pa.timestamp("us", tz="UTC")),
        ("superseded_at", pa.timestamp("us", tz="UTC")),
    ]
)
_ids = itertools.count(1)


def rec(enterprise_id: int, kind: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SCHEMA.names)
    row.update(record_id=next(_ids), enterprise_id=enterprise_id, kind=kind, known_at=T0)
    row.update(fields)
    return row


def iso(eid: int, subtype: str = "ISO9001", **kw: Any) -> dict[str, Any]:
    base = {"subtype": subtype, "status": "有效", "valid_from": date(2023, 1, 1)}
    base["valid_to"] = date(2026, 1, 1)
    return rec(eid, "certification", **(base | kw))


def cc(eid: int, year: int, **kw: Any) -> dict[str, Any]:
    return rec(eid, "contract_credit", year=year, level="市级", **kw)


def penalty(eid: int, day: date, **kw: Any) -> dict[str, Any]:
    return rec(eid, "penalty", subtype="产品质量", level="一般", event_date=day, **kw)


def run(
    rows: list[dict[str, Any]],
    catalog: Catalog = XIAMEN,
    *,
    enterprises: list[int] | None = None,
    **kw: Any,
) -> EvaluationOutput:
    ids = enterprises or sorted({r["enterprise_id"] for r in rows}) or [1]
    con = ibis.duckdb.connect()
    inputs = io.from_arrow(
        con,
        pa.Table.from_pylist(rows, schema=SCHEMA),
        pa.table({"enterprise_id": pa.array(ids, pa.int64())}),
    )
    return evaluate(inputs.records, inputs.enterprises, catalog, as_of=kw.pop("as_of", AS_OF), **kw)


def dims(out: EvaluationOutput, eid: int) -> dict[str, str]:
    t = out.dimensions.filter(pc.equal(out.dimensions["enterprise_id"], eid))
    return dict(zip(t["dimension"].to_pylist(), t["level"].to_pylist(), strict=True))


def result(out: EvaluationOutput, eid: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = out.results.filter(
        pc.equal(out.results["enterprise_id"], eid)
    ).to_pylist()
    return rows[0]


# -- the Xiamen cases of seed 000 ------------------------------------------------------------


def test_contract_abiding_twice_in_a_row_within_three_years_is_class_one() -> None:
    rows = [cc(1, 2023), cc(1, 2024), iso(1, "ISO9001"), iso(1, "ISO14001"), iso(1, "ISO45001")]
    out = run(rows)
    assert dims(out, 1) == {"credit": "I", "infrastructure": "III"}
    held = out.elements.filter(pc.equal(out.elements["element"], "QC-01")).to_pylist()
    assert held[0]["level"] == "I" and held[0]["measure"] == 2
    assert held[0]["record_ids"] == sorted(r["record_id"] for r in rows[:2])
    r = result(out, 1)
    # credit 30 + 10 (QC-02 also held) = 40, infrastructure 10: (40 + 10) × 20 / 100 = 10.00
    assert r["total_score"] == Decimal("10.00")
    assert r["listed"] is True and r["entries"] == 2 and r["overall_level"] == "II"


def test_a_system_certification_alone_is_class_three_in_infrastructure() -> None:
    out = run([iso(1)])
    assert dims(out, 1) == {"infrastructure": "III"}
    assert result(out, 1)["total_score"] == Decimal("2.00")


def test_contract_abiding_with_a_gap_or_out_of_window_is_not_class_one() -> None:
    out = run([cc(1, 2021), cc(1, 2023), cc(2, 2020), cc(2, 2021), cc(3, 2024), cc(3, 2025)])
    assert dims(out, 1) == {"credit": "III"}
    assert dims(out, 2) == {}
    assert dims(out, 3) == {"credit": "I"}


def test_expired_or_suspended_certificates_do_not_count() -> None:
    out = run([iso(1, valid_to=date(2025, 6, 29)), iso(2, status="暂停"), iso(3, valid_to=AS_OF)])
    assert dims(out, 1) == {} and dims(out, 2) == {} and dims(out, 3) == {"infrastructure": "III"}


def test_invention_patents_confer_a_level_by_count() -> None:
    def patents(eid: int, n: int) -> list[dict[str, Any]]:
        day = date(2022, 5, 1)
        return [rec(eid, "patent", subtype="发明", status="有效", event_date=day) for _ in range(n)]

    out = run(patents(1, 5) + patents(2, 4) + patents(3, 0) + [iso(3)])
    assert dims(out, 1) == {"innovation": "II"}
    assert dims(out, 2) == {"innovation": "III"}
    assert "innovation" not in dims(out, 3)


def test_three_elements_at_class_three_lift_the_dimension() -> None:
    infra = [
        iso(1),
        rec(1, "accreditation", subtype="CMA", status="有效", valid_from=date(2022, 1, 1)),
        rec(1, "title", subtype="计量伙伴计划", level="市级", valid_from=date(2024, 1, 1)),
    ]
    assert dims(run(infra), 1) == {"infrastructure": "II"}
    assert dims(run(infra[:2]), 1) == {"infrastructure": "III"}


# -- gates ------------------------------------------------------------------------------------


def test_a_penalty_within_three_years_removes_the_listing() -> None:
    out = run([iso(1), penalty(1, date(2023, 1, 5))])
    r = result(out, 1)
    assert r["listed"] is False and r["entries"] == 0 and r["gates_failed"] == ["G-PENALTY"]
    assert dims(out, 1) == {"infrastructure": "III"}  # the level stands; the listing goes
    assert out.gates.to_pylist()[0]["record_ids"] == [out.gates["record_ids"][0][0].as_py()]


def test_a_repaired_penalty_and_an_old_one_do_not_bar() -> None:
    out = run(
        [
            iso(1),
            penalty(1, date(2024, 1, 5), repaired_on=date(2025, 3, 1)),
            iso(2),
            penalty(2, date(2022, 6, 29)),
            iso(3),
            penalty(3, date(2024, 1, 5), repaired_on=date(2025, 7, 1)),  # repaired after as-of
        ]
    )
    assert result(out, 1)["listed"] is True
    assert result(out, 2)["listed"] is True
    assert result(out, 3)["listed"] is False


def test_list_entries_bar_only_while_in_force() -> None:
    def entry(eid: int, subtype: str, vt: date | None) -> dict[str, Any]:
        return rec(eid, "list_entry", subtype=subtype, valid_from=date(2024, 1, 1), valid_to=vt)

    out = run(
        [
            iso(1),
            entry(1, "经营异常名录", date(2025, 1, 1)),  # removed before as-of
            iso(2),
            entry(2, "严重违法失信名单", None),
            iso(3),
            entry(3, "经营异常名录", date(2025, 12, 31)),
        ]
    )
    assert result(out, 1)["listed"] is True
    assert result(out, 2)["gates_failed"] == ["G-SERIOUS"] and not result(out, 2)["listed"]
    assert result(out, 3)["gates_failed"] == ["G-ABNORMAL"]


def test_a_failed_spot_check_in_the_last_year_bars_and_blocks_the_element() -> None:
    def spot(eid: int, day: date, ok: bool) -> dict[str, Any]:
        return rec(eid, "spot_check", event_date=day, passed=ok, level="市级")

    out = run(
        [
            spot(1, date(2025, 1, 1), True),
            spot(2, date(2025, 1, 1), True),
            spot(2, date(2024, 8, 1), False),
        ]
    )
    assert dims(out, 1) == {"credit": "III"} and result(out, 1)["listed"]
    assert dims(out, 2) == {} and result(out, 2)["gates_failed"] == ["G-SPOTFAIL"]


def test_a_cap_gate_caps_the_overall_class() -> None:
    shandong = load("shandong").catalog
    rows = [
        cc(1, 2023),
        cc(1, 2024),
        rec(
            1, "title", subtype="质量强国建设领军企业", level="国家级", valid_from=date(2024, 1, 1)
        ),
        rec(1, "award", subtype="中国质量奖", level="国家级", year=2024, title="中国质量奖"),
    ]
    # credit (30 + 10) × 15 + management (30 + 30) × 25 = 2100 hundredths
    assert result(run(rows, shandong), 1)["total_score"] == Decimal("21.00")
    assert result(run(rows, shandong), 1)["overall_level"] == "I"
    rows.append(rec(1, "list_entry", subtype="失信被执行人", valid_from=date(2025, 1, 1)))
    r = result(run(rows, shandong), 1)
    assert (
        r["overall_level"] == "III" and r["listed"] is True and r["gates_failed"] == ["G-ENFORCE"]
    )


# -- known-at: a past evaluation reproduced --------------------------------------------------


def test_known_at_reproduces_what_was_known() -> None:
    t1 = datetime(2025, 3, 1, tzinfo=UTC)
    t2 = datetime(2025, 5, 1, tzinfo=UTC)
    old = iso(1, known_at=T0, superseded_at=t2)  # corrected on t2 …
    new = iso(1, status="撤销", known_at=t2)  # … to a withdrawn certificate
    late = penalty(2, date(2024, 12, 1), known_at=t2)  # learned of on t2
    base = [old, new, iso(2), late, cc(3, 2023)]
    now = run(base)
    then = run(base, known_at=t1)
    assert dims(now, 1) == {} and dims(then, 1) == {"infrastructure": "III"}
    assert not result(now, 2)["listed"] and result(then, 2)["listed"]
    # adding a record later leaves the evaluation as known at t1 unchanged
    later = run([*base, cc(3, 2024, known_at=datetime(2025, 6, 1, tzinfo=UTC))], known_at=t1)
    assert later.results.equals(then.results) and later.elements.equals(then.elements)


# -- properties -------------------------------------------------------------------------------

QUALIFYING = [
    lambda: iso(1, "ISO14001"),
    lambda: cc(1, 2024),
    lambda: rec(1, "patent", subtype="发明", status="有效", event_date=date(2021, 1, 1)),
    lambda: rec(1, "title", subtype="专精特新小巨人", level="国家级", valid_from=date(2024, 1, 1)),
    lambda: rec(1, "award", subtype="政府质量奖", level="市级", year=2023, title="市长质量奖"),
    lambda: rec(
        1, "standard", subtype="主导", level="团体标准", event_date=date(2024, 2, 1), ref="T/X 1"
    ),
    lambda: rec(1, "accreditation", subtype="CNAS", status="有效", valid_from=date(2022, 1, 1)),
]
GATES = [
    lambda: penalty(1, date(2024, 1, 1)),
    lambda: rec(1, "list_entry", subtype="严重违法失信名单", valid_from=date(2024, 1, 1)),
    lambda: rec(1, "spot_check", event_date=date(2025, 3, 1), passed=False, level="省级"),
]
RANK = {"I": 0, "II": 1, "III": 2}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.lists(st.integers(0, len(QUALIFYING) - 1), max_size=6),
    extra=st.integers(0, len(QUALIFYING) - 1),
    gate=st.integers(0, len(GATES) - 1),
)
def test_more_records_never_lower_a_level_and_a_gate_always_removes(
    base: list[int], extra: int, gate: int
) -> None:
    rows = [QUALIFYING[i]() for i in base]
    before = dims(run(rows, enterprises=[1]), 1)
    after = dims(run([*rows, QUALIFYING[extra]()], enterprises=[1]), 1)
    for dim, level in before.items():
        assert RANK[after[dim]] <= RANK[level]
    gated = result(run([*rows, QUALIFYING[extra](), GATES[gate]()], enterprises=[1]), 1)
    assert gated["listed"] is False and gated["entries"] == 0


# -- explanation, and on demand = batch -------------------------------------------------------


def test_explanation_lists_elements_gates_and_what_would_raise_the_grade() -> None:
    rows = [iso(1), cc(1, 2024), penalty(1, date(2024, 2, 2))]
    out = run(rows)
    found = rows_from_output(out, 1)
    assert found is not None
    ex = explain(XIAMEN, found)
    infra = next(d for d in ex.dimensions if d.code == "infrastructure")
    assert infra.level == "III" and infra.elements[0]["record_ids"] == [rows[0]["record_id"]]
    assert infra.advice is not None and infra.advice.to_level == "II" and infra.advice.needed == 1
    assert "测量管理体系 AAA 级认证" in infra.advice.text
    assert infra.advice.text.endswith("（质量基础 Ⅲ类→Ⅱ类）")
    credit = next(d for d in ex.dimensions if d.code == "credit")
    assert credit.advice is not None and "再次被公示为“守合同重信用”企业" in credit.advice.text
    brand = next(d for d in ex.dimensions if d.code == "brand")
    assert brand.advice is not None and brand.advice.text.endswith("（质量品牌 无→Ⅲ类）")
    assert ex.gates[0]["code"] == "G-PENALTY" and ex.gates[0]["record_ids"] == [
        rows[2]["record_id"]
    ]
    assert any(s.startswith("一票否决：三年内受到产品质量行政处罚") for s in ex.summary)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_parquet(out, 3000, seed=7)
    return out


@pytest.mark.parametrize("name", ["xiamen", "jinjiang", "ningbo", "shandong"])
def test_every_catalog_evaluates_synthetic_data(synth_dir: Path, name: str) -> None:
    catalog = load(name).catalog
    inputs = io.read_parquet(io.connect("duckdb"), synth_dir)
    out = evaluate(inputs.records, inputs.enterprises, catalog, as_of=AS_OF)
    assert out.results.num_rows == 3000
    listed = pc.sum(pc.cast(out.results["listed"], pa.int64())).as_py()
    assert 0 < listed < 3000
    assert (
        pc.sum(out.results["entries"]).as_py()
        == pc.sum(pc.cast(out.dimensions["listed"], pa.int64())).as_py()
    )
    levels = {lv.code for lv in catalog.levels}
    assert set(out.dimensions["level"].to_pylist()) <= levels
    assert out.results.schema.field("total_score").type == pa.decimal128(12, 2)


def test_one_enterprise_on_demand_equals_the_batch(synth_dir: Path) -> None:
    inputs = io.read_parquet(io.connect("duckdb"), synth_dir)
    batch = evaluate(inputs.records, inputs.enterprises, XIAMEN, as_of=AS_OF)
    busiest = pc.value_counts(batch.elements["enterprise_id"]).to_pylist()
    ids = [v["values"] for v in sorted(busiest, key=lambda v: -v["counts"])[:3]]
    ids += batch.gates["enterprise_id"].to_pylist()[:2]
    for eid in ids:
        one = evaluate(
            inputs.records, inputs.enterprises, XIAMEN, as_of=AS_OF, enterprise_ids=[eid]
        )
        for name in ("results", "dimensions", "elements", "gates"):
            whole = getattr(batch, name)
            assert getattr(one, name).equals(whole.filter(pc.equal(whole["enterprise_id"], eid)))


def test_files_written_while_evaluating_equal_the_output(synth_dir: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    inputs = io.read_parquet(io.connect("duckdb"), synth_dir)
    writer = io.OutputWriter(tmp_path / "out")
    handed: list[str] = []

    def on_table(name: str, table: pa.Table) -> None:
        handed.append(name)
        writer(name, table)

    out = evaluate(inputs.records, inputs.enterprises, XIAMEN, as_of=AS_OF, on_table=on_table)
    paths = writer.finish()
    # the element and gate tables go first, to be written while the rest is computed
    assert handed == ["elements", "gates", "dimensions", "results"]
    assert [p.name for p in paths] == [f"{n}.parquet" for n in io.OUTPUT_NAMES]
    for name, path in zip(io.OUTPUT_NAMES, paths, strict=True):
        assert pq.read_table(path).equals(getattr(out, name)), name
    assert out.elements.num_rows > 1000
    # codes, levels and points dictionary-encoded; the ids (nearly all distinct) plain
    meta = pq.ParquetFile(paths[io.OUTPUT_NAMES.index("elements")]).metadata.row_group(0)
    encodings = {
        meta.column(i).path_in_schema.split(".")[0]: set(meta.column(i).encodings)
        for i in range(meta.num_columns)
    }
    assert set(encodings) == {
        "enterprise_id",
        "element",
        "level",
        "points",
        "measure",
        "record_ids",
    }
    for column, used in encodings.items():
        dictionary = "RLE_DICTIONARY" in used
        assert dictionary == (column not in ("enterprise_id", "record_ids")), (column, used)


def test_a_failed_evaluation_leaves_no_half_written_files(synth_dir: Path, tmp_path: Path) -> None:
    inputs = io.read_parquet(io.connect("duckdb"), synth_dir)
    writer = io.OutputWriter(tmp_path / "out")

    def fail_after_two(name: str, table: pa.Table) -> None:
        writer(name, table)
        if name == "gates":
            raise RuntimeError("磁盘已满")

    with pytest.raises(RuntimeError, match="磁盘已满"):
        try:
            evaluate(
                inputs.records, inputs.enterprises, XIAMEN, as_of=AS_OF, on_table=fail_after_two
            )
        except BaseException:
            writer.abandon()
            raise
    assert list((tmp_path / "out").iterdir()) == []
    unfinished = io.OutputWriter(tmp_path / "again")
    unfinished("elements", pa.table({"x": [1]}))
    with pytest.raises(RuntimeError, match="结果表 'results' 未写出"):
        unfinished.finish()
