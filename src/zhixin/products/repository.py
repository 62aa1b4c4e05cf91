"""Every query of products."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from zhixin.products.models import ProductVersion

# every quote looks its product's version up: the statement is built once
_VERSION_BY_HASH = (
    select(ProductVersion)
    .options(defer(ProductVersion.body))
    .where(ProductVersion.code == bindparam("code"), ProductVersion.sha256 == bindparam("sha256"))
)


def version_by_hash(session: Session, *, code: str, sha256: str) -> ProductVersion | None:
    """The stored row of this body; the body itself (the caller has it) is loaded only if read."""
    return session.scalars(_VERSION_BY_HASH, {"code": code, "sha256": sha256}).one_or_none()


def version_by_id(session: Session, version_id: int) -> ProductVersion | None:
    return session.get(ProductVersion, version_id)


def versions_of(session: Session, code: str) -> list[ProductVersion]:
    """Every stored version of ``code``, newest first."""
    return list(
        session.scalars(
            select(ProductVersion)
            .where(ProductVersion.code == code)
            .order_by(ProductVersion.id.desc())
        )
    )


def insert_version_if_absent(
    session: Session, *, code: str, version: str, sha256: str, bank_code: str, body: object
) -> None:
    """SQLite only: store the version unless (code, sha256) is there; a concurrent writer's row
    is waited for (busy timeout) and kept, without failing this session's transaction."""
    session.execute(
        sqlite_insert(ProductVersion)
        .values(code=code, version=version, sha256=sha256, bank_code=bank_code, body=body)
        .on_conflict_do_nothing(index_elements=["code", "sha256"])
    )
