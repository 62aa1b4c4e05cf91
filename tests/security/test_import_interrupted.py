"""A killed import does not stay ``running`` forever (issue 15, item 14): the next import, or
``zhixin worker``, marks it interrupted and says how to resume (re-run the same file, which is
idempotent); the marking is audited, and so is every CLI import, like an upload."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_import import CERT_HEADER, USCCS, cert, register, write_csv
from zhixin.audit.models import AuditEvent
from zhixin.intake import rules, service
from zhixin.intake.models import ImportBatch
from zhixin.kit.db import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
RESUME = "重新导入同一文件即可补齐：已导入的行计为重复，不会重复写入"


def _env(engine: Engine, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ZHIXIN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ZHIXIN_MODE": "test",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _certs(tmp_path: Path) -> Path:
    rows = [CERT_HEADER] + [cert(USCCS[i % 10], f"K{i}") for i in range(250)]
    return write_csv(tmp_path / "certs.csv", rows)


def _batches(factory: sessionmaker[Session]) -> list[ImportBatch]:
    with factory() as s:
        return list(s.scalars(select(ImportBatch).order_by(ImportBatch.id)))


def _audits(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


KILLED = textwrap.dedent(
    """
    import os, signal, sys
    import zhixin.models  # every mapper, as the CLI has
    from pathlib import Path
    from zhixin.config import get_settings
    from zhixin.intake.service import run_import
    from zhixin.kit.db import make_engine, make_sessionmaker

    factory = make_sessionmaker(make_engine(get_settings().database_url))

    def progress(done, total):
        if done >= 100:  # the first chunk is committed: the power goes
            os.kill(os.getpid(), signal.SIGKILL)

    run_import(factory, kind="certification", path=Path(sys.argv[1]), filename="certs.csv",
               progress=progress)
    """
)


def test_a_killed_import_is_marked_interrupted_by_the_next_run_which_completes_it(
    engine: Engine, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    register(factory, tmp_path)
    path = _certs(tmp_path)
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(path)],
        env=_env(engine, ZHIXIN_IMPORT_BATCH_SIZE="100"),
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = killed.communicate(timeout=120)
    assert killed.returncode == -9, stderr
    dead = _batches(factory)[-1]
    assert (dead.status, dead.inserted) == ("running", 100)
    assert dead.worker == f"{socket.gethostname()[:60]}:{killed.pid}"

    rerun = service.run_import(factory, kind="certification", path=path, filename="certs.csv")
    assert rerun.recovered == (dead.id,)
    marked = next(b for b in _batches(factory) if b.id == dead.id)
    assert marked.status == "interrupted" and marked.finished_at is not None
    assert marked.message == f"导入中断（执行导入的进程已退出）：已提交的 100 行保留；{RESUME}"
    (event,) = _audits(factory, "import.interrupted")
    assert (event.object_id, event.actor, event.outcome) == (str(dead.id), "intake", "failure")
    assert event.detail["written"] == 100
    # the re-run completed the file: the 100 rows already there are duplicates
    assert (rerun.inserted, rerun.duplicates, rerun.rejected) == (150, 100, 0)
    again = service.run_import(factory, kind="certification", path=path, filename="certs.csv")
    assert (again.inserted, again.corrected, again.recovered) == (0, 0, ())


def test_zhixin_worker_marks_a_silent_batch_and_leaves_a_live_one(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with unit_of_work(factory) as s:
        for name, beat in (("silent", now - timedelta(minutes=11)), ("live", now)):
            s.add(
                ImportBatch(
                    kind="certification",
                    filename=f"{name}.csv",
                    file_sha256="0" * 64,
                    source_system="manual",
                    channel="cli",
                    status="running",
                    started_at=now - timedelta(hours=1),
                    worker="another-host:4242",  # its process cannot be checked from here
                    heartbeat_at=beat,
                )
            )
    done = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "worker", "--once"],
        env=_env(engine),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    silent, live = _batches(factory)
    assert f"导入批次 {silent.id} 的进程已不在运行" in done.stdout
    assert (silent.status, live.status) == ("interrupted", "running")
    assert silent.message is not None and RESUME in silent.message
    assert "超过 10 分钟没有进展" in silent.message


def test_a_cli_import_is_audited_like_an_upload(
    engine: Engine, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    register(factory, tmp_path)
    path = _certs(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "import", "certification", str(path)],
        env=_env(engine),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    batch = _batches(factory)[-1]
    events = [e for e in _audits(factory, "import") if e.object_id == str(batch.id)]
    assert len(events) == 1
    (event,) = events
    assert (event.actor, event.object_type, event.outcome) == ("cli", "import_batch", "success")
    assert event.detail["channel"] == "cli" and event.detail["inserted"] == 250
    assert event.detail["sha256"] == batch.file_sha256


def test_the_rule() -> None:
    here = rules.Worker("h", 10)
    now = datetime(2025, 1, 1, 12, tzinfo=UTC)
    stale = timedelta(minutes=10)

    def decide(worker: str | None, minutes: int, alive: bool = True) -> str | None:
        return rules.abandoned(
            worker=worker,
            last_progress=now - timedelta(minutes=minutes),
            now=now,
            stale_after=stale,
            here=here,
            alive=lambda _pid: alive,
        )

    assert decide("h:11", 0, alive=False) == "执行导入的进程已退出"
    assert decide("h:11", 0, alive=True) is None
    assert decide("h:10", 0, alive=False) is None  # this very process: its heartbeat decides
    assert decide("other:11", 9, alive=False) is None
    assert decide("other:11", 11) == "超过 10 分钟没有进展，执行导入的进程已不在运行"
    assert decide(None, 11) is not None and decide("garbage", 1) is None
