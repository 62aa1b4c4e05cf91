"""run_import on a real database: SQLite always; PostgreSQL / MariaDB when their URLs are set.

``ZHIXIN_TEST_POSTGRES_URL`` / ``ZHIXIN_TEST_MYSQL_URL`` name a server database to connect to
first; each run creates (and drops afterwards) its own database ``zx_intake_test_<pid>``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import zhixin.accounts.models
import zhixin.audit.models
import zhixin.enterprises.models
import zhixin.intake.models
import zhixin.records.models  # noqa: F401 - every table, so foreign keys resolve
from tests.support.databases import SKIPPED_SERVERS
from zhixin.config import get_settings
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.intake import service
from zhixin.intake.models import ImportBatch, ImportRowError
from zhixin.intake.service import NOT_REGISTERED, ImportRefused, run_import
from zhixin.kit.db import Base, make_engine, make_sessionmaker
from zhixin.records.models import QualityRecord

CERT_HEADER = [
    "统一社会信用代码",
    "认证类型",
    "证书编号",
    "认证机构",
    "发证日期",
    "有效期至",
    "证书状态",
]
USCCS = [make_uscc(f"91350200MA{i:07d}") for i in range(10)]
UNREGISTERED = make_uscc("91350200MB0000001")


def _server_urls() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    for env, name in (
        ("ZHIXIN_TEST_POSTGRES_URL", "postgresql"),
        ("ZHIXIN_TEST_MYSQL_URL", "mysql"),
    ):
        url = os.environ.get(env)
        mark = pytest.mark.skipif(not url, reason=SKIPPED_SERVERS[name])
        params.append(pytest.param(url or "", id=name, marks=mark))
    return params


@pytest.fixture(scope="module", params=_server_urls())
def engine_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url: str = request.param
    if url == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'intake.sqlite3'}"
        return
    name = f"zx_intake_test_{os.getpid()}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture
def factory(engine_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(engine_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def cert(uscc: str, ref: str, status: str = "有效", valid_from: str = "2023-03-01") -> list[str]:
    return [uscc, "ISO9001", ref, "中国质量认证中心", valid_from, "2026-02-28", status]


def register(factory: sessionmaker[Session], tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "名称", "企业规模", "行政区划代码"]]
    rows += [[u, f"示例企业{i}", "小型", "350203"] for i, u in enumerate(USCCS)]
    s = run_import(
        factory, kind="enterprise", path=write_csv(tmp_path / "ent.csv", rows), filename="ent.csv"
    )
    assert (s.inserted, s.rejected) == (10, 0)


def count(factory: sessionmaker[Session], model: type[object], *where: object) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the main journey


def test_bad_rows_reported_good_rows_kept_and_reimport_is_idempotent(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    register(factory, tmp_path)
    good = [cert(u, f"Q{i:03d}") for i, u in enumerate(USCCS)]
    bad_uscc = USCCS[0][:-1] + ("0" if USCCS[0][-1] != "0" else "1")
    bad = [
        cert(bad_uscc, "B1"),  # line 4
        cert(USCCS[1], "B2", valid_from="2023-02-30"),  # line 8
        cert(USCCS[2], "B3", status="有效吗"),  # line 12
    ]
    rows = [CERT_HEADER, *good[:2], bad[0], *good[2:5], bad[1], *good[5:8], bad[2], *good[8:]]
    path = write_csv(tmp_path / "certs.csv", rows)

    first = run_import(factory, kind="certification", path=path, filename="certs.csv")
    assert (first.total_rows, first.inserted, first.duplicates, first.rejected) == (13, 10, 0, 3)
    assert [(e.line, e.field, e.reason) for e in first.errors] == [
        (4, "统一社会信用代码", "统一社会信用代码校验位错误"),
        (8, "发证日期", "日期不存在（月或日超出范围）"),
        (12, "证书状态", "取值应为：有效、暂停、撤销、注销、过期"),
    ]
    assert count(factory, QualityRecord) == 10
    with factory() as s:
        stored = service.batch_errors(s, first.batch_id, limit=10)
        assert [(e.line, e.field) for e in stored] == [
            (4, "统一社会信用代码"),
            (8, "发证日期"),
            (12, "证书状态"),
        ]
        batch = service.get_batch(s, first.batch_id)
        assert (batch.status, batch.inserted, batch.rejected) == ("done", 10, 3)
        assert batch.finished_at is not None
        rec = s.scalars(select(QualityRecord).where(QualityRecord.ref == "Q000")).one()
        assert (rec.version, rec.source_ref, rec.batch_id) == (1, "certs.csv:2", first.batch_id)
        assert rec.known_at == batch.started_at

    again = run_import(factory, kind="certification", path=path, filename="certs.csv")
    assert (again.inserted, again.corrected, again.duplicates, again.rejected) == (0, 0, 10, 3)
    assert count(factory, QualityRecord) == 10

    fixed_rows = [
        CERT_HEADER,
        *good,
        cert(USCCS[0], "B1"),
        cert(USCCS[1], "B2"),
        cert(USCCS[2], "B3"),
    ]
    fixed = run_import(
        factory,
        kind="certification",
        path=write_csv(tmp_path / "fixed.csv", fixed_rows),
        filename="fixed.csv",
    )
    assert (fixed.inserted, fixed.corrected, fixed.duplicates, fixed.rejected) == (3, 0, 10, 0)
    assert count(factory, QualityRecord) == 13

    changed = run_import(
        factory,
        kind="certification",
        path=write_csv(tmp_path / "changed.csv", [CERT_HEADER, cert(USCCS[3], "Q003", "撤销")]),
        filename="changed.csv",
    )
    assert (changed.inserted, changed.corrected, changed.duplicates) == (0, 1, 0)
    with factory() as s:
        versions = s.scalars(
            select(QualityRecord).where(QualityRecord.ref == "Q003").order_by(QualityRecord.version)
        ).all()
        assert [(v.version, v.status) for v in versions] == [(1, "有效"), (2, "撤销")]
        assert versions[0].superseded_at is not None
        assert versions[0].superseded_by_id == versions[1].id
        assert versions[1].superseded_at is None


def test_unregistered_enterprise_and_in_file_repeats(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    register(factory, tmp_path)
    rows = [
        CERT_HEADER,
        cert(USCCS[0], "A"),
        cert(UNREGISTERED, "X"),
        cert(USCCS[0], "A"),  # identical repeat
        cert(USCCS[0], "A", status="暂停"),  # different repeat: the last line for a key wins
    ]
    s = run_import(
        factory, kind="certification", path=write_csv(tmp_path / "r.csv", rows), filename="r.csv"
    )
    assert (s.inserted, s.duplicates, s.replaced, s.rejected) == (1, 2, 2, 1)
    assert [(e.line, e.field, e.reason) for e in s.errors] == [
        (3, "统一社会信用代码", NOT_REGISTERED),
    ]
    assert "重复 2（其中 2 行被文件中后面的同一记录取代）" in s.message
    with factory() as sess:
        (rec,) = sess.scalars(select(QualityRecord).where(QualityRecord.ref == "A")).all()
        assert (rec.version, rec.status, rec.source_ref) == (1, "暂停", "r.csv:5")


def test_in_file_repeat_across_chunks(
    factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(factory, tmp_path)
    monkeypatch.setenv("ZHIXIN_IMPORT_BATCH_SIZE", "100")
    get_settings.cache_clear()
    try:
        rows = [CERT_HEADER] + [cert(USCCS[i % 10], f"C{i}") for i in range(150)]
        rows.append(cert(USCCS[0], "C0"))  # identical to line 2, in another chunk
        rows.append(cert(USCCS[1], "C1", status="注销"))  # differs from line 3
        seen: list[tuple[int, int | None]] = []
        s = run_import(
            factory,
            kind="certification",
            path=write_csv(tmp_path / "c.csv", rows),
            filename="c.csv",
            progress=lambda done, total: seen.append((done, total)),
        )
    finally:
        get_settings.cache_clear()
    # lines 2 and 3 are replaced by lines 152 and 153, in the next chunk
    assert (s.inserted, s.corrected, s.duplicates, s.replaced, s.rejected) == (150, 0, 2, 2, 0)
    assert seen[0][0] == 100 and seen[-1] == (152, 152)
    with factory() as sess:
        c1 = sess.scalars(select(QualityRecord).where(QualityRecord.ref == "C1")).one()
        assert (c1.version, c1.status, c1.source_ref) == (1, "注销", "c.csv:153")


def test_enterprise_upsert(factory: sessionmaker[Session], tmp_path: Path) -> None:
    register(factory, tmp_path)
    rows = [
        ["统一社会信用代码", "名称", "企业规模", "行政区划代码"],
        [USCCS[0], "示例企业0", "小型", "350203"],
        [USCCS[1], "改名后的企业", "中", "350203"],
        [make_uscc("92350200MA0000001"), "张三小吃店", "", ""],
    ]
    s = run_import(
        factory, kind="enterprise", path=write_csv(tmp_path / "e2.csv", rows), filename="e2.csv"
    )
    assert (s.inserted, s.corrected, s.duplicates) == (1, 1, 1)
    with factory() as sess:
        e1 = sess.scalars(select(Enterprise).where(Enterprise.uscc == USCCS[1])).one()
        assert (e1.name, e1.size_class, e1.batch_id) == ("改名后的企业", "中", s.batch_id)
        assert e1.updated_at > e1.created_at
        sole = sess.scalars(select(Enterprise).where(Enterprise.name == "张三小吃店")).one()
        assert (sole.kind, sole.status) == ("个体工商户", "存续")


# ------------------------------------------------------------------ whole-file refusals


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "文件为空"),
        ("blank.csv", b"\r\n,,\r\n", "文件为空"),
        ("data.xls", b"whatever", "不支持的文件格式"),
        ("wrong.csv", "姓名,电话\r\n张三,1\r\n".encode(), "第一行不是「管理体系认证」的表头"),
    ],
)
def test_file_level_errors_record_a_failed_batch(
    factory: sessionmaker[Session], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as exc:
        run_import(factory, kind="certification", path=path, filename=name)
    assert exc.value.status == 422
    assert message in exc.value.message
    with factory() as s:
        batch = s.get(ImportBatch, exc.value.batch_id)
        assert batch is not None and batch.status == "failed"
        assert batch.message is not None and message in batch.message


def test_header_only_file(factory: sessionmaker[Session], tmp_path: Path) -> None:
    s = run_import(
        factory,
        kind="certification",
        path=write_csv(tmp_path / "h.csv", [CERT_HEADER]),
        filename="h.csv",
    )
    assert (s.total_rows, s.message) == (0, "文件只有表头，没有数据行")
    with factory() as sess:
        assert service.get_batch(sess, s.batch_id).status == "done"


# ------------------------------------------------------------------ XLSX, volume, reports


def test_xlsx_import_and_errors_workbook(factory: sessionmaker[Session], tmp_path: Path) -> None:
    register(factory, tmp_path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(CERT_HEADER)
    ws.append([USCCS[0], "ISO 14001", "X1", "CQC", 45296, "2027-01-01", "有效"])
    ws.append([USCCS[1], "ISO9001", "X2", "CQC", "不是日期", "2027-01-01", "有效"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    s = run_import(factory, kind="certification", path=path, filename="c.xlsx", channel="web")
    assert (s.inserted, s.rejected) == (1, 1)
    with factory() as sess:
        rec = sess.scalars(select(QualityRecord)).one()
        assert (rec.subtype, str(rec.valid_from)) == ("ISO14001", "2024-01-05")
        report = load_workbook(io.BytesIO(service.errors_xlsx(sess, s.batch_id)))
        rows = list(report.worksheets[0].iter_rows(values_only=True))
        assert rows[0] == ("行号", "字段", "原因")
        assert rows[1][:2] == (3, "发证日期") and "不是日期" not in str(rows[1][2])
        assert [b.id for b in service.list_batches(sess, 1)] == [s.batch_id]


def test_twenty_thousand_rows(factory: sessionmaker[Session], tmp_path: Path) -> None:
    register(factory, tmp_path)
    rows = [CERT_HEADER] + [cert(USCCS[i % 10], f"N{i:06d}") for i in range(20_000)]
    s = run_import(
        factory,
        kind="certification",
        path=write_csv(tmp_path / "big.csv", rows),
        filename="big.csv",
    )
    assert (s.total_rows, s.inserted, s.rejected) == (20_000, 20_000, 0)
    assert count(factory, QualityRecord) == 20_000
    assert count(factory, ImportRowError) == 0
