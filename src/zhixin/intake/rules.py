"""Pure decisions of the intake (no database, no settings): when a running import is abandoned.

An import marks its batch ``running`` with the process that runs it (``host:pid``) and a
heartbeat it moves at every chunk. A batch still ``running`` is *abandoned* — killed, or its
machine restarted — when its process is known to be gone (same host, that pid no longer alive),
or when its heartbeat is older than the configured staleness (another host, or a pid reused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

RESUME = "重新导入同一文件即可补齐：已导入的行计为重复，不会重复写入"


@dataclass(frozen=True)
class Worker:
    host: str
    pid: int

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


def parse_worker(text: str | None) -> Worker | None:
    if not text or ":" not in text:
        return None
    host, _, pid = text.rpartition(":")
    return Worker(host, int(pid)) if pid.isdigit() else None


def abandoned(
    *,
    worker: str | None,
    last_progress: datetime,
    now: datetime,
    stale_after: timedelta,
    here: Worker,
    alive: Callable[[int], bool],
) -> str | None:
    """Why a ``running`` batch is abandoned (Chinese), or None while it may still be running."""
    w = parse_worker(worker)
    if w is not None and w.host == here.host and w.pid != here.pid and not alive(w.pid):
        return "执行导入的进程已退出"
    if now - last_progress > stale_after:
        minutes = int(stale_after.total_seconds() // 60)
        return f"超过 {minutes} 分钟没有进展，执行导入的进程已不在运行"
    return None


def interrupted_message(reason: str, *, written: int) -> str:
    return f"导入中断（{reason}）：已提交的 {written} 行保留；{RESUME}"
