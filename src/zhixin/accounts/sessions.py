"""Browser sessions: started at sign-in (``accounts.login``) with a fresh random id whose hash
only is stored, resolved from the cookie's value (idle and absolute expiry; an expired one is
deleted), ended at sign-out. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zhixin.accounts import repository as repo
from zhixin.accounts.models import User, WebSession
from zhixin.accounts.passwords import new_secret, sha256_hex
from zhixin.config import Settings
from zhixin.kit.db import utcnow

# -- browser sessions (signing in: accounts.login) ---------------------------------------


@dataclass(frozen=True)
class NewSession:
    raw_token: str
    csrf_token: str


def start_session(
    session: Session, *, user: User, ip: str | None, user_agent: str | None
) -> NewSession:
    """A fresh random id at every login (no fixation); only its hash is stored."""
    raw = new_secret(32)
    csrf = new_secret(24)
    session.add(
        WebSession(
            token_hash=sha256_hex(raw),
            user_id=user.id,
            csrf_token=csrf,
            ip=ip,
            user_agent=(user_agent or "")[:300],
        )
    )
    session.flush()
    return NewSession(raw, csrf)


def resolve_session(
    session: Session, *, raw_token: str, settings: Settings, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session for a cookie value, or None (expired sessions are deleted)."""
    now = now or utcnow()
    web = repo.session_by_hash(session, sha256_hex(raw_token))
    if web is None:
        return None
    idle = timedelta(minutes=settings.session_idle_minutes)
    absolute = timedelta(hours=settings.session_absolute_hours)
    if now - web.last_seen_at > idle or now - web.created_at > absolute:
        repo.delete_session(session, web.token_hash)
        return None
    user = repo.user_by_id(session, web.user_id)
    if user is None or not user.is_active:
        return None
    if now - web.last_seen_at > timedelta(seconds=30):
        web.last_seen_at = now
    return web, user


def end_session(session: Session, *, raw_token: str) -> None:
    repo.delete_session(session, sha256_hex(raw_token))
