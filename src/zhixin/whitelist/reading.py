"""Reading the whitelist: publications and versions, the version in force per catalog, the bank
feed (entries by keyset cursor, the change feed), the search of a version's entries, and the
radar of an enterprise's dimensions. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.consent import service as consents
from zhixin.enterprises import service as enterprises
from zhixin.errors import Invalid, NotFound
from zhixin.kit.divisions import region_name
from zhixin.whitelist import repository as repo
from zhixin.whitelist import rules
from zhixin.whitelist.common import (
    catalog_of_publication,
    catalog_of_run,
    publication_or_missing,
    require,
)
from zhixin.whitelist.models import WhitelistPublication
from zhixin.whitelist.repository import EntryFilter
from zhixin.whitelist.schemas import (
    ChangeOut,
    ChangesPage,
    EntriesPage,
    EntryOut,
    RadarAxisOut,
    RadarOut,
)

# -- reading ---------------------------------------------------------------------------------


def list_publications(session: Session, *, actor: Principal) -> list[WhitelistPublication]:
    """Published versions for every reader; drafts too for the regulators."""
    require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    staff = actor.can(Permission.whitelist_draft) or actor.can(Permission.whitelist_approve)
    return list(repo.publications(session, published_only=not staff))


def get_publication(
    session: Session, *, actor: Principal, publication_id: int
) -> WhitelistPublication:
    require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    pub = publication_or_missing(session, publication_id)
    staff = actor.can(Permission.whitelist_draft) or actor.can(Permission.whitelist_approve)
    if pub.status != rules.Status.published and not staff:
        raise NotFound("未找到该白名单版本 / publication not found")
    return pub


def in_force(
    session: Session, *, actor: Principal, catalog: str | None = None
) -> WhitelistPublication | None:
    """The version in force (the latest published; of ``catalog`` when named), what a draft
    is reviewed against."""
    require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    return repo.latest_published(session, catalog)


@dataclass(frozen=True)
class InForce:
    """A catalog with a published version: its Chinese title and the version in force."""

    catalog: str
    title: str
    region: str  # the region the catalog declares (its YAML ``region``), in words
    pub: WhitelistPublication


def catalogs_in_force(session: Session, *, actor: Principal) -> list[InForce]:
    """Each catalog that has a published version, with its version in force, newest first."""
    require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    out = []
    for pub in repo.in_force_versions(session):
        catalog = catalog_of_publication(session, pub)
        out.append(InForce(pub.catalog_name, catalog.title, catalog.region, pub))
    return out


def choose_in_force(
    session: Session, *, actor: Principal, catalog: str | None = None
) -> tuple[list[InForce], InForce | None]:
    """The catalogs in force and the one a page shows: ``catalog`` when it has a published
    version, else the reader's own — the catalog whose declared region is the reader's
    jurisdiction (辖区), then the one listing the most enterprises inside it; the newest version
    for a reader without a jurisdiction."""
    choices = catalogs_in_force(session, actor=actor)
    if not choices:
        return choices, None
    for c in choices:
        if c.catalog == catalog:
            return choices, c
    prefix = enterprises.jurisdiction(session, actor)
    if not prefix:
        return choices, choices[0]
    where = region_name(prefix)
    declared = [c for c in choices if where != prefix and (where in c.region or c.region in where)]
    if len(declared) == 1:
        return choices, declared[0]
    pool = declared or choices
    counts = {
        c.pub.id: repo.listed_in_region(session, publication_id=c.pub.id, prefix=prefix)
        for c in pool
    }
    best = max(pool, key=lambda c: (counts[c.pub.id], c.pub.version or 0))
    return choices, best


def previous_of(
    session: Session, *, actor: Principal, publication: WhitelistPublication
) -> WhitelistPublication | None:
    """The version of the same catalog published before ``publication`` (what it changed)."""
    require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    if publication.version is None:
        return repo.latest_published(session, publication.catalog_name)
    return repo.latest_published(session, publication.catalog_name, before=publication.version)


@dataclass(frozen=True)
class Fetch:
    """One bank's pulls of a published version through the feed (推送 as the regulator sees it)."""

    tenant_id: int
    bank_name: str
    first_at: datetime
    last_at: datetime
    pages: int
    rows: int


def fetches(session: Session, *, actor: Principal, pub: WhitelistPublication) -> list[Fetch]:
    """Which banks fetched version ``pub`` through the feed (its ``feed.read`` access log),
    earliest first; for the regulators."""
    require(actor, Permission.whitelist_draft, Permission.whitelist_approve)
    if pub.version is None:
        return []
    events = audit.events_about(
        session,
        object_type="whitelist_version",
        object_id=pub.version,
        actions=["feed.read"],
        limit=1000,
    )
    by_tenant: dict[int, list[tuple[datetime, int]]] = {}
    for e in events:
        if e.tenant_id is not None:
            rows = e.detail.get("rows", 0) if isinstance(e.detail, dict) else 0
            by_tenant.setdefault(e.tenant_id, []).append((e.at, int(str(rows or 0))))
    names = consents.tenant_names(session, list(by_tenant))
    out = [
        Fetch(
            tenant_id=t,
            bank_name=names.get(t, f"机构 {t}"),
            first_at=min(at for at, _ in pulls),
            last_at=max(at for at, _ in pulls),
            pages=len(pulls),
            rows=sum(n for _, n in pulls),
        )
        for t, pulls in by_tenant.items()
    ]
    return sorted(out, key=lambda f: f.first_at)


def get_version(session: Session, *, actor: Principal, version: int) -> WhitelistPublication:
    require(actor, Permission.whitelist_read)
    pub = repo.publication_by_version(session, version)
    if pub is None:
        raise NotFound(f"未找到第 {version} 版白名单")
    return pub


def entries_page(
    session: Session, *, actor: Principal, version: int, cursor: str | None, limit: int
) -> EntriesPage:
    pub = get_version(session, actor=actor, version=version)
    try:
        after = rules.entry_key(cursor, version=version)
    except rules.BadCursor as exc:
        raise Invalid(str(exc)) from exc
    rows = repo.entries_after(session, publication_id=pub.id, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [EntryOut.model_validate(r._asdict()) for r in rows]
    last = items[-1] if items else None
    return EntriesPage(
        version=version,
        items=items,
        next_cursor=rules.entry_cursor(version, last.enterprise_id, last.dimension)
        if more and last
        else None,
    )


def search_entries(
    session: Session,
    *,
    actor: Principal,
    version: int,
    where: EntryFilter,
    page: int,
    per_page: int,
) -> tuple[list[EntryOut], int]:
    """A page of a published version's entries narrowed by ``where`` (search by name or USCC,
    filter by region, industry, dimension and level), with the number that match in all."""
    pub = get_version(session, actor=actor, version=version)
    rows, total = repo.entries_filtered(
        session,
        publication_id=pub.id,
        where=where,
        limit=per_page,
        offset=(max(page, 1) - 1) * per_page,
    )
    return [EntryOut.model_validate(r._asdict()) for r in rows], total


def changes_since(
    session: Session, *, actor: Principal, since: str | None, limit: int
) -> ChangesPage:
    """The change feed: everything after the cursor, in sequence order."""
    require(actor, Permission.whitelist_read)
    try:
        seq = rules.change_seq(since)
    except rules.BadCursor as exc:
        raise Invalid(str(exc)) from exc
    rows = list(repo.changes_after(session, seq=seq, limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].seq if rows else seq
    return ChangesPage(
        items=[ChangeOut.model_validate(r) for r in rows],
        next_cursor=rules.change_cursor(last),
        has_more=more,
    )


def listing_version(
    session: Session, *, enterprise_id: int, catalog: str | None = None
) -> WhitelistPublication | None:
    """The version in force that lists the enterprise: of ``catalog`` when named, else of the
    catalog listing it (the newest such version when several do); None when none lists it."""
    if catalog is not None:
        pub = repo.latest_published(session, catalog)
        pubs = [pub] if pub is not None else []
    else:
        pubs = list(repo.in_force_versions(session))
    listing = repo.listing_publication(
        session, publication_ids=[p.id for p in pubs], enterprise_id=enterprise_id
    )
    return next((p for p in pubs if p.id in listing), None)


def radar(
    session: Session, *, actor: Principal, enterprise_id: int, catalog: str | None = None
) -> RadarOut:
    """The dimension levels and points of one listed enterprise in the version in force of
    the catalog that lists it (of ``catalog`` when named)."""
    require(actor, Permission.whitelist_read)
    if repo.latest_published(session, catalog) is None:
        raise NotFound("尚未发布白名单 / no published version")
    pub = listing_version(session, enterprise_id=enterprise_id, catalog=catalog)
    entries = (
        repo.entries_of(session, publication_id=pub.id, enterprise_id=enterprise_id)
        if pub is not None
        else []
    )
    if pub is None or not entries or not actor.sees_enterprise(enterprise_id):
        raise NotFound("该经营主体不在现行白名单中 / not listed")
    run = repo.run_by_id(session, entries[0].run_id)
    if run is None:  # pragma: no cover
        raise NotFound("未找到评价批次")
    graded = catalog_of_run(session, run)
    dims = {
        d.dimension: d
        for d in repo.dimensions_of(session, run_id=run.id, enterprise_id=enterprise_id)
    }
    axes = []
    for d in graded.dimensions:
        row = dims.get(d.code)
        axes.append(
            RadarAxisOut(
                code=d.code,
                name=d.name,
                level=row.level if row else None,
                level_name=graded.level_name(row.level) if row else "无",
                points=row.points if row else 0,
                cap=d.cap,
                listed=bool(row and row.listed),
            )
        )
    assert pub.version is not None
    return RadarOut(
        enterprise_id=enterprise_id,
        version=pub.version,
        as_of=pub.as_of,
        catalog_name=pub.catalog_name,
        catalog_version=pub.catalog_version,
        dimensions=axes,
    )
