"""The audit log's and the security officer's commands, as an operator runs them."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.e2e.test_cli import PASSWORD, zhixin
from tests.support.audit import as_owner, recompute_chain
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import DEMO_AUDIT_KEY
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work, utcnow


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite3"
    assert zhixin("db", "upgrade", db=path).returncode == 0
    for name, role, kind in (
        ("sec", "security_officer", "platform"),
        ("wang", "regulator", "regulator"),
    ):
        made = zhixin(
            "users",
            "create",
            name,
            "--tenant",
            f"t-{kind}",
            "--tenant-kind",
            kind,
            "--tenant-name",
            f"{kind} 机构",
            "--role",
            role,
            "--password-env",
            "NEW_PASSWORD",
            db=path,
        )
        assert made.returncode == 0, made.stderr
    return path


def test_checkpoints_expose_a_rewrite_made_with_the_hmac_key(db: Path, tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    made = zhixin("audit", "generate-key", "--out", str(key), db=db)
    assert made.returncode == 0 and key.exists() and Path(f"{key}.pub").exists()
    assert key.stat().st_mode & 0o077 == 0  # the private key is readable by its owner only
    again = zhixin("audit", "generate-key", "--out", str(key), db=db)
    assert again.returncode == 1 and "不覆盖" in again.stderr
    signer = {"ZHIXIN_AUDIT_SIGNING_KEY_FILE": str(key)}
    verifier = {"ZHIXIN_AUDIT_VERIFY_KEY_FILE": f"{key}.pub"}  # the auditor holds only this
    checkpoints = tmp_path / "checkpoints"
    cp = zhixin("audit", "checkpoint", "--out", str(checkpoints), db=db, env=signer)
    assert cp.returncode == 0, cp.stderr
    [written] = checkpoints.glob("checkpoint-*.json")
    assert json.loads(written.read_text())["seq"] == 2
    ok = zhixin("audit", "verify", "--checkpoints", str(checkpoints), db=db, env=verifier)
    assert ok.returncode == 0 and "与签名检查点一致" in ok.stdout
    # someone with the database and the HMAC key (the demo key here) rewrites the first row
    engine = create_engine(f"sqlite:///{db}")
    with as_owner(engine) as conn:
        recompute_chain(
            conn,
            key=DEMO_AUDIT_KEY.encode(),
            scheme="hmac-sha256",
            edit=lambda row: row.update(actor="mallory") if row["seq"] == 1 else None,
        )
    engine.dispose()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select actor from audit_event where seq = 1").fetchone() == (
            "mallory",
        )
    fooled = zhixin("audit", "verify", db=db, env=verifier)
    assert fooled.returncode == 0  # the chain alone cannot tell: the attacker had its key
    caught = zhixin("audit", "verify", "--checkpoints", str(checkpoints), db=db, env=verifier)
    assert caught.returncode == 1
    assert "第 2 条的哈希与签名检查点" in caught.stderr and "重写" in caught.stderr
    # and no new checkpoint is signed over a chain that does not verify: not the case here
    # (it verifies), so the next checkpoint records the rewritten head — which is why the
    # checkpoints must be kept where the database's administrators cannot write


def test_archive_refuses_rows_younger_than_the_retention(db: Path, tmp_path: Path) -> None:
    recent = (date.today() - timedelta(days=100)).isoformat()
    run = zhixin(
        "audit", "archive", "--before", recent, "--out", str(tmp_path / "a"), "--yes", db=db
    )
    assert run.returncode == 1 and "至少保留 365 天" in run.stderr
    old = (date.today() - timedelta(days=400)).isoformat()
    nothing = zhixin(
        "audit", "archive", "--before", old, "--out", str(tmp_path / "a"), "--yes", db=db
    )
    assert nothing.returncode == 1 and "没有尚未归档的审计记录" in nothing.stderr
    bad = zhixin("audit", "archive", "--before", "2025-13-01", "--out", "x", "--yes", db=db)
    assert bad.returncode == 2


def test_the_security_officer_unlocks_from_the_command_line(db: Path) -> None:
    refused = zhixin(
        "users", "unlock", "wang", "--by", "wang", "--password-env", "NEW_PASSWORD", db=db
    )
    assert refused.returncode == 1 and "不是安全管理员" in refused.stderr
    with sqlite3.connect(db) as conn:
        uid = conn.execute("select id from app_user where username = 'wang'").fetchone()[0]
        conn.execute(
            "insert into login_throttle (scope, key, user_id, failures, last_failure_at,"
            " blocked_until) values ('account', 'wang', ?, 9, datetime('now'),"
            " datetime('now', '+10 minutes'))",
            (uid,),
        )
    done = zhixin("users", "unlock", "wang", "--by", "sec", "--password-env", "NEW_PASSWORD", db=db)
    assert done.returncode == 0 and "清除 1 条" in done.stdout, done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "select count(*) from login_throttle where scope = 'account'"
        ).fetchone() == (0,)
        event = conn.execute(
            "select actor, object_id, detail from audit_event where action = 'login.unlock'"
        ).fetchone()
    assert event[:2] == ("sec", str(uid)) and json.loads(event[2])["cleared"] == 1
    assert PASSWORD  # the users were made with the test CLI password


def test_archive_moves_old_rows_to_a_signed_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    assert zhixin("db", "upgrade", db=path).returncode == 0
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    for days in (500, 499, 498, 0):
        with unit_of_work(factory) as s:  # the test process appends with the same demo key
            audit.record(
                s,
                actor=Actor(3, "王五", 1, "10.0.0.1"),
                action="record.remove",
                at=utcnow() - timedelta(days=days),
            )
    before = (date.today() - timedelta(days=400)).isoformat()
    out = tmp_path / "archives"
    run = zhixin("audit", "archive", "--before", before, "--out", str(out), "--yes", db=path)
    assert run.returncode == 0, run.stderr
    [file] = out.glob("audit-archive-*.jsonl")
    assert file.name == "audit-archive-000000000001-000000000003.jsonl"
    assert not list(out.glob("*.tmp"))
    checked = zhixin("audit", "verify-archive", str(file), db=path)
    assert checked.returncode == 0 and "共 3 条" in checked.stdout
    verified = zhixin("audit", "verify", db=path)
    assert verified.returncode == 0 and "另有 3 条已归档" in verified.stdout
    with sqlite3.connect(path) as conn:
        seqs = [r[0] for r in conn.execute("select seq from audit_event order by seq")]
    assert seqs == [4, 5]  # the fourth row, and the archive's own event
