"""Finding 3: anyone with write access to the database could edit an audit row and recompute the
plain SHA-256 chain, and `zhixin audit verify` said all was well. Now: a keyed chain, triggers
that refuse UPDATE/DELETE, signed checkpoints outside the database, a signed archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tests.support.audit import as_owner, recompute_chain
from tests.support.databases import fresh_database
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.audit import archive as archives
from zhixin.audit import checkpoints
from zhixin.audit import keys as audit_keys
from zhixin.audit import service as audit
from zhixin.audit.models import AuditArchive, AuditEvent, AuditHead
from zhixin.audit.rules import GENESIS, HMAC_SHA256, HMAC_SM3, LEGACY, canonical, chain_hash
from zhixin.audit.service import Actor
from zhixin.config import ConfigError, Mode, Settings
from zhixin.errors import Invalid
from zhixin.kit.db import make_sessionmaker, unit_of_work, utcnow
from zhixin.kit.migrate import upgrade


@pytest.fixture
def signing_key(tmp_path: Path) -> Iterator[Path]:
    """The process appends with the test HMAC key and signs with a key of its own."""
    private = tmp_path / "keys" / "audit-signing.pem"
    private.parent.mkdir()
    audit_keys.generate_key_pair(private)
    before = audit_keys.current()
    audit_keys.configure(
        audit_keys.AuditKeys(before.hmac_key, before.scheme, signing_key_file=private)
    )
    yield private
    audit_keys.configure(before)


def _write(factory: sessionmaker[Session], n: int, *, days_ago: int = 0) -> None:
    for i in range(n):
        with unit_of_work(factory) as s:
            audit.record(
                s,
                actor=Actor(7, "王五", 1, "10.0.0.1"),
                action="whitelist.approve",
                object_type="whitelist_publication",
                object_id=i + 1,
                detail={"version": i + 1},
                at=utcnow() - timedelta(days=days_ago, seconds=n - i) if days_ago else None,
            )


def _verify(factory: sessionmaker[Session]) -> audit.VerifyResult:
    with unit_of_work(factory) as s:
        return audit.verify(s)


def test_an_edit_with_the_plain_chain_recomputed_is_found(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    _write(factory, 5)

    def approve_as_someone_else(row: dict[str, object]) -> None:
        if row["seq"] == 3:
            row["actor"] = "李四"

    with as_owner(engine) as conn:  # no HMAC key: plain sha256 is all the attacker can compute
        recompute_chain(conn, edit=approve_as_someone_else)
    result = _verify(factory)
    # a consistent plain chain with the switch-over point and the seal removed: only the key
    # could seal it again
    assert not result.ok
    assert [f.problem[:8] for f in result.findings] == ["链头没有密钥封印"]
    # and an ordinary append does not seal it: the finding stays until someone looks
    _write(factory, 1)
    after = _verify(factory)
    assert [f.problem[:8] for f in after.findings] == ["链头没有密钥封印"]


def test_an_edit_that_leaves_the_head_alone_is_found(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    _write(factory, 4)
    with unit_of_work(factory) as s:
        head = s.get(AuditHead, 1)
        assert head is not None
        saved = (head.last_seq, head.last_hash, head.keyed_from, head.seal)
    with as_owner(engine) as conn:
        recompute_chain(conn, edit=lambda row: row.update(actor="李四"))
        conn.execute(  # the head put back as it was
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(last_seq=saved[0], last_hash=saved[1], keyed_from=saved[2], seal=saved[3])
        )
    findings = _verify(factory).findings
    assert {f.seq for f in findings} == {1, 2, 3, 4}
    assert all("降级" in f.problem for f in findings if f.seq < 4)


def test_a_chain_from_before_the_upgrade_still_verifies(backend: str, tmp_path: Path) -> None:
    """Rows written with plain SHA-256 by version 0010 verify after 0011, which seals their
    head with the audit key; rows after it are keyed."""
    with fresh_database(backend, str(tmp_path)) as engine:
        upgrade(engine, "0010")
        prev = GENESIS
        with engine.begin() as conn:
            for seq in (1, 2, 3):
                fields: dict[str, object] = {
                    "seq": seq,
                    "at": utcnow(),
                    "actor_id": None,
                    "actor": "cli",
                    "tenant_id": None,
                    "action": "user.create",
                    "object_type": "app_user",
                    "object_id": str(seq),
                    "ip": None,
                    "outcome": "success",
                    "detail": {"roles": ["regulator"]},
                }
                value = chain_hash(prev, canonical(**fields))  # type: ignore[arg-type]
                conn.execute(
                    text(
                        "INSERT INTO audit_event (seq, at, actor_id, actor, tenant_id, action,"
                        " object_type, object_id, ip, outcome, detail, prev_hash, hash) VALUES"
                        " (:seq, :at, :actor_id, :actor, :tenant_id, :action, :object_type,"
                        " :object_id, :ip, :outcome, :detail, :prev_hash, :hash)"
                    ),
                    {
                        **fields,
                        "at": fields["at"].replace(tzinfo=None),  # type: ignore[attr-defined]
                        "detail": json.dumps(fields["detail"]),
                        "prev_hash": prev,
                        "hash": value,
                    },
                )
                prev = value
            conn.execute(
                text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 3, :h)"),
                {"h": prev},
            )
        upgrade(engine)
        factory = make_sessionmaker(engine)
        assert _verify(factory).ok
        _write(factory, 2)
        result = _verify(factory)
        with unit_of_work(factory) as s:
            schemes = s.scalars(select(AuditEvent.scheme).order_by(AuditEvent.seq)).all()
            head = s.get(AuditHead, 1)
        assert result.ok, result.findings
        assert schemes == [LEGACY] * 3 + [audit_keys.current().scheme] * 2
        assert head is not None and head.keyed_from == 4


def test_reseal_is_explicit_and_audited(factory: sessionmaker[Session], engine: Engine) -> None:
    _write(factory, 3)
    with as_owner(engine) as conn:
        conn.execute(update(AuditHead).values(seal=None))
    assert not _verify(factory).ok
    with unit_of_work(factory) as s:
        seq = audit.reseal(s, actor=Actor.system("cli"), reason="密钥更换后复核")
    assert _verify(factory).ok
    with unit_of_work(factory) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()
    assert event.action == "audit.reseal" and event.detail["findings"] == 1
    assert event.detail["reason"] == "密钥更换后复核"


def test_a_rewrite_with_the_hmac_key_is_found_by_the_signed_checkpoints(
    factory: sessionmaker[Session], engine: Engine, signing_key: Path, tmp_path: Path
) -> None:
    _write(factory, 4)
    out = tmp_path / "checkpoints"
    with unit_of_work(factory) as s:
        written = checkpoints.write_checkpoint(s, out_dir=out, now=utcnow())
    assert written.path is not None and written.seq == 4
    signed = json.loads(written.path.read_text(encoding="utf-8"))
    assert signed["format"] == "zhixin-audit-checkpoint/1" and len(signed["signature"]) == 128
    _write(factory, 2)  # the chain grows past the checkpoint: still consistent
    with unit_of_work(factory) as s:
        assert checkpoints.verify_with_checkpoints(s, directory=out).ok

    keys = audit_keys.current()

    def rewrite(row: dict[str, object]) -> None:
        if row["seq"] == 2:
            row["detail"] = {"version": 99}

    with as_owner(engine) as conn:  # the attacker holds the HMAC key, not the signing key
        recompute_chain(conn, key=keys.hmac_key, scheme=keys.scheme, edit=rewrite)
    assert _verify(factory).ok  # the keyed chain alone cannot tell
    with unit_of_work(factory) as s:
        result = checkpoints.verify_with_checkpoints(s, directory=out)
    assert not result.ok
    assert [f.seq for f in result.findings] == [4]
    assert "重写" in result.findings[0].problem

    # nor can the attacker sign a checkpoint of the rewritten chain with a key of their own
    forged_key = tmp_path / "mallory.pem"
    audit_keys.generate_key_pair(forged_key)
    audit_keys.configure(
        audit_keys.AuditKeys(keys.hmac_key, keys.scheme, signing_key_file=forged_key)
    )
    forged_dir = tmp_path / "forged"
    with unit_of_work(factory) as s:
        checkpoints.write_checkpoint(s, out_dir=forged_dir, now=utcnow())
    audit_keys.configure(keys)
    with unit_of_work(factory) as s:
        forged = checkpoints.verify_with_checkpoints(s, directory=forged_dir)
    assert not forged.ok and "签名无效" in forged.findings[0].problem


def test_a_cut_tail_is_found_by_the_checkpoints(
    factory: sessionmaker[Session], engine: Engine, signing_key: Path, tmp_path: Path
) -> None:
    _write(factory, 5)
    with unit_of_work(factory) as s:
        checkpoints.write_checkpoint(s, out_dir=tmp_path, now=utcnow())
    keys = audit_keys.current()
    with as_owner(engine) as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.seq > 3))
        recompute_chain(conn, key=keys.hmac_key, scheme=keys.scheme)
    assert _verify(factory).ok
    with unit_of_work(factory) as s:
        result = checkpoints.verify_with_checkpoints(s, directory=tmp_path)
    assert [f.seq for f in result.findings] == [5] and "链头回退" in result.findings[0].problem


def test_the_database_refuses_update_and_delete(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    """On every backend (SQLite, PostgreSQL, MariaDB): the triggers of migration 0011."""
    _write(factory, 3)
    for statement in (
        update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"),
        update(AuditEvent).values(outcome="success"),
        delete(AuditEvent).where(AuditEvent.seq == 3),
        delete(AuditEvent),
    ):
        with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
            conn.execute(statement)
        assert "append-only" in str(refused.value)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 3
    assert _verify(factory).ok


def test_old_rows_leave_only_through_a_signed_archive(
    factory: sessionmaker[Session], engine: Engine, signing_key: Path, tmp_path: Path
) -> None:
    _write(factory, 4, days_ago=400)
    _write(factory, 2)
    now = utcnow()
    # even old rows cannot be deleted before they are archived
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.seq == 1))
    with pytest.raises(Invalid) as too_recent, unit_of_work(factory) as s:
        archives.archive(
            s,
            before=now.date() - timedelta(days=100),
            out_dir=tmp_path,
            retention_days=180,
            now=now,
            actor=Actor.system("cli"),
        )
    assert "至少保留 180 天" in too_recent.value.message
    with unit_of_work(factory) as s:
        done = archives.archive(
            s,
            before=now.date() - timedelta(days=200),
            out_dir=tmp_path,
            retention_days=180,
            now=now,
            actor=Actor.system("cli"),
        )
    done.tmp_path.rename(done.path)
    assert (done.from_seq, done.up_to_seq, done.rows) == (1, 4, 4)
    with unit_of_work(factory) as s:
        left = s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.seq == 7)) == "audit.archive"
    assert left == [5, 6, 7]
    result = _verify(factory)
    assert result.ok, result.findings
    assert (result.checked, result.archived) == (3, 4)
    check = archives.check_archive_file(done.path)
    assert check.ok and check.rows == 4, check.problems
    # a row that is archived but younger than 180 days stays (the database's own clock)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    # the archive record cannot be changed either, and an edited file is found
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(update(AuditArchive).values(up_to_seq=6))
    lines = done.path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("王五", "李四")
    done.path.write_text("".join(lines), encoding="utf-8")
    assert not archives.check_archive_file(done.path).ok
    # a forged archive record (the attacker's own key) is found by verify
    with as_owner(engine) as conn:
        conn.execute(update(AuditArchive).values(signature="00" * 64))
    forged = _verify(factory)
    assert not forged.ok and "归档记录签名无效" in forged.findings[0].problem


def test_sm3_is_selectable_and_a_chain_may_switch(factory: sessionmaker[Session]) -> None:
    """ZHIXIN_AUDIT_HASH=sm3 (国密): new rows are HMAC-SM3; rows written before under
    HMAC-SHA256 still verify, each by its own scheme."""
    keys = audit_keys.current()
    assert keys.scheme == HMAC_SHA256
    _write(factory, 2)
    sm3 = audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test, audit_hash="sm3"))
    audit_keys.configure(sm3)
    try:
        _write(factory, 2)
        result = _verify(factory)
    finally:
        audit_keys.configure(keys)
    with unit_of_work(factory) as s:
        schemes = s.scalars(select(AuditEvent.scheme).order_by(AuditEvent.seq)).all()
    assert schemes == [HMAC_SHA256, HMAC_SHA256, HMAC_SM3, HMAC_SM3]
    assert result.ok, result.findings


def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    from zhixin.app import create_app

    data_key = Fernet.generate_key().decode()  # the other production key, so only this one fails
    base = {"mode": Mode.production, "secret_key": "s" * 40, "data_key": data_key}
    with pytest.raises(ConfigError, match="ZHIXIN_AUDIT_KEY"):
        create_app(Settings(**base))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="ZHIXIN_AUDIT_KEY"):
        create_app(Settings(**base, audit_key="short"))  # type: ignore[arg-type]
    key_file = tmp_path / "audit.key"
    key_file.write_text("k" * 48 + "\n", encoding="utf-8")
    settings = Settings(**base, audit_key_file=key_file)  # type: ignore[arg-type]
    assert settings.audit_hmac_key() == b"k" * 48
    create_app(settings)
    audit_keys.configure(audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test)))
    # and without a signing key, production cannot checkpoint or archive
    with pytest.raises(ConfigError, match="ZHIXIN_AUDIT_SIGNING_KEY_FILE"):
        audit_keys.AuditKeys.from_settings(settings).signing_key()


def test_the_archive_date_is_checked_in_beijing_days() -> None:
    # the retention is counted in whole days before today in Beijing: at 01:00 on 7 December in
    # Beijing (still 6 December in UTC) rows of 10 June and before may go, not those of 11 June
    from zhixin.audit.rules import archive_cutoff

    now = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
    assert archive_cutoff(now=now, retention_days=180) == date(2026, 6, 10)
    assert archive_cutoff(now=now.replace(hour=15), retention_days=180) == date(2026, 6, 9)


def test_the_auditor_sees_the_finding_on_the_page_and_in_the_api(
    app: FastAPI, factory: sessionmaker[Session], engine: Engine
) -> None:
    make_user(factory, "auditor", Role.auditor)
    _write(factory, 3)
    with TestClient(app) as client:
        login(client, "auditor")
        ok = client.get("/api/v1/audit/verify").json()
        assert ok["ok"] and ok["head_seq"] == 4 and ok["archived"] == 0  # 3 + the login
        assert {e["scheme"] for e in client.get("/api/v1/audit/events").json()} == {HMAC_SHA256}
        with as_owner(engine) as conn:
            recompute_chain(conn, edit=lambda row: row.update(actor="mallory"))
        broken = client.get("/api/v1/audit/verify").json()
        assert not broken["ok"] and "封印" in broken["findings"][0]["problem"]
        page = client.get("/audit?check=1")
        assert 'id="chain-broken"' in page.text and "链头没有密钥封印" in page.text
