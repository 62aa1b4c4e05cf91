"""Re-importing a file is idempotent even when a natural key repeats across chunks (issue 15,
item 13): within a file the last row for a key wins, the earlier rows count as duplicates, and
importing the same file again changes nothing — not a version, not a row — however often, on
SQLite, PostgreSQL and MariaDB. An import that dies midway and is re-run ends as a clean one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_import import CERT_HEADER, USCCS, cert, register, write_csv
from zhixin.config import get_settings
from zhixin.intake import service, templates
from zhixin.intake.headers import match_headers
from zhixin.intake.rows import ParsedRow, parse_row, row_key
from zhixin.intake.specs import get_spec, import_kinds
from zhixin.records.fields import FieldType
from zhixin.records.models import QualityRecord


@pytest.fixture
def chunks_of_100(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ZHIXIN_IMPORT_BATCH_SIZE", "100")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _file(tmp_path: Path) -> Path:
    rows = [CERT_HEADER] + [cert(USCCS[i % 10], f"C{i}") for i in range(150)]
    rows.append(cert(USCCS[1], "C1", status="注销"))  # line 152: line 3's key, other content
    rows.append(cert(USCCS[2], "C2"))  # line 153: line 4 again, the same content
    rows.append(cert(USCCS[1], "C1", status="暂停"))  # line 154: the last word on C1
    return write_csv(tmp_path / "c.csv", rows)


def _snapshot(factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with factory() as s:
        rows = s.execute(
            select(
                QualityRecord.id,
                QualityRecord.natural_key,
                QualityRecord.version,
                QualityRecord.content_hash,
                QualityRecord.status,
                QualityRecord.superseded_at,
                QualityRecord.batch_id,
            ).order_by(QualityRecord.id)
        ).all()
        return [tuple(r) for r in rows]


def _last_row_per_key(path: Path) -> dict[str, str]:
    """What a clean import must leave live: each key's content from its last line."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    hmap = match_headers("certification", lines[0].split(","))
    out: dict[str, str] = {}
    for n, line in enumerate(lines[1:], start=2):
        parsed = parse_row("certification", hmap, line.split(","), n)
        assert isinstance(parsed, ParsedRow)
        out[parsed.natural_key] = parsed.content_hash
    return out


def _live(factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as s:
        rows = s.execute(
            select(QualityRecord.natural_key, QualityRecord.content_hash).where(
                QualityRecord.superseded_at.is_(None)
            )
        ).all()
        return dict(rows)  # type: ignore[arg-type]


def test_a_key_repeated_across_chunks_and_four_reruns(
    factory: sessionmaker[Session], tmp_path: Path, chunks_of_100: None
) -> None:
    register(factory, tmp_path)
    path = _file(tmp_path)
    first = service.run_import(factory, kind="certification", path=path, filename="c.csv")
    # 153 lines of data, 150 keys: lines 3 and 152 are replaced by line 154, line 4 by line 153
    assert (first.total_rows, first.inserted, first.corrected) == (153, 150, 0)
    assert (first.duplicates, first.replaced, first.rejected) == (3, 3, 0)
    assert _live(factory) == _last_row_per_key(path)
    with factory() as s:
        c1 = s.scalars(select(QualityRecord).where(QualityRecord.ref == "C1")).all()
        assert [(r.version, r.status, r.source_ref) for r in c1] == [(1, "暂停", "c.csv:154")]
    before = _snapshot(factory)
    for _ in range(3):
        again = service.run_import(factory, kind="certification", path=path, filename="c.csv")
        assert (again.inserted, again.corrected, again.rejected) == (0, 0, 0)
        assert again.duplicates == 153
        assert _snapshot(factory) == before  # not a version, not a row, not a batch id


def test_an_import_that_dies_midway_and_is_rerun_ends_as_a_clean_import(
    factory: sessionmaker[Session],
    tmp_path: Path,
    chunks_of_100: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(factory, tmp_path)
    path = _file(tmp_path)
    real = service._commit_chunk
    calls = 0

    def dies_after_the_first_chunk(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the machine lost power")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "_commit_chunk", dies_after_the_first_chunk)
    with pytest.raises(RuntimeError):
        service.run_import(factory, kind="certification", path=path, filename="c.csv")
    monkeypatch.setattr(service, "_commit_chunk", real)
    assert 0 < len(_live(factory)) < 150
    rerun = service.run_import(factory, kind="certification", path=path, filename="c.csv")
    assert rerun.corrected == 0 and rerun.rejected == 0
    assert _live(factory) == _last_row_per_key(path)
    settled = _snapshot(factory)
    assert all(version == 1 for _, _, version, *_ in settled)  # no key was ever flipped
    again = service.run_import(factory, kind="certification", path=path, filename="c.csv")
    assert (again.inserted, again.corrected) == (0, 0) and _snapshot(factory) == settled


@pytest.mark.parametrize("code", [c for c, _ in import_kinds()])
def test_the_first_pass_key_is_the_key_the_row_is_stored_under(code: str) -> None:
    """The first pass reads only key columns: for every valid row it must give the natural key
    parse_row gives, however the cells are written (case, spaces, full-width forms, aliases)."""
    hmap = match_headers(code, templates.headers(code))
    example = templates.example_row(code)
    spellings = [
        example,
        [example[0].lower(), *example[1:]],
        [" " + example[0][:4] + " " + example[0][4:] + " ", *example[1:]],
        ["".join(chr(ord(ch) + 0xFEE0) for ch in example[0]), *example[1:]],  # full-width
        [example[0], *(f"　{v}　" if v else v for v in example[1:])],  # ideographic spaces
    ]
    spec = get_spec(code)
    for i, f in enumerate(spec.fields):
        if f.key not in spec.key_fields:
            continue
        alias = next((a for a, c in f.aliases.items() if c == example[i]), None)
        if alias is not None:
            spellings.append([*example[:i], alias.lower(), *example[i + 1 :]])
        if f.type == FieldType.date:
            y, m, d = (int(x) for x in example[i].split("-"))
            spellings.append([*example[:i], f"{y}年{m}月{d}日", *example[i + 1 :]])
            spellings.append([*example[:i], f"{y}/{m}/{d}", *example[i + 1 :]])
    for cells in spellings:
        parsed = parse_row(code, hmap, cells, 2)
        assert isinstance(parsed, ParsedRow), (cells, parsed)
        assert row_key(code, hmap, cells) == parsed.natural_key
