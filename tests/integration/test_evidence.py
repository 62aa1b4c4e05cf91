"""The evidence log (链上存证) on a real database: a loan's key events and its vouchers' hashes
are appended as they happen, confirmed by the bank and by the regulator (one Ed25519 signature
each), and ``verify`` names the first entry that was edited, moved, badly signed or no longer
matches a signed tree head; a proof exported for a voucher checks offline against the file.

``loan_with_evidence`` is shared with the CLI and API tests of the log."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import World, build_world
from tests.integration.test_loans import PDF, _drawn, _pay, _payee, _voucher, signed_contract
from zhixin.config import get_settings
from zhixin.errors import Conflict, Forbidden, NotFound
from zhixin.evidence import merkle, rules
from zhixin.evidence import service as evidence
from zhixin.evidence.models import (
    EvidenceConfirmation,
    EvidenceEntry,
    EvidenceKey,
    EvidenceTreeHead,
)
from zhixin.kit.db import unit_of_work


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


def loan_with_evidence(w: World, tmp: Path) -> tuple[int, int]:
    """A contract with a drawdown, a voucher and an entrusted payment: (contract id, the
    voucher entry's seq)."""
    cid = signed_contract(w)
    did = _drawn(w, cid, "1000000.00", on=date(2025, 2, 10))
    vid = _voucher(w, cid, "FP-2025-0001", "300000.00", tmp=tmp)
    pid = _payee(w, cid)
    _pay(w, did, "100000.00", payee_id=pid, voucher_id=vid)
    with unit_of_work(w.factory) as s:
        seq = s.scalar(select(EvidenceEntry.seq).where(EvidenceEntry.kind == "voucher"))
    assert seq is not None
    return cid, seq


def _verify(w: World) -> evidence.Verified:
    with unit_of_work(w.factory) as s:
        return evidence.verify(s)


def test_a_loans_events_are_appended_and_confirmed_by_both_sides(
    world: World, tmp_path: Path
) -> None:
    cid, vseq = loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        entries = evidence.for_contract(s, actor=world.who("officer"), contract_id=cid)
        assert [e.kind for e in entries] == ["contract", "drawdown", "voucher", "payment"]
        assert [e.seq for e in entries] == [0, 1, 2, 3]
        assert all(e.state == "待双方确认" for e in entries)
        voucher = next(e for e in entries if e.kind == "voucher")
        assert "FP-2025-0001" in voucher.summary and "SHA-256" in voucher.summary
        # another bank sees none of them; the enterprise sees its own
        assert evidence.for_contract(s, actor=world.who("icbc-officer"), contract_id=cid) == []
        assert len(evidence.for_contract(s, actor=world.who("owner-a"), contract_id=cid)) == 4
    with unit_of_work(world.factory) as s:
        evidence.confirm(s, actor=world.who("approver"), seqs=[0, 1, 2, 3])
    with unit_of_work(world.factory) as s:
        evidence.confirm(s, actor=world.who("regulator"), seqs=[vseq])
    with unit_of_work(world.factory) as s:
        states = {
            e.seq: e.state
            for e in evidence.for_contract(s, actor=world.who("regulator"), contract_id=cid)
        }
        assert states[vseq] == "双方已确认"
        assert states[0] == "银行已确认，待监管部门确认"
        # the private keys are stored encrypted (Fernet), never as they are
        for k in s.scalars(select(EvidenceKey)):
            assert k.private_key.startswith("gAAAA")
    with unit_of_work(world.factory) as s, pytest.raises(Conflict):
        evidence.confirm(s, actor=world.who("approver"), seqs=[0])
    with unit_of_work(world.factory) as s, pytest.raises(NotFound):
        evidence.confirm(s, actor=world.who("icbc-approver"), seqs=[0])
    with unit_of_work(world.factory) as s, pytest.raises(Forbidden):
        evidence.confirm(s, actor=world.who("owner-a"), seqs=[0])
    with unit_of_work(world.factory) as s:
        assert evidence.sign_head(s) is not None
    result = _verify(world)
    assert result.finding is None and result.tree_size == 4 and result.heads == 1


def test_verify_names_an_edited_entry(world: World, tmp_path: Path) -> None:
    _, vseq = loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        row = s.scalars(select(EvidenceEntry).where(EvidenceEntry.seq == vseq)).one()
        row.payload = row.payload.replace("300000.00", "900000.00")
    finding = _verify(world).finding
    assert finding is not None and finding.seq == vseq and "改动" in finding.reason


def test_verify_names_a_reordered_entry(world: World, tmp_path: Path) -> None:
    loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        a, b = s.scalars(select(EvidenceEntry).where(EvidenceEntry.seq.in_([1, 2]))).all()
        (a.payload, a.leaf_hash), (b.payload, b.leaf_hash) = (
            (b.payload, b.leaf_hash),
            (a.payload, a.leaf_hash),
        )
    finding = _verify(world).finding
    assert finding is not None and finding.seq == 1 and "调换" in finding.reason


def test_verify_names_a_bad_confirmation_signature(world: World, tmp_path: Path) -> None:
    loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        evidence.confirm(s, actor=world.who("approver"), seqs=[2, 3])
    with unit_of_work(world.factory) as s:
        c = s.scalars(select(EvidenceConfirmation)).one()
        c.message = c.message.replace('"role":"bank"', '"role":"bank" ')
    finding = _verify(world).finding
    assert finding is not None and finding.seq == 2 and "签名无效" in finding.reason


def test_verify_names_a_tree_head_that_no_longer_matches(world: World, tmp_path: Path) -> None:
    loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        evidence.sign_head(s)
    # the last entry rewritten with a leaf hash to match: only the signed head still knows
    with unit_of_work(world.factory) as s:
        row = s.scalars(select(EvidenceEntry).where(EvidenceEntry.seq == 3)).one()
        row.payload = row.payload.replace("100000.00", "100001.00")
        row.leaf_hash = merkle.leaf_hash(merkle.hasher("sha256"), row.payload.encode()).hex()
    finding = _verify(world).finding
    assert finding is not None and finding.seq == 3 and "树头" in finding.reason
    # a head whose own signature was tampered with
    with unit_of_work(world.factory) as s:
        s.execute(update(EvidenceTreeHead).values(root_hash="0" * 64))
    finding = _verify(world).finding
    assert finding is not None and "签名无效" in finding.reason


def test_a_proof_round_trips_and_catches_an_edited_voucher(world: World, tmp_path: Path) -> None:
    _, vseq = loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        evidence.confirm(s, actor=world.who("approver"), seqs=[vseq])
    with unit_of_work(world.factory) as s:
        doc = evidence.proof(s, seq=vseq)
    doc = json.loads(json.dumps(doc))  # as written to proof.json and read back
    checked = rules.check_proof(doc, PDF)
    assert checked.seq == vseq and checked.file_checked and checked.tree_size == 4
    assert checked.confirmed_by == ["银行（bank-xmrcb）"] or checked.confirmed_by[0].startswith(
        "银行"
    )
    with pytest.raises(rules.ProofError, match="文件"):
        rules.check_proof(doc, PDF.replace(b"Catalog", b"Catalug"))
    edited = json.loads(json.dumps(doc))
    edited["entry"]["payload"] = doc["entry"]["payload"].replace("300000.00", "900000.00")
    edited["entry"]["leaf_hash"] = None
    with pytest.raises(rules.ProofError, match="包含证明不成立"):
        rules.check_proof(edited, PDF)
    moved = json.loads(json.dumps(doc))
    moved["inclusion"]["leaf_index"] = vseq + 1
    with pytest.raises(rules.ProofError):
        rules.check_proof(moved, PDF)
    with pytest.raises(rules.ProofError, match="指定的日志公钥"):
        rules.check_proof(doc, PDF, public_key="00" * 32)


def test_a_log_hashed_with_sm3(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIXIN_EVIDENCE_HASH", "sm3")
    get_settings.cache_clear()
    _, vseq = loan_with_evidence(world, tmp_path)
    with unit_of_work(world.factory) as s:
        doc = evidence.proof(s, seq=vseq)
    assert doc["hash"] == "sm3" and "sm3" in json.loads(doc["entry"]["payload"])["file"]
    assert rules.check_proof(doc, PDF).file_checked
    assert _verify(world).finding is None
