"""Spreadsheets the platform writes (XLSX and CSV), safe from formula injection.

Every workbook and CSV file the platform hands out is written through this module; a test
(``tests/security/test_formula_injection.py``) greps the source tree for any other writer.

Formula injection (CSV/DDE injection): a value a person typed — an enterprise's name, a file
name, a product's name — that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage
return or line feed before one) is read by Excel and WPS as a formula: ``=HYPERLINK(...)``
becomes a link that leaks data, ``=cmd|…`` asks to run a program. The rule here:

* XLSX: such a text cell is written as a **text cell** (``t="s"``, never ``<f>``) with the
  ``quotePrefix`` style, so Excel shows it as typed and keeps it text when someone edits it.
  Numbers, dates and ``Decimal`` amounts stay numbers: only ``str`` values are concerned.
* CSV: such a value gets a leading apostrophe (``'=HYPERLINK(...)``), which Excel hides and
  which turns the cell into text (OWASP's recommendation).

A workbook that needs a formula on purpose would have to say so here; none does today.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell

# The characters after which Excel, LibreOffice and WPS start reading a formula. ``-`` and ``+``
# are included although "-5" is a number: a *number* is written as a number (int/Decimal);
# a *string* "-5" here came from text a person typed and stays text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_risky(value: object) -> bool:
    """True for a text value a spreadsheet program would read as (the start of) a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_value(value: object) -> object:
    """A CSV field: risky text gets a leading ``'``; everything else is returned unchanged."""
    if is_risky(value):
        return "'" + str(value)
    return value


def write_csv_rows(out: IO[str], rows: Iterable[Sequence[object]]) -> None:
    """Write ``rows`` as CSV (CRLF line ends, as Excel writes them), every field through
    :func:`csv_value`."""
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_value(v) for v in row])


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """CSV text as UTF-8 with a BOM (Excel then reads the Chinese correctly)."""
    buf = io.StringIO()
    write_csv_rows(buf, rows)
    return buf.getvalue().encode("utf-8-sig")


class Sheet:
    """One worksheet; :meth:`append` is the only way values go in.

    Formatting (fonts, widths, number formats, freeze panes) goes through :attr:`ws`, the
    openpyxl worksheet; in write-only workbooks there is none.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def append(self, values: Iterable[object]) -> None:
        """Append one row; risky text becomes a text cell with ``quotePrefix``."""
        self.ws.append([self._cell(v) for v in values])

    @property
    def max_row(self) -> int:
        return int(self.ws.max_row)

    def _cell(self, value: object) -> object:
        if not is_risky(value):
            return value
        cell = Cell(self.ws, row=1, column=1, value=value)  # placed by append
        cell.data_type = "s"  # openpyxl would write "=…" as a formula
        cell.quotePrefix = True
        return cell


class Book:
    """A workbook written for people to open: sheets with safe :meth:`Sheet.append`.

    ``streaming=True`` is openpyxl's write-only mode: rows go to a temporary file as they are
    appended, so memory stays flat for exports of a million rows (no cell formatting then).
    """

    def __init__(self, *, streaming: bool = False) -> None:
        self._wb = Workbook(write_only=streaming)
        self._streaming = streaming
        self._first_used = False

    def sheet(self, title: str) -> Sheet:
        """A new sheet (the workbook's first, default sheet is reused for the first call)."""
        if not self._streaming and not self._first_used:
            self._first_used = True
            ws = self._wb.active
            assert ws is not None
            ws.title = title
            return Sheet(ws)
        return Sheet(self._wb.create_sheet(title))

    def save(self, target: Path | IO[bytes]) -> None:
        self._wb.save(target)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self._wb.save(buf)
        return buf.getvalue()
