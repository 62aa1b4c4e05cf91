"""Row validation for imports (pure: no database, no web framework); header matching is in
:mod:`zhixin.intake.headers`.

Decisions written down here:

* Every bad field of a row is reported, not only the first. Reasons never echo the submitted
  value: it may be a personal identifier (an 个体工商户's code carries an ID number).
* Money is a :class:`~decimal.Decimal` rounded **half-up to the fen** (0.01) here, once:
  ``1234.565`` becomes ``1234.57``. More than two decimals is accepted and rounded rather than
  refused, because spreadsheets routinely hold ``0.1 + 0.2``-style floats. ``1,234.50``,
  ``1234元``, ``¥1234``, ``1.5万`` and full-width digits are accepted; negatives are refused.
* A choice accepts its canonical value or an alias, after cleaning, case-insensitively for
  ASCII and with spaces removed (``ｉｓｏ ９００１`` → ``ISO9001``).
* A bool accepts the field's ``true_words`` or an explicit list of "no" words; anything else
  is an error (an empty optional bool stays empty).
* A fully empty row is skipped: :func:`parse_row` returns ``None``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any, NamedTuple

from zhixin.enterprises.rules import (
    InvalidUSCC,
    compact_uscc,
    is_valid_industry,
    is_valid_region,
    name_problem,
    normalise_uscc,
)
from zhixin.intake.headers import SPACES, HeaderMap
from zhixin.intake.specs import ENTERPRISE, ImportSpec, get_spec
from zhixin.kit.dates import DateParseError, parse_date, parse_year
from zhixin.kit.text import clean
from zhixin.records.fields import USCC_HEADER, Field, FieldType

NATURAL_KEY_MAX = 191
FALSE_WORDS = (
    "否", "N", "NO", "0", "FALSE", "不是", "无", "不合格", "未通过", "不通过", "未质押", "未质",
)  # fmt: skip
_FEN = Decimal("0.01")
_MONEY_MAX = Decimal("1e16")  # Numeric(18, 2)
_INT_MAX = 32767  # SmallInteger
_MONEY_STRIP = re.compile(r"[,\s¥$]|人民币|元$")


class RowError(NamedTuple):
    """One refusal: the line, the field's Chinese header ("" for the whole row), the reason."""

    line: int
    field: str
    reason: str


class ParsedRow(NamedTuple):
    """A valid row (a named tuple: an import builds one per row). ``values`` holds the
    target table's column names.

    For a record kind: every shared ``quality_record`` column (None where the kind has no such
    field), ``kind``, ``natural_key``, ``content_hash`` and ``extra`` (JSON-safe). For the
    enterprise register: the ``enterprise`` columns and ``content_hash``.
    """

    line: int
    uscc: str
    natural_key: str
    content_hash: str
    values: dict[str, Any]


# --------------------------------------------------------------------------- cells


def _text(value: object) -> str:
    """A cell as cleaned text; spreadsheets hand integral numbers over as floats (12.0)."""
    if type(value) is str:
        if value.isascii():
            return value.strip()
        return _clean_short(value) if len(value) <= 32 else clean(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(value)


# Short non-ASCII cells (状态、机构、类型…) repeat on every row; NFKC is the costly part.
_clean_short = lru_cache(maxsize=8192)(clean)


def _choice_key(text: str) -> str:
    return SPACES.sub("", text).upper()


@cache
def _choice_lookup(kind: str, key: str) -> dict[str, str]:
    f = get_spec(kind).field_by_key(key)
    out = {_choice_key(clean(a)): c for a, c in f.aliases.items()}
    out.update({_choice_key(clean(c)): c for c in f.choices})
    return out


@cache
def _bool_lookup(kind: str, key: str) -> dict[str, bool]:
    f = get_spec(kind).field_by_key(key)
    out = {_choice_key(w): False for w in FALSE_WORDS}
    out.update({_choice_key(clean(w)): True for w in f.true_words})
    return out


def _bool_reason(f: Field) -> str:
    yes = list(dict.fromkeys(w for w in f.true_words if not w.isascii() or w.isupper()))
    no = "不合格" if "合格" in yes else "否"
    shown_no = [no] + [w for w in ("否", "N", "0") if w != no]
    return f"取值应为：{'、'.join(yes)}（是）或 {'、'.join(shown_no)}（否）"


def parse_money(text: str) -> Decimal:
    """``1,234.50`` / ``1234元`` / ``¥1234`` / ``1.5万`` → Decimal rounded half-up to 0.01."""
    t = _MONEY_STRIP.sub("", text)
    scale = Decimal(1)
    if t.endswith("万"):
        t, scale = t[:-1], Decimal(10000)
    if not t or t.startswith("-"):
        raise ValueError("金额格式不正确" if not t else "金额不能为负数")
    try:
        value = Decimal(t)
        if not value.is_finite():
            raise ValueError("金额格式不正确")
        if value * scale >= _MONEY_MAX:
            raise ValueError("金额超出范围")
        return (value * scale).quantize(_FEN, rounding=ROUND_HALF_UP)
    except ArithmeticError as exc:  # InvalidOperation, Overflow
        raise ValueError("金额格式不正确") from exc


def _parse_int(text: str) -> int:
    try:
        n = Decimal(text.replace(",", ""))
        if not n.is_finite() or n != n.to_integral_value():
            raise ValueError("应为整数")
    except ArithmeticError as exc:
        raise ValueError("应为整数") from exc
    if not 0 <= n <= _INT_MAX:
        raise ValueError(f"应为 0 到 {_INT_MAX} 之间的整数")
    return int(n)


@lru_cache(maxsize=1 << 16)
def _check_uscc(text: str) -> tuple[bool, str]:
    """``(True, normalised)`` or ``(False, reason)``; cached: files repeat their enterprises."""
    if not text:
        return False, "必填项不能为空"
    try:
        return True, normalise_uscc(text)
    except InvalidUSCC as exc:
        return False, str(exc)
    except ValueError:
        return False, "统一社会信用代码格式不正确"


@lru_cache(maxsize=1 << 14)
def _date_from_text(text: str) -> date | str:
    """A date, or the reason it is not one; cached: a file's dates repeat."""
    try:
        return parse_date(text)
    except DateParseError as exc:
        return _date_reason(exc)


def _date_reason(exc: DateParseError) -> str:
    msg = str(exc)
    if msg.startswith("日期不存在"):  # that message quotes the text; ours must not
        return "日期不存在（月或日超出范围）"
    return msg


# A converter takes the raw cell and its cleaned text (known not empty) and returns the value,
# or raises ValueError(reason).
Converter = Callable[[object, str], Any]


def _text_conv(f: Field) -> Converter:
    limit, reason = f.max_len, f"长度超过 {f.max_len} 个字符"

    def conv(raw: object, text: str) -> Any:
        if len(text) > limit:
            raise ValueError(reason)
        return text

    return conv


def _name_conv(f: Field) -> Converter:
    text_conv = _text_conv(f)

    def conv(raw: object, text: str) -> Any:
        reason = name_problem(text)
        if reason is not None:
            raise ValueError(reason)
        return text_conv(raw, text)

    return conv


def _code_conv(f: Field, valid: Callable[[str], bool], reason: str) -> Converter:
    def conv(raw: object, text: str) -> Any:
        code = text.upper()
        if not valid(code):
            raise ValueError(reason)
        return code

    return conv


def _choice_conv(kind: str, f: Field) -> Converter:
    lookup = _choice_lookup(kind, f.key)
    reason = f"取值应为：{'、'.join(f.choices)}"

    def conv(raw: object, text: str) -> Any:
        found = lookup.get(text) or lookup.get(_choice_key(text))
        if found is None:
            raise ValueError(reason)
        return found

    return conv


def _date_conv(raw: object, text: str) -> Any:
    if isinstance(raw, date) or (isinstance(raw, int | float) and not isinstance(raw, bool)):
        try:
            return parse_date(raw)
        except DateParseError as exc:
            raise ValueError(_date_reason(exc)) from exc
    d = _date_from_text(text)
    if isinstance(d, str):
        raise ValueError(d)
    return d


def _year_conv(raw: object, text: str) -> Any:
    try:
        return parse_year(text)
    except DateParseError as exc:
        raise ValueError(str(exc)) from exc


def _bool_conv(kind: str, f: Field) -> Converter:
    lookup = _bool_lookup(kind, f.key)
    reason = _bool_reason(f)

    def conv(raw: object, text: str) -> Any:
        b = lookup.get(_choice_key(text))
        if b is None:
            raise ValueError(reason)
        return b

    return conv


def _converter(kind: str, f: Field) -> Converter:
    t = f.type
    if f.key == "region_code" and kind == ENTERPRISE:
        return _code_conv(f, is_valid_region, "行政区划代码应为 6 位数字")
    if f.key == "industry_code" and kind == ENTERPRISE:
        return _code_conv(f, is_valid_industry, "行业代码应为 GB/T 4754 代码，如 C、C38 或 C3825")
    if f.key == "name" and kind == ENTERPRISE:
        return _name_conv(f)
    if t == FieldType.choice:
        return _choice_conv(kind, f)
    if t == FieldType.date:
        return _date_conv
    if t == FieldType.year:
        return _year_conv
    if t == FieldType.money:
        return lambda raw, text: parse_money(text)
    if t == FieldType.int:
        return lambda raw, text: _parse_int(text)
    if t == FieldType.bool:
        return _bool_conv(kind, f)
    return _text_conv(f)


class _Plan(NamedTuple):
    """How to read one header layout: (field, cell index or -1, converter) per non-USCC field,
    and beside them one memo per field whose values repeat (see :func:`_outcome`)."""

    uscc_index: int
    fields: tuple[tuple[Field, int, Converter], ...]
    width: int
    memos: tuple[dict[str, _Outcome] | None, ...]


# A text cell's outcome: (cleaned text, value, the value's canonical text, error reason);
# text "" for an empty cell, reason None for a good one.
_Outcome = tuple[str, Any, str, str | None]
# Choices, dates, years, money, numbers and flags repeat down a file (a status, an issuer, a
# date): their text cells' outcomes are kept, a few thousand per field, so that each distinct
# cell is cleaned and converted once. Free text (names, numbers of certificates) is not kept.
MEMO_MAX = 4096
_MEMO_TYPES = frozenset(FieldType) - {FieldType.text}


@cache
def _plan(header_map: HeaderMap) -> _Plan:
    spec = get_spec(header_map.kind)
    present = dict(header_map.columns)
    fields = tuple((f, present.get(f.key, -1), _converter(spec.code, f)) for f in spec.fields[1:])
    memos: tuple[dict[str, _Outcome] | None, ...] = tuple(
        {} if f.type in _MEMO_TYPES else None for f, _, _ in fields
    )
    return _Plan(present.get("uscc", -1), fields, header_map.width, memos)


def _outcome(raw: object, conv: Converter) -> _Outcome:
    """What a cell gives, converted by ``conv`` (its text cleaned first; never raises)."""
    text = _text(raw)
    if not text and not isinstance(raw, date):
        return "", None, "", None
    try:
        value = conv(raw, text)
    except ValueError as exc:
        return text, None, "", str(exc)
    return text, value, value if type(value) is str else _canonical(value), None


@cache
def _key_plan(header_map: HeaderMap) -> tuple[int, tuple[tuple[Field, int, Converter], ...]]:
    """The USCC's cell index and (field, cell index, converter) of the kind's key fields."""
    plan = _plan(header_map)
    by_key = {f.key: (f, idx, conv) for f, idx, conv in plan.fields}
    return plan.uscc_index, tuple(by_key[k] for k in get_spec(header_map.kind).key_fields)


def row_key(kind: str, header_map: HeaderMap, cells: Sequence[object]) -> str | None:
    """The natural key :func:`parse_row` gives this row when the row is valid, read from the
    key columns only (the USCC and the kind's key fields, converted the same way) — cheap
    enough for a first pass over a file. None when the key cannot be read (the row is blank,
    or a key field cannot be converted; :func:`parse_row` refuses such a row)."""
    uscc_index, fields = _key_plan(header_map)
    n = len(cells)
    uscc_text = _text(cells[uscc_index]) if 0 <= uscc_index < n else ""
    if not uscc_text:
        return None
    # the code as parse_row keeps it when valid (no checksum here: an invalid code's row is
    # refused by parse_row, whatever key this gives it)
    uscc = compact_uscc(uscc_text)
    if kind == ENTERPRISE:
        return uscc
    parts: list[str] = []
    for _f, idx, conv in fields:
        raw = cells[idx] if 0 <= idx < n else None
        text = _text(raw)
        if not text and not isinstance(raw, date):
            parts.append("")
            continue
        try:
            value = conv(raw, text)
        except ValueError:
            return None
        parts.append(value if type(value) is str else _canonical(value))
    return make_natural_key(uscc, parts)


def is_blank(cells: Sequence[object]) -> bool:
    """True when every cell is empty once cleaned (None, "", spaces, full-width spaces)."""
    return not any(_text(c) for c in cells)


# --------------------------------------------------------------------------- rows


def _canonical(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def make_natural_key(uscc: str, parts: Sequence[str]) -> str:
    """``uscc|part|part``; when longer than 191 characters, ``uscc|sha1(parts)``."""
    key = "|".join((uscc, *parts))
    if len(key) <= NATURAL_KEY_MAX:
        return key
    digest = hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{uscc}|{digest}"


def content_hash(spec: ImportSpec, values: dict[str, Any]) -> str:
    """md5 of the canonical values of every field, in the spec's order (source info excluded)."""
    return _md5([_canonical(values.get(f.key)) for f in spec.fields])


def _md5(parts: list[str]) -> str:
    return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def _cross_checks(spec: ImportSpec, v: dict[str, Any], line: int) -> RowError | None:
    start, end = v.get("valid_from"), v.get("valid_to")
    if start is not None and end is not None and end < start:
        to_h, from_h = spec.field_by_key("valid_to").header, spec.field_by_key("valid_from").header
        return RowError(line, to_h, f"{to_h}早于{from_h}")
    return None


def parse_row(
    kind: str, header_map: HeaderMap, cells: Sequence[object], line: int
) -> ParsedRow | list[RowError] | None:
    """Validate one data row: a :class:`ParsedRow`, every :class:`RowError`, or None if blank.

    Never raises on cell content: whatever is in the cells, the answer is a value or errors.
    A row is blank when every cell under a recognised header is empty.
    """
    plan = _plan(header_map)
    n = len(cells)
    i = plan.uscc_index
    uscc_text = _text(cells[i]) if 0 <= i < n else ""
    values: dict[str, Any] = {}
    parts: list[str] = [uscc_text]
    errors: list[RowError] = []
    blank = not uscc_text
    for (f, idx, conv), memo in zip(plan.fields, plan.memos, strict=True):
        raw = cells[idx] if 0 <= idx < n else None
        if memo is not None and type(raw) is str:
            got = memo.get(raw)
            if got is None:
                if len(memo) >= MEMO_MAX:
                    memo.clear()
                got = memo[raw] = _outcome(raw, conv)
        else:
            got = _outcome(raw, conv)
        text, value, canon, reason = got
        if not text and not isinstance(raw, date):
            if f.required:
                errors.append(RowError(line, f.header, "必填项不能为空"))
            values[f.key] = None
            parts.append("")
            continue
        blank = False
        if reason is not None:
            errors.append(RowError(line, f.header, reason))
            continue
        values[f.key] = value
        parts.append(canon)
    if blank:
        return None
    ok, uscc = _check_uscc(uscc_text)
    if not ok:
        errors.insert(0, RowError(line, USCC_HEADER, uscc))
    elif errors:
        pass
    else:
        bad = _cross_checks(get_spec(kind), values, line)
        if bad is not None:
            errors.append(bad)
    if errors:
        return errors
    parts[0] = uscc
    values["uscc"] = uscc
    if kind == ENTERPRISE:
        return _enterprise_row(get_spec(kind), values, line, uscc)
    return _record_row(get_spec(kind), values, parts, line, uscc)


def _enterprise_row(spec: ImportSpec, v: dict[str, Any], line: int, uscc: str) -> ParsedRow:
    if v.get("kind") is None:  # GB 32100: 9 2 … is a 个体工商户
        v["kind"] = "个体工商户" if uscc.startswith("92") else "企业"
    if v.get("status") is None:
        v["status"] = "存续"
    h = content_hash(spec, v)
    cols = {f.target: v.get(f.key) for f in spec.fields}
    cols["content_hash"] = h
    return ParsedRow(line, uscc, uscc, h, cols)


def _json_safe(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def _record_layout(
    kind: str,
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[int, ...]]:
    """(field key, column) pairs, the keys bound for ``extra``, and the key fields' positions."""
    spec = get_spec(kind)
    columns = tuple((f.key, f.column) for f in spec.fields[1:] if f.column is not None)
    extra = tuple(f.key for f in spec.fields[1:] if f.column is None)
    keys = tuple(i for k in spec.key_fields for i, f in enumerate(spec.fields) if f.key == k)
    return columns, extra, keys


def record_columns(kind: str) -> tuple[str, ...]:
    """The ``quality_record`` columns a parsed row of ``kind`` carries (the same for each row)."""
    columns, _, _ = _record_layout(kind)
    return (*(c for _, c in columns), "kind", "natural_key", "content_hash", "extra")


def _record_row(
    spec: ImportSpec, v: dict[str, Any], parts: list[str], line: int, uscc: str
) -> ParsedRow:
    columns, extra_keys, key_pos = _record_layout(spec.code)
    nk = make_natural_key(uscc, [parts[i] for i in key_pos])
    h = _md5(parts)
    cols: dict[str, Any] = {c: v[k] for k, c in columns}
    extra = {k: _json_safe(v[k]) for k in extra_keys if v.get(k) is not None}
    cols.update(kind=spec.code, natural_key=nk, content_hash=h, extra=extra)
    return ParsedRow(line, uscc, nk, h, cols)


def swallowed(header_map: HeaderMap, cells: list[str]) -> bool:
    """Whether a CSV record that took several physical lines is a stray quote's doing.

    None of our columns can hold a line break (codes, dates, names, states, references), so a
    line break in one of ours means an unclosed quote ran on; a line break in a column that is
    not ours (a 备注 may hold one) is accepted unless a line after it looks like a row of its
    own — as many commas as our columns less one (at least two).
    """
    n = len(cells)
    for _key, i in header_map.columns:
        if i < n and ("\n" in cells[i] or "\r" in cells[i]):
            return True
    need = max(2, len(header_map.columns) - 1)
    return any(
        part.count(",") >= need
        for c in cells
        if "\n" in c or "\r" in c
        for part in c.splitlines()[1:]
    )
