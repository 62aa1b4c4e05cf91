"""Issue 18 item 6: Parquet input is checked like the database — a (kind, natural key,
version) twice, or several versions in force of one record, is refused with the rows named;
records of an enterprise absent from the enterprise file are reported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from zhixin.catalog.loader import load
from zhixin.demo.synth import ENTERPRISE_SCHEMA
from zhixin.engine import io, key_hashes
from zhixin.errors import Invalid
from zhixin.evaluation import service

T0 = datetime(2025, 1, 1, tzinfo=UTC)
AS_OF = date(2025, 6, 30)


def _cert(record_id: int, eid: int, key: str, version: int = 1, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(io.EXPORT_RECORD_SCHEMA.names)
    row.update(
        record_id=record_id,
        enterprise_id=eid,
        kind="certification",
        natural_key=key,
        version=version,
        subtype="ISO9001",
        status="有效",
        valid_from=date(2023, 1, 1),
        valid_to=date(2026, 1, 1),
        known_at=T0,
    )
    row.update(kw)
    return row


def _files(
    tmp_path: Path, rows: list[dict[str, Any]], ids: list[int], *, sealed: bool = False
) -> Path:
    records = pa.Table.from_pylist(rows, schema=io.EXPORT_RECORD_SCHEMA)
    if sealed:  # as the snapshot writers write it: the keys' hashes, sealed
        records = key_hashes.add_to(records.drop_columns([key_hashes.COLUMN]))
    pq.write_table(records, tmp_path / "records.parquet")
    if sealed:
        key_hashes.seal(tmp_path / "records.parquet")
    ents = [dict.fromkeys(ENTERPRISE_SCHEMA.names) | {"enterprise_id": i} for i in ids]
    pq.write_table(
        pa.Table.from_pylist(ents, schema=ENTERPRISE_SCHEMA), tmp_path / "enterprises.parquet"
    )
    return tmp_path


def _run(src: Path, tmp_path: Path) -> service.FileRunSummary:
    return service.evaluate_files(
        loaded=load("xiamen"), source_dir=src, as_of=AS_OF, out_dir=tmp_path / "out"
    )


def test_the_same_version_twice_is_refused_with_the_rows(tmp_path: Path) -> None:
    src = _files(tmp_path, [_cert(1, 1, "Q1"), _cert(2, 1, "Q1")], [1])
    with pytest.raises(Invalid) as caught:
        _run(src, tmp_path)
    assert "记录 certification Q1 第 1 版出现 2 次（record_id 1、2）" in caught.value.message


def test_several_versions_in_force_are_refused_not_counted_twice(tmp_path: Path) -> None:
    # a correction whose old version carries no superseded_at: both would count
    rows = [_cert(1, 1, "Q1"), _cert(2, 1, "Q1", version=2), _cert(3, 1, "Q3")]
    src = _files(tmp_path, rows, [1])
    with pytest.raises(Invalid) as caught:
        _run(src, tmp_path)
    assert (
        "记录 certification Q1 有 2 个现行版本（第 1、2 版均无 superseded_at，record_id 1、2）"
        in caught.value.message
    )
    rows[0]["superseded_at"] = datetime(2025, 2, 1, tzinfo=UTC)
    summary = _run(_files(tmp_path, rows, [1]), tmp_path)
    assert summary.enterprises == 1 and summary.warnings == []


def test_records_of_an_enterprise_absent_from_the_file_are_reported(tmp_path: Path) -> None:
    rows = [_cert(1, 1, "Q1"), _cert(2, 7, "Q2"), _cert(3, 7, "Q3")]
    summary = _run(_files(tmp_path, rows, [1]), tmp_path)
    assert summary.enterprises == 1 and summary.listed == 1
    assert summary.warnings == [
        "2 条记录所属的 1 个经营主体不在企业文件中，未参与评价（enterprise_id 7）"
    ]
    assert summary.known_at is not None


@pytest.mark.parametrize(
    "ids",
    [[3, 4, 5], [3, 5, 6], [3, 3, 4, 5], [5, 4, 3]],  # a range, a gap, a repeat, unordered
)
def test_absent_enterprises_are_found_whether_the_ids_are_a_range_or_not(
    ids: list[int], tmp_path: Path
) -> None:
    eids = [1, 2, 3, 4, 5, 6, 7]
    rows = [_cert(i, e, f"Q{i}") for i, e in enumerate(eids, start=1)]
    summary = _run(_files(tmp_path, rows, ids), tmp_path)
    absent = sorted(set(eids) - set(ids))
    assert summary.warnings == [
        f"{len(absent)} 条记录所属的 {len(absent)} 个经营主体不在企业文件中，未参与评价"
        f"（enterprise_id {'、'.join(str(i) for i in absent)}）"
    ]


def test_a_sealed_snapshot_is_checked_on_its_hash_column(tmp_path: Path) -> None:
    src = _files(
        tmp_path, [_cert(1, 1, "Q1"), _cert(2, 1, "Q1"), _cert(3, 1, "Q3")], [1], sealed=True
    )
    assert key_hashes.read_sealed(src / "records.parquet") is not None
    with pytest.raises(Invalid) as caught:
        _run(src, tmp_path)
    assert "记录 certification Q1 第 1 版出现 2 次（record_id 1、2）" in caught.value.message


def test_a_hash_column_that_disagrees_with_its_keys_is_not_trusted(tmp_path: Path) -> None:
    """A sealed snapshot edited afterwards (a natural key changed, the hashes and the seal
    kept): the hashes no longer tell the repeat, so the check hashes the keys itself."""
    src = _files(tmp_path, [_cert(1, 1, "Q1"), _cert(2, 1, "Q2")], [1], sealed=True)
    path = src / "records.parquet"
    records = pq.read_table(path)
    keys = records["natural_key"].to_pylist()
    edited = records.set_column(
        records.schema.get_field_index("natural_key"), "natural_key", pa.array([keys[0]] * 2)
    )
    pq.write_table(edited, path)
    assert (src / key_hashes.SEAL_NAME).is_file()
    assert key_hashes.read_sealed(path) is None
    with pytest.raises(Invalid) as caught:
        _run(src, tmp_path)
    assert "记录 certification Q1 第 1 版出现 2 次（record_id 1、2）" in caught.value.message


def test_a_sealed_snapshot_of_good_records_passes_with_no_warning(tmp_path: Path) -> None:
    rows = [_cert(1, 1, "Q1"), _cert(2, 2, "Q2"), _cert(3, 3, "Q3")]
    summary = _run(_files(tmp_path, rows, [1, 2, 3], sealed=True), tmp_path)
    assert summary.enterprises == 3 and summary.warnings == []
