"""JSON API for bank systems (bearer tokens with scope ``whitelist:read``): versions, a
version's entries by cursor, the change feed, and radar data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.web.deps import DB, require
from zhixin.whitelist import service
from zhixin.whitelist.schemas import ChangesPage, EntriesPage, RadarOut, VersionOut

router = APIRouter(tags=["白名单 whitelist"])
Reader = Annotated[Principal, Depends(require(Permission.whitelist_read))]


@router.get("/whitelist/versions", response_model=list[VersionOut])
def versions(db: DB, principal: Reader) -> list[VersionOut]:
    rows = service.list_publications(db, actor=principal)
    return [VersionOut.model_validate(p) for p in rows if p.status == "published"]


@router.get("/whitelist/versions/{version}/entries", response_model=EntriesPage)
def entries(
    version: int,
    db: DB,
    principal: Reader,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> EntriesPage:
    page = service.entries_page(db, actor=principal, version=version, cursor=cursor, limit=limit)
    _taken(db, principal, "entries", page.version, len(page.items), cursor=cursor)
    return page


@router.get("/whitelist/changes", response_model=ChangesPage)
def changes(
    db: DB,
    principal: Reader,
    since: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> ChangesPage:
    page = service.changes_since(db, actor=principal, since=since, limit=limit)
    _taken(db, principal, "changes", None, len(page.items), cursor=since)
    return page


@router.get("/whitelist/enterprises/{enterprise_id}/radar", response_model=RadarOut)
def radar(
    enterprise_id: int,
    db: DB,
    principal: Reader,
    catalog: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z][a-z0-9_-]*$",
            description="指标目录：缺省时取列出该经营主体的指标目录的现行版本",
        ),
    ] = None,
) -> RadarOut:
    """The enterprise's dimensions in the version in force of the catalog that lists it (of
    ``catalog`` when named)."""
    return service.radar(db, actor=principal, enterprise_id=enterprise_id, catalog=catalog)


def _taken(
    db: Session,
    principal: Principal,
    what: str,
    version: int | None,
    rows: int,
    *,
    cursor: str | None,
) -> None:
    """The bank feed's access log: one ``feed.read`` entry per page pulled, with its size."""
    audit.record(
        db,
        actor=Actor.of(principal),
        action="feed.read",
        object_type="whitelist_version" if version is not None else "whitelist_changes",
        object_id=version,
        detail={"rows": rows, "what": what, "cursor": (cursor or "")[:100]},
    )
