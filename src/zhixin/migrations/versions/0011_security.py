"""security: normalised unique usernames, the login throttle (no lockout columns), who minted a
token, the keyed audit chain (scheme per row, sealed head, archives) and the append-only
triggers

Revision ID: 0011
Revises: 0013
Create Date: 2026-12-07 06:01:39
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db
from zhixin.audit import triggers

revision: str = "0011"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _username_key(username: str) -> str:
    # accounts.rules.username_key as of this revision: NFKC, case folded, stripped
    folded = unicodedata.normalize("NFKC", username).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def _fill_username_keys() -> None:
    """Existing users get their normalised name. Names that collide once normalised
    (``pwtest1`` and ``PWTEST1``) stay separate accounts, each still signing in by its exact
    name: the oldest keeps the plain key, the others get ``key#id``. A new name can no longer
    collide; rename or deactivate the duplicates when convenient."""
    bind = op.get_bind()
    users = sa.table("app_user", sa.column("id", sa.BigInteger), sa.column("username", sa.String))
    keys = sa.table(
        "app_user", sa.column("id", sa.BigInteger), sa.column("username_key", sa.String)
    )
    taken: set[str] = set()
    for user_id, username in bind.execute(
        sa.select(users.c.id, users.c.username).order_by(users.c.id)
    ):
        key = _username_key(username)[:120]
        if key in taken:
            key = f"{key}#{user_id}"
        taken.add(key)
        bind.execute(sa.update(keys).where(keys.c.id == user_id).values(username_key=key))


def upgrade() -> None:
    op.create_table(
        "audit_archive",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("up_to_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_archive")),
        sa.UniqueConstraint("up_to_seq", name=op.f("uq_audit_archive_up_to_seq")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_login_throttle_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_login_throttle_scope_key")),
    )
    op.create_index(
        op.f("ix_login_throttle_last_failure_at"), "login_throttle", ["last_failure_at"]
    )
    op.create_index(op.f("ix_login_throttle_user_id"), "login_throttle", ["user_id"])
    # SQLite cannot add a foreign key in place: batch mode rebuilds api_token there (nothing
    # refers to it, so the rebuild's DROP cascades nowhere); elsewhere it is a plain ALTER
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(
            sa.Column(
                "created_by_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.create_foreign_key(
            op.f("fk_api_token_created_by_id_app_user"),
            "app_user",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # app_user is never rebuilt (on SQLite its DROP would cascade to sessions, roles, tokens):
    # the new column comes with a default so it can be NOT NULL at once; the default is
    # dropped again where the database can (SQLite keeps it; the application always sets it)
    op.add_column(
        "app_user",
        sa.Column("username_key", sa.String(length=128), server_default="", nullable=False),
    )
    _fill_username_keys()
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "app_user",
            "username_key",
            existing_type=sa.String(length=128),
            existing_nullable=False,
            server_default=None,
        )
    op.create_index(op.f("ix_app_user_username_key"), "app_user", ["username_key"], unique=True)
    # no lockout any more: accounts.login counts failures in login_throttle
    op.drop_column("app_user", "failed_logins")
    op.drop_column("app_user", "locked_until")
    # rows written so far were plain sha256; audit.service seals the head at the next append
    op.add_column(
        "audit_event",
        sa.Column("scheme", sa.String(length=16), server_default="sha256", nullable=False),
    )
    op.add_column("audit_head", sa.Column("keyed_from", sa.BigInteger(), nullable=True))
    op.add_column("audit_head", sa.Column("seal", sa.String(length=96), nullable=True))
    _seal_existing_chain()
    triggers.install(op.get_bind())


def _seal_existing_chain() -> None:
    """A chain written before this revision is plain sha256. Seal its head now with the audit
    key (the process's, from ZHIXIN_AUDIT_KEY: `zhixin db upgrade` refuses without one in
    production): rows up to here stay plain, every later row is keyed, and a later downgrade
    of keyed rows to plain ones is found. An empty database needs no key."""
    bind = op.get_bind()
    head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("last_seq", sa.BigInteger),
        sa.column("last_hash", sa.String),
        sa.column("keyed_from", sa.BigInteger),
        sa.column("seal", sa.String),
    )
    row = bind.execute(sa.select(head.c.last_seq, head.c.last_hash).where(head.c.id == 1)).first()
    if row is None or not row.last_seq:
        return
    from zhixin.audit import keys as audit_keys
    from zhixin.audit.rules import head_seal

    keys = audit_keys.current()
    keyed_from = int(row.last_seq) + 1
    seal = head_seal(
        keys.scheme, keys.hmac_key, seq=int(row.last_seq), hash=row.last_hash, keyed_from=keyed_from
    )
    bind.execute(sa.update(head).where(head.c.id == 1).values(keyed_from=keyed_from, seal=seal))


def downgrade() -> None:
    triggers.remove(op.get_bind())
    op.drop_column("audit_head", "seal")
    op.drop_column("audit_head", "keyed_from")
    op.drop_column("audit_event", "scheme")
    op.add_column("app_user", sa.Column("locked_until", zhixin.kit.db.UTCDateTime(), nullable=True))
    op.add_column(
        "app_user",
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
    )
    op.drop_index(op.f("ix_app_user_username_key"), table_name="app_user")
    op.drop_column("app_user", "username_key")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_constraint(op.f("fk_api_token_created_by_id_app_user"), type_="foreignkey")
        batch.drop_column("created_by_id")
    op.drop_index(op.f("ix_login_throttle_user_id"), table_name="login_throttle")
    op.drop_index(op.f("ix_login_throttle_last_failure_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_table("audit_archive")
