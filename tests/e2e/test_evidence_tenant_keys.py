"""A bank that holds its own signing key (issue 19, tenant-held keys): it registers its Ed25519
public key, builds the confirmation bytes itself from the documented format (docs/evidence.md),
signs them with ``cryptography`` outside the platform and submits the signature. The platform
no longer signs for it; a forged signature or altered bytes are refused (``signature_invalid``,
Chinese); ``verify`` and an exported proof check the submitted signature against the key."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import XMRCB, build_world
from tests.integration.test_evidence import loan_with_evidence
from tests.support.cli import invoke
from tests.support.web import _CSRF, login
from zhixin.audit.models import AuditEvent
from zhixin.config import Settings
from zhixin.evidence import rules
from zhixin.evidence import service as evidence
from zhixin.evidence.models import EvidenceConfirmation, EvidenceKey
from zhixin.kit.db import unit_of_work


def _public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def _message(tenant: str, entries: list[tuple[int, str]]) -> bytes:
    """The confirmation bytes as docs/evidence.md states them, built without the platform's code:
    canonical JSON (keys sorted, no spaces, UTF-8 as it is)."""
    doc = {
        "type": "zhixin-evidence/confirm/v1",
        "hash": "sha256",
        "role": "bank",
        "tenant": tenant,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "entries": [[seq, leaf] for seq, leaf in entries],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _submit(client: TestClient, csrf: str, message: bytes, signature: bytes) -> dict[str, object]:
    r = client.post(
        "/api/v1/evidence/signatures",
        json={"message": message.decode(), "signature": base64.b64encode(signature).decode()},
        headers={"X-CSRF-Token": csrf},
    )
    return {"status": r.status_code, **r.json()}


def test_a_bank_signs_with_its_own_key_and_a_forgery_is_refused(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build_world(factory)
    cid, _ = loan_with_evidence(w, tmp_path)
    bank_key = Ed25519PrivateKey.generate()  # held by the bank: the platform never sees it
    client = TestClient(app)
    client.__enter__()
    csrf = login(client, "approver")

    # not registered yet: a signed submission is refused, the platform still signs for it
    early = _submit(client, csrf, _message(XMRCB, [(0, "0" * 64)]), b"x" * 64)
    assert early["status"] == 409 and "尚未登记自持签名公钥" in str(early["message"])

    bad = client.post(
        "/api/v1/evidence/keys", json={"public_key": "zz" * 32}, headers={"X-CSRF-Token": csrf}
    )
    assert bad.status_code == 422 and "64 位十六进制" in bad.json()["message"]
    r = client.post(
        "/api/v1/evidence/keys",
        json={"public_key": _public_hex(bank_key)},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201 and r.json()["public_key"] == _public_hex(bank_key)
    assert r.json()["status"] == "pending"
    key_id = r.json()["id"]
    again = client.post(
        "/api/v1/evidence/keys",
        json={"public_key": _public_hex(Ed25519PrivateKey.generate())},
        headers={"X-CSRF-Token": csrf},
    )
    assert again.status_code == 409 and "待复核" in again.json()["message"]
    with unit_of_work(factory) as s:
        audited = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "evidence.key.propose")
        ).all()
        assert len(audited) == 1 and audited[0].detail["public_key"] == _public_hex(bank_key)

    # maker-checker: a pending key signs nothing, and its proposer cannot approve it
    entries = client.get(f"/api/v1/evidence/contracts/{cid}/entries").json()
    leaves = [(e["seq"], e["leaf_hash"]) for e in entries[:2]]
    early_msg = _message(XMRCB, leaves)
    pending = _submit(client, csrf, early_msg, bank_key.sign(early_msg))
    assert pending["status"] == 422 and pending["code"] == "key_pending"
    assert "尚待本机构另一名有权人员复核" in str(pending["message"])
    own = client.post(f"/api/v1/evidence/keys/{key_id}/approve", headers={"X-CSRF-Token": csrf})
    assert own.status_code == 403 and "审核分离" in own.json()["message"]
    # the platform still signs for the bank while the key waits
    with unit_of_work(factory) as s:
        assert s.get(EvidenceKey, key_id).status == "pending"  # type: ignore[union-attr]
    checker = TestClient(app)
    checker.__enter__()
    login(checker, "approver2")
    page = checker.get("/evidence/keys")
    assert page.status_code == 200 and "复核通过并启用" in page.text
    assert _public_hex(bank_key) in page.text
    mine = client.get("/evidence/keys")
    assert "本人提议，须由他人复核" in mine.text and "复核通过并启用" not in mine.text
    form_csrf = _CSRF.search(page.text)
    assert form_csrf is not None
    done = checker.post(
        f"/evidence/keys/{key_id}/approve",
        data={"csrf_token": form_csrf.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    checker.__exit__(None, None, None)
    with unit_of_work(factory) as s:
        k = s.get(EvidenceKey, key_id)
        assert k is not None and k.status == "active" and k.approved_by is not None
        approved = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "evidence.key.approve")
        ).one()
        assert approved.detail["public_key"] == _public_hex(bank_key)

    # the platform no longer signs for this bank
    held = client.post(
        "/api/v1/evidence/confirmations", json={"seqs": [0]}, headers={"X-CSRF-Token": csrf}
    )
    assert held.status_code == 409 and "自持私钥" in held.json()["message"]

    entries = client.get(f"/api/v1/evidence/contracts/{cid}/entries").json()
    leaves = [(e["seq"], e["leaf_hash"]) for e in entries[:2]]

    # a forgery: the right bytes signed by another key
    message = _message(XMRCB, leaves)
    forged = _submit(client, csrf, message, Ed25519PrivateKey.generate().sign(message))
    assert forged["status"] == 422 and forged["code"] == "signature_invalid"
    assert "签名无效" in str(forged["message"])
    # altered bytes: the bank's signature over other bytes
    other = _message(XMRCB, leaves[:1])
    altered = _submit(client, csrf, message, bank_key.sign(other))
    assert altered["status"] == 422 and altered["code"] == "signature_invalid"
    # a leaf hash that is not the log's
    wrong = _message(XMRCB, [(leaves[0][0], "ab" * 32)])
    refused = _submit(client, csrf, wrong, bank_key.sign(wrong))
    assert refused["status"] == 422 and "叶哈希与日志不符" in str(refused["message"])
    # bytes that are not canonical (spaces)
    spaced = json.dumps(json.loads(message), ensure_ascii=False, sort_keys=True).encode()
    refused = _submit(client, csrf, spaced, bank_key.sign(spaced))
    assert refused["status"] == 422 and "规范 JSON" in str(refused["message"])

    # the genuine one
    done = _submit(client, csrf, message, bank_key.sign(message))
    assert done["status"] == 201 and done["role"] == "bank", done
    assert done["message"] == message.decode()
    entries = client.get(f"/api/v1/evidence/contracts/{cid}/entries").json()
    assert [e["state"] for e in entries[:2]] == ["银行已确认，待监管部门确认"] * 2
    twice = _submit(client, csrf, message, bank_key.sign(message))
    assert twice["status"] == 409

    # verify checks it against the registered key; an exported proof carries it
    with unit_of_work(factory) as s:
        v = evidence.verify(s)
        assert v.finding is None and v.confirmations == 1
        doc = evidence.proof(s, seq=0)
    assert doc["confirmations"][0]["public_key"] == _public_hex(bank_key)
    checked = rules.check_proof(doc)
    assert checked.confirmed_by == [f"银行（{XMRCB}）"]
    # a signature swapped in the database afterwards is found
    with unit_of_work(factory) as s:
        row = s.scalars(select(EvidenceConfirmation)).one()
        row.signature = base64.b64encode(Ed25519PrivateKey.generate().sign(message)).decode()
    with unit_of_work(factory) as s:
        finding = evidence.verify(s).finding
    assert finding is not None and finding.seq == 0
    client.__exit__(None, None, None)


def _propose_and_approve(maker: TestClient, maker_csrf: str, checker: TestClient, key: str) -> int:
    r = maker.post(
        "/api/v1/evidence/keys", json={"public_key": key}, headers={"X-CSRF-Token": maker_csrf}
    )
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    checker_csrf = login(checker, "approver2")
    ok = checker.post(
        f"/api/v1/evidence/keys/{r.json()['id']}/approve", headers={"X-CSRF-Token": checker_csrf}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "active", ok.text
    return int(r.json()["id"])


def test_a_rotated_key_keeps_its_earlier_signatures_and_signs_nothing_after(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build_world(factory)
    cid, _ = loan_with_evidence(w, tmp_path)
    old_key, new_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    maker, checker = TestClient(app), TestClient(app)
    maker.__enter__()
    checker.__enter__()
    csrf = login(maker, "approver")
    old_id = _propose_and_approve(maker, csrf, checker, _public_hex(old_key))
    entries = maker.get(f"/api/v1/evidence/contracts/{cid}/entries").json()
    assert len(entries) >= 3
    first = _message(XMRCB, [(entries[0]["seq"], entries[0]["leaf_hash"])])
    assert _submit(maker, csrf, first, old_key.sign(first))["status"] == 201

    # rotation: the new key, proposed and approved, replaces the old from the approval on
    new_id = _propose_and_approve(maker, csrf, checker, _public_hex(new_key))
    with unit_of_work(factory) as s:
        old, new = s.get(EvidenceKey, old_id), s.get(EvidenceKey, new_id)
        assert old is not None and new is not None
        assert old.status == "retired" and new.status == "active" and new.replaces_id == old_id
        assert old.retired_at == new.approved_at
    second = _message(XMRCB, [(entries[1]["seq"], entries[1]["leaf_hash"])])
    late = _submit(maker, csrf, second, old_key.sign(second))
    assert late["status"] == 422 and late["code"] == "key_retired"
    assert "轮换停用" in str(late["message"])
    assert _submit(maker, csrf, second, new_key.sign(second))["status"] == 201

    # verify: the old key's confirmation (before the rotation) and the new key's both hold;
    # the first entry's proof carries the old key and checks offline
    with unit_of_work(factory) as s:
        v = evidence.verify(s)
        assert v.finding is None and v.confirmations == 2
        doc = evidence.proof(s, seq=entries[0]["seq"])
    assert doc["confirmations"][0]["public_key"] == _public_hex(old_key)
    assert rules.check_proof(doc).confirmed_by == [f"银行（{XMRCB}）"]

    # a confirmation by the old key stored after its retirement (bypassing the API) is found
    third = _message(XMRCB, [(entries[2]["seq"], entries[2]["leaf_hash"])])
    assert _submit(maker, csrf, third, new_key.sign(third))["status"] == 201
    with unit_of_work(factory) as s:
        row = s.scalars(
            select(EvidenceConfirmation).order_by(EvidenceConfirmation.id.desc())
        ).first()
        assert row is not None
        row.key_id = old_id
        row.signature = base64.b64encode(old_key.sign(third)).decode()
    with unit_of_work(factory) as s:
        finding = evidence.verify(s).finding
    assert finding is not None and finding.seq == entries[2]["seq"]
    maker.__exit__(None, None, None)
    checker.__exit__(None, None, None)


def test_a_pending_key_is_withdrawn_or_rejected_with_a_reason_and_never_signs(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build_world(factory)
    cid, _ = loan_with_evidence(w, tmp_path)
    first_key, second_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with TestClient(app) as maker, TestClient(app) as checker:
        csrf = login(maker, "approver")
        h = {"X-CSRF-Token": csrf}
        r = maker.post(
            "/api/v1/evidence/keys", json={"public_key": _public_hex(first_key)}, headers=h
        )
        first_id = r.json()["id"]
        # a second proposal waits for the first to be decided
        blocked = maker.post(
            "/api/v1/evidence/keys", json={"public_key": _public_hex(second_key)}, headers=h
        )
        assert blocked.status_code == 409
        # no reason: refused in Chinese; the proposer withdraws with one
        bare = maker.post(
            f"/api/v1/evidence/keys/{first_id}/reject", json={"reason": " "}, headers=h
        )
        assert bare.status_code == 422 and "理由" in bare.json()["message"]
        out = maker.post(
            f"/api/v1/evidence/keys/{first_id}/reject", json={"reason": "私钥生成有误"}, headers=h
        )
        assert out.status_code == 200 and out.json()["status"] == "rejected", out.text
        again = maker.post(
            f"/api/v1/evidence/keys/{first_id}/approve", headers=h
        )  # decided: nothing to approve (and the proposer could not anyway)
        assert again.status_code in (403, 409)
        # a signature by the withdrawn key is refused; the platform still confirms for the bank
        entries = maker.get(f"/api/v1/evidence/contracts/{cid}/entries").json()
        msg = _message(XMRCB, [(entries[0]["seq"], entries[0]["leaf_hash"])])
        refused = _submit(maker, csrf, msg, first_key.sign(msg))
        assert refused["status"] == 422 and refused["code"] in ("key_pending", "signature_invalid")
        # a new proposal may follow, and another officer rejects it on the page
        r = maker.post(
            "/api/v1/evidence/keys", json={"public_key": _public_hex(second_key)}, headers=h
        )
        assert r.status_code == 201, r.text
        second_id = r.json()["id"]
        checker_csrf = login(checker, "approver2")
        page = checker.get("/evidence/keys").text
        assert f'action="/evidence/keys/{second_id}/reject"' in page and "驳回理由" in page
        done = checker.post(
            f"/evidence/keys/{second_id}/reject",
            data={"csrf_token": checker_csrf, "reason": "与本行登记的密钥指纹不符"},
        )
        assert done.status_code == 200 and "已驳回" in done.text
    with unit_of_work(factory) as s:
        rows = {k.id: k for k in s.scalars(select(EvidenceKey)).all()}
        assert rows[first_id].status == rows[second_id].status == "rejected"
        assert rows[first_id].approved_at is None and rows[second_id].approved_at is None
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "evidence.key.reject")
        ).all()
        assert [e.detail["withdrawn"] for e in events] == [True, False]
        assert evidence.verify(s).finding is None


def test_officers_propose_approve_and_reject_keys_from_the_command_line(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """``zhixin evidence propose-key / approve-key / reject-key --by USER``: the page's
    maker-checker through the CLI, every refusal in Chinese with exit 1, audited as via the CLI."""
    build_world(factory)
    env = {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"}
    first, second = (_public_hex(Ed25519PrivateKey.generate()) for _ in range(2))

    bad = invoke(["evidence", "propose-key", "zz" * 32, "--by", "approver"], env)
    assert bad.exit_code == 1 and "64 位十六进制" in bad.output
    nobody = invoke(["evidence", "propose-key", first, "--by", "nobody"], env)
    assert nobody.exit_code == 1 and "未找到用户 nobody" in nobody.output

    proposed = invoke(["evidence", "propose-key", first, "--by", "approver"], env)
    assert proposed.exit_code == 0 and "待复核" in proposed.output, proposed.output
    with unit_of_work(factory) as s:
        key_id = s.scalars(select(EvidenceKey.id).where(EvidenceKey.public_key == first)).one()
    listed = invoke(["evidence", "keys"], env)
    assert listed.exit_code == 0 and first[:20] in listed.output and "待复核" in listed.output

    own = invoke(["evidence", "approve-key", str(key_id), "--by", "approver"], env)
    assert own.exit_code == 1 and "审核分离" in own.output
    no_reason = invoke(
        ["evidence", "reject-key", str(key_id), "--by", "approver2", "--reason", " "], env
    )
    assert no_reason.exit_code == 1 and "理由" in no_reason.output
    rejected = invoke(
        ["evidence", "reject-key", str(key_id), "--by", "approver2", "--reason", "指纹不符"], env
    )
    assert rejected.exit_code == 0 and "未通过复核" in rejected.output
    late = invoke(["evidence", "approve-key", str(key_id), "--by", "approver2"], env)
    assert late.exit_code == 1 and "无需复核" in late.output

    again = invoke(["evidence", "propose-key", second, "--by", "approver"], env)
    assert again.exit_code == 0, again.output
    with unit_of_work(factory) as s:
        second_id = s.scalars(select(EvidenceKey.id).where(EvidenceKey.public_key == second)).one()
    approved = invoke(["evidence", "approve-key", str(second_id), "--by", "approver2"], env)
    assert approved.exit_code == 0 and "已复核通过并启用" in approved.output, approved.output
    with unit_of_work(factory) as s:
        assert s.get(EvidenceKey, key_id).status == "rejected"  # type: ignore[union-attr]
        assert s.get(EvidenceKey, second_id).status == "active"  # type: ignore[union-attr]
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("evidence.key.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "evidence.key.propose",
        "evidence.key.reject",
        "evidence.key.propose",
        "evidence.key.approve",
    ]
    assert events[1].detail["reason"] == "指纹不符" and not events[1].detail["withdrawn"]
