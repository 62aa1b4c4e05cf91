"""A streaming .xlsx reader that gives, row by row, exactly what openpyxl's read-only mode gives
(``ws.iter_rows(values_only=True)`` of the first worksheet, ``data_only=True``), about twenty
times faster (about 9 µs a row of a certification file against 200), in memory bounded by the
shared-strings table and 256 KiB of the sheet's XML.

Why by hand. openpyxl parses every cell into Python objects; calamine (Rust,
``python-calamine`` 0.9.1, used here before for small sheets) loads the whole sheet (several
hundred MiB at 1,000,000 rows), has no streaming interface and reads Excel error values as
empty cells; expat or ElementTree cost five to seven Python callbacks or objects a cell
(ElementTree alone: 39 µs a row). No well-kept PyPI package streams .xlsx rows from C or Rust
(checked in the registry's list: ``python-calamine`` and ``fastexcel`` 0.21 load a sheet whole;
``sxl``, ``pylightxl``, ``xlsx2csv`` are pure Python; ``python-calamine-plus`` is a new,
little-used fork). So this module inflates the worksheet from the zip in pieces of whole rows
and reads them with regular expressions (C):

- the token path: one match per cell (the usual ``<c r="B2" s="1" t="s"><v>7</v></c>``, or
  any other cell for a slower path), per row start and end; a short Python loop per token;
- the template path: once most rows read by tokens since the last template share one shape
  (the same columns, attributes after ``r`` and child element), a regular expression for a
  whole row of that shape is put in front of the tokens' — one match per row, its groups the
  row's number and texts (a row of another shape, or with an ``&`` in a text, falls through to
  the tokens). A sheet learns at most :data:`_MAX_TEMPLATES` shapes.

What is reused from openpyxl (so the workbook's metadata is read exactly as openpyxl reads
it): the package manifest, the workbook part and its relationships (which part is the first
worksheet; the 1900 or 1904 date epoch), the stylesheet (which cell styles are dates or
durations), the dimension's parsing, and the value conversions (``from_excel``,
``from_ISO8601``). openpyxl's private ``ExcelReader`` steps and ``wb._date_formats`` are used:
openpyxl is pinned (constraints.txt), and the tests compare the two readers.

What the scanner mirrors of openpyxl's sheet parsing (``WorkSheetParser`` and
``ReadOnlyWorksheet._cells_by_row``), each checked against openpyxl in
``tests/unit/test_intake_xlsx_scan.py``:

- a row's number is its ``r`` (or the previous one plus one); missing rows come as empty rows;
  a row numbered at or before one already given is skipped; reading stops at the first row
  past the dimension's last row (the empty rows up to that last row are then given);
- a cell's column is its ``r`` letters (or the previous cell's plus one); a row is as wide as
  the dimension's last column, or, without a dimension, as its last cell's column (cells past
  that width are dropped; a later cell in the same column wins);
- values: a number is an ``int`` unless its text holds ``.``, ``e`` or ``E``; a number whose
  style is a date format a ``datetime`` (``time`` below 1, ``timedelta`` for a duration format;
  ``#VALUE!`` when out of range); ``t="s"`` a shared string (its text runs joined, phonetic runs
  left out, ``x005F_`` removed); ``t="inlineStr"`` the inline text (``None`` without ``<is>``);
  ``t="b"`` a ``bool``; ``t="d"`` an ISO 8601 datetime; ``t="e"`` and ``t="str"`` their text
  (``#N/A``); an empty ``<v>`` is ``None``; formulas are ignored (the cached value is read);
- XML text: the five entities and character references are decoded, line ends normalised
  (CR LF and CR to LF); element names may carry a namespace prefix (``<x:c>``, the one the
  sheet data's element has), attributes either quote and any order.

What it does not read — a comment, a CDATA section or a processing instruction in the sheet
data or shared strings, XML not in UTF-8, an element it does not expect between cells (such
as a second prefix) — raises :class:`XlsxUnsupported`; the reader then goes on with openpyxl
(``readers.TableReader._xlsx``). Excel, WPS and openpyxl write none of these.

Memory: the shared-strings table is held as the UTF-8 bytes of its strings and an array of
4-byte offsets (1,333,350 strings of a 1,000,000-row certification file: 22 MiB, against 90 MiB
as openpyxl's list of ``str``); a string is decoded when a cell refers to it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from operator import itemgetter
from typing import IO, Any, NamedTuple

from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601

CHUNK = 1 << 18  # the XML inflated at a time (256 KiB: as fast as 1 MiB, a quarter the memory)
_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an element name's namespace prefix, if any
_Q = r"""\s*=\s*["']"""  # an attribute's equals sign and opening quote


def _sheet_tokens(prefix: str) -> re.Pattern[str]:
    """The sheet data's tokens, one match each, for element names with ``prefix`` (``""`` or
    ``"x:"``); the groups of the match tell which:

    1. a cell as Excel and openpyxl write it: ``r`` first (group 1: its column letters), the
       other attributes (2: their text, ``' s="1" t="s"'``), one child (3: ``v`` or an inline
       string's ``is><t``) and its text (4); by far the most cells, and the fastest match;
    2. a row's start tag (5: its attributes and the closing ``>`` or ``/>``);
    3. a row's end tag or whitespace (no group);
    4. anything else (6): a cell written otherwise (a formula, rich text, no ``r``, …), read by
       the slow path, or something the scanner does not read (:class:`XlsxUnsupported`).

    The order matters: Python's ``re`` tries the alternatives in turn, and the common one is
    the cheapest (about 0.6 µs a cell)."""
    p = re.escape(prefix)
    return re.compile(
        rf"<{p}c r=\"([A-Z]+)[0-9]+\"([^>]*)>"
        rf"<({p}v|{p}is><{p}t(?: xml:space=\"preserve\")?)>([^<]*)</(?:{p}v|{p}t></{p}is)></{p}c>"
        rf"|<{p}row([\s/][^>]*>|>)"
        rf"|</{p}row>|\s+"
        rf"|(<{p}c(?:\s[^>]*)?/>|<{p}c(?:\s[^>]*)?>[^<]*(?:<(?!/{p}c>)[^<]*)*</{p}c>"
        rf"|<[^>]*>?|[^<]+)"
    )


_CELL_TAG = re.compile(r"<[^\s/>]+(\s[^>]*?)?(/?)>")
_ATTR = re.compile(r"""([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_V = re.compile(rf"<{_P}v(?:\s[^>]*)?(?:/>|>([^<]*)</{_P}v\s*>)")
_IS = re.compile(rf"<{_P}is(?:\s[^>]*)?(?:/>|>(.*?)</{_P}is\s*>)", re.S)
_SI = re.compile(  # a plain <si> as Excel writes it first (three times faster), else any
    rf"<si><t>([^<]*)</t></si>"
    rf"|<{_P}si(?=[\s/>])[^>]*?(?:/>|>(?:<{_P}t(?:\s[^>]*)?>([^<]*)</{_P}t>|(.*?))</{_P}si\s*>)",
    re.S,
)
_RPH = re.compile(rf"<{_P}rPh(?=[\s/>])[^>]*?(?:/>|>.*?</{_P}rPh\s*>)", re.S)
_RUN = re.compile(rf"<{_P}r(?=[\s/>])[^>]*?(?:/>|>(.*?)</{_P}r\s*>)", re.S)
_T = re.compile(rf"<{_P}t(?:\s[^>]*)?(?:/>|>([^<]*)</{_P}t\s*>)")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z]+);|&")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_DECLARATION = re.compile(
    r"""\s*<\?xml\b(?=(?:[^>]*?\sencoding\s*=\s*["']([^"']*)["'])?)[^>]*\?>"""
)
_UTF8 = ("utf-8", "utf8")
_SHEET_DATA = re.compile(rf"<({_P})sheetData(?=[\s/>])[^>]*?(/?)>")
_DIMENSION = re.compile(rf"<{_P}dimension(?=[\s/>])[^>]*?\sref{_Q}([^\"']*)")


class XlsxCorrupt(ValueError):
    """The sheet's XML is not what an .xlsx holds (the reader refuses the file)."""


class XlsxUnsupported(Exception):
    """The XML holds something the scanner does not read (a comment, a CDATA section, a
    mixture of namespace prefixes, UTF-16): openpyxl reads the file instead."""


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name is None:
        raise XlsxCorrupt("a bare & in XML text")
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))
    try:
        return _NAMED[name]
    except KeyError:
        raise XlsxCorrupt(f"undefined entity &{name};") from None


def unescape(text: str) -> str:
    """XML text as a parser gives it (the caller has normalised line ends)."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def rich_text(body: str) -> str:
    """The text of an ``<is>`` or ``<si>`` element's content as openpyxl's ``Text.content``:
    its own ``<t>``, then each run's ``<t>``; phonetic runs (``<rPh>``) left out."""
    if "rPh" in body:
        body = _RPH.sub("", body)
    runs = [t for run in _RUN.findall(body) for t in _T.findall(run)]
    plain = _T.findall(_RUN.sub("", body)) if runs else _T.findall(body)
    # openpyxl keeps one plain <t> (the last one its descriptor saw)
    return unescape((plain[-1] if plain else "") + "".join(runs))


class SharedStrings:
    """The shared-strings table, compact: the UTF-8 bytes of every string back to back and
    their end offsets (4 bytes each: the part is at most 64 MiB, ``XlsxLimits``);
    ``strings[i]`` decodes the i-th when a cell refers to it."""

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("I", [0])

    def __len__(self) -> int:
        return len(self._ends) - 1

    def extend(self, texts: list[str]) -> None:
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        ends = accumulate(map(len, encoded), initial=len(self._blob))
        next(ends)
        self._ends.extend(ends)
        self._blob += b"".join(encoded)

    def nbytes(self) -> int:
        """The bytes the table holds (its text and offsets)."""
        return len(self._blob) + self._ends.itemsize * len(self._ends)

    def __getitem__(self, i: int) -> str:
        ends = self._ends
        if not 0 <= i < len(ends) - 1:
            raise XlsxCorrupt(f"shared string {i} does not exist")
        return self._blob[ends[i] : ends[i + 1]].decode("utf-8", "surrogatepass")


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _chunks(src: IO[bytes], first: int | None = None) -> Iterator[str]:
    """The XML text of a zip member, ``CHUNK`` bytes at a time (``first`` for the first),
    line ends normalised as a parser does; the XML declaration left out."""
    data = src.read(first or CHUNK)
    while data and b">" not in data:  # the XML declaration whole in the first piece
        more = src.read(CHUNK)
        if not more:
            break
        data += more
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[1:2] == b"\x00":
        raise XlsxUnsupported("UTF-16 XML")  # never written by Excel or openpyxl
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""  # a CR at a chunk's end: its LF may start the next chunk
    first = True
    while data:
        text = pending + decoder.decode(data)
        if first:
            first = False
            decl = _DECLARATION.match(text)
            if decl:
                if decl.group(1) and decl.group(1).lower().replace("_", "-") not in _UTF8:
                    raise XlsxUnsupported(f"XML in {decl.group(1)}")
                text = text[decl.end() :]
        pending = ""
        if text.endswith("\r"):
            text, pending = text[:-1], "\r"
        yield _normalised(text)
        data = src.read(CHUNK)
    text = pending + decoder.decode(b"", final=True)
    if text:
        yield _normalised(text)


def _pieces(
    chunks: Iterator[str], name: str, buf: str = "", end: str | None = None
) -> Iterator[str]:
    """The XML in pieces that each end just before an element ``name``'s start tag (so hold
    whole elements), up to ``end`` (a closing tag's start) or the end of the text."""
    while True:
        at = buf.find(end) if end else -1
        if at >= 0:
            yield _plain(buf[:at])
            return
        cut = _last_start(buf, name)
        if cut:
            part, buf = buf[:cut], buf[cut:]
            yield _plain(part)
        text = next(chunks, None)
        if text is None:
            if end:
                raise XlsxCorrupt(f"{end}> missing")
            yield _plain(buf)
            return
        buf += text


def _plain(part: str) -> str:
    if "<!" in part or "<?" in part:  # a comment, CDATA section, processing instruction
        raise XlsxUnsupported("a comment, CDATA section or processing instruction")
    return part


def read_shared_strings(src: IO[bytes]) -> SharedStrings:
    """``xl/sharedStrings.xml`` as openpyxl's ``read_string_table`` reads it, held compactly."""
    table = SharedStrings()
    for part in _pieces(_chunks(src), "si"):
        texts = [
            rich_text(body) if body else unescape(plain) if "&" in plain else plain
            for plain, body in [(fast or plain, body) for fast, plain, body in _SI.findall(part)]
        ]
        if "x005F_" in part:
            texts = [t.replace("x005F_", "") for t in texts]
        table.extend(texts)
    return table


_START = {name: re.compile(rf"<{_P}{name}(?=[\s/>])") for name in ("si", "row")}


def _last_start(buf: str, name: str) -> int:
    """Where the last ``<name`` (any prefix) starts in ``buf`` (0 when none): what comes before
    it is complete elements."""
    at = len(buf)
    pattern = _START[name]
    while True:
        at = buf.rfind("<", 0, at)
        if at < 0:
            return 0
        if pattern.match(buf, at):
            return at


class SheetScan:
    """The rows of one worksheet part, as openpyxl's read-only ``iter_rows(values_only=True)``
    gives them (each as a list); iterate once. Raises :class:`XlsxUnsupported` where the XML
    holds something the scanner does not read (the caller goes on with openpyxl from the row
    it stopped at) and :class:`XlsxCorrupt` (or another ``ValueError``) where it is broken."""

    def __init__(
        self,
        src: IO[bytes],
        shared: SharedStrings,
        *,
        epoch: dt.datetime,
        date_styles: set[int],
        timedelta_styles: set[int],
    ) -> None:
        self.shared = shared
        self.epoch = epoch
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.max_col: int | None = None
        self.max_row: int | None = None
        self._cols: dict[str, int] = {}
        self._styles: dict[str, int] = {}
        self._tails: dict[str, tuple[int, str, str]] = {}
        self._chunks = _chunks(src, CHUNK // 16)  # a small first piece: a template soon
        self.templates = 0  # row shapes learnt (each a regular expression compiled)
        buf = ""
        for text in self._chunks:  # up to <sheetData>: the dimension
            buf += text
            m = _SHEET_DATA.search(buf)
            if m:
                head = buf[: m.start()]
                if "<!" in head:
                    raise XlsxUnsupported("a comment or CDATA before the sheet data")
                dim = _DIMENSION.search(head)
                if dim:  # openpyxl's max_row and max_column (as ReadOnlyWorksheet reads them)
                    _, _, self.max_col, self.max_row = range_boundaries(unescape(dim.group(1)))
                self._prefix = m.group(1)
                self._closed = bool(m.group(2))  # <sheetData/>
                self._rest = buf[m.end() :]
                return
            if len(buf) > 64 * CHUNK:
                break
        raise XlsxCorrupt("no sheetData")

    def _style(self, s: str) -> int:
        """0 plain, 1 date, 2 duration, for a cell's ``s`` text (absent: style 0)."""
        kind = self._styles.get(s)
        if kind is None:
            sid = int(s) if s else 0
            kind = 2 if sid in self.timedelta_styles else 1 if sid in self.date_styles else 0
            self._styles[s] = kind
        return kind

    def _col(self, letters: str) -> int:
        col = self._cols.get(letters)
        if col is None:
            col = self._cols[letters] = column_index_from_string(letters)
        return col

    def _number(self, v: str, s: str) -> Any:
        """A number cell's text (openpyxl's ``_cast_number``), a date or duration when its
        style's format says so (``#VALUE!`` out of range, as openpyxl)."""
        value: int | float = float(v) if "." in v or "E" in v or "e" in v else int(v)
        kind = self._style(s)
        if not kind:
            return value
        try:
            return from_excel(value, self.epoch, timedelta=kind == 2)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def _typed(self, t: str, v: str) -> Any:
        """The ``<v>`` text (not empty, unescaped) of a cell that is not a number."""
        if t == "s":
            return self.shared[int(v)]
        if t == "b":
            return bool(int(v))
        if t == "d":
            return from_ISO8601(v)
        if t == "inlineStr":
            return None  # openpyxl reads an inline string's <is>, never a <v>
        return v  # "e" (#N/A), "str" (a formula's text), anything else: the text

    def _value(self, s: str, t: str, body: str) -> Any:
        """A cell whose content is not a plain ``<v>`` or inline string (rich text, a
        prefix, whitespace, a <v> with attributes)."""
        if t == "inlineStr":
            m = _IS.search(body)
            return None if m is None else rich_text(m.group(1) or "")
        m = _V.search(body)
        if m is None or not m.group(1):
            return None
        v = unescape(m.group(1))
        return self._number(v, s) if t in ("", "n") else self._typed(t, v)

    def _tail(self, tail: str) -> tuple[int, str, str]:
        """What a cell's attributes after ``r`` say: (how to read its ``<v>``, ``s``, ``t``)
        — 0 an inline string, 1 a shared string, 2 a plain number, 3 a number with a date
        style, 5 with a duration style, 4 any other type; cached (a file has few distinct tails)."""
        a = _attributes(tail)
        s, t = a.get("s", ""), a.get("t", "")
        if t == "inlineStr":
            code = 0
        elif t == "s":
            code = 1
        elif t in ("", "n"):
            code = (2, 3, 5)[self._style(s)]
        else:
            code = 4
        self._tails[tail] = (code, s, t)
        return code, s, t

    def _template(self, shape: tuple[tuple[str, str, str], ...], groups: int) -> _Template:
        """A regular expression for a whole row of this shape (the cells' column letters,
        attributes after ``r`` and child; columns in increasing order), its groups the row's
        number and each cell's text (an ``&`` sends the row to the token path); how the
        row's values are taken from a match (``groups``: how many the token path adds), and
        how each column's text becomes its value."""
        p = re.escape(self._prefix)
        out = [rf'<{p}row r="([0-9]+)"[^>]*(?<!/)>']
        conv: list[tuple[int, int, str, str]] = []
        cols = [self._col(letters) for letters, _, _ in shape]
        width = self.max_col or cols[-1]
        for (letters, tail, tag), col in zip(shape, cols, strict=True):
            code, s, t = self._tails.get(tail) or self._tail(tail)
            out.append(rf'<{p}c r="{letters}[0-9]+"{re.escape(tail)}>')
            if tag.endswith("t"):  # an inline string
                out.append(rf'<{p}is><{p}t(?: xml:space="preserve")?>([^<&]*)</{p}t></{p}is>')
                if code:
                    code = -1  # an <is> in a cell not typed inlineStr: None
            else:
                out.append(rf"<{p}v>([^<&]*)</{p}v>")
                if not code:
                    code = -1  # an inline string's <v>: openpyxl reads only <is>
            if code and col <= width:
                conv.append((col - 1, code, s, t))
            out.append(rf"</{p}c>")
        out.append(rf"</{p}row>")
        n = len(shape)
        if cols == list(range(1, n + 1)) and width == n:
            return _Template("".join(out), n, conv, None)
        # the match's groups: the row's number, the n texts, the token path's; then a None
        where = {col: i + 1 for i, col in enumerate(cols)}
        none = 1 + n + groups
        picks = [where.get(col, none) for col in range(1, width + 1)]
        if len(picks) == 1:
            return _Template("".join(out), n, conv, lambda m: (m[picks[0]],))
        return _Template("".join(out), n, conv, itemgetter(*picks))

    def __iter__(self) -> Iterator[list[Any]]:
        if self._closed:
            return
        shared, tails, cols_of = self.shared, self._tails, self._cols
        number, typed, slow, col_of, tail_of = (
            self._number,
            self._typed,
            self._value,
            self._col,
            self._tail,
        )
        max_col, max_row = self.max_col, self.max_row
        # a shared string's or a date's value by its <v> text: a column of statuses, issuers
        # or dates repeats a few values down a file (decoding a string or converting a date
        # costs a microsecond or more); both bounded
        strings: dict[str, str] = {}
        dates: dict[str, Any] = {}

        def string(text: str) -> str:
            if len(strings) >= _MEMO:
                strings.clear()
            value = strings[text] = shared[int(text)]
            return value

        def date(text: str, s: str) -> Any:
            if len(dates) >= _MEMO:
                dates.clear()
            value = dates[text] = number(text, s)
            return value

        width0 = max_col or 0
        p = self._prefix
        generic = _sheet_tokens(p).pattern
        tokens = re.compile(generic).findall
        template: _Template | None = None
        k = 0  # where the token groups start in a match (after the template's)
        n = 0
        conv: list[tuple[int, int, str, str]] = []
        pick: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
        templates = 0
        v_tag = f"{p}v"
        counter = 1  # the next row number to give
        row_n = 0  # openpyxl's row counter
        values: list[Any] | None = None  # the row being read (None: none, or one skipped)
        cols: list[int] | None = None  # its cells' columns, once they are not 1, 2, 3 …
        shape: list[tuple[str, str, str]] | None = None  # the row's shape while regular
        shapes: dict[tuple[tuple[str, str, str], ...], int] = {}
        col = 0
        value: Any
        for part in _pieces(self._chunks, "row", self._rest, f"</{p}sheetData"):
            for m in tokens(part):
                if k and m[0]:  # a whole row of the template's shape
                    if values is not None:
                        if shape is not None:
                            key = tuple(shape)
                            shapes[key] = shapes.get(key, 0) + 1
                        yield _placed(values, cols, max_col or col)
                        values = None
                    row_n = int(m[0])
                    if max_row is not None and row_n > max_row:
                        for _ in range(counter, max_row + 1):
                            yield [None] * width0
                        return
                    while counter < row_n:
                        counter += 1
                        yield [None] * width0
                    if counter > row_n:
                        continue  # numbered before a row already given: openpyxl skips it
                    counter += 1
                    row = list(m[1 : n + 1]) if pick is None else list(pick((*m, None)))
                    for i, code, s, t in conv:
                        text = row[i]
                        if not text or code < 0:
                            row[i] = None
                        elif code == 2:
                            row[i] = (
                                float(text)
                                if "." in text or "E" in text or "e" in text
                                else int(text)
                            )
                        elif code == 1:
                            row[i] = strings.get(text)
                            if row[i] is None:
                                row[i] = string(text)
                        elif code == 3:
                            row[i] = dates.get(text)
                            if row[i] is None:
                                row[i] = date(text, s)
                        elif code == 5:
                            row[i] = number(text, s)
                        else:
                            row[i] = typed(t, text)
                    yield row
                    continue
                letters, tail, tag, text, rattrs, other = m[k:] if k else m
                if letters:  # a cell as usual
                    col = cols_of.get(letters) or col_of(letters)
                    try:
                        code, s, t = tails[tail]
                    except KeyError:
                        code, s, t = tail_of(tail)
                    if values is None:
                        continue  # in a skipped row
                    if shape is not None:
                        shape.append((letters, tail, tag))
                    if tag == v_tag:
                        if not text:
                            value = None
                        elif code == 2:
                            value = (
                                float(text)
                                if "." in text or "E" in text or "e" in text
                                else int(text)
                            )
                        elif code == 1:
                            value = strings.get(text)
                            if value is None:
                                value = string(text)
                        elif code == 3:
                            value = dates.get(text)
                            if value is None:
                                value = date(text, s)
                        elif code == 5:
                            value = number(text, s)
                        elif code == 0:
                            value = None  # an inline string's <v>: openpyxl reads only <is>
                        else:
                            value = typed(t, unescape(text))
                    elif code == 0:
                        value = unescape(text) if "&" in text else text
                    else:
                        value = None  # an <is> in a cell not typed inlineStr
                elif rattrs:  # a row's start
                    if values is not None:
                        if shape is not None:
                            key = tuple(shape)
                            shapes[key] = shapes.get(key, 0) + 1
                        yield _placed(values, cols, max_col or col)
                        values = None
                    if rattrs.startswith(' r="'):
                        row_n = _row_number(rattrs[4 : rattrs.find('"', 4)])
                        shape = []
                    else:
                        r = _attributes(rattrs).get("r")
                        row_n = _row_number(r) if r is not None else row_n + 1
                        shape = None
                    if max_row is not None and row_n > max_row:
                        for _ in range(counter, max_row + 1):
                            yield [None] * width0
                        return
                    while counter < row_n:
                        counter += 1
                        yield [None] * width0
                    if counter > row_n:
                        continue  # numbered before a row already given: openpyxl skips it
                    counter += 1
                    if rattrs.endswith("/>"):
                        yield [None] * width0
                    else:
                        values, cols, col = [], None, 0
                    continue
                elif other:  # a cell written otherwise, or something unexpected
                    m2 = _CELL_TAG.match(other)
                    if m2 is None or not other.startswith(f"<{p}c"):
                        raise XlsxUnsupported(f"unexpected XML in the sheet data: {other[:40]!r}")
                    a = _attributes(m2.group(1) or "")
                    r, s, t = a.get("r"), a.get("s", ""), a.get("t", "")
                    col = coordinate_to_tuple(r)[1] if r else col + 1
                    shape = None
                    if values is None:
                        continue
                    value = None if m2.group(2) else slow(s, t, other[m2.end() : other.rfind("<")])
                else:
                    continue  # a row's end tag, whitespace
                if cols is None:
                    if col == len(values) + 1:
                        values.append(value)
                        continue
                    cols = list(range(1, len(values) + 1))
                if shape is not None and cols and col <= cols[-1]:
                    shape = None  # out of order: no template
                cols.append(col)
                values.append(value)
            if values is not None:  # a piece ends with a whole row
                if shape is not None:
                    key = tuple(shape)
                    shapes[key] = shapes.get(key, 0) + 1
                yield _placed(values, cols, max_col or col)
                values = None
            # the most frequent shape of the rows read token by token since the last template
            # was made, if it is most of them, becomes the template for the next pieces (a
            # few times at most per sheet)
            if shapes and templates < _MAX_TEMPLATES:
                best, seen = max(shapes.items(), key=lambda kv: kv[1])
                if best and seen >= _TEMPLATE_MIN_ROWS and seen * 2 >= sum(shapes.values()):
                    template = self._template(best, _TOKEN_GROUPS)
                    tokens = re.compile(f"{template.pattern}|{generic}").findall
                    n, conv, pick = template.cells, template.conv, template.pick
                    k = n + 1
                    templates += 1
                    shapes.clear()
                elif len(shapes) > 256:
                    shapes.clear()
            self.templates = templates


class _Template(NamedTuple):
    pattern: str
    cells: int
    conv: list[tuple[int, int, str, str]]  # (column index, code as in _tail, s, t); -1: None
    # a row's values from (match groups…, None) when they are not simply the n texts
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None


_TOKEN_GROUPS = 6  # the groups of _sheet_tokens
_MEMO = 1 << 14  # shared strings and dates remembered by their <v> text


_MAX_TEMPLATES = 16  # new row shapes learnt per sheet (each a regular expression compiled)
_TEMPLATE_MIN_ROWS = 8


def _placed(values: list[Any], cols: list[int] | None, width: int) -> list[Any]:
    """A row's values in their columns, ``width`` wide (openpyxl's ``_get_row``)."""
    if cols is None and len(values) == width:
        return values
    row: list[Any] = [None] * width
    for c, value in zip(cols or range(1, len(values) + 1), values, strict=True):
        if c <= width:
            row[c - 1] = value
    return row


def _attributes(text: str) -> dict[str, str]:
    return {k: unescape(a or b) for k, a, b in _ATTR.findall(text)}


def _row_number(r: str) -> int:
    # openpyxl's WorkSheetParser.parse_row
    try:
        return int(r)
    except ValueError:
        f = float(r)
        if not f.is_integer():
            raise XlsxCorrupt(f"{r} is not a valid row number") from None
        return int(f)


def open_first_sheet(raw: IO[bytes]) -> tuple[zipfile.ZipFile, str, SharedStrings, Any]:
    """The archive, the first worksheet's part name, the shared strings and the openpyxl
    workbook shell (``epoch``, ``_date_formats``, ``_timedelta_formats``), read by openpyxl's
    own manifest, workbook and stylesheet readers; the shared strings by this module."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(raw, read_only=True, data_only=True, keep_links=False)
    reader.read_manifest()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    part = None
    for _sheet, rel in reader.parser.find_sheets():  # wb.worksheets[0]: no chartsheet
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            part = rel.target
            break
    if part is None:
        raise XlsxCorrupt("no worksheet")
    shared = SharedStrings()
    ct = reader.package.find(SHARED_STRINGS)
    if ct is not None:
        with reader.archive.open(ct.PartName[1:]) as src:
            shared = read_shared_strings(src)
    return reader.archive, part, shared, reader.wb
