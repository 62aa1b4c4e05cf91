"""Abuse limits of the web layer: request bodies bounded while they stream, and expensive
requests (portrait PDFs, exports, evaluation pages, uploads) limited per account and in all.

**Bodies.** :class:`BodyLimit` counts the bytes of every request body as the application reads
them and refuses past ``upload_max_bytes`` with a 413 and a Chinese message — before the body is
parsed, so a multipart upload is never spooled beyond the limit. A declared ``Content-Length``
over the limit is refused at the first read, before a byte is taken.

**Heavy work.** A server process runs ``request_threads`` handlers at once (2 by default). With
twenty portrait PDFs of one account in flight, every other request queued behind them:
``/api/v1/me`` took 44 s. Routes that do expensive work depend on :data:`Heavy`:

* one account may have at most ``heavy_per_user`` heavy requests in flight (running or
  waiting); the next is answered 429 at once;
* at most ``heavy_total`` heavy requests run at once in a process (default
  ``request_threads - 1``, at least 1), so a thread stays free for everything else; a heavy
  request beyond that waits — on the event loop, holding no thread and no database connection —
  up to ``heavy_wait_seconds``, and at most ``4 × heavy_total`` wait; past either, 429.

A 429 carries ``Retry-After`` and, for a machine, ``detail.code`` (``busy_account`` or
``busy_server``). The limits are per process: N server processes allow N times as many.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from fastapi import Depends, Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhixin.config import Settings
from zhixin.errors import ZhixinError
from zhixin.web.deps import DB, CurrentPrincipal, release_connection

RETRY_AFTER_SECONDS = 5
WAITERS_PER_SLOT = 4


def too_large_message(limit: int) -> str:
    mb = limit / (1024 * 1024)
    shown = f"{mb:.0f} MB" if mb >= 1 else f"{limit // 1024} KB"
    return f"上传的内容超过 {shown} 的上限，请拆分成几个较小的文件分批上传"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))


class BodyLimit:
    """ASGI middleware: a request body past ``max_bytes`` is a 413 (see the module docstring).

    Raised from inside the application's own read, the refusal reaches the application's error
    handlers (JSON under ``/api/``, the Chinese error page elsewhere), like any HTTP error.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = _content_length(scope)
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, bounded, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


# -- heavy work ------------------------------------------------------------------------------


class TooBusy(ZhixinError):
    status = 429
    code = "busy"

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, detail={"code": code, "retry_after": RETRY_AFTER_SECONDS})
        self.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


BUSY_ACCOUNT = "您的账户已有 {n} 个导出、下载或生成任务正在进行，请等它们完成后再试（约 {s} 秒后）"
BUSY_SERVER = "系统正在处理其他用户的导出或生成任务，请稍后重试（约 {s} 秒后）"


class HeavyLimiter:
    """Counts heavy requests per account and in all; used on the event loop only."""

    def __init__(self, *, per_user: int, total: int, wait_seconds: float) -> None:
        self.per_user = per_user
        self.total = total
        self.wait_seconds = wait_seconds
        self.max_waiting = total * WAITERS_PER_SLOT
        self.running = 0
        self.by_user: dict[int, int] = {}
        self.waiters: deque[asyncio.Future[None]] = deque()

    @classmethod
    def of(cls, settings: Settings) -> HeavyLimiter:
        total = settings.heavy_total or max(1, settings.request_threads - 1)
        return cls(
            per_user=settings.heavy_per_user,
            total=total,
            wait_seconds=settings.heavy_wait_seconds,
        )

    def try_enter(self, user_id: int) -> bool:
        """Count the request for its account; True when it may run now, False when it must
        wait (:meth:`wait`). Raises :class:`TooBusy` when it may do neither."""
        held = self.by_user.get(user_id, 0)
        if held >= self.per_user:
            raise TooBusy(BUSY_ACCOUNT.format(n=held, s=RETRY_AFTER_SECONDS), code="busy_account")
        if self.running < self.total and not self.waiters:
            self.running += 1
            self.by_user[user_id] = held + 1
            return True
        if len(self.waiters) >= self.max_waiting:
            raise TooBusy(BUSY_SERVER.format(s=RETRY_AFTER_SECONDS), code="busy_server")
        self.by_user[user_id] = held + 1
        return False

    async def wait(self, user_id: int) -> None:
        """Wait for a running slot (handed over by :meth:`leave`), or give up with 429.

        Between :meth:`try_enter` and this call the request awaited the release of its database
        connection; a slot freed in that gap went back to ``running`` with no waiter to hand it
        to, so it is taken here, or this request would wait for a hand-over that never comes."""
        if self.running < self.total and not self.waiters:
            self.running += 1
            return
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(slot)
        try:
            await asyncio.wait_for(slot, timeout=self.wait_seconds)
        except BaseException:
            if slot.done() and not slot.cancelled():
                self._hand_over()  # the slot came as we gave up: pass it on
            else:
                slot.cancel()
            self._forget(user_id)
            raise
        finally:
            if slot in self.waiters:
                self.waiters.remove(slot)

    def leave(self, user_id: int) -> None:
        self._forget(user_id)
        self._hand_over()

    def _hand_over(self) -> None:
        while self.waiters:
            slot = self.waiters.popleft()
            if not slot.done():
                slot.set_result(None)  # the slot passes on: ``running`` is unchanged
                return
        self.running -= 1

    def _forget(self, user_id: int) -> None:
        left = self.by_user.get(user_id, 0) - 1
        if left > 0:
            self.by_user[user_id] = left
        else:
            self.by_user.pop(user_id, None)


def heavy_limiter(request: Request) -> HeavyLimiter:
    state = request.app.state
    limiter: HeavyLimiter | None = getattr(state, "heavy_limiter", None)
    if limiter is None:  # created on the event loop, on first use
        limiter = state.heavy_limiter = HeavyLimiter.of(state.settings)
    return limiter


async def heavy(
    request: Request,
    principal: CurrentPrincipal,
    db: DB,
) -> AsyncIterator[None]:
    """A heavy request's slot, held until the handler is done (see the module docstring)."""
    limiter = heavy_limiter(request)
    if not limiter.try_enter(principal.user_id):
        await release_connection(request, db)  # wait holding no connection
        try:
            await limiter.wait(principal.user_id)
        except TimeoutError:
            raise TooBusy(BUSY_SERVER.format(s=RETRY_AFTER_SECONDS), code="busy_server") from None
    try:
        yield
    finally:
        limiter.leave(principal.user_id)


Heavy = Depends(heavy, scope="function")  # inside the unit of work, like DB (web.deps)
