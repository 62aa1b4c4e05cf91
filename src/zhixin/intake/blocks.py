"""Row validation a block of rows at a time, column by column (the import's hot path).

:func:`parse_block` gives, for each row of a block, exactly what :func:`zhixin.intake.rows.
parse_row` gives for it — the same :class:`~zhixin.intake.rows.ParsedRow`, the same errors in
the same order, None for a blank row — and :func:`block_keys` exactly what
:func:`~zhixin.intake.rows.row_key` gives. They get there cheaper: each column's distinct texts
are cleaned and converted once per block (statuses, issuers, dates and enterprises repeat down
a file), and a row whose cells are all good is assembled from its columns without a call per
cell. A row with any problem (an empty required cell, a value refused, an invalid code, dates
in the wrong order) or a blank row is handed to ``parse_row`` itself, so every error line,
field and reason is the reference's by construction. The enterprise register goes row by row
(``parse_row``): it is not the bulk kind.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import cache, partial
from itertools import repeat
from operator import itemgetter, lt, methodcaller, mul
from typing import Any, NamedTuple

from zhixin.enterprises.rules import compact_uscc
from zhixin.intake.headers import HeaderMap
from zhixin.intake.rows import (
    MEMO_MAX,
    NATURAL_KEY_MAX,
    Converter,
    ParsedRow,
    RowError,
    _check_uscc,
    _json_safe,
    _Outcome,
    _outcome,
    _plan,
    _record_layout,
    _text,
    is_blank,
    make_natural_key,
    parse_row,
    row_key,
)
from zhixin.intake.specs import ENTERPRISE, get_spec
from zhixin.records.fields import FieldType

Parsed = ParsedRow | list[RowError] | None
_NONE_OR_STR = frozenset((str, type(None)))


def _column(rows: Sequence[Sequence[object]], idx: int) -> list[Any]:
    """The cells of column ``idx`` (None where a row is shorter, or the column is absent)."""
    if idx < 0:
        return [None] * len(rows)
    try:
        return list(map(itemgetter(idx), rows))
    except IndexError:
        return [r[idx] if idx < len(r) else None for r in rows]


def _memoised(col: list[Any], fn: Callable[[Any], Any], memo: dict[Any, Any]) -> list[Any]:
    """``[fn(v) for v in col]``, calling ``fn`` once per distinct text when the column holds
    only texts and empty cells (every CSV; spreadsheets' numbers and dates go cell by cell,
    since 1, 1.0 and True are equal as keys but not as cells)."""
    if not set(map(type, col)) <= _NONE_OR_STR:
        return [fn(v) for v in col]
    if len(memo) > MEMO_MAX:
        memo.clear()
    for v in set(col).difference(memo):
        memo[v] = fn(v)
    return list(map(memo.__getitem__, col))


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}")


def _uscc_cell(raw: object) -> tuple[bool, str]:
    """:func:`~zhixin.intake.rows._check_uscc` of the cell's text. A plain code whose shape
    and check digit are right (the checks of ``stdnum.cn.uscc.validate``, done here without
    its generic cleaning) is taken at once; anything else goes to the reference check."""
    text = _text(raw)
    if not text:
        return False, ""
    if text.isascii() and text.isalnum():
        code = text.upper()
        if len(code) == 18 and _USCC_SHAPE.fullmatch(code):
            total = sum(map(mul, map(_USCC_VALUE.__getitem__, code[:17]), _USCC_WEIGHTS))
            if code[17] == _USCC_ALPHABET[(31 - total) % 31]:
                return True, code
    return _check_uscc(text)


def _uscc_key(raw: object) -> str | None:
    text = _text(raw)
    return compact_uscc(text) if text else None


@cache
def _layout(header_map: HeaderMap) -> tuple[Any, ...]:
    """Per header layout: the names a parsed row's values take (the bound columns, then
    ``kind``, ``natural_key``, ``content_hash``, ``extra``), the positions of the fields bound
    to columns and to ``extra``, of the key fields, of the two validity dates, and which
    fields are plain text (no conversion but cleaning and a length limit)."""
    plan = _plan(header_map)
    spec = get_spec(header_map.kind)
    columns, extra_keys, key_pos = _record_layout(spec.code)
    keys = [f.key for f, _, _ in plan.fields]
    col_pos = tuple(keys.index(k) for k, _ in columns)
    names = (*(c for _, c in columns), "kind", "natural_key", "content_hash", "extra")
    extra_pos = tuple((k, keys.index(k)) for k in extra_keys)
    key_field_pos = tuple(i - 1 for i in key_pos)  # key_pos counts the USCC as field 0
    dates = (
        (keys.index("valid_from"), keys.index("valid_to"))
        if "valid_from" in keys and "valid_to" in keys
        else None
    )
    plain = tuple(f.type is FieldType.text and f.max_len is not None for f, _, _ in plan.fields)
    return names, col_pos, extra_pos, key_field_pos, dates, plain


def _plain_text(col: list[Any], limit: int) -> list[str] | None:
    """The cleaned texts of a text column when every cell is ASCII text within ``limit`` (what
    ``_text`` and the text converter give such a cell: the text, stripped); else None."""
    if set(map(type, col)) != {str} or not all(map(str.isascii, col)):
        return None
    texts = list(map(str.strip, col))
    if max(map(len, texts)) > limit:
        return None
    return texts


_MD5: Callable[[bytes], Any]
try:  # CPython's own MD5 (the same digest): about half the cost of a call through OpenSSL 3,
    # whose constructor looks the algorithm up anew on every call (a row's hash is one call)
    from _md5 import md5 as _MD5  # type: ignore[import-not-found,no-redef]  # noqa: N812
except ImportError:  # a Python built without its own hashes
    _MD5 = partial(hashlib.md5, usedforsecurity=False)
_HEX = methodcaller("hexdigest")


class RecordBlock(NamedTuple):
    """A block of rows that are all good, as columns: what :func:`parse_block` would give as
    one :class:`~zhixin.intake.rows.ParsedRow` per row, without building them (the import's
    writer takes columns). ``columns`` maps every name of a parsed row's ``values`` (the bound
    columns, ``kind``, ``natural_key``, ``content_hash``, ``extra``) to the rows' values."""

    lines: list[int]
    usccs: list[str]
    columns: dict[str, list[Any]]

    def rows(self) -> list[ParsedRow]:
        """The block as :class:`~zhixin.intake.rows.ParsedRow` (what ``parse_row`` gives)."""
        names = list(self.columns)
        cols = map(dict, map(zip, repeat(names), zip(*self.columns.values(), strict=True)))
        c = self.columns
        return list(
            map(ParsedRow, self.lines, self.usccs, c["natural_key"], c["content_hash"], cols)
        )


def parse_block(
    kind: str, header_map: HeaderMap, block: Sequence[tuple[int, list[Any]]]
) -> list[Parsed]:
    """:func:`~zhixin.intake.rows.parse_row` of each ``(line, cells)`` of ``block``, in order."""
    got = parse_columns(kind, header_map, block)
    if isinstance(got, RecordBlock):
        return [*got.rows()]
    return got


def parse_columns(
    kind: str, header_map: HeaderMap, block: Sequence[tuple[int, list[Any]]]
) -> RecordBlock | list[Parsed]:
    """:func:`parse_block`, but a block whose rows are all good (none blank, none refused,
    none that needs ``parse_row``) comes back as a :class:`RecordBlock` of columns."""
    if kind == ENTERPRISE or not block:
        return [parse_row(kind, header_map, cells, line) for line, cells in block]
    good, rb = _validate(kind, header_map, block)
    if good is None:
        return rb
    return [
        p if ok else parse_row(kind, header_map, cells, line)
        for p, ok, (line, cells) in zip(rb.rows(), good, block, strict=True)
    ]


def _outcomes(
    col: list[Any], conv: Converter, memo: dict[Any, _Outcome] | None
) -> dict[Any, _Outcome] | None:
    """The outcome of each distinct cell of ``col`` (converted once each) when the column holds
    only texts and empty cells; None otherwise (spreadsheet numbers and dates go cell by cell:
    1, 1.0 and True are equal as keys but not as cells)."""
    if not set(map(type, col)) <= _NONE_OR_STR:
        return None
    if memo is None:
        memo = {}
    elif len(memo) > MEMO_MAX:
        memo.clear()
    distinct = set(col)
    fn = partial(_outcome, conv=conv)
    for v in distinct.difference(memo):
        memo[v] = fn(v)
    return {v: memo[v] for v in distinct}


def _validate(
    kind: str, header_map: HeaderMap, block: Sequence[tuple[int, list[Any]]]
) -> tuple[list[bool] | None, RecordBlock]:
    """Every row of ``block`` validated column by column and assembled as if good: the rows'
    columns, and which rows are good (None when all are; a row that is not goes to
    ``parse_row``). Each column's distinct texts are converted once, and a column whose
    distinct cells are all good needs no look at its rows."""
    plan = _plan(header_map)
    names, col_pos, extra_pos, key_field_pos, dates, plain = _layout(header_map)
    rows = [cells for _, cells in block]
    n = len(rows)
    ucol = _memoised(_column(rows, plan.uscc_index), _uscc_cell, {})
    usccs = [u for _, u in ucol]
    oks: list[list[bool]] = []
    if not all(ok for ok, _ in ucol):
        oks.append([ok for ok, _ in ucol])
    values: list[list[Any]] = []
    canons: list[list[str]] = []
    for (f, idx, conv), memo, is_plain in zip(plan.fields, plan.memos, plain, strict=True):
        col = _column(rows, idx)
        texts = _plain_text(col, f.max_len) if is_plain else None
        if texts is not None:
            if f.required and not all(texts):
                oks.append(list(map(bool, texts)))
            values.append([t or None for t in texts] if not all(texts) else texts)
            canons.append(texts)
            continue
        distinct = _outcomes(col, conv, memo)
        if distinct is not None:  # each distinct cell's outcome, then the rows' by look-up
            bad = {
                v for v, o in distinct.items() if o[3] is not None or (f.required and o[0] == "")
            }
            if bad:
                oks.append([v not in bad for v in col])
            value_of = {v: o[1] for v, o in distinct.items()}
            canon_of = {v: o[2] for v, o in distinct.items()}
            values.append(list(map(value_of.__getitem__, col)))
            canons.append(list(map(canon_of.__getitem__, col)))
            continue
        outcomes = [_outcome(v, conv) for v in col]
        if f.required:
            oks.append([o[3] is None and o[0] != "" for o in outcomes])
        else:
            oks.append([o[3] is None for o in outcomes])
        values.append([o[1] for o in outcomes])
        canons.append([o[2] for o in outcomes])
    good = list(map(all, zip(*oks, strict=True))) if oks else None
    if dates is not None:  # 有效期至 before 发证日期: parse_row says so
        starts, ends = values[dates[0]], values[dates[1]]
        if None in starts or None in ends:
            early = [
                a is not None and b is not None and b < a for a, b in zip(starts, ends, strict=True)
            ]
        else:
            early = list(map(lt, ends, starts))
        if any(early):
            good = [g and not e for g, e in zip(good or repeat(True), early, strict=False)]
    # every row assembled as if good (a bad one's is dropped by the caller): all C-level maps
    keys = list(map("|".join, zip(usccs, *(canons[i] for i in key_field_pos), strict=False)))
    if max(map(len, keys)) > NATURAL_KEY_MAX:
        keys = [
            make_natural_key(u, list(parts))
            for u, parts in zip(
                usccs, zip(*(canons[i] for i in key_field_pos), strict=False), strict=False
            )
        ]
    joined = map(str.encode, map("\x1f".join, zip(usccs, *canons, strict=True)))
    hashes = list(map(_HEX, map(_MD5, joined)))
    if extra_pos:
        extras = [
            {k: _json_safe(vals[i]) for k, i in extra_pos if vals[i] is not None}
            for vals in zip(*values, strict=False)
        ]
    else:
        extras = [{} for _ in range(n)]
    columns = dict(
        zip(names, [*(values[i] for i in col_pos), [kind] * n, keys, hashes, extras], strict=True)
    )
    if good is not None and all(good):
        good = None
    return good, RecordBlock([line for line, _ in block], usccs, columns)


def block_keys(
    kind: str, header_map: HeaderMap, block: Sequence[tuple[int, list[Any]]]
) -> list[str | None]:
    """:func:`~zhixin.intake.rows.row_key` of each ``(line, cells)`` of ``block``, in order."""
    if not block:
        return []
    plan = _plan(header_map)
    rows = [cells for _, cells in block]
    usccs = _memoised(_column(rows, plan.uscc_index), _uscc_key, {})
    if kind == ENTERPRISE:
        return usccs
    layout = _layout(header_map)
    key_field_pos, plain = layout[3], layout[5]
    parts: list[list[str | None]] = []
    for i in key_field_pos:
        f, idx, conv = plan.fields[i]
        memo = plan.memos[i]
        col = _column(rows, idx)
        texts = _plain_text(col, f.max_len) if plain[i] else None
        if texts is not None:
            parts.append(list(texts))
            continue
        outcomes = _memoised(col, partial(_outcome, conv=conv), memo if memo is not None else {})
        parts.append([None if o[3] is not None else (o[2] if o[0] else "") for o in outcomes])
    if None not in usccs and not any(None in p for p in parts):  # every key readable: at once
        keys: list[str | None] = list(map("|".join, zip(usccs, *parts, strict=True)))
        if max(map(len, keys)) <= NATURAL_KEY_MAX:  # type: ignore[arg-type]
            return keys
    keys = []
    for (_line, cells), uscc, key_parts in zip(block, usccs, zip(*parts, strict=True), strict=True):
        if uscc is None:
            keys.append(None)
        elif None in key_parts:
            keys.append(row_key(kind, header_map, cells))
        else:
            keys.append(make_natural_key(uscc, key_parts))
    return keys


__all__ = ["RecordBlock", "block_keys", "is_blank", "parse_block", "parse_columns"]
