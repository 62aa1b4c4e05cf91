"""Sending one signed webhook over HTTP, guarded against SSRF.

DNS rebinding: the host is resolved once here, every address it resolves to is checked
(:func:`rules.address_refusal`), and the request is sent to the checked IP itself: the URL's host
is replaced by the address, the ``Host`` header carries the name, and for HTTPS the TLS SNI and
certificate check use the name (httpcore's ``sni_hostname`` extension), so no second lookup can
swap in another address. Redirects are never followed (a 3xx is a failed attempt), proxies from
the environment are ignored (``trust_env=False``), and the response body is never read.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable

import httpx

from zhixin.webhooks import rules

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an address literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        if addr not in seen:
            seen.append(addr)
    return seen


def pinned_address(
    target: rules.Target, *, allow_loopback: bool, resolver: Resolver = resolve
) -> str:
    """The one address to connect to, or ``rules.Refused`` if any resolved address is refused."""
    try:
        addresses = resolver(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        raise rules.Refused(f"无法解析推送地址的主机名 {target.host}：{exc}") from exc
    if not addresses:
        raise rules.Refused(f"推送地址的主机名 {target.host} 没有解析到任何地址")
    for addr in addresses:
        reason = rules.address_refusal(ipaddress.ip_address(addr), allow_loopback=allow_loopback)
        if reason:
            raise rules.Refused(reason)
    return addresses[0]


def send(
    *,
    url: str,
    event_id: str,
    body: bytes,
    signing_secrets: tuple[str, ...],
    allow_loopback: bool,
    timeout: float,
    now: float | None = None,
    resolver: Resolver = resolve,
    transport: httpx.BaseTransport | None = None,
) -> rules.AttemptResult:
    """POST ``body`` to ``url`` signed with every secret; never raises for network trouble."""
    t0 = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - t0) * 1000)

    try:
        target = rules.check_url(url, allow_loopback=allow_loopback)
        address = pinned_address(target, allow_loopback=allow_loopback, resolver=resolver)
    except rules.Refused as exc:
        return rules.AttemptResult(None, str(exc), took())
    stamp = int(time.time() if now is None else now)
    headers = rules.headers_for(signing_secrets, msg_id=event_id, timestamp=stamp, body=body)
    headers["user-agent"] = "zhixin-webhooks/1"
    pinned = httpx.URL(url).copy_with(host=address)
    default_port = 443 if target.scheme == "https" else 80
    headers["host"] = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and not headers["host"].startswith("["):  # an IPv6 literal
        headers["host"] = (
            f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
        )
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with (
            httpx.Client(
                timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
            ) as client,
            client.stream(
                "POST", pinned, content=body, headers=headers, extensions=extensions
            ) as resp,
        ):
            code = resp.status_code
    except httpx.TimeoutException:
        return rules.AttemptResult(None, f"连接或响应超时（{timeout:g} 秒）", took(), address)
    except httpx.HTTPError as exc:
        return rules.AttemptResult(None, f"网络错误：{type(exc).__name__}: {exc}", took(), address)
    if 300 <= code < 400:
        return rules.AttemptResult(
            code, f"对方返回重定向 {code}，平台不跟随重定向", took(), address
        )
    if not rules.is_success(code):
        return rules.AttemptResult(code, f"对方返回 HTTP {code}", took(), address)
    return rules.AttemptResult(code, None, took(), address)
