"""Errors that carry their HTTP status, a stable code for machines and a message a person can
act on (中文).

:data:`CODES` is the one registry of error codes: every error body of the API carries one
(``{"code": "not_found", "message": "…", "request_id": "…"}``), a bank's system branches on it,
and a code once published is never renamed (``tests/unit/test_error_codes.py`` holds the list).
Every :class:`ZhixinError` subclass names its code; an instance may name a narrower one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """What an error code means (Chinese, for ``docs/errors.md`` and the OpenAPI schema) and the
    HTTP status it is answered with."""

    status: int
    meaning: str


CODES: dict[str, Code] = {
    "bad_request": Code(400, "请求有误（如令牌放在了网址里）"),
    "unauthenticated": Code(401, "未登录、会话已过期或令牌无效"),
    "forbidden": Code(403, "无权执行此操作"),
    "password_expired": Code(403, "密码已超过最长使用期限，须先修改密码"),
    "consent_required": Code(403, "经营主体未授权（或已撤回授权），不能读取其明细数据"),
    "not_found": Code(404, "对象不存在，或不在您的可见范围内"),
    "method_not_allowed": Code(405, "不支持该请求方法"),
    "conflict": Code(409, "与当前状态冲突（如已被他人修改、重复提交、状态不允许）"),
    "payload_too_large": Code(413, "上传或请求内容超过上限"),
    "invalid": Code(422, "内容不符合业务规则"),
    "line_frozen": Code(409, "授信额度已因质量联动冻结（message 说明原因），不能用信或支付"),
    "claim_overlap": Code(
        409,
        "代偿申请重叠：同一借据已有未驳回的申请，或整笔合同申请与按借据申请冲突",
    ),
    "validation_failed": Code(422, "请求参数格式有误（detail 列出每个字段及原因）"),
    "signature_invalid": Code(
        422, "签名与本机构登记的公钥不符，或所签内容不是规定的格式（存证确认）"
    ),
    "key_pending": Code(
        422, "所用签名公钥尚待本机构另一名有权人员复核（审核分离），复核前不能签署确认"
    ),
    "key_retired": Code(
        422, "所用签名公钥已轮换停用：停用时刻之前的签名仍有效，此后的签名不予接受"
    ),
    "out_of_range": Code(422, "数字或日期超出可处理的范围"),
    "rate_limited": Code(429, "登录尝试过于频繁，请按 Retry-After 等待后再试"),
    "busy": Code(429, "导出、下载或生成任务过多，请按 Retry-After 等待后再试"),
    "internal_error": Code(500, "服务器内部错误（请提供 request_id 联系运维）"),
    "service_unavailable": Code(503, "服务暂不可用（如缺少所需的系统组件）"),
    "database_unavailable": Code(503, "数据库暂不可用，请按 Retry-After 等待后再试"),
}

# the code answered for a status when nothing narrower is known
BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid",
    429: "busy",
    500: "internal_error",
    503: "service_unavailable",
}


def code_for_status(status: int) -> str:
    """The general code of an HTTP status (``bad_request`` for an unlisted 4xx, else
    ``internal_error``)."""
    return BY_STATUS.get(status, "bad_request" if 400 <= status < 500 else "internal_error")


class ZhixinError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: object = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None and status != self.status:
            self.status = status
            self.code = code_for_status(status)
        if code is not None:
            self.code = code
        if self.code not in CODES:  # a typo must fail where it is written, not in a client
            raise KeyError(f"unregistered error code {self.code!r}")
        self.detail = detail


class NotFound(ZhixinError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "未找到该对象") -> None:
        super().__init__(message)


class Forbidden(ZhixinError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "无权执行此操作", *, code: str | None = None) -> None:
        super().__init__(message, code=code)


class ConsentRequired(Forbidden):
    """403: the enterprise has not granted (or has revoked) the consent this reading needs."""

    code = "consent_required"


class Unauthenticated(ZhixinError):
    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = "请先登录") -> None:
        super().__init__(message)


class Invalid(ZhixinError):
    status = 422
    code = "invalid"


class Conflict(ZhixinError):
    status = 409
    code = "conflict"


class SignatureInvalid(Invalid):
    """422: a signature submitted by a tenant does not hold under its registered public key."""

    code = "signature_invalid"


class KeyPending(SignatureInvalid):
    """422: signed with a tenant key proposed but not yet approved by a second officer."""

    code = "key_pending"


class KeyRetired(SignatureInvalid):
    """422: signed with a tenant key that a newer key replaced (rotation) before the signature
    arrived."""

    code = "key_retired"


class LineFrozen(Conflict):
    """409: the credit line is frozen by quality linkage; new drawdowns and payments refused."""

    code = "line_frozen"


class ClaimOverlap(Conflict):
    """409: a compensation claim that would cover a loan twice — a drawdown (借据) already
    claimed, a drawdown of a contract claimed whole, or a contract claimed whole while a
    drawdown of it has a claim not rejected."""

    code = "claim_overlap"


class ServiceUnavailable(ZhixinError):
    status = 503
    code = "service_unavailable"


class TooManyRequests(ZhixinError):
    """Refused for now: too many failed attempts. ``retry_after`` seconds until the next one is
    accepted (the ``Retry-After`` header); ``detail.code`` is ``too_many_attempts``."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, detail={"code": "too_many_attempts", "retry_after": retry_after})
        self.retry_after = retry_after


class PasswordChangeRequired(ZhixinError):
    """A privileged user's password is past its maximum age: nothing but changing it (or
    signing out) until it is changed. ``detail.code`` is ``password_expired``."""

    status = 403
    code = "password_expired"

    def __init__(self, message: str) -> None:
        super().__init__(message, detail={"code": "password_expired"})
