"""Small fixed-layout sheets a domain reads itself (a team's visit sheet, a bank's 对接办贷台账):
the header matched by column name, each row parsed by the domain's own rule, every bad row
reported as ``{"line", "field", "reason"}``. Pure: no database, no web framework.

Decisions written down here:

* A header cell is matched after removing spaces, as written, then with ASCII parentheses made
  full-width (``金额(元)`` is ``金额（元）``); the first column of a name wins.
* A cell's text: empty for an empty cell, ``12`` for the float ``12.0`` a spreadsheet stores.
* A row with no filled cell is skipped and not counted; past ``max_rows`` counted rows the whole
  file is refused (422), as are an empty file and a missing required column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from zhixin.errors import Invalid
from zhixin.intake.readers import FileRefused, TableReader

T = TypeVar("T")
RowProblems = list[tuple[str, str]]  # (column name, reason) of one row


def header_map(
    cells: Sequence[Any],
    *,
    columns: Mapping[str, str],
    aliases: Mapping[str, str],
    required: Sequence[str],
) -> tuple[dict[str, int], list[str]]:
    """field → column index, and the required columns missing (by their Chinese names).
    ``columns`` maps a field to its column name, ``aliases`` another name to a field."""
    by_name = {v: k for k, v in columns.items()} | dict(aliases)
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = str(cell or "").strip().replace(" ", "")
        key = by_name.get(name) or by_name.get(name.replace("(", "（").replace(")", "）"))
        if key and key not in found:
            found[key] = i
    missing = [columns[k] for k in required if k not in found]
    return found, missing


def cell_text(value: Any) -> str:
    """A cell as text: "" for an empty cell, ``12`` for a spreadsheet's ``12.0``, stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


@dataclass
class RowFile(Generic[T]):
    """What a file held: rows counted (not blank), the rows parsed, the rows' problems."""

    count: int = 0
    parsed: list[T] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)


def read_rows(
    path: Path,
    file_name: str,
    *,
    header: Callable[[list[Any]], tuple[dict[str, int], list[str]]],
    parse: Callable[[int, list[Any], dict[str, int]], T | RowProblems],
    max_rows: int,
) -> RowFile[T]:
    """Every row of the file through ``parse`` (a parsed row, or its problems); a file that
    cannot be read as a whole is refused with :class:`~zhixin.errors.Invalid` (422, or the
    reader's 413 for a file too large) and its Chinese reason."""
    out: RowFile[T] = RowFile()
    try:
        rows = iter(TableReader(path, file_name))
        first = next(rows, None)
        if first is None:
            raise FileRefused("文件为空")
        cols, missing = header(first[1])
        if missing:
            raise FileRefused("缺少必需的列：" + "、".join(missing))
        for line, cells in rows:
            if not any(filled(c) for c in cells):
                continue
            out.count += 1
            if out.count > max_rows:
                raise FileRefused(f"一个文件最多 {max_rows} 行，请分批上传")
            got = parse(line, cells, cols)
            if isinstance(got, list):
                out.errors.extend({"line": line, "field": f, "reason": r} for f, r in got)
            else:
                out.parsed.append(got)
    except FileRefused as exc:
        raise Invalid(str(exc), status=exc.status) from exc
    return out
