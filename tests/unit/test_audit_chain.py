from __future__ import annotations

from datetime import UTC, datetime

from zhixin.audit.rules import GENESIS, ChainRow, canonical, chain_hash, verify_chain


def _chain(n: int) -> list[ChainRow]:
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
        digest = chain_hash(prev, text)
        rows.append(ChainRow(seq, prev, digest, text))
        prev = digest
    return rows


def test_intact_chain_verifies() -> None:
    rows = _chain(5)
    assert verify_chain(rows, head_seq=5, head_hash=rows[-1].hash) == []


def test_altered_row_is_found() -> None:
    rows = _chain(5)
    rows[2] = ChainRow(
        3, rows[2].prev_hash, rows[2].hash, rows[2].canonical.replace("login", "logout")
    )
    findings = verify_chain(rows, head_seq=5, head_hash=rows[-1].hash)
    assert [f.seq for f in findings] == [3]
    assert "篡改" in findings[0].problem


def test_deleted_middle_row_is_found() -> None:
    rows = _chain(5)
    del rows[1]
    findings = verify_chain(rows, head_seq=5, head_hash=rows[-1].hash)
    assert findings and findings[0].seq == 2
    assert "删除" in findings[0].problem


def test_cut_tail_is_found() -> None:
    rows = _chain(5)
    findings = verify_chain(rows[:3], head_seq=5, head_hash=rows[-1].hash)
    assert findings and "链尾" in findings[-1].problem
