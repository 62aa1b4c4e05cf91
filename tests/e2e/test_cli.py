"""The operator's commands, run as a scheduler would run them: a subprocess and its exit code."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "Cli-Password-123"


def zhixin(
    *args: str, db: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "ZHIXIN_DATABASE_URL": f"sqlite:///{db}",
        "ZHIXIN_MODE": "development",
        "NEW_PASSWORD": PASSWORD,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "zhixin.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.sqlite3"
    done = zhixin("db", "upgrade", db=path)
    assert done.returncode == 0, done.stderr
    return path


def test_users_tokens_and_audit_verify(db: Path) -> None:
    made = zhixin(
        "users",
        "create",
        "bank-sys",
        "--tenant",
        "bank-a",
        "--tenant-kind",
        "bank",
        "--tenant-name",
        "甲银行",
        "--role",
        "bank_officer",
        "--service-account",
        db=db,
    )
    assert made.returncode == 0, made.stderr
    person = zhixin(
        "users",
        "create",
        "wang",
        "--tenant",
        "amr",
        "--tenant-kind",
        "regulator",
        "--tenant-name",
        "市场监管局",
        "--role",
        "regulator",
        "--password-env",
        "NEW_PASSWORD",
        db=db,
    )
    assert person.returncode == 0, person.stderr
    weak = zhixin(
        "users",
        "create",
        "li",
        "--tenant",
        "amr",
        "--role",
        "regulator",
        "--password-env",
        "WEAK",
        db=db,
        env={"WEAK": "abc"},
    )
    assert weak.returncode == 1 and "密码不符合安全策略" in weak.stderr and "abc" not in weak.stderr
    officer = zhixin(
        "users",
        "create",
        "sec",
        "--tenant",
        "platform",
        "--tenant-kind",
        "platform",
        "--tenant-name",
        "平台运维",
        "--role",
        "security_officer",
        "--password-env",
        "NEW_PASSWORD",
        db=db,
    )
    assert officer.returncode == 0, officer.stderr
    token_args = ("tokens", "create", "--name", "信贷系统", "--scope", "enterprise:read")
    # 三权分立: only a security officer, with their password, and only for a service account
    not_officer = zhixin(
        *token_args, "--user", "bank-sys", "--by", "wang", "--password-env", "NEW_PASSWORD", db=db
    )
    assert not_officer.returncode == 1 and "不是安全管理员" in not_officer.stderr
    wrong = zhixin(
        *token_args,
        "--user",
        "bank-sys",
        "--by",
        "sec",
        "--password-env",
        "WRONG",
        db=db,
        env={"WRONG": "Not-The-Password-1"},
    )
    assert wrong.returncode == 1 and "用户名或密码错误" in wrong.stderr
    person = zhixin(
        *token_args, "--user", "wang", "--by", "sec", "--password-env", "NEW_PASSWORD", db=db
    )
    assert person.returncode == 1 and "服务账户" in person.stderr
    token = zhixin(
        *token_args, "--user", "bank-sys", "--by", "sec", "--password-env", "NEW_PASSWORD", db=db
    )
    assert token.returncode == 0, token.stderr
    raw = token.stdout.strip()
    assert raw.startswith("zx_") and len(raw) > 40
    with sqlite3.connect(db) as conn:
        hashes = [r[0] for r in conn.execute("select token_hash from api_token")]
        minted = conn.execute(
            "select actor, outcome from audit_event where action = 'token.create' order by seq"
        ).fetchall()
    assert raw not in hashes and len(hashes) == 1
    assert minted == [("sec", "denied"), ("sec", "success")]
    listed = zhixin("tokens", "list", db=db)
    assert listed.returncode == 0 and "bank-sys" in listed.stdout and "sec" in listed.stdout
    ok = zhixin("audit", "verify", db=db)
    assert ok.returncode == 0 and "完整" in ok.stdout
    with sqlite3.connect(db) as conn:
        try:
            conn.execute("update audit_event set actor = 'mallory' where seq = 2")
        except sqlite3.DatabaseError as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError("the audit log accepted an UPDATE")
        # the database's owner can drop the trigger first: verify still finds the edit
        conn.execute("drop trigger audit_event_no_update")
        conn.execute("update audit_event set actor = 'mallory' where seq = 2")
    broken = zhixin("audit", "verify", db=db)
    assert broken.returncode == 1 and "第 2 条" in broken.stderr


def test_production_refuses_a_default_secret(db: Path) -> None:
    run = zhixin(
        "serve",
        "--port",
        "0",
        db=db,
        env={"ZHIXIN_MODE": "production", "ZHIXIN_SECRET_KEY": "change-me"},
    )
    assert run.returncode == 1
    assert "ZHIXIN_SECRET_KEY" in run.stderr


def test_unknown_role_is_a_usage_error(db: Path) -> None:
    run = zhixin("users", "create", "x", "--tenant", "t", "--role", "king", db=db)
    assert run.returncode == 2 and "未知角色" in run.stderr
