"""Uploads are bounded before they are parsed (issue 15, item 6).

* Bytes: a request body past ``upload_max_bytes`` (default 50 MB) is a 413 with a Chinese
  message, counted while it streams — no import starts, no batch is recorded.
* Zip bombs: an .xlsx whose shared strings expand to 1 GiB (2.6 MB on disk) is refused from its
  zip directory before openpyxl opens it (413). The bound stated and tested: checking it grows
  the process by less than 32 MiB (a subprocess measures its own peak RSS, under an address-space
  limit of 256 MiB above its start, so the code before this fix dies there instead of taking
  the machine's memory). A bomb that lies about its sizes is cut by zipfile at the size it
  declares and refused as corrupt, within the same bound.
* Compression ratio and rows: an abnormal ratio is refused (413); a file with more data rows
  than ``import_max_rows`` is refused before a row is written (413).
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.app import create_app
from zhixin.config import Settings
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.intake import service
from zhixin.intake.models import ImportBatch
from zhixin.intake.readers import FileRefused, TableReader, XlsxLimits
from zhixin.kit.db import unit_of_work
from zhixin.kit.sheets import Book
from zhixin.web.limits import BodyLimit, BodyTooLarge, too_large_message

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
SHARED = "xl/sharedStrings.xml"
SHARED_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)
SHARED_REL = (
    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml" Id="rId9" />'
)

# -- building the bombs ------------------------------------------------------------------------


def _small_xlsx() -> bytes:
    book = Book()
    sheet = book.sheet("经营主体")
    sheet.append(["统一社会信用代码", "名称"])
    sheet.append([make_uscc("91350200MA0000001"), "厦门示例科技有限公司"])
    return book.to_bytes()


def _shared_strings_stream(size: int) -> tuple[bytes, int, int]:
    """Raw deflate of an ``<sst>`` of about ``size`` bytes of ``<si>`` entries, its CRC-32 and
    its exact size, built from one compressed MiB repeated (a full flush makes blocks equal)."""
    head = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    tail = b"</sst>"
    unit = "<si><t>炸弹炸弹</t></si>".encode()
    chunk = unit * ((1 << 20) // len(unit))
    times = size // len(chunk)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH) == block  # the state is reset
    last = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return first + block * times + last, crc, len(head) + len(chunk) * times + len(tail)


def _write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of (name, raw deflate data, crc, declared uncompressed size), written by hand so
    that the declared size can be anything."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size in members:
        fname = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                           len(fname), 0)  # fmt: skip
        out += fname + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                               len(data), size, len(fname), 0, 0, 0, 0, 0, offset)  # fmt: skip
        central += fname
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       len(out), 0)  # fmt: skip
    path.write_bytes(bytes(out + central + eocd))


def _bomb(path: Path, *, declared: int | None, size: int = GIB) -> Path:
    """A valid workbook whose shared strings expand to ``size``; ``declared`` lies about it."""
    members = []
    with zipfile.ZipFile(io.BytesIO(_small_xlsx())) as z:
        for info in z.infolist():
            raw = z.read(info)
            # as Excel writes it: the cells point into the shared strings, which are listed
            if info.filename == "[Content_Types].xml":
                raw = raw.replace(b"</Types>", SHARED_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                raw = raw.replace(b"</Relationships>", SHARED_REL + b"</Relationships>")
            elif info.filename == "xl/worksheets/sheet1.xml":
                raw = re.sub(rb'<c r="B2" t="inlineStr"><is><t>[^<]*</t></is></c>',
                             b'<c r="B2" t="s"><v>0</v></c>', raw)  # fmt: skip
                assert b"<v>0</v>" in raw
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            members.append((info.filename, c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw)))
    data, crc, real = _shared_strings_stream(size)
    members.append((SHARED, data, crc, real if declared is None else declared))
    _write_zip(path, members)
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "honest": _bomb(folder / "bomb.xlsx", declared=None),
        "lying": _bomb(folder / "liar.xlsx", declared=4096),
    }


@pytest.fixture
def never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl must not be reached: were it, it would expand the gigabyte in this process."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("openpyxl opened a file the directory check should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_the_bombs_are_what_they_claim(bombs: dict[str, Path]) -> None:
    assert bombs["honest"].stat().st_size < 4 << 20
    with zipfile.ZipFile(bombs["honest"]) as z:
        assert z.getinfo(SHARED).file_size >= GIB - (1 << 20)
        with z.open(SHARED) as f:  # it really inflates: the first MiB of many
            assert f.read(1 << 20).count("炸弹".encode()) > 40_000
    with zipfile.ZipFile(bombs["lying"]) as z:
        assert z.getinfo(SHARED).file_size == 4096
    # the same construction, small: openpyxl reads its shared strings (cell B2 points there)
    small = _bomb(bombs["honest"].parent / "small.xlsx", declared=None, size=2 << 20)
    rows = list(TableReader(small, xlsx_limits=XlsxLimits(max_ratio=10**6)))
    assert rows[1] == (2, ["91350200MA0000001W", "炸弹炸弹"])


# -- zip bombs -------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_directory_before_any_parse(
    factory: sessionmaker[Session], bombs: dict[str, Path], never_parsed: None
) -> None:
    with pytest.raises(service.ImportRefused) as refused:
        service.run_import(factory, kind="enterprise", path=bombs["honest"], filename="b.xlsx")
    assert refused.value.status == 413
    assert refused.value.message == (
        "该 Excel 文件的文本内容解压后超过 64 MB 上限，请拆分成几个文件，或另存为 CSV 后上传"
    )
    with unit_of_work(factory) as s:
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.status, batch.total_rows, batch.message) == (
            "failed",
            0,
            refused.value.message,
        )


PROBE = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from zhixin.intake.readers import FileRefused, TableReader

    def vm_bytes():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

    resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + 256 * 2**20,) * 2)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        for _line, _cells in TableReader(Path(sys.argv[1])):
            pass
        outcome = {"refused": None}
    except FileRefused as exc:
        outcome = {"refused": exc.message, "status": exc.status}
    except MemoryError:
        outcome = {"refused": "MemoryError"}
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps(outcome | {"growth_kib": growth}, ensure_ascii=False))
    """
)


@pytest.mark.parametrize(
    ("which", "status", "message"),
    [
        ("honest", 413, "该 Excel 文件的文本内容解压后超过 64 MB 上限"),
        ("lying", 422, "无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式"),
    ],
)
def test_a_zip_bomb_costs_less_than_32_mib(
    bombs: dict[str, Path], which: str, status: int, message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(bombs[which])],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["refused"] is not None and outcome["refused"].startswith(message), outcome
    assert outcome["status"] == status
    assert outcome["growth_kib"] < 32 * 1024, outcome


def test_an_abnormal_compression_ratio_is_refused(tmp_path: Path, never_parsed: None) -> None:
    path = tmp_path / "padded.xlsx"
    with zipfile.ZipFile(io.BytesIO(_small_xlsx())) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr("xl/media/pad.bin", b"\0" * (4 << 20), compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(FileRefused) as refused:
        TableReader(path, xlsx_limits=XlsxLimits())
    assert refused.value.status == 413 and "压缩比异常（超过 200 倍）" in refused.value.message


# -- rows -----------------------------------------------------------------------------------


def test_too_many_rows_are_refused_before_a_row_is_written(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    lines = ["统一社会信用代码,名称"] + [
        f"{make_uscc(f'91350200MA{i:07d}')},示例企业{i}" for i in range(6)
    ]
    path = tmp_path / "ent.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    limits = service.ImportLimits(max_rows=5)
    with pytest.raises(service.ImportRefused) as refused:
        service.run_import(factory, kind="enterprise", path=path, filename="e.csv", limits=limits)
    assert refused.value.status == 413
    assert refused.value.message == "文件超过 5 行的上限，请拆分成几个文件分别导入"
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0
    ok = service.run_import(
        factory, kind="enterprise", path=path, filename="e.csv", limits=service.ImportLimits()
    )
    assert ok.inserted == 6


# -- bytes, over HTTP --------------------------------------------------------------------------


def test_an_upload_past_the_byte_limit_is_a_413_before_any_import(
    settings: Settings,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    bombs: dict[str, Path],
    never_parsed: None,
) -> None:
    limit = 64 * 1024
    app = create_app(
        settings.model_copy(update={"upload_max_bytes": limit}), session_factory=factory
    )
    make_user(factory, "reg", Role.regulator)
    started: list[str] = []
    real = service.run_import
    monkeypatch.setattr(
        service, "run_import", lambda *a, **k: started.append("import") or real(*a, **k)
    )
    body = ("统一社会信用代码,名称\r\n" + "91350200MA0000001X,某公司\r\n" * 8000).encode()
    assert len(body) > limit
    with TestClient(app) as client:
        token = login(client, "reg")
        api = client.post(
            "/api/v1/imports/enterprise",
            files={"file": ("big.csv", body, "text/csv")},
            headers={"X-CSRF-Token": token},
        )
        assert api.status_code == 413
        assert {k: v for k, v in api.json().items() if k != "request_id"} == {
            "code": "payload_too_large",
            "message": too_large_message(limit),
            "error": too_large_message(limit),
        }
        assert (
            too_large_message(limit)
            == "上传的内容超过 64 KB 的上限，请拆分成几个较小的文件分批上传"
        )
        page = client.post(
            "/imports",
            data={"kind": "enterprise", "csrf_token": token},
            files={"file": ("big.csv", body, "text/csv")},
        )
        assert page.status_code == 413 and too_large_message(limit) in page.text
        assert started == []
        # a bomb under the byte limit is refused from its directory: 413, batch recorded
        bomb = bombs["honest"].read_bytes()
        big = create_app(settings, session_factory=factory)
        with TestClient(big) as c2:
            t2 = login(c2, "reg")
            r = c2.post(
                "/api/v1/imports/enterprise",
                files={"file": ("bomb.xlsx", bomb, "application/octet-stream")},
                headers={"X-CSRF-Token": t2},
            )
        assert r.status_code == 413 and "解压后超过 64 MB 上限" in r.json()["error"]
    with unit_of_work(factory) as s:
        statuses = s.scalars(select(ImportBatch.status)).all()
        assert statuses == ["failed"]  # the bomb's; the oversized bodies started nothing


# -- bytes, as they stream ---------------------------------------------------------------------


async def _drain(app: BodyLimit, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> int:
    pulled = 0

    async def receive() -> dict[str, object]:
        nonlocal pulled
        pulled += 1
        body = chunks[pulled - 1]
        return {"type": "http.request", "body": body, "more_body": pulled < len(chunks)}

    async def send(_message: object) -> None:
        raise AssertionError("nothing is sent by the inner app")

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    with pytest.raises(BodyTooLarge):
        await app(scope, receive, send)  # type: ignore[arg-type]
    return pulled


def test_the_limit_is_counted_while_the_body_streams() -> None:
    import anyio

    async def inner(scope: object, receive: object, send: object) -> None:
        while True:
            message = await receive()  # type: ignore[operator]
            if not message.get("more_body"):
                return

    limited = BodyLimit(inner, max_bytes=64 * 1024)  # type: ignore[arg-type]
    chunks = [b"x" * (16 * 1024)] * 100  # 1.6 MB offered
    # chunked: the fifth 16 KiB chunk passes 64 KiB, and no sixth is read
    assert anyio.run(_drain, limited, chunks, []) == 5
    # declared too large: refused before the first chunk is read
    assert anyio.run(_drain, limited, chunks, [(b"content-length", b"1638400")]) == 0
