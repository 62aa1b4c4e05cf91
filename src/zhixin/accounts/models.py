from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class Tenant(Base):
    """An organisation: the regulator, a bank, an enterprise, a guarantor, ..."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    # A regulator's jurisdiction (辖区): a prefix of the 6-digit administrative division code
    # ("35" Fujian, "3502" Xiamen, "350206" 湖里区). Its users read only enterprises whose
    # region code starts with it; NULL reads every enterprise. Other kinds leave it NULL.
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # rules.username_key(username): NFKC + case folding; two users never share it
    username_key: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A service account (a bank's or regulator's system): holds API tokens, never signs in
    is_service: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebSession(Base):
    """A server-side browser session; the cookie carries only the random id (stored hashed)."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    """A bearer token for a service account: shown once, stored as a SHA-256 hash, scoped,
    revocable; minted by a security officer (``created_by_id``)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed sign-ins counted per account, per browser the user signed in on (device cookie)
    and per client address; ``blocked_until`` is when the next attempt is accepted
    (rules.ThrottlePolicy). Rows a day past their last failure are deleted."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # rules.ThrottleScope
    key: Mapped[str] = mapped_column(String(128))  # username key, device id or address
    # the account's user, where the username exists (so an unlock finds its devices too)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
