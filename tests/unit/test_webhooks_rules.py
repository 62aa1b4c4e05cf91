"""Webhook rules: Standard Webhooks signatures, the replay window, rotation, backoff, SSRF."""

from __future__ import annotations

import ipaddress

import pytest

from zhixin.webhooks import rules
from zhixin.webhooks.rules import Refused, WebhookVerificationError


def test_standard_webhooks_reference_vector() -> None:
    # the example from the Standard Webhooks specification / reference libraries
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    sig = rules.sign(
        secret,
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body=b'{"test": 2432232314}',
    )
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_secret_shape_and_uniqueness() -> None:
    a, b = rules.new_secret(), rules.new_secret()
    assert a.startswith("whsec_") and a != b
    assert len(rules._key(a)) == rules.SECRET_BYTES


def test_verify_round_trip_tamper_and_replay_window() -> None:
    secret = rules.new_secret()
    body = b'{"type":"whitelist.published"}'
    headers = rules.headers_for([secret], msg_id="msg_1", timestamp=1_000_000, body=body)
    assert rules.verify(secret, headers, body, now=1_000_000) == "msg_1"
    assert rules.verify(secret, {k.upper(): v for k, v in headers.items()}, body, now=1_000_299)
    with pytest.raises(WebhookVerificationError, match="replay"):
        rules.verify(secret, headers, body, now=1_000_000 + 301)
    with pytest.raises(WebhookVerificationError, match="replay"):
        rules.verify(secret, headers, body, now=1_000_000 - 301)
    with pytest.raises(WebhookVerificationError, match="signature"):
        rules.verify(secret, headers, body + b" ", now=1_000_000)
    with pytest.raises(WebhookVerificationError, match="signature"):
        rules.verify(rules.new_secret(), headers, body, now=1_000_000)
    forged = {**headers, "webhook-id": "msg_2"}
    with pytest.raises(WebhookVerificationError):
        rules.verify(secret, forged, body, now=1_000_000)
    with pytest.raises(WebhookVerificationError, match="missing"):
        rules.verify(secret, {}, body, now=1_000_000)


def test_rotation_signs_with_both_secrets() -> None:
    old, new = rules.new_secret(), rules.new_secret()
    body = b"{}"
    headers = rules.headers_for([new, old], msg_id="m", timestamp=50, body=body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert rules.verify(old, headers, body, now=50) == "m"
    assert rules.verify(new, headers, body, now=50) == "m"


def test_backoff_is_exponential_capped_and_jittered() -> None:
    lo = [rules.backoff_seconds(n, rand=lambda: 0.0) for n in range(1, 6)]
    hi = [rules.backoff_seconds(n, rand=lambda: 1.0) for n in range(1, 6)]
    assert lo == [15.0, 30.0, 60.0, 120.0, 240.0]
    assert hi == [30.0, 60.0, 120.0, 240.0, 480.0]
    assert rules.backoff_seconds(40, rand=lambda: 1.0) == rules.BACKOFF_CAP_SECONDS
    assert rules.backoff_seconds(10_000, rand=lambda: 0.0) == rules.BACKOFF_CAP_SECONDS / 2


def test_after_attempt_gives_up_at_max_attempts() -> None:
    assert rules.after_attempt(ok=True, attempt=1, max_attempts=3).status == "delivered"
    retry = rules.after_attempt(ok=False, attempt=2, max_attempts=3, rand=lambda: 0.5)
    assert retry.status == "pending" and retry.retry_in == 45.0
    assert rules.after_attempt(ok=False, attempt=3, max_attempts=3).status == "failed"


def test_event_id_is_stable_per_endpoint_and_publication() -> None:
    assert rules.event_id(endpoint_id=3, publication_id=7) == rules.event_id(
        endpoint_id=3, publication_id=7
    )
    assert rules.event_id(endpoint_id=3, publication_id=7) != rules.event_id(
        endpoint_id=4, publication_id=7
    )


@pytest.mark.parametrize(
    "addr",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::",
    ],
)
def test_non_public_addresses_are_refused(addr: str) -> None:
    reason = rules.address_refusal(ipaddress.ip_address(addr))
    assert reason and "已拒绝" in reason


@pytest.mark.parametrize("addr", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(addr: str) -> None:
    assert rules.address_refusal(ipaddress.ip_address(addr)) is None


def test_loopback_only_with_the_test_setting() -> None:
    assert rules.address_refusal(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert rules.address_refusal(ipaddress.ip_address("::1"), allow_loopback=True) is None
    # the test setting opens loopback, never the private network
    assert rules.address_refusal(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://bank.example.com/hook", "https"),
        ("ftp://bank.example.com/hook", "https"),
        ("https:///hook", "主机名"),
        ("https://user:pw@bank.example.com/", "用户名"),
        ("https://bank.example.com/#x", "片段"),
        ("https://localhost/hook", "localhost"),
        ("https://127.0.0.1/hook", "回环"),
        ("https://[::1]:8443/hook", "回环"),
        ("https://169.254.169.254/latest/meta-data", "链路本地"),
        ("https://10.0.0.5/hook", "内网"),
        ("https://bank.example.com:99999/", "格式"),
        ("", "不能为空"),
    ],
)
def test_bad_urls_are_refused_in_chinese(url: str, message: str) -> None:
    with pytest.raises(Refused, match=message):
        rules.check_url(url)


def test_good_urls() -> None:
    t = rules.check_url(" https://Bank.Example.com/hook?x=1 ")
    assert (t.scheme, t.host, t.port) == ("https", "bank.example.com", 443)
    t = rules.check_url("http://127.0.0.1:8080/h", allow_loopback=True)
    assert (t.scheme, t.host, t.port) == ("http", "127.0.0.1", 8080)


def test_a_receiver_using_the_standard_webhooks_library_verifies_the_platforms_signature() -> None:
    import json
    import time

    import standardwebhooks

    from zhixin.webhooks import rules as r

    secret = r.new_secret()
    body = json.dumps({"事件": "whitelist.published", "版本": 2}, ensure_ascii=False).encode()
    headers = r.headers_for([secret], msg_id="msg_1", timestamp=int(time.time()), body=body)
    assert standardwebhooks.Webhook(secret).verify(body, headers) == {
        "事件": "whitelist.published",
        "版本": 2,
    }
