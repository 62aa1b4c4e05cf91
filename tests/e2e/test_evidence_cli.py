"""``zhixin evidence verify|proof|check-proof|sign-head|keys`` as an operator and an outside
auditor run them: ``verify`` exits 1 naming the first bad entry; ``proof`` writes proof.json;
``check-proof`` verifies it against the voucher file in a process that has no ZHIXIN settings
and no database at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.cli import invoke
from zhixin.config import Settings
from zhixin.evidence import service as evidence
from zhixin.evidence.models import EvidenceEntry, EvidenceTreeHead
from zhixin.kit.db import unit_of_work

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _voucher(n: int, data: bytes) -> evidence.Event:
    return evidence.Event(
        kind="voucher",
        data={"document_number": f"FP-{n:04d}", "amount": "1000.00"},
        subject=("loan_voucher", str(n)),
        contract=(1, "ZX2025020600000001"),
        file=data,
    )


@pytest.fixture
def env(settings: Settings, factory: sessionmaker[Session]) -> dict[str, str]:
    with unit_of_work(factory) as s:
        evidence.append(s, *(_voucher(n, PDF + bytes([n])) for n in range(5)))
        evidence.append(s, _voucher(5, PDF))
    return {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"}


def _offline(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A fresh process with no ZHIXIN_* variable, in an empty folder (no database file)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIXIN_")}
    clean["PYTHONPATH"] = SRC
    return subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "evidence", "check-proof", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp,
        timeout=120,
        check=False,
    )


def test_verify_proof_and_offline_check(
    env: dict[str, str], factory: sessionmaker[Session], tmp_path: Path
) -> None:
    r = invoke(["evidence", "verify"], env)
    assert r.exit_code == 0 and "6 条存证" in r.output, r.output
    proof = tmp_path / "proof.json"
    r = invoke(["evidence", "proof", "5", "--out", str(proof)], env)
    assert r.exit_code == 0, r.output
    doc = json.loads(proof.read_text(encoding="utf-8"))
    assert doc["inclusion"]["tree_size"] == 6 and doc["entry"]["seq"] == 5
    voucher = tmp_path / "invoice.pdf"
    voucher.write_bytes(PDF)
    offline = tmp_path / "auditor"
    offline.mkdir()

    done = _offline(offline, str(proof), str(voucher))
    assert done.returncode == 0, done.stderr
    assert "证明成立" in done.stdout and "文件与存证登记的摘要一致" in done.stdout
    assert list(offline.iterdir()) == []  # nothing created: no database, no settings read
    r = invoke(["evidence", "keys"], env)
    assert doc["sth"]["public_key"] in r.output.replace("\n", "")
    assert _offline(offline, str(proof), "--public-key", doc["sth"]["public_key"]).returncode == 0

    # an edited voucher file
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(PDF.replace(b"Catalog", b"Catalug"))
    done = _offline(offline, str(proof), str(edited))
    assert done.returncode == 1 and "文件与存证登记的摘要不符" in done.stderr
    # a proof whose entry was swapped for another one (reordered)
    with unit_of_work(factory) as s:
        other = s.scalars(select(EvidenceEntry).where(EvidenceEntry.seq == 4)).one().payload
    moved = dict(doc, entry={"seq": 5, "payload": other, "leaf_hash": None})
    (tmp_path / "moved.json").write_text(json.dumps(moved), encoding="utf-8")
    done = _offline(offline, str(tmp_path / "moved.json"))
    assert done.returncode == 1 and "序号与其位置不符" in done.stderr


def test_verify_exits_1_naming_the_first_bad_entry(
    env: dict[str, str], factory: sessionmaker[Session]
) -> None:
    assert invoke(["evidence", "sign-head"], env).exit_code == 0
    with unit_of_work(factory) as s:
        row = s.scalars(select(EvidenceEntry).where(EvidenceEntry.seq == 2)).one()
        row.payload = row.payload.replace("FP-0002", "FP-9999")
    r = invoke(["evidence", "verify"], env)
    assert r.exit_code == 1
    assert "第 2 条存证" in r.output and "被改动" in r.output, r.output


def test_the_worker_signs_a_tree_head_over_new_entries(
    env: dict[str, str], factory: sessionmaker[Session]
) -> None:
    """``zhixin worker`` signs a head each turn of its housekeeping, so a proof is available
    without an operator's cron line; a second turn with no new entry signs nothing new."""
    with factory() as s:
        assert s.scalars(select(EvidenceTreeHead)).all() == []
    r = invoke(["worker", "--once"], env)
    assert r.exit_code == 0, r.output
    assert "存证日志树头已签名：共 6 条" in r.output
    with factory() as s:
        (head,) = s.scalars(select(EvidenceTreeHead)).all()
        assert head.tree_size == 6
    again = invoke(["worker", "--once"], env)
    assert again.exit_code == 0 and "树头已签名" not in again.output
    with factory() as s:
        assert len(s.scalars(select(EvidenceTreeHead)).all()) == 1


def _offline_consistency(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``check-consistency`` in a fresh process with no ZHIXIN_* variable, in an empty folder."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIXIN_")}
    clean["PYTHONPATH"] = SRC
    return subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "evidence", "check-consistency", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp,
        timeout=120,
        check=False,
    )


def test_consistency_between_two_heads_checked_offline(
    env: dict[str, str], factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A head over 6 entries, 5 more appended, a head over 11: the consistency proof between
    them holds offline; a tampered proof, or one whose old head claims another root, does not."""
    assert invoke(["evidence", "sign-head"], env).exit_code == 0
    with unit_of_work(factory) as s:
        evidence.append(s, *(_voucher(n, PDF + bytes([n])) for n in range(6, 11)))
    c = tmp_path / "c.json"
    r = invoke(["evidence", "consistency", "6", "11", "--out", str(c)], env)
    assert r.exit_code == 0, r.output
    doc = json.loads(c.read_text(encoding="utf-8"))
    assert (doc["first"]["tree_size"], doc["second"]["tree_size"]) == (6, 11)
    assert doc["first"]["public_key"] == doc["second"]["public_key"]
    assert len(doc["path"]) >= 1
    with unit_of_work(factory) as s:  # the head over 11 was signed by the export
        sizes = sorted(s.scalars(select(EvidenceTreeHead.tree_size)))
    assert sizes == [6, 11]
    offline = tmp_path / "auditor"
    offline.mkdir()

    done = _offline_consistency(offline, str(c))
    assert done.returncode == 0, done.stderr
    assert "一致性证明成立" in done.stdout and "11 条" in done.stdout
    assert list(offline.iterdir()) == []  # nothing created: no database, no settings read
    key = doc["second"]["public_key"]
    assert _offline_consistency(offline, str(c), "--public-key", key).returncode == 0
    done = _offline_consistency(offline, str(c), "--public-key", "00" * 32)
    assert done.returncode == 1 and "不是由指定的日志公钥签名的" in done.stderr

    # one node of the path changed
    bad = dict(doc, path=["00" * 32, *doc["path"][1:]])
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    done = _offline_consistency(offline, str(tmp_path / "bad.json"))
    assert done.returncode == 1 and "一致性证明不成立" in done.stderr, done.stderr
    # the old head's root swapped: its signature no longer holds
    forged = dict(doc, first=dict(doc["first"], root_hash="11" * 32))
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    done = _offline_consistency(offline, str(tmp_path / "forged.json"))
    assert done.returncode == 1 and "旧树头签名无效" in done.stderr, done.stderr
    # a size with no signed head
    r = invoke(["evidence", "consistency", "3", "11", "--out", str(c)], env)
    assert r.exit_code == 1 and "没有 3 条存证的签名树头" in r.output
