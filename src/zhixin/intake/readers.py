"""Streaming readers for import files: ``(line number, cells)`` one row at a time.

Memory stays flat in the file's size: CSV goes through :mod:`csv` over a text wrapper, XLSX
through openpyxl's read-only mode. Line numbers are what a person sees: the spreadsheet row
(1 = the header) — for a CSV, the record number, which is Excel's row number when it opens it.

CSV encoding: a BOM means UTF-8; otherwise the first 1 MiB is tried as strict UTF-8, falling
back to GB18030 (a superset of GBK and GB2312, what Excel on a Chinese Windows writes).

A stray quote (CSV): an opening ``"`` that is never closed makes the csv module read every
following line into one field, until the next quote — a 6-row file read as 3 rows, three good
rows lost without a word. The reader counts the physical lines each record takes; a record that
takes more than one is checked by ``swallowed`` (the service passes
:func:`zhixin.intake.rows.swallowed`: one of our columns holds a line break, which none can, or a
continuation line looks like a row of its own). Such a record is split back into its physical
lines: each line with an odd number of quotes is a :class:`BrokenRow` (the service refuses it,
naming the line), the others are read as rows of their own. ``splits`` lists what was split.

XLSX and zip bombs: an .xlsx is a zip archive, and openpyxl loads its shared strings into memory
whole — a 1 MB upload can expand to gigabytes. :func:`check_xlsx` reads only the archive's
central directory and refuses, before openpyxl opens anything, an archive whose members add up
to more than :attr:`XlsxLimits.max_uncompressed`, whose shared-strings part is larger than
:attr:`XlsxLimits.max_shared_strings`, or whose members compress more than
:attr:`XlsxLimits.max_ratio` to one. The directory could lie about the sizes; Python's zipfile
never inflates a member past the size its directory declares (it stops there and reports the
archive as corrupt), so what openpyxl can be made to hold is bounded by the checked sizes.

XLSX speed: openpyxl parses cell XML in Python (about 200 µs a row of a certification file).
Every workbook is read by :mod:`zhixin.intake.xlsxscan` instead, which scans the worksheet's XML
with regular expressions as it inflates it (8–15 µs a row, memory bounded: the shared
strings, held compactly, and 256 KiB of XML at a time) and gives exactly what openpyxl gives —
the same ``(line, cells)``, checked cell by cell on messy sheets. Where the scanner meets XML
it does not read (a comment, a CDATA section, mixed namespace prefixes — nothing Excel, WPS or
openpyxl writes), openpyxl reads the file instead, from the row the scanner reached on.
(calamine, used before for sheets up to 48 MiB of XML, held the whole sheet in memory and was
slower than the scanner.)
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SNIFF_BYTES = 1 << 20
FORMATS = (".csv", ".xlsx")
MIB = 1 << 20
SHARED_STRINGS = "xl/sharedStrings.xml"
RATIO_FLOOR = MIB  # members smaller than this are not held to the ratio (tiny parts compress well)


class BrokenRow(list[Any]):
    """A physical line whose quotes do not balance (it swallowed the lines after it)."""


def _default_swallowed(cells: list[str]) -> bool:
    """Before the header is known: a continuation line that looks like a row (two commas)."""
    return any(
        part.count(",") >= 2 for c in cells if "\n" in c or "\r" in c for part in c.splitlines()[1:]
    )


class _LineSource:
    """The physical lines of a text file, read forward on demand (opened at the first use)."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.path, self.encoding = path, encoding
        self._file: IO[str] | None = None
        self._at = 0  # lines read so far

    def take(self, start: int, count: int) -> list[str]:
        """Lines ``start`` to ``start + count - 1`` (0-based); never asked for earlier ones."""
        if self._file is None:
            self._file = open(self.path, encoding=self.encoding, newline="")  # noqa: SIM115
        for _ in range(start - self._at):
            next(self._file)
        self._at = start + count
        return [next(self._file) for _ in range(count)]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class FileRefused(ValueError):
    """The file as a whole cannot be read; ``message`` is Chinese and actionable.

    ``status`` is 413 when the file is too large (bytes, expanded size, rows), else 422.
    """

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class XlsxLimits:
    """What an .xlsx may expand to (bytes of its members as its zip directory declares them)."""

    max_uncompressed: int = 512 * MIB
    max_shared_strings: int = 64 * MIB
    max_ratio: int = 200


def check_xlsx(path: Path, limits: XlsxLimits) -> None:
    """Refuse a zip bomb from the archive's directory alone (nothing is inflated)."""
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式") from exc
    total = 0
    for m in members:
        total += m.file_size
        if m.filename == SHARED_STRINGS and m.file_size > limits.max_shared_strings:
            raise FileRefused(
                f"该 Excel 文件的文本内容解压后超过 {limits.max_shared_strings // MIB} MB 上限，"
                "请拆分成几个文件，或另存为 CSV 后上传",
                status=413,
            )
        if m.file_size > RATIO_FLOOR and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise FileRefused(
                f"该 Excel 文件的压缩比异常（超过 {limits.max_ratio} 倍），疑似“压缩炸弹”，已拒绝；"
                "请用 Excel 重新另存后上传",
                status=413,
            )
    if total > limits.max_uncompressed:
        raise FileRefused(
            f"该 Excel 文件解压后超过 {limits.max_uncompressed // MIB} MB 上限，"
            "请拆分成几个文件，或另存为 CSV 后上传",
            status=413,
        )


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` if ``head`` decodes strictly, else ``gb18030``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def file_format(filename: str) -> str:
    """``csv`` or ``xlsx`` from the file name; :class:`FileRefused` for anything else."""
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        # the name is the sender's: shown only when it is a plain extension (never echoed text)
        shown = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else "无扩展名或无法识别"
        raise FileRefused(
            f"不支持的文件格式“{shown}”：请上传 .xlsx（Excel）或 .csv 文件；"
            "旧版 .xls 请在 Excel 中另存为 .xlsx。"
        )
    return suffix[1:]


class TableReader:
    """Rows of the first table in a file, the header included; iterate once.

    ``fraction_read()`` tells how far through the file the reader is (0–1, or None when
    unknown), for a progress estimate.
    """

    def __init__(
        self,
        path: Path,
        filename: str | None = None,
        *,
        xlsx_limits: XlsxLimits | None = None,
        swallowed: Callable[[list[str]], bool] | None = None,
        check_after: int = 0,
    ) -> None:
        self.path = path
        self.swallowed = swallowed or _default_swallowed
        self.check_after = check_after  # records up to this one (the header) are not checked
        # records split back into physical lines: (first line, last line, broken lines)
        self.splits: list[tuple[int, int, tuple[int, ...]]] = []
        self.format = file_format(filename or path.name)
        self.size = path.stat().st_size
        if self.size == 0:
            raise FileRefused("文件为空")
        if self.format == "xlsx":
            check_xlsx(path, xlsx_limits or XlsxLimits())
        self._raw: IO[bytes] | None = None
        self._rows_hint: int | None = None

    def fraction_read(self) -> float | None:
        if self.format != "csv" or self._raw is None or self._raw.closed:
            return None
        return min(1.0, self._raw.tell() / self.size)

    @property
    def rows_hint(self) -> int | None:
        """The sheet's declared row count (XLSX), header included; None for CSV."""
        return self._rows_hint

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        if self.format == "csv":
            return self._csv()
        return self._xlsx()

    def _csv(self) -> Iterator[tuple[int, list[Any]]]:
        with open(self.path, "rb") as raw:
            self._raw = raw
            encoding = detect_encoding(raw.read(SNIFF_BYTES))
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            # A record that took several physical lines (csv's line_num moved by more than
            # one) is checked; its lines are then read again by a second reader of the same
            # file, moved forward only then (rare), so the common path is csv's alone.
            lines = _LineSource(self.path, encoding)
            n = 0
            seen = 0
            try:
                reader = csv.reader(text)
                for row in reader:
                    took = reader.line_num - seen
                    if took > 1 and n >= self.check_after and self.swallowed(row):
                        span = lines.take(seen, took)
                        yield from self._split(n, span)
                        n += len(span)
                    else:
                        n += 1
                        yield n, row
                    seen = reader.line_num
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    "文件编码无法识别：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再上传"
                ) from exc
            except csv.Error as exc:
                raise FileRefused(f"CSV 格式错误（第 {n + 1} 行附近）：引号或分隔符不匹配") from exc
            finally:
                text.detach()
                lines.close()

    def _split(self, before: int, span: list[str]) -> Iterator[tuple[int, list[Any]]]:
        broken: list[int] = []
        pieces: list[tuple[int, list[Any]]] = []
        for i, line in enumerate(span, start=before + 1):
            if line.count('"') % 2:
                broken.append(i)
                pieces.append((i, BrokenRow()))
            else:
                pieces.append((i, next(csv.reader([line]), [])))
        self.splits.append((before + 1, before + len(span), tuple(broken)))
        yield from pieces

    def _xlsx(self) -> Iterator[tuple[int, list[Any]]]:
        """The scanner's rows; where it gives up (XML it does not read), openpyxl's from the
        row it reached on (the rows before are the same either way)."""
        from zhixin.intake.xlsxscan import SheetScan, XlsxUnsupported, open_first_sheet

        n = 0
        with open(self.path, "rb") as raw:
            try:
                archive, part, shared, wb = open_first_sheet(raw)
            except XlsxUnsupported:
                archive = None
            except Exception as exc:  # zipfile.BadZipFile, KeyError, broken XML …
                raise FileRefused("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式") from exc
            if archive is not None:
                try:
                    with archive.open(part) as src:
                        scan = SheetScan(
                            src,
                            shared,
                            epoch=wb.epoch,
                            date_styles=set(wb._date_formats),
                            timedelta_styles=set(wb._timedelta_formats),
                        )
                        self._rows_hint = scan.max_row
                        for n, values in enumerate(scan, start=1):
                            yield n, values
                    return
                except XlsxUnsupported:
                    pass
                except (
                    zipfile.BadZipFile,
                    EOFError,
                    ValueError,
                    KeyError,
                    IndexError,
                    OverflowError,
                ) as exc:
                    # a member cut short at its declared size (a lying zip), broken XML, a bad
                    # cell: the file, not the platform, is at fault
                    raise FileRefused(
                        f"Excel 文件内容已损坏（第 {n + 1} 行附近），请用 Excel 重新另存后上传"
                    ) from exc
                finally:
                    archive.close()
        rows = self._xlsx_openpyxl()
        for _ in range(n):
            next(rows)  # the rows the scanner gave (openpyxl gives the same)
        yield from rows

    def _xlsx_openpyxl(self) -> Iterator[tuple[int, list[Any]]]:
        from openpyxl import load_workbook

        with open(self.path, "rb") as raw:
            self._raw = raw
            try:
                wb = load_workbook(raw, read_only=True, data_only=True)
            except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
                raise FileRefused("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式") from exc
            n = 0
            try:
                ws = wb.worksheets[0]
                self._rows_hint = ws.max_row if isinstance(ws.max_row, int) else None
                for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
                    yield n, list(values)
            except (zipfile.BadZipFile, EOFError, ValueError, KeyError, SyntaxError) as exc:
                # a member cut short at its declared size (a lying zip), broken XML (ParseError
                # is a SyntaxError), a bad cell: the file, not the platform, is at fault
                raise FileRefused(
                    f"Excel 文件内容已损坏（第 {n + 1} 行附近），请用 Excel 重新另存后上传"
                ) from exc
            finally:
                wb.close()


def iter_rows(
    path: Path, filename: str | None = None, *, xlsx_limits: XlsxLimits | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """Every row of ``path`` (the header included) as ``(line, cells)``."""
    return iter(TableReader(path, filename, xlsx_limits=xlsx_limits))


def split_note(splits: list[tuple[int, int, tuple[int, ...]]]) -> str | None:
    """The report's sentence on records split back into lines (None when there were none)."""
    if not splits:
        return None
    parts = []
    for first, last, broken in splits[:10]:
        where = "、".join(str(b) for b in broken) or str(first)
        parts.append(f"第 {where} 行的引号不配对，吞并了第 {first}–{last} 行")
    more = f"等 {len(splits)} 处" if len(splits) > 10 else ""
    return f"{'；'.join(parts)}{more}：已按行拆开，引号不配对的行被拒绝，其余行照常导入"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
