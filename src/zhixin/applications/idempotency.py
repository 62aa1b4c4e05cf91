"""``Idempotency-Key`` on the API's POSTs (the IETF draft's semantics, per user).

The first request with a key runs and its response is kept with a fingerprint of the request
(method, path and the validated body). The same key from the same user with the same request
gets that response again and has no second effect; with a different request it is refused
(422). Never commits.

Concurrent duplicates (a client retrying 20 times at once) all get the one stored response:

1. :func:`claim` inserts the key **first**, before the request does anything, as an
   *in-progress* row (``status_code`` 0, :data:`IN_PROGRESS`) in the request's own transaction.
   The unique (user, key) constraint makes every concurrent duplicate's insert wait for that
   transaction to end — the database's own lock (PostgreSQL and MariaDB on the unique index,
   SQLite in the writer queue), with no polling and no thread spinning.
2. The request runs; :func:`complete` writes its status and response into the row, in the same
   transaction as the effect. The row is never committed in progress.
3. When it commits, each waiting duplicate finds the completed row and replays it. When it
   fails, its transaction rolls back, the key with it, and the next duplicate runs the request
   itself — a failed request leaves no key behind, and a server killed mid-request leaves none
   either (the database aborts the transaction), so nothing is ever stuck "in progress".
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from zhixin.applications import repository as repo
from zhixin.applications.models import IdempotencyKey
from zhixin.errors import Invalid
from zhixin.kit.db import utcnow

MAX_KEY = 128
IN_PROGRESS = 0  # status_code of a claimed key whose request has not finished (never committed)


def fingerprint(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method.upper()} {path}\n{body}".encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Invalid(f"Idempotency-Key 须为 1–{MAX_KEY} 个可打印字符")
    return key


def claim(session: Session, *, user_id: int, key: str, print_: str) -> IdempotencyKey | None:
    """None: this request holds the key now (run it, then :func:`complete`). Otherwise the
    stored answer to replay; another request under the same key is refused (422).

    Waits while a concurrent request with the same key is in flight, for its outcome.
    """
    key = check_key(key)
    row = repo.idempotency_key(session, user_id, key)
    if row is None:
        repo.insert_idempotency_key_if_absent(
            session,
            {
                "user_id": user_id,
                "idem_key": key,
                "request_hash": print_,
                "status_code": IN_PROGRESS,
                "response": {},
                "created_at": utcnow(),
            },
        )
        row = repo.idempotency_key(session, user_id, key)
        assert row is not None  # inserted, or committed by the request we waited for
        if row.status_code == IN_PROGRESS:  # only ours can be seen in progress
            return None
    if row.request_hash != print_:
        raise Invalid(
            "该 Idempotency-Key 已用于另一个内容不同的请求；重试请原样重发，新请求请换用新的键"
        )
    return row


def complete(
    session: Session, *, user_id: int, key: str, status: int, response: dict[str, Any]
) -> None:
    """Store the answer of the request that claimed ``key`` (same transaction as its effect)."""
    repo.complete_idempotency_key(
        session, user_id=user_id, key=check_key(key), status=status, response=response
    )
