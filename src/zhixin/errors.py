"""Errors that carry their HTTP status and a message a person can act on (中文 / English)."""

from __future__ import annotations


class ZhixinError(Exception):
    status: int = 400

    def __init__(self, message: str, *, status: int | None = None, detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.detail = detail


class NotFound(ZhixinError):
    status = 404

    def __init__(self, message: str = "未找到该对象 / not found") -> None:
        super().__init__(message)


class Forbidden(ZhixinError):
    status = 403

    def __init__(self, message: str = "无权执行此操作 / forbidden") -> None:
        super().__init__(message)


class Unauthenticated(ZhixinError):
    status = 401

    def __init__(self, message: str = "请先登录 / authentication required") -> None:
        super().__init__(message)


class Invalid(ZhixinError):
    status = 422


class Conflict(ZhixinError):
    status = 409


class TooManyRequests(ZhixinError):
    """Refused for now: too many failed attempts. ``retry_after`` seconds until the next one is
    accepted (the ``Retry-After`` header); ``detail.code`` is ``too_many_attempts``."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, detail={"code": "too_many_attempts", "retry_after": retry_after})
        self.retry_after = retry_after


class PasswordChangeRequired(ZhixinError):
    """A privileged user's password is past its maximum age: nothing but changing it (or
    signing out) until it is changed. ``detail.code`` is ``password_expired``."""

    status = 403

    def __init__(self, message: str) -> None:
        super().__init__(message, detail={"code": "password_expired"})
