"""Streaming readers for import files: ``(line number, cells)`` one row at a time.

Memory stays flat in the file's size: CSV goes through :mod:`csv` over a text wrapper, XLSX
through openpyxl's read-only mode. Line numbers are what a person sees: the spreadsheet row
(1 = the header) — for a CSV, the record number, which is Excel's row number when it opens it.

CSV encoding: a BOM means UTF-8; otherwise the first 1 MiB is tried as strict UTF-8, falling
back to GB18030 (a superset of GBK and GB2312, what Excel on a Chinese Windows writes).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

SNIFF_BYTES = 1 << 20
FORMATS = (".csv", ".xlsx")


class FileRefused(ValueError):
    """The file as a whole cannot be read; ``message`` is Chinese and actionable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
        raise FileRefused(
            f"不支持的文件格式“{suffix or '无扩展名'}”：请上传 .xlsx（Excel）或 .csv 文件；"
            "旧版 .xls 请在 Excel 中另存为 .xlsx。"
        )
    return suffix[1:]


class TableReader:
    """Rows of the first table in a file, the header included; iterate once.

    ``fraction_read()`` tells how far through the file the reader is (0–1, or None when
    unknown), for a progress estimate.
    """

    def __init__(self, path: Path, filename: str | None = None) -> None:
        self.path = path
        self.format = file_format(filename or path.name)
        self.size = path.stat().st_size
        if self.size == 0:
            raise FileRefused("文件为空")
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
            n = 0
            try:
                for row in csv.reader(text):
                    n += 1
                    yield n, row
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    "文件编码无法识别：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再上传"
                ) from exc
            except csv.Error as exc:
                raise FileRefused(f"CSV 格式错误（第 {n + 1} 行附近）：引号或分隔符不匹配") from exc
            finally:
                text.detach()

    def _xlsx(self) -> Iterator[tuple[int, list[Any]]]:
        from openpyxl import load_workbook

        with open(self.path, "rb") as raw:
            self._raw = raw
            try:
                wb = load_workbook(raw, read_only=True, data_only=True)
            except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
                raise FileRefused("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式") from exc
            try:
                ws = wb.worksheets[0]
                self._rows_hint = ws.max_row if isinstance(ws.max_row, int) else None
                for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
                    yield n, list(values)
            finally:
                wb.close()


def iter_rows(path: Path, filename: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """Every row of ``path`` (the header included) as ``(line, cells)``."""
    return iter(TableReader(path, filename))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
