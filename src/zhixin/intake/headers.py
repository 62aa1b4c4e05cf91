"""Header matching for imports (pure): which cell of a data row holds which field.

A header cell is cleaned (NFKC 全角→半角, trimmed, inner spaces removed) and a leading or
trailing ``*`` or ``（必填）`` marker is dropped, so a template's own header row — whose required
columns carry a ``*`` — is accepted unchanged. A field's English key is accepted as its header
too (``ref`` for 证书编号), for machine-made files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from zhixin.intake.specs import get_spec
from zhixin.kit.text import clean

_REQUIRED_MARKS = re.compile(r"^\*+|\*+$|\(必填\)|必填$")
SPACES = re.compile(r"\s+")
MAX_TITLE_ROWS = 2  # title rows above the header that are skipped (a title, a date line)
SHOWN_MAX = 20  # characters of a header cell a message may show
_UNSAFE = re.compile(r"^[=+\-@]|[<>&\"'`|\\;{}\[\]]|[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e]")


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``: the column as a spreadsheet names it."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def shown_header(cell: object, index: int) -> str:
    """A header cell as a message may show it: ``第 C 列「备注」`` when its text is plain and short,
    else ``第 C 列（内容不予显示）`` — never a formula, markup or control character."""
    raw = "" if cell is None else str(cell)
    text = clean(raw)
    where = f"第 {column_letter(index)} 列"
    if not text or _UNSAFE.search(raw) or _UNSAFE.search(text) or len(text) > SHOWN_MAX:
        return f"{where}（内容不予显示）"
    return f"{where}「{text}」"


class HeaderError(ValueError):
    """The header row cannot be used; ``message`` is a complete Chinese sentence."""

    def __init__(self, message: str, *, missing: Sequence[str] = (), unknown: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.missing = list(missing)
        self.unknown = list(unknown)


@dataclass(frozen=True)
class HeaderMap:
    """Which cell of a data row holds which field: ``columns`` is ``(field key, index)``."""

    kind: str
    columns: tuple[tuple[str, int], ...]
    width: int
    ignored: tuple[str, ...] = ()  # columns not ours, as :func:`shown_header` shows them


def normalise_header(text: object) -> str:
    """The comparable form of a header cell: cleaned, markers dropped, no spaces, upper ASCII."""
    h = SPACES.sub("", clean(text))
    h = _REQUIRED_MARKS.sub("", h)
    return h.upper()


@cache
def _header_lookup(kind: str) -> dict[str, str]:
    spec = get_spec(kind)
    out: dict[str, str] = {}
    for f in spec.fields:
        out[normalise_header(f.header)] = f.key
        out[normalise_header(f.key)] = f.key
    return out


def match_headers(kind: str, header_cells: Sequence[object]) -> HeaderMap:
    """Map a header row onto ``kind``'s fields; raise :class:`HeaderError` if it does not fit."""
    spec = get_spec(kind)
    lookup = _header_lookup(kind)
    columns: list[tuple[str, int]] = []
    seen: dict[str, str] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for i, cell in enumerate(header_cells):
        h = normalise_header(cell)
        if not h:
            continue
        key = lookup.get(h)
        if key is None:
            unknown.append(shown_header(cell, i))
        elif key in seen:
            duplicated.append(spec.field_by_key(key).header)
        else:
            seen[key] = h
            columns.append((key, i))
    template = f"「{spec.label}」导入模板"
    if not columns:
        raise HeaderError(
            f"第一行不是「{spec.label}」的表头：没有一列能识别。请下载并使用{template}，"
            f"表头应为：{'、'.join(spec.headers)}。",
            missing=[f.header for f in spec.fields if f.required],
            unknown=unknown,
        )
    missing = [f.header for f in spec.fields if f.required and f.key not in seen]
    problems: list[str] = []
    if missing:
        problems.append(f"缺少的列：{'、'.join(missing)}")
    if duplicated:
        problems.append(f"重复的列：{'、'.join(duplicated)}")
    if problems:
        if unknown:  # said only beside a real problem: columns not ours are otherwise ignored
            problems.append(f"无法识别的列：{'、'.join(unknown)}")
        raise HeaderError(
            f"表头与「{spec.label}」模板不一致。{'；'.join(problems)}。请对照{template}修改表头。",
            missing=missing,
            unknown=unknown,
        )
    return HeaderMap(kind, tuple(columns), len(header_cells), tuple(unknown))


def recognised(kind: str, header_cells: Sequence[object]) -> int:
    """How many of ``kind``'s columns a row names (0 for a title row or a data row)."""
    lookup = _header_lookup(kind)
    return len({lookup[h] for c in header_cells if (h := normalise_header(c)) in lookup})


def pick_header(kind: str, candidates: Sequence[Sequence[object]]) -> int:
    """Which of the first non-blank rows is the header: the one naming the most of ``kind``'s
    columns, the earliest on a tie; 0 when none names any (:func:`match_headers` then says
    the first row is not a header)."""
    best, best_n = 0, 0
    for i, cells in enumerate(candidates[: MAX_TITLE_ROWS + 1]):
        n = recognised(kind, cells)
        if n > best_n:
            best, best_n = i, n
    return best
