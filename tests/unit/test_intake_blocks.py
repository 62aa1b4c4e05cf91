"""Column-wise validation (``intake.blocks``) gives exactly what row-by-row validation gives.

The import validates a block of rows at a time; ``parse_row`` and ``row_key`` remain the
reference. For every record kind, blocks of good rows mixed with damaged ones (bad codes,
empty required cells, aliases, full-width text, odd dates, dates in the wrong order, blank and
short rows, spreadsheet numbers, dates and flags) must give the same parsed rows, errors (line,
field, reason, in order) and natural keys.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest

from zhixin.enterprises.rules import make_uscc
from zhixin.intake.blocks import RecordBlock, block_keys, parse_block, parse_columns
from zhixin.intake.headers import match_headers
from zhixin.intake.rows import ParsedRow, parse_row, row_key
from zhixin.intake.specs import ENTERPRISE, example_value, get_spec, import_kinds
from zhixin.records.fields import FieldType

RECORD_CODES = [code for code, _ in import_kinds() if code != ENTERPRISE]
USCCS = [make_uscc(f"9135020{i:010d}") for i in range(40)]


def damaged(f: Any, rng: random.Random) -> object:
    """One cell for field ``f``: usually a good value, often a damaged or unusual one."""
    good = example_value(f)
    options: list[object] = [good, good, good, "", None, "  ", f"  {good}  ", "??", "x" * 300]
    if f.type == FieldType.choice:
        options += [*f.choices, *f.aliases, f.choices[0].lower(), f" {f.choices[-1]} ", "未知"]
    elif f.type == FieldType.date:
        options += [
            "2024/3/18", "2024年3月18日", "2024-02-30", "20240318", "2024/3/18 0:00", "45369",
            "2026-13-01", date(2023, 1, 5), datetime(2022, 6, 1, 12, 0), 45000, 45000.0, "昨天",
        ]  # fmt: skip
    elif f.type == FieldType.year:
        options += ["2023", "2023年", "23", 2021, "abcd"]
    elif f.type == FieldType.money:
        options += ["1,234.565", "1.5万", "¥12", "-3", "1e30", 12.5, 7]
    elif f.type == FieldType.int:
        options += ["3", "3.5", "-1", "99999", 4, 4.0]
    elif f.type == FieldType.bool:
        options += ["是", "否", "Y", "n", "maybe", True, False, 1]
    else:
        options += ["ＡＢＣ１２３", "证书-甲", "a\u3000b", 12.0, 12345678901, True]
    return rng.choice(options)


def uscc_cell(rng: random.Random) -> object:
    u = rng.choice(USCCS)
    return rng.choice(
        [u, u, u, u, u.lower(), f" {u} ", u[:-1] + ("0" if u[-1] != "0" else "1"), u[:10], "",
         None, u.replace("0", "０"), f"{u[:6]}-{u[6:]}", "913502001234567890", 123.0]
    )  # fmt: skip


def messy_rows(code: str, n: int, seed: int) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    spec = get_spec(code)
    rng = random.Random(seed)
    header = [f.header for f in spec.fields]
    rows: list[tuple[int, list[Any]]] = []
    for line in range(2, n + 2):
        pick = rng.random()
        if pick < 0.05:
            cells: list[Any] = ["", " ", None][: rng.randint(0, 3)]  # blank (or empty) rows
        else:
            good = pick < 0.55  # half the rows clean, the rest with damage in any cell
            cells = [rng.choice(USCCS) if good else uscc_cell(rng)]
            for f in spec.fields[1:]:
                cells.append(example_value(f) if good else damaged(f, rng))
            if (
                good
                and {"valid_from", "valid_to"} <= {f.key for f in spec.fields}
                and rng.random() < 0.5
            ):
                keys = [f.key for f in spec.fields]
                start = date(2018, 1, 1).toordinal() + rng.randint(0, 2000)
                cells[keys.index("valid_from")] = date.fromordinal(start).isoformat()
                cells[keys.index("valid_to")] = date.fromordinal(start + rng.randint(-30, 900))
            if rng.random() < 0.1:
                cells = cells[: rng.randint(1, len(cells))]  # a short row
            elif rng.random() < 0.1:
                cells = [*cells, "备注", "x"]  # a long row
        rows.append((line, cells))
    return header, rows


@pytest.mark.parametrize("code", RECORD_CODES)
def test_blocks_give_what_rows_give(code: str) -> None:
    header, rows = messy_rows(code, 1500, seed=len(code))
    hmap = match_headers(code, header)
    want = [parse_row(code, hmap, cells, line) for line, cells in rows]
    got = [x for i in range(0, len(rows), 256) for x in parse_block(code, hmap, rows[i : i + 256])]
    assert got == want
    kinds = {type(x).__name__ for x in want}
    assert kinds == {"ParsedRow", "list", "NoneType"}  # all three outcomes were exercised
    assert sum(isinstance(x, ParsedRow) for x in want) > 300
    keys = [row_key(code, hmap, cells) for _, cells in rows]
    assert [
        k for i in range(0, len(rows), 300) for k in block_keys(code, hmap, rows[i : i + 300])
    ] == keys


def test_blocks_follow_the_header_layout() -> None:
    """Columns in another order, one optional column absent, and unknown columns."""
    code = "product_certification"
    header, rows = messy_rows(code, 600, seed=7)
    order = [7, 0, 2, 1, 6, 5, 3]  # 认证机构 (optional here) left out, the rest shuffled
    new_header = ["序号", *(header[i] for i in order), "备注"]
    moved = [
        (line, [line, *(c[i] if i < len(c) else None for i in order), "x"]) for line, c in rows
    ]
    hmap = match_headers(code, new_header)
    want = [parse_row(code, hmap, cells, line) for line, cells in moved]
    assert parse_block(code, hmap, moved) == want
    assert block_keys(code, hmap, moved) == [row_key(code, hmap, c) for _, c in moved]


def test_a_valid_block_row_is_the_reference_row() -> None:
    code = "certification"
    spec = get_spec(code)
    hmap = match_headers(code, [f.header for f in spec.fields])
    cells = [USCCS[3].lower(), "ISO 9001", " 00123Q45678R0M ", "中国质量认证中心", "2023/3/1",
             "2026年2月28日", "有效"]  # fmt: skip
    (got,) = parse_block(code, hmap, [(9, cells)])
    assert isinstance(got, ParsedRow)
    assert got == parse_row(code, hmap, cells, 9)
    assert got.natural_key == f"{USCCS[3]}|00123Q45678R0M"
    assert got.values["valid_from"] == date(2023, 3, 1)
    assert got.values["subtype"] == "ISO9001"


@pytest.mark.parametrize("code", RECORD_CODES)
def test_a_block_of_good_rows_comes_as_columns(code: str) -> None:
    """A block whose rows are all good comes as a ``RecordBlock`` (columns, no row objects),
    and its rows are ``parse_row``'s; one refused row sends the block back row by row."""
    header, rows = messy_rows(code, 1500, seed=len(code) + 1)
    hmap = match_headers(code, header)
    good = [(line, c) for line, c in rows if isinstance(parse_row(code, hmap, c, line), ParsedRow)]
    blocks = [good[i : i + 50] for i in range(0, len(good), 50)]
    whole = 0
    for block in blocks:
        got = parse_columns(code, hmap, block)
        want = [parse_row(code, hmap, c, line) for line, c in block]
        if isinstance(got, RecordBlock):
            whole += 1
            assert got.rows() == want
            assert got.lines == [line for line, _ in block]
            assert list(got.columns) == list(want[0].values)  # type: ignore[union-attr]
        else:
            assert got == want
    assert whole >= len(blocks) // 2  # most blocks of valid rows need no row-by-row look
    refused = [*blocks[0][:10], (99_999, [USCCS[0][:10], *blocks[0][0][1][1:]])]
    got = parse_columns(code, hmap, refused)
    assert got == [parse_row(code, hmap, c, line) for line, c in refused]
