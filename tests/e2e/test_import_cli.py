"""``zhixin import`` (issue 18 items 10–11): the error table is sorted by line like the page;
a header message never echoes an injected cell; ``--reassert`` restores a past version."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.e2e.test_cli import db, zhixin  # noqa: F401 - the fixture
from zhixin.enterprises.rules import make_uscc

CERT = ["统一社会信用代码", "认证类型", "证书编号", "认证机构", "发证日期", "有效期至", "证书状态"]
FIRM = make_uscc("91350200MA2Y00021")
STRANGER = make_uscc("91350200MB0000009")


def _csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _cert(uscc: str, ref: str, status: str = "有效", start: str = "2023-03-01") -> list[str]:
    return [uscc, "ISO9001", ref, "中国质量认证中心", start, "2026-02-28", status]


def test_error_table_by_line_and_reassert(db: Path, tmp_path: Path) -> None:  # noqa: F811
    ent = _csv(tmp_path / "ent.csv", [["统一社会信用代码", "名称"], [FIRM, "厦门样例有限公司"]])
    assert zhixin("import", "enterprise", str(ent), db=db).returncode == 0
    rows = [
        CERT,
        _cert(STRANGER, "S1"),  # line 2: refused when written (not registered)
        _cert(FIRM, "B1", start="2023-02-30"),  # line 3: refused when parsed
        _cert(FIRM, "Q1"),
    ]
    done = zhixin("import", "certification", str(_csv(tmp_path / "c.csv", rows)), db=db)
    assert done.returncode == 3, done.stderr
    table = done.stdout[done.stdout.index("有误的行") :]
    assert table.index("尚未登记") < table.index("日期不存在")

    old = _csv(tmp_path / "old.csv", [CERT, _cert(FIRM, "Q1")])
    new = _csv(tmp_path / "new.csv", [CERT, _cert(FIRM, "Q1", "撤销")])
    assert zhixin("import", "certification", str(new), db=db).returncode == 0
    stale = zhixin("import", "certification", str(old), db=db)
    assert stale.returncode == 0 and "与历史版本相同 1" in stale.stdout
    assert "更正 0" in stale.stdout
    meant = zhixin("import", "certification", str(old), "--reassert", db=db)
    assert meant.returncode == 0 and "更正 1" in meant.stdout, meant.stdout


def test_a_header_message_never_echoes_injected_text(db: Path, tmp_path: Path) -> None:  # noqa: F811
    for cell in ("=cmd|' /C calc'!A0", "\x1b]8;;http://x\x1b\\点我\x1b]8;;\x1b\\", "<img src=x>"):
        path = _csv(tmp_path / "h.csv", [[CERT[0], cell], [FIRM, "x"]])
        done = zhixin("import", "certification", str(path), db=db)
        assert done.returncode == 1
        said = " ".join((done.stdout + done.stderr).split())  # rich wraps long lines
        assert "缺少的列" in said and "第 B 列（内容不予显示）" in said
        assert "calc" not in said and "\x1b" not in said and "<img" not in said
