"""Imports in the layouts people send, and an older file that must not undo a correction
(issue 18 items 7–10): run_import on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import zhixin.models  # noqa: F401 - every table
from tests.integration import test_import as base
from tests.integration.test_import import CERT_HEADER, USCCS, cert, count, register, write_csv
from zhixin.intake import service
from zhixin.intake.service import STALE, run_import
from zhixin.records.models import QualityRecord

# the import tests' fixtures: SQLite always, PostgreSQL / MariaDB when their URLs are set
engine_url = base.engine_url
factory = base.factory


def _regulator_layout() -> list[list[object]]:
    """Two title rows, 序号 first, 备注 and 经办人 last — a regulator's export."""
    rows: list[list[object]] = [
        ["2024年厦门市管理体系认证证书清单"],
        ["导出时间：2024/3/18 9:30"],
        ["序号", *CERT_HEADER, "备注", "经办人"],
    ]
    for i, u in enumerate(USCCS[:3]):
        row = cert(u, f"Q{i}", valid_from="2023/3/1 0:00")
        rows.append([i + 1, *row, "无", "张三"])
    return rows


def _notes_ok(message: str) -> None:
    assert "共 3 行：新增 3" in message
    assert "已跳过表头上方的标题行（第 1、2 行）" in message
    assert (
        "已忽略不属于「管理体系认证」的列：第 A 列「序号」、第 I 列「备注」、第 J 列「经办人」"
        in (message)
    )


def test_regulator_export_csv(factory: sessionmaker[Session], tmp_path: Path) -> None:
    register(factory, tmp_path)
    rows = [[str(c) for c in r] for r in _regulator_layout()]
    path = write_csv(tmp_path / "export.csv", rows)
    s = run_import(factory, kind="certification", path=path, filename="export.csv")
    assert (s.total_rows, s.inserted, s.rejected) == (3, 3, 0), s.errors
    _notes_ok(s.message)
    with factory() as db:
        rec = db.scalars(select(QualityRecord).where(QualityRecord.ref == "Q0")).one()
        assert rec.valid_from.isoformat() == "2023-03-01"
        assert rec.source_ref == "export.csv:4"  # the spreadsheet's own line
        assert service.get_batch(db, s.batch_id).message == s.message


def test_regulator_export_xlsx(factory: sessionmaker[Session], tmp_path: Path) -> None:
    register(factory, tmp_path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in _regulator_layout():
        ws.append(r)
    path = tmp_path / "export.xlsx"
    wb.save(path)
    s = run_import(factory, kind="certification", path=path, filename="export.xlsx")
    assert (s.total_rows, s.inserted, s.rejected) == (3, 3, 0), s.errors
    _notes_ok(s.message)


def test_a_missing_required_column_still_refuses(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [["序号", *CERT_HEADER[:-1], "备注"], ["1", *cert(USCCS[0], "Q")[:-1], ""]]
    with pytest.raises(service.ImportRefused) as exc:
        run_import(
            factory,
            kind="certification",
            path=write_csv(tmp_path / "m.csv", rows),
            filename="m.csv",
        )
    assert "缺少的列：证书状态" in exc.value.message


def test_a_stray_quote_loses_no_good_row(factory: sessionmaker[Session], tmp_path: Path) -> None:
    register(factory, tmp_path)
    lines = [",".join(CERT_HEADER)] + [",".join(cert(USCCS[i], f"Q{i}")) for i in range(6)]
    lines[3] = lines[3].replace("Q2", '"Q2')  # line 4: a quote opened and never closed
    path = tmp_path / "quote.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    s = run_import(factory, kind="certification", path=path, filename="quote.csv")
    assert (s.total_rows, s.inserted, s.rejected) == (6, 5, 1)
    assert [(e.line, e.field) for e in s.errors] == [(4, "")]
    assert "引号不配对" in s.errors[0].reason
    assert "第 4 行的引号不配对，吞并了第 4–7 行" in s.message
    with factory() as db:
        refs = sorted(db.scalars(select(QualityRecord.ref)))
    assert refs == ["Q0", "Q1", "Q3", "Q4", "Q5"]


def test_an_older_file_does_not_undo_a_correction(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    register(factory, tmp_path)
    old = write_csv(tmp_path / "old.csv", [CERT_HEADER, cert(USCCS[0], "Q0")])
    new = write_csv(tmp_path / "new.csv", [CERT_HEADER, cert(USCCS[0], "Q0", "撤销")])
    run_import(factory, kind="certification", path=old, filename="old.csv")
    fixed = run_import(factory, kind="certification", path=new, filename="new.csv")
    assert fixed.corrected == 1

    again = run_import(factory, kind="certification", path=old, filename="old.csv")
    assert (again.inserted, again.corrected, again.duplicates, again.rejected) == (0, 0, 0, 0)
    assert again.stale == 1
    assert [(e.line, e.field) for e in again.errors] == [(2, "")]
    assert again.errors[0].reason.startswith(f"{STALE}：该行与已被更正的第 1 版一致")
    assert "与历史版本相同 1" in again.message
    with factory() as db:
        live = db.scalars(select(QualityRecord).where(QualityRecord.superseded_at.is_(None))).one()
        assert (live.version, live.status) == (2, "撤销")
        assert [(e.line, e.reason[:7]) for e in service.batch_errors(db, again.batch_id)] == [
            (2, STALE)
        ]

    meant = run_import(factory, kind="certification", path=old, filename="old.csv", reassert=True)
    assert (meant.corrected, meant.stale) == (1, 0)
    assert count(factory, QualityRecord) == 3
    with factory() as db:
        live = db.scalars(select(QualityRecord).where(QualityRecord.superseded_at.is_(None))).one()
        assert (live.version, live.status) == (3, "有效")


def test_enterprise_corrections_keep_their_history(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from zhixin.enterprises.models import Enterprise, EnterpriseVersion

    header = ["统一社会信用代码", "名称", "企业规模"]

    def send(name: str, size: str, **kw: bool) -> service.ImportSummary:
        path = write_csv(tmp_path / "e.csv", [header, [USCCS[0], name, size]])
        return run_import(factory, kind="enterprise", path=path, filename="e.csv", **kw)

    assert send("厦门甲有限公司", "小").inserted == 1
    assert send("厦门甲科技有限公司", "中").corrected == 1
    old = send("厦门甲有限公司", "小")
    assert (old.corrected, old.stale) == (0, 1)
    assert old.errors[0].reason.startswith("与历史版本相同：该行与已被更正的第 1 版一致")
    with factory() as db:
        ent = db.scalars(select(Enterprise)).one()
        assert (ent.name, ent.size_class) == ("厦门甲科技有限公司", "中")
        kept = db.scalars(select(EnterpriseVersion)).all()
        assert [(v.version, v.name, v.size_class) for v in kept] == [(1, "厦门甲有限公司", "小")]
    meant = send("厦门甲有限公司", "小", reassert=True)
    assert meant.corrected == 1
    with factory() as db:
        kept = db.scalars(select(EnterpriseVersion).order_by(EnterpriseVersion.version)).all()
        assert [(v.version, v.name) for v in kept] == [
            (1, "厦门甲有限公司"),
            (2, "厦门甲科技有限公司"),
        ]
        assert db.scalars(select(Enterprise)).one().name == "厦门甲有限公司"


def test_a_line_break_inside_a_header_cell_is_not_a_stray_quote(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    register(factory, tmp_path)
    header = ",".join(CERT_HEADER).replace("发证日期", '"发证\n日期"')
    lines = [header] + [",".join(cert(USCCS[i], f"Q{i}")) for i in range(2)]
    path = tmp_path / "h.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    s = run_import(factory, kind="certification", path=path, filename="h.csv")
    assert (s.total_rows, s.inserted, s.rejected) == (2, 2, 0), s.errors
