"""Webhook decisions, pure: signing and verification (Standard Webhooks), the retry schedule,
which URLs may be registered and which addresses may be connected to (SSRF policy).

Signing follows https://www.standardwebhooks.com: headers ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` = space-separated
``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``, where the key is the base64-decoded
part of the secret after ``whsec_``. While a secret is being rotated both the old and the new
secret sign, so a receiver holding either verifies.

The signature itself is the scheme's reference library's (``standardwebhooks.Webhook.sign``),
so the platform signs exactly as receivers using that library verify. Verification checks the
signature with the same library but keeps its own replay window: ``Webhook.verify`` reads the
system clock and fixes the window at five minutes, where this module takes the time from its
caller (the one clock, ``kit.clock``, which tests set) and the window as a parameter.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import standardwebhooks

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret
SECRET_BYTES = 32
REPLAY_WINDOW_SECONDS = 300  # receivers refuse timestamps further than this from their clock
ROTATION_OVERLAP_SECONDS = 24 * 3600  # the old secret keeps signing this long after a rotation
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 6 * 3600.0
MAX_URL_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Status:
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


STATUS_NAMES = {Status.pending: "待投递", Status.delivered: "已送达", Status.failed: "投递失败"}


class Refused(Exception):
    """A URL or an address the platform will not send to (message in Chinese)."""


class WebhookVerificationError(Exception):
    """A received webhook whose signature or timestamp does not check out."""


# -- secrets and signatures ------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("webhook secret is not whsec_<base64>") from exc


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``{msg_id}.{timestamp}.{body}`` (the library's)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:  # the scheme signs text; the platform sends JSON
        raise ValueError("webhook body is not UTF-8") from exc
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return standardwebhooks.Webhook(_key(secret)).sign(msg_id, moment, text)


def signature_header(
    signing_secrets: Iterable[str], *, msg_id: str, timestamp: int, body: bytes
) -> str:
    """Every current secret's signature, space-separated (two during a rotation)."""
    return " ".join(sign(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in signing_secrets)


def headers_for(
    signing_secrets: Iterable[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            signing_secrets, msg_id=msg_id, timestamp=timestamp, body=body
        ),
        "content-type": "application/json",
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = REPLAY_WINDOW_SECONDS,
) -> str:
    """Check a received webhook; return its ``webhook-id`` or raise WebhookVerificationError.

    ``headers`` is looked up case-insensitively. The timestamp must lie within ``tolerance``
    seconds of ``now`` (replay window); any one ``v1`` signature matching suffices.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    sent = lower.get("webhook-signature")
    if not msg_id or not stamp or not sent:
        raise WebhookVerificationError("missing webhook headers")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("bad webhook-timestamp") from exc
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > tolerance:
        raise WebhookVerificationError("timestamp outside the replay window")
    try:
        expected = sign(secret, msg_id=msg_id, timestamp=timestamp, body=body).encode()
    except (ValueError, OverflowError, OSError) as exc:
        raise WebhookVerificationError("unsignable webhook") from exc
    for candidate in sent.split(" "):
        version, _, _value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(candidate.encode(), expected):
            return msg_id
    raise WebhookVerificationError("no matching signature")


# -- retries ---------------------------------------------------------------------------------


def backoff_seconds(
    attempt: int,
    *,
    base: float = BACKOFF_BASE_SECONDS,
    cap: float = BACKOFF_CAP_SECONDS,
    rand: Callable[[], float] = random.random,
) -> float:
    """Delay after failed attempt number ``attempt`` (1-based): exponential, capped, with
    "equal jitter" (half fixed, half random) so retries of many endpoints spread out."""
    ceiling = min(cap, base * float(2 ** min(max(0, attempt - 1), 60)))
    return ceiling / 2 + rand() * ceiling / 2


@dataclass(frozen=True)
class Outcome:
    status: str  # delivered / pending (retry later) / failed (given up)
    retry_in: float | None


def after_attempt(
    *, ok: bool, attempt: int, max_attempts: int, rand: Callable[[], float] = random.random
) -> Outcome:
    if ok:
        return Outcome(Status.delivered, None)
    if attempt >= max_attempts:
        return Outcome(Status.failed, None)
    return Outcome(Status.pending, backoff_seconds(attempt, rand=rand))


def is_success(status_code: int) -> bool:
    return 200 <= status_code < 300


@dataclass(frozen=True)
class AttemptResult:
    """What one delivery attempt came to (status None: no HTTP response at all)."""

    status_code: int | None
    error: str | None
    duration_ms: int
    address: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and is_success(self.status_code)


def event_id(*, endpoint_id: int, publication_id: int) -> str:
    """Stable per (endpoint, publication): a re-send carries the same id, receivers dedupe."""
    return f"msg_wlpub{publication_id}_ep{endpoint_id}"


# -- URLs and addresses (SSRF) ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (a name or an address literal, without brackets)
    port: int


def check_url(url: str, *, allow_loopback: bool = False) -> Target:
    """Refuse URLs the platform will not post to; an address literal is checked at once."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise Refused(f"推送地址不能为空且不超过 {MAX_URL_LENGTH} 个字符")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("推送地址格式不正确，应形如 https://bank.example.com/webhooks") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_loopback):
        raise Refused("推送地址必须使用 https://")
    if not parts.hostname:
        raise Refused("推送地址缺少主机名，应形如 https://bank.example.com/webhooks")
    if parts.username or parts.password:
        raise Refused("推送地址不能包含用户名或密码")
    if parts.fragment:
        raise Refused("推送地址不能包含 # 片段")
    host = parts.hostname.lower()
    if not allow_loopback and (host == "localhost" or host.endswith(".localhost")):
        raise Refused("推送地址不能指向本机（localhost）")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        reason = address_refusal(literal, allow_loopback=allow_loopback)
        if reason:
            raise Refused(reason)
    return Target(scheme, host, port or (443 if scheme == "https" else 80))


def address_refusal(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why the platform will not connect to ``ip`` (None: allowed, a public unicast address)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else f"推送地址解析到本机回环地址 {ip}，已拒绝（防 SSRF）"
    if ip.is_unspecified:
        return f"推送地址解析到未指定地址 {ip}，已拒绝（防 SSRF）"
    if ip.is_link_local:
        return f"推送地址解析到链路本地地址 {ip}（含云主机元数据地址），已拒绝（防 SSRF）"
    if ip.is_multicast:
        return f"推送地址解析到组播地址 {ip}，已拒绝（防 SSRF）"
    if ip.is_private:
        return f"推送地址解析到内网地址 {ip}，已拒绝（防 SSRF）"
    if ip.is_reserved or not ip.is_global:
        return f"推送地址解析到保留或非公网地址 {ip}，已拒绝（防 SSRF）"
    return None
