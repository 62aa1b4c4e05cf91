"""``Idempotency-Key`` on the API's POSTs (the IETF draft's semantics, per user).

The first request with a key runs and its response is kept with a fingerprint of the request
(method, path and the validated body). The same key from the same user with the same request
gets that response again and has no second effect; with a different request it is refused
(422). The response is remembered in the same transaction as the effect, so a request that
fails leaves no key behind, and of two identical requests racing, the second cannot commit its
copy of the key (unique per user): it is rolled back whole and answered 409. Never commits.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.applications import repository as repo
from zhixin.applications.models import IdempotencyKey
from zhixin.errors import Conflict, Invalid
from zhixin.kit.db import utcnow

MAX_KEY = 128


def fingerprint(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method.upper()} {path}\n{body}".encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Invalid(f"Idempotency-Key 须为 1–{MAX_KEY} 个可打印字符")
    return key


def replay(session: Session, *, user_id: int, key: str, print_: str) -> IdempotencyKey | None:
    """The remembered answer to this key, or None the first time; another request under the
    same key is refused."""
    row = repo.idempotency_key(session, user_id, check_key(key))
    if row is None:
        return None
    if row.request_hash != print_:
        raise Invalid(
            "该 Idempotency-Key 已用于另一个内容不同的请求；重试请原样重发，新请求请换用新的键"
        )
    return row


def remember(
    session: Session,
    *,
    user_id: int,
    key: str,
    print_: str,
    status: int,
    response: dict[str, Any],
) -> None:
    session.add(
        IdempotencyKey(
            user_id=user_id,
            idem_key=check_key(key),
            request_hash=print_,
            status_code=status,
            response=response,
            created_at=utcnow(),
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("相同 Idempotency-Key 的请求正在处理或刚刚完成，请稍后原样重试") from exc
