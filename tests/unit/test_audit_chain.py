from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from zhixin.audit.rules import (
    GENESIS,
    HMAC_SHA256,
    HMAC_SM3,
    LEGACY,
    ChainRow,
    Head,
    canonical,
    chain_hash,
    digest,
    head_seal,
    verify_chain,
)

KEY = b"k" * 32


def _chain(n: int, *, scheme: str = HMAC_SHA256, legacy: int = 0) -> tuple[list[ChainRow], Head]:
    """``legacy`` plain-sha256 rows first, then keyed rows under ``scheme``; the sealed head."""
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        text = canonical(
            seq=seq,
            at=datetime(2025, 1, 1, tzinfo=UTC),
            actor_id=1,
            actor="a",
            tenant_id=None,
            action="login",
            object_type=None,
            object_id=None,
            ip="127.0.0.1",
            outcome="success",
            detail={"n": seq},
        )
        row_scheme = LEGACY if seq <= legacy else scheme
        value = chain_hash(prev, text, row_scheme, KEY)
        rows.append(ChainRow(seq, prev, value, text, row_scheme))
        prev = value
    keyed_from = legacy + 1 if n > legacy else None
    seal = head_seal(scheme, KEY, seq=n, hash=prev, keyed_from=keyed_from) if keyed_from else None
    return rows, Head(n, prev, keyed_from, seal)


def test_schemes_are_the_published_algorithms() -> None:
    data = b"abc"
    assert digest(LEGACY, KEY, data) == hashlib.sha256(data).hexdigest()
    assert digest(HMAC_SHA256, KEY, data) == hmac.new(KEY, data, hashlib.sha256).hexdigest()
    # SM3("abc") from GB/T 32905-2016, appendix A; HMAC-SM3 differs from it and from SHA-256
    assert digest("sha256", b"", data) != digest(HMAC_SM3, KEY, data)
    from cryptography.hazmat.primitives import hashes

    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(data)
    assert sm3.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert len(digest(HMAC_SM3, KEY, data)) == 64
    with pytest.raises(ValueError):
        digest("md5", KEY, data)


@pytest.mark.parametrize("scheme", [HMAC_SHA256, HMAC_SM3])
def test_intact_chain_verifies(scheme: str) -> None:
    rows, head = _chain(5, scheme=scheme)
    assert verify_chain(rows, head=head, key=KEY) == []


def test_the_wrong_key_finds_every_row() -> None:
    rows, head = _chain(3)
    findings = verify_chain(rows, head=head, key=b"x" * 32)
    assert [f.seq for f in findings] == [1, 2, 3, 3]
    assert "封印" in findings[-1].problem


def test_altered_row_is_found() -> None:
    rows, head = _chain(5)
    rows[2] = ChainRow(
        3,
        rows[2].prev_hash,
        rows[2].hash,
        rows[2].canonical.replace("login", "logout"),
        HMAC_SHA256,
    )
    findings = verify_chain(rows, head=head, key=KEY)
    assert [f.seq for f in findings] == [3]
    assert "篡改" in findings[0].problem


def test_deleted_middle_row_is_found() -> None:
    rows, head = _chain(5)
    del rows[1]
    findings = verify_chain(rows, head=head, key=KEY)
    assert findings and findings[0].seq == 2
    assert "删除" in findings[0].problem


def test_cut_tail_is_found() -> None:
    rows, head = _chain(5)
    findings = verify_chain(rows[:3], head=head, key=KEY)
    assert findings and "链尾" in findings[0].problem


def test_a_cut_tail_with_the_head_moved_back_is_found_by_the_seal() -> None:
    rows, _ = _chain(5)
    moved = Head(
        3, rows[2].hash, 1, head_seal(HMAC_SHA256, KEY, seq=5, hash=rows[4].hash, keyed_from=1)
    )
    findings = verify_chain(rows[:3], head=moved, key=KEY)
    assert [f.seq for f in findings] == [3] and "封印不符" in findings[0].problem


def test_legacy_rows_verify_before_the_switch_over_point() -> None:
    rows, head = _chain(6, legacy=3)
    assert head.keyed_from == 4
    assert [r.scheme for r in rows] == [LEGACY] * 3 + [HMAC_SHA256] * 3
    assert verify_chain(rows, head=head, key=KEY) == []


def test_a_downgrade_to_plain_sha256_is_found() -> None:
    """Rows rewritten as plain sha256 after the switch-over point: the recomputed chain is
    consistent, but the scheme does not fit the sealed switch-over point, and a head moved to
    the rewritten hash no longer matches its seal."""
    rows, head = _chain(4, legacy=1)
    prev, rewritten = GENESIS, []
    for r in rows:
        text = r.canonical.replace('"actor":"a"', '"actor":"mallory"')
        value = chain_hash(prev, text, LEGACY)
        rewritten.append(ChainRow(r.seq, prev, value, text, LEGACY))
        prev = value
    moved = Head(4, prev, head.keyed_from, head.seal)
    findings = verify_chain(rewritten, head=moved, key=KEY)
    assert {f.seq for f in findings} >= {2, 3, 4}
    assert any("降级" in f.problem for f in findings)
    assert any("封印" in f.problem for f in findings)
    # and with the switch-over point removed too, the missing seal is the finding
    unsealed = verify_chain(rewritten, head=Head(4, prev, None, None), key=KEY)
    assert [f.problem for f in unsealed][-1].startswith("链头没有密钥封印")


def test_rows_continue_from_an_archive() -> None:
    rows, head = _chain(6)
    findings = verify_chain(rows[3:], head=head, key=KEY, start_seq=4, start_hash=rows[2].hash)
    assert findings == []
    wrong = verify_chain(rows[3:], head=head, key=KEY, start_seq=4, start_hash=GENESIS)
    assert [f.seq for f in wrong] == [4]
