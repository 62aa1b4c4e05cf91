"""The synthetic region generator: deterministic, valid and realistically skewed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from zhixin.demo.synth import (
    DEMO_MARK,
    ENTERPRISE_SCHEMA,
    RECORD_SCHEMA,
    generate,
    write_parquet,
)
from zhixin.enterprises.rules import (
    KINDS,
    SIZE_CLASSES,
    STATUSES,
    is_valid_industry,
    is_valid_region,
    make_uscc,
    normalise_uscc,
)
from zhixin.records.fields import SHARED_COLUMNS
from zhixin.records.kinds import RECORD_KINDS

N = 12_000


def _all(n: int, seed: int = 20251, chunk_size: int = 200_000) -> tuple[pa.Table, pa.Table]:
    ents, recs = zip(*generate(n, seed=seed, chunk_size=chunk_size), strict=True)
    return pa.concat_tables(ents).combine_chunks(), pa.concat_tables(recs).combine_chunks()


@pytest.fixture(scope="module")
def data() -> tuple[pa.Table, pa.Table]:
    return _all(N)


def test_schemas_and_ids(data: tuple[pa.Table, pa.Table]) -> None:
    ent, rec = data
    assert ent.schema.equals(ENTERPRISE_SCHEMA)
    assert rec.schema.equals(RECORD_SCHEMA)
    assert ent["enterprise_id"].to_pylist() == list(range(1, N + 1))
    assert rec["record_id"].to_pylist() == list(range(1, rec.num_rows + 1))
    assert rec.num_rows > 2 * N
    eids = set(ent["enterprise_id"].to_pylist())
    assert set(rec["enterprise_id"].to_pylist()) <= eids
    # uscc on the record is the owner's
    owner = dict(zip(ent["enterprise_id"].to_pylist(), ent["uscc"].to_pylist(), strict=True))
    assert all(
        owner[e] == u
        for e, u in zip(rec["enterprise_id"].to_pylist(), rec["uscc"].to_pylist(), strict=True)
    )
    assert set(rec["version"].to_pylist()) == {1}
    assert set(rec["source_system"].to_pylist()) == {"synthetic"}
    assert rec["known_at"].null_count == 0
    hashes = rec["content_hash"].to_pylist()
    assert all(len(h) == 32 and int(h, 16) >= 0 for h in hashes)
    assert len(set(hashes)) == len(hashes)


def test_determinism() -> None:
    a_ent, a_rec = _all(3_000, seed=7)
    b_ent, b_rec = _all(3_000, seed=7)
    c_ent, c_rec = _all(3_000, seed=8)
    assert a_ent.equals(b_ent) and a_rec.equals(b_rec)
    assert not a_ent.equals(c_ent)
    assert a_ent["uscc"].to_pylist() != c_ent["uscc"].to_pylist()
    assert a_rec["natural_key"].to_pylist() != c_rec["natural_key"].to_pylist()


def test_chunking_gives_the_same_data(data: tuple[pa.Table, pa.Table]) -> None:
    ent, rec = data
    for chunk in (1_000, 4_321, 9_000):
        c_ent, c_rec = _all(N, chunk_size=chunk)
        assert c_ent.equals(ent), chunk
        assert c_rec.equals(rec), chunk
    chunks = list(generate(N, chunk_size=5_000))
    assert [e.num_rows for e, _r in chunks] == [5_000, 5_000, 2_000]


def test_prefix_of_a_larger_run_is_the_same() -> None:
    small_ent, _ = _all(2_000)
    big_ent, _ = _all(3_000)
    assert small_ent["uscc"].equals(big_ent["uscc"].slice(0, 2_000))


def test_uscc_valid_and_unique(data: tuple[pa.Table, pa.Table]) -> None:
    ent, _ = data
    usccs = ent["uscc"].to_pylist()
    assert len(set(usccs)) == len(usccs)
    for u, kind, region in zip(
        usccs, ent["kind"].to_pylist(), ent["region_code"].to_pylist(), strict=True
    ):
        assert normalise_uscc(u) == u
        assert make_uscc(u[:17]) == u
        assert u[0] == "9"
        assert u[1] == ("1" if kind == "企业" else "2")
        assert u[2:8] == region


def test_organisation_code_check_digit(data: tuple[pa.Table, pa.Table]) -> None:
    ent, _ = data
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    for u in ent["uscc"].to_pylist()[:2_000]:
        body, check = u[8:16], u[16]
        c = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        assert check == {10: "X", 11: "0"}.get(c, str(c))


def test_names_unique_and_shaped(data: tuple[pa.Table, pa.Table]) -> None:
    ent, _ = data
    names = ent["name"].to_pylist()
    assert len(set(names)) == len(names)
    for name, kind in zip(names, ent["kind"].to_pylist(), strict=True):
        if kind == "企业":
            assert name.endswith("有限公司")
        else:
            assert name.endswith(("店", "经营部", "商行"))
        assert "（" not in name


def test_enterprise_values(data: tuple[pa.Table, pa.Table]) -> None:
    ent, _ = data
    assert set(ent["kind"].to_pylist()) == set(KINDS)
    assert set(ent["size_class"].to_pylist()) <= set(SIZE_CLASSES)
    assert set(ent["status"].to_pylist()) <= set(STATUSES)
    assert all(is_valid_region(r) for r in set(ent["region_code"].to_pylist()))
    assert all(is_valid_industry(i) for i in set(ent["industry_code"].to_pylist()))
    dates = ent["established_on"].to_pylist()
    assert min(dates).year >= 1995 and max(dates).year <= 2024
    caps = ent["registered_capital"].to_pylist()
    assert all(c > 0 and c == c.quantize(c.__class__("0.01")) for c in caps)
    kinds = Counter(ent["kind"].to_pylist())
    assert 0.82 < kinds["企业"] / N < 0.88
    industries = Counter(i[0] for i in ent["industry_code"].to_pylist())
    assert industries["C"] / N > 0.6
    assert {"F", "I", "M"} <= set(industries)
    status = Counter(ent["status"].to_pylist())
    assert status["存续"] / N > 0.8


def test_size_skew(data: tuple[pa.Table, pa.Table]) -> None:
    ent, _ = data
    sizes = Counter(ent["size_class"].to_pylist())
    for cls, share in (("微", 0.55), ("小", 0.30), ("中", 0.12), ("大", 0.03)):
        assert abs(sizes[cls] / N - share) < 0.02, (cls, sizes[cls] / N)


def test_choice_columns_within_kinds(data: tuple[pa.Table, pa.Table]) -> None:
    _, rec = data
    assert set(rec["kind"].to_pylist()) == set(RECORD_KINDS)
    for code, spec in RECORD_KINDS.items():
        sub = rec.filter(pc.equal(rec["kind"], code))
        targets = {f.target for f in spec.fields}
        for column in SHARED_COLUMNS - targets:
            assert sub[column].null_count == sub.num_rows, (code, column)
        for f in spec.fields:
            col = sub[f.target]
            if f.required:
                assert col.null_count == 0, (code, f.key)
            if f.choices:
                values = set(col.drop_null().to_pylist())
                assert values <= set(f.choices), (code, f.key, values - set(f.choices))
            if f.column is None:  # lands in extra; the generator leaves it out
                continue
        vf, vt = sub["valid_from"], sub["valid_to"]
        both = pc.and_(pc.is_valid(vf), pc.is_valid(vt))
        assert not pc.any(pc.and_(both, pc.less(vt, vf))).as_py(), code


def test_natural_keys(data: tuple[pa.Table, pa.Table]) -> None:
    _, rec = data
    for code, spec in RECORD_KINDS.items():
        sub = rec.filter(pc.equal(rec["kind"], code))
        keys = sub["natural_key"].to_pylist()
        assert len(set(keys)) == len(keys), code
        rows = sub.select(["uscc", *[spec.field_by_key(k).target for k in spec.key_fields]])
        for row, key in zip(rows.to_pylist()[:500], keys, strict=False):
            parts = [row["uscc"]]
            for k in spec.key_fields:
                v = row[spec.field_by_key(k).target]
                parts.append(
                    "" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
                )
            assert key == "|".join(parts)
            assert len(key) <= 191


def test_record_mix(data: tuple[pa.Table, pa.Table]) -> None:
    ent, rec = data
    per_ent = Counter(rec["enterprise_id"].to_pylist())
    counts = [per_ent.get(i, 0) for i in range(1, N + 1)]
    few = sum(1 for c in counts if c <= 3)
    assert few / N > 0.6  # most hold 0–3
    assert max(counts) > 60  # and a heavy tail
    size = dict(zip(ent["enterprise_id"].to_pylist(), ent["size_class"].to_pylist(), strict=True))
    by_size: dict[str, list[int]] = {}
    for i, c in enumerate(counts, start=1):
        by_size.setdefault(size[i], []).append(c)
    mean = {k: sum(v) / len(v) for k, v in by_size.items()}
    assert mean["大"] > mean["中"] > mean["小"] > mean["微"]
    kinds = Counter(rec["kind"].to_pylist())
    penalised = len(set(rec.filter(pc.equal(rec["kind"], "penalty"))["enterprise_id"].to_pylist()))
    assert 0.01 < penalised / N < 0.04
    spot = rec.filter(pc.equal(rec["kind"], "spot_check"))
    passed = pc.sum(pc.cast(spot["passed"], pa.int64())).as_py() / spot.num_rows
    assert 0.85 < passed < 0.98
    assert kinds["list_entry"] > 0
    lists = rec.filter(pc.equal(rec["kind"], "list_entry"))
    assert 0 < lists["valid_to"].null_count < lists.num_rows  # some removed, some not
    penalties = rec.filter(pc.equal(rec["kind"], "penalty"))
    assert "产品质量" in set(penalties["subtype"].to_pylist())
    dates = pc.drop_null(pc.coalesce(rec["valid_from"], rec["event_date"])).to_pylist()
    assert min(dates).year >= 2015 and max(dates).year <= 2026
    certs = rec.filter(pc.equal(rec["kind"], "certification"))
    spans = pc.days_between(certs["valid_from"], certs["valid_to"]).to_pylist()
    assert all(1090 <= s <= 1100 for s in spans)


def test_consecutive_contract_credit_years(data: tuple[pa.Table, pa.Table]) -> None:
    _, rec = data
    cc = rec.filter(pc.equal(rec["kind"], "contract_credit"))
    years: dict[int, set[int]] = {}
    for e, y in zip(cc["enterprise_id"].to_pylist(), cc["year"].to_pylist(), strict=True):
        years.setdefault(e, set()).add(y)
    in_a_row = [e for e, ys in years.items() if any(y + 1 in ys for y in ys)]
    single = [e for e, ys in years.items() if len(ys) == 1]
    assert len(in_a_row) > 20
    assert single
    assert all(2015 <= y <= 2025 for ys in years.values() for y in ys)


def test_write_parquet(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    summary = write_parquet(tmp_path, 3_000, seed=11, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3_000, 3_000)
    ent = pq.read_table(tmp_path / "enterprises.parquet")
    rec = pq.read_table(tmp_path / "records.parquet")
    assert ent.num_rows == summary.enterprises == 3_000
    assert rec.num_rows == summary.records == sum(summary.by_kind.values())
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["marker"] == DEMO_MARK
    assert manifest["seed"] == 11
    assert manifest["by_kind"] == summary.by_kind
    assert "generated_at" in manifest
    g_ent, g_rec = _all(3_000, seed=11)
    assert ent.equals(g_ent.replace_schema_metadata(ent.schema.metadata))
    assert rec.num_rows == g_rec.num_rows
    with pytest.raises(Exception):  # noqa: B017 - frozen dataclass
        summary.records = 0  # type: ignore[misc]
