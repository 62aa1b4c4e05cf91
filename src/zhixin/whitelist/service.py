"""Whitelist use cases: draft, review (maker-checker) and publish (``publishing``), refresh
(``refresh``), reading the versions, the bank feed and the radar (``reading``), each in its own
module and re-exported here so that callers keep one name (``service.X``); what they share is in
``common``. Here: the reads other domains' services make (standing, the quality linkage after
the loan). Never commits: the request dependency or the CLI unit of work does.

Every publication appends its changes to ``whitelist_change`` (see :mod:`models`): that log is
what the bank feed serves and what a later outbox (webhooks) will read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from zhixin.whitelist import repository as repo

# The use cases' own modules, named here too: callers write ``service.X`` for every one.
from zhixin.whitelist.common import catalog_of_publication, element_dims, ranks
from zhixin.whitelist.publishing import (
    draft_from_run,
    publish,
    review,
)
from zhixin.whitelist.reading import (
    Fetch,
    InForce,
    catalogs_in_force,
    changes_since,
    choose_in_force,
    entries_page,
    fetches,
    get_publication,
    get_version,
    in_force,
    list_publications,
    listing_version,
    previous_of,
    radar,
    search_entries,
)
from zhixin.whitelist.refresh import (
    RefreshOutcome,
    refresh,
)
from zhixin.whitelist.repository import EntryFilter as EntryFilter

__all__ = [
    "Fetch",
    "InForce",
    "RefreshOutcome",
    "Removal",
    "catalog_of_publication",
    "catalogs_in_force",
    "changes_since",
    "choose_in_force",
    "draft_from_run",
    "element_dims",
    "entries_page",
    "fetches",
    "get_publication",
    "get_version",
    "in_force",
    "last_change_seq",
    "list_publications",
    "listed_in_any_catalog",
    "listed_in_force",
    "listed_select",
    "listing_version",
    "previous_of",
    "publish",
    "radar",
    "ranks",
    "refresh",
    "removals_after",
    "review",
    "search_entries",
    "standing",
]

# -- for other domains' services (no permission check: the caller has made it) ---------------

# The version of a catalog in force at a moment and the enterprise's entries in it: one round
# trip (a quote reads it).
standing = repo.standing


# -- quality linkage after the loan (system reads, no actor) ----------------------------------


@dataclass(frozen=True)
class Removal:
    """An enterprise taken off the whitelist by a published version."""

    seq: int
    version: int
    publication_id: int
    enterprise_id: int


def removals_after(session: Session, *, seq: int, limit: int = 5000) -> list[Removal]:
    """Removals (the enterprise has no entry left in the version) after change ``seq``."""
    return [
        Removal(int(r.seq), int(r.version), int(r.publication_id), int(r.enterprise_id))
        for r in repo.removals_after(session, seq=seq, limit=limit)
    ]


def last_change_seq(session: Session) -> int:
    return repo.last_change_seq(session)


def listed_select(session: Session, catalog: str | None = None) -> tuple[int, Any] | None:
    """(version, select of enterprise ids listed in it) for the latest published version of
    ``catalog`` (of any catalog when None); None before any publication."""
    pub = repo.latest_published(session, catalog)
    if pub is None or pub.version is None:
        return None
    return pub.version, repo.listed_select(pub.id)


def listed_in_force(
    session: Session, *, catalog: str, published_before: datetime
) -> tuple[int, Any] | None:
    """(version, select of (enterprise_id, run_id) listed) of ``catalog``'s version in force."""
    return repo.listed_in_force(session, catalog=catalog, published_before=published_before)


def listed_in_any_catalog(
    session: Session, *, enterprise_id: int, published_before: datetime
) -> bool:
    """Whether the enterprise has an entry in the version in force (published before the
    moment) of any catalog: how a firm with no loan yet reads "on the whitelist" (惠企政策
    matching); a firm with a loan reads its loan's catalog (``loans.reads.enterprise_listed``)."""
    for catalog in repo.published_catalogs(session, published_before=published_before):
        st = repo.standing(
            session, catalog=catalog, published_before=published_before, enterprise_id=enterprise_id
        )
        if st is not None and st.entries:
            return True
    return False
