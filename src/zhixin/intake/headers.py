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
            unknown.append(clean(cell))
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
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(unknown)}")
    if duplicated:
        problems.append(f"重复的列：{'、'.join(duplicated)}")
    if problems:
        raise HeaderError(
            f"表头与「{spec.label}」模板不一致。{'；'.join(problems)}。请对照{template}修改表头。",
            missing=missing,
            unknown=unknown,
        )
    return HeaderMap(kind, tuple(columns), len(header_cells))
