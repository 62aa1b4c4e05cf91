"""Append-only at the database: triggers that refuse to change the audit log.

On ``audit_event`` every UPDATE is refused, and a DELETE is refused unless the row is covered
by an archive (``audit_archive.up_to_seq``) and is at least 180 days old by the database's own
clock: the one sanctioned path, ``zhixin audit archive``. On ``audit_archive`` UPDATE and
DELETE are refused. PostgreSQL also refuses TRUNCATE of either table.

A database owner can still drop the triggers; the keyed chain and the signed checkpoints are
what find a change made that way. On MariaDB with binary logging, creating triggers needs the
SUPER privilege or ``log_bin_trust_function_creators=1`` for the migrating user.

Version 1 is installed by migration 0011. The test suite's clean-up between tests drops and
reinstalls them (``remove`` / ``install``): nothing else does.
"""

# ruff: noqa: S608 - DDL assembled from this module's constants only, no input
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

REFUSED = "audit log is append-only: 审计日志只允许追加，不能修改或删除"
RETENTION_DAYS = 180  # China's Cybersecurity Law, art. 21: logs kept at least six months

_PG_FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION zhixin_audit_event_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND OLD.seq <= (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_archive)
     AND OLD.at < (now() AT TIME ZONE 'UTC') - INTERVAL '{RETENTION_DAYS} days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql""",
    f"""
CREATE OR REPLACE FUNCTION zhixin_audit_refuse() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql""",
]

_V1: dict[str, tuple[list[str], list[str]]] = {
    # dialect: (create, drop)
    "postgresql": (
        [
            *_PG_FUNCTIONS,
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
            " FOR EACH ROW EXECUTE FUNCTION zhixin_audit_event_guard()",
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
            " FOR EACH STATEMENT EXECUTE FUNCTION zhixin_audit_refuse()",
            "CREATE TRIGGER audit_archive_append_only BEFORE UPDATE OR DELETE ON audit_archive"
            " FOR EACH ROW EXECUTE FUNCTION zhixin_audit_refuse()",
            "CREATE TRIGGER audit_archive_no_truncate BEFORE TRUNCATE ON audit_archive"
            " FOR EACH STATEMENT EXECUTE FUNCTION zhixin_audit_refuse()",
        ],
        [
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
            "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
            "DROP TRIGGER IF EXISTS audit_archive_append_only ON audit_archive",
            "DROP TRIGGER IF EXISTS audit_archive_no_truncate ON audit_archive",
            "DROP FUNCTION IF EXISTS zhixin_audit_event_guard()",
            "DROP FUNCTION IF EXISTS zhixin_audit_refuse()",
        ],
    ),
    "mysql": (
        [
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event FOR EACH ROW"
            f" SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSED}'",
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event FOR EACH ROW"
            " BEGIN"
            " IF OLD.seq > (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_archive)"
            f" OR OLD.at >= UTC_TIMESTAMP(6) - INTERVAL {RETENTION_DAYS} DAY THEN"
            f" SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSED}';"
            " END IF;"
            " END",
            "CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_archive FOR EACH ROW"
            f" SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSED}'",
            "CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_archive FOR EACH ROW"
            f" SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSED}'",
        ],
        [
            "DROP TRIGGER IF EXISTS audit_event_no_update",
            "DROP TRIGGER IF EXISTS audit_event_no_delete",
            "DROP TRIGGER IF EXISTS audit_archive_no_update",
            "DROP TRIGGER IF EXISTS audit_archive_no_delete",
        ],
    ),
    "sqlite": (
        [
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event"
            " WHEN OLD.seq > (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_archive)"
            f" OR OLD.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{RETENTION_DAYS} days')"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
            "CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_archive"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
            "CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_archive"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
        ],
        [
            "DROP TRIGGER IF EXISTS audit_event_no_update",
            "DROP TRIGGER IF EXISTS audit_event_no_delete",
            "DROP TRIGGER IF EXISTS audit_archive_no_update",
            "DROP TRIGGER IF EXISTS audit_archive_no_delete",
        ],
    ),
}


def _family(dialect: str) -> str:
    return "mysql" if dialect in ("mysql", "mariadb") else dialect


def install(conn: Connection) -> None:
    """Create the version-1 triggers on ``conn``'s database."""
    for statement in _V1[_family(conn.dialect.name)][0]:
        conn.execute(text(statement))


def remove(conn: Connection) -> None:
    """Drop them (migration 0011's downgrade; the tests' clean-up)."""
    for statement in _V1[_family(conn.dialect.name)][1]:
        conn.execute(text(statement))
