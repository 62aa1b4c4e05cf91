"""Every query of the whitelist domain. Entries and changes move as set operations in SQL
(``INSERT ... SELECT``, anti-joins, ``UNION ALL``), never row by row through Python.

The publications are read and locked here; the entries (``entries``), the diff of two versions
and its change feed (``diffs``), and the reads of an enterprise's standing, its evidence and the
linkage after the loan (``standing``) are in their own modules, re-exported here so that callers
keep one name for every query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise
from zhixin.evaluation.models import CatalogVersion, EvaluationRun
from zhixin.kit.db import begin_write, insert_if_absent

# The domain's other query modules, named here too: callers write ``repo.X`` for every query.
from zhixin.whitelist.diffs import (
    DiffQuery,
    changes_after,
    diff_counts,
    diff_rows,
    diff_select,
    write_changes,
)
from zhixin.whitelist.entries import (
    ENTRY_COLUMNS,
    EntryFilter,
    dimensions_of,
    entries_after,
    entries_filtered,
    entries_of,
    entry_counts,
    insert_delta,
    insert_from_run,
    statistics,
)
from zhixin.whitelist.models import WhitelistEntry, WhitelistHead, WhitelistPublication
from zhixin.whitelist.standing import (
    Standing,
    elements_of,
    entry_runs,
    gated_in_run,
    gates_of,
    last_change_seq,
    listed_in_force,
    listed_select,
    published_catalogs,
    removals_after,
    standing,
    touched_since,
)

__all__ = [
    "ENTRY_COLUMNS",
    "DiffQuery",
    "EntryFilter",
    "Standing",
    "catalog_version",
    "changes_after",
    "diff_counts",
    "diff_rows",
    "diff_select",
    "dimensions_of",
    "elements_of",
    "entries_after",
    "entries_filtered",
    "entries_of",
    "entry_counts",
    "entry_runs",
    "gated_in_run",
    "gates_of",
    "head_for_update",
    "in_force_versions",
    "insert_delta",
    "insert_from_run",
    "last_change_seq",
    "latest_published",
    "listed_in_force",
    "listed_in_region",
    "listed_select",
    "listing_publication",
    "publication_by_id",
    "publication_by_version",
    "publication_for_update",
    "publications",
    "published_catalogs",
    "removals_after",
    "run_by_id",
    "standing",
    "statistics",
    "touched_since",
    "write_changes",
]


# -- publications ----------------------------------------------------------------------------


def head_for_update(session: Session) -> WhitelistHead:
    """The single head row, locked until commit: publications are numbered one at a time."""
    begin_write(session)  # SQLite: no row locks, the transaction writes from here
    stmt = select(WhitelistHead).where(WhitelistHead.id == 1).with_for_update()
    head = session.scalar(stmt.execution_options(populate_existing=True))
    if head is None:  # the first publication: two publishers may get here at once
        insert_if_absent(session, WhitelistHead, {"id": 1, "last_version": 0, "last_seq": 0})
        head = session.scalar(stmt.execution_options(populate_existing=True))
        assert head is not None
    return head


def publication_by_id(session: Session, publication_id: int) -> WhitelistPublication | None:
    return session.get(WhitelistPublication, publication_id)


def publication_for_update(session: Session, publication_id: int) -> WhitelistPublication | None:
    """The publication row, read afresh and locked until commit (SQLite: the transaction writes
    from here, in the writer queue), so a review or a publication decides on the status as it
    is committed: twenty approvals at once wait their turn, and the 19 after the first find it
    published (PostgreSQL, MariaDB: ``SELECT … FOR UPDATE`` reads the latest committed row)."""
    begin_write(session)
    stmt = (
        select(WhitelistPublication)
        .where(WhitelistPublication.id == publication_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def publication_by_version(session: Session, version: int) -> WhitelistPublication | None:
    return session.scalar(
        select(WhitelistPublication).where(
            WhitelistPublication.version == version, WhitelistPublication.status == "published"
        )
    )


def latest_published(
    session: Session, catalog: str | None = None, *, before: int | None = None
) -> WhitelistPublication | None:
    """The newest published version, or the newest of ``catalog``'s versions (before version
    ``before`` when given)."""
    stmt = select(WhitelistPublication).where(WhitelistPublication.status == "published")
    if catalog is not None:
        stmt = stmt.where(WhitelistPublication.catalog_name == catalog)
    if before is not None:
        stmt = stmt.where(WhitelistPublication.version < before)
    return session.scalar(stmt.order_by(WhitelistPublication.version.desc()).limit(1))


def in_force_versions(session: Session) -> Sequence[WhitelistPublication]:
    """The version in force of each catalog (its newest published version), newest first."""
    p = WhitelistPublication
    newest = (
        select(p.catalog_name.label("catalog"), func.max(p.version).label("version"))
        .where(p.status == "published")
        .group_by(p.catalog_name)
        .subquery()
    )
    stmt = (
        select(p)
        .join(newest, and_(p.catalog_name == newest.c.catalog, p.version == newest.c.version))
        .where(p.status == "published")
        .order_by(p.version.desc())
    )
    return session.scalars(stmt).all()


def listed_in_region(session: Session, *, publication_id: int, prefix: str) -> int:
    """How many distinct enterprises of region ``prefix`` (a code prefix) the version lists."""
    stmt = (
        select(func.count(func.distinct(WhitelistEntry.enterprise_id)))
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(
            WhitelistEntry.publication_id == publication_id,
            Enterprise.region_code.like(f"{prefix}%"),
        )
    )
    return int(session.scalar(stmt) or 0)


def listing_publication(
    session: Session, *, publication_ids: Sequence[int], enterprise_id: int
) -> set[int]:
    """Which of the publications list the enterprise (at least one entry)."""
    if not publication_ids:
        return set()
    stmt = (
        select(WhitelistEntry.publication_id)
        .where(
            WhitelistEntry.publication_id.in_(list(publication_ids)),
            WhitelistEntry.enterprise_id == enterprise_id,
        )
        .distinct()
    )
    return {int(i) for i in session.scalars(stmt)}


def publications(
    session: Session, *, published_only: bool, limit: int = 200
) -> Sequence[WhitelistPublication]:
    stmt = select(WhitelistPublication)
    if published_only:
        stmt = stmt.where(WhitelistPublication.status == "published")
    return session.scalars(stmt.order_by(WhitelistPublication.id.desc()).limit(limit)).all()


def run_by_id(session: Session, run_id: int) -> EvaluationRun | None:
    return session.get(EvaluationRun, run_id)


def catalog_version(session: Session, version_id: int) -> CatalogVersion | None:
    return session.get(CatalogVersion, version_id)
