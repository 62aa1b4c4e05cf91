"""Whitelist use cases: draft, review (maker-checker), publish, refresh, diff, statistics,
exports and the bank feed. Never commits: the request dependency or the CLI unit of work does.

Every publication appends its changes to ``whitelist_change`` (see :mod:`models`): that log is
what the bank feed serves and what a later outbox (webhooks) will read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.catalog import service as catalogs
from zhixin.catalog.schema import Catalog
from zhixin.consent import service as consents
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit.db import utcnow
from zhixin.kit.divisions import region_name
from zhixin.webhooks import service as webhooks
from zhixin.whitelist import repository as repo
from zhixin.whitelist import rules
from zhixin.whitelist.models import WhitelistPublication
from zhixin.whitelist.repository import EntryFilter as EntryFilter
from zhixin.whitelist.schemas import (
    ChangeOut,
    ChangesPage,
    EntriesPage,
    EntryOut,
    RadarAxisOut,
    RadarOut,
)


def _require(actor: Principal, *permissions: Permission) -> None:
    if not any(actor.can(p) for p in permissions):
        raise Forbidden()


def _refused(exc: rules.Refused) -> Conflict:
    return Conflict(str(exc))


# -- catalogs of runs and publications -------------------------------------------------------


def _catalog_of_run(session: Session, run: evaluation.Run) -> Catalog:
    row = repo.catalog_version(session, run.catalog_version_id)
    if row is None:  # pragma: no cover - a foreign key guards it
        raise NotFound("未找到评价批次所用的指标目录版本")
    return catalogs.catalog_of(row)


def catalog_of_publication(session: Session, pub: WhitelistPublication) -> Catalog:
    run = repo.run_by_id(session, pub.run_id)
    if run is None:  # pragma: no cover
        raise NotFound("未找到该版本的评价批次")
    return _catalog_of_run(session, run)


def ranks(catalog: Catalog) -> dict[str, int]:
    return {lv.code: i for i, lv in enumerate(catalog.levels)}


def element_dims(catalog: Catalog) -> dict[str, list[str]]:
    dims: dict[str, list[str]] = {d.code: [] for d in catalog.dimensions}
    for e in catalog.elements:
        dims.setdefault(e.dimension, []).append(e.code)
    return dims


# -- drafting and maker-checker --------------------------------------------------------------


def _finish_draft(session: Session, pub: WhitelistPublication) -> None:
    pub.enterprises, pub.entries = repo.entry_counts(session, pub.id)
    session.flush()


def draft_from_run(
    session: Session, *, actor: Principal, run_id: int, note: str = ""
) -> WhitelistPublication:
    """A full draft: every listed dimension of a finished run (bulk ``INSERT ... SELECT``)."""
    _require(actor, Permission.whitelist_draft)
    run = repo.run_by_id(session, run_id)
    if run is None:
        raise NotFound("未找到该评价批次 / run not found")
    if run.status != "finished":
        raise Invalid("评价批次尚未完成，不能据此起草白名单")
    catalog = _catalog_of_run(session, run)
    pub = WhitelistPublication(
        status=rules.Status.draft,
        kind="full",
        run_id=run.id,
        catalog_name=run.catalog_name,
        catalog_version=run.catalog_version,
        catalog_sha256=run.catalog_sha256,
        as_of=run.as_of,
        basis_at=run.known_at or run.started_at,
        note=note.strip()[:2000] or None,
        drafted_by_id=actor.user_id,
        drafted_at=utcnow(),
    )
    session.add(pub)
    session.flush()
    repo.insert_from_run(session, publication_id=pub.id, run_id=run.id, ranks=ranks(catalog))
    _finish_draft(session, pub)
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.draft",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"run_id": run.id, "entries": pub.entries, "enterprises": pub.enterprises},
    )
    return pub


def _get(session: Session, publication_id: int) -> WhitelistPublication:
    pub = repo.publication_by_id(session, publication_id)
    if pub is None:
        raise NotFound("未找到该白名单版本 / publication not found")
    return pub


def _locked(session: Session, publication_id: int) -> WhitelistPublication:
    """The publication locked for this transaction: a status check and the change it allows
    cannot be split by a concurrent review (issue 15 #12: 20 approvals published 4 versions)."""
    pub = repo.publication_for_update(session, publication_id)
    if pub is None:
        raise NotFound("未找到该白名单版本 / publication not found")
    return pub


def review(
    session: Session, *, actor: Principal, publication_id: int, approve: bool, note: str = ""
) -> WhitelistPublication:
    """A second regulator approves (and the version is published at once) or rejects.

    Maker-checker: the regulator who drafted cannot review (rules.check_review).
    """
    _require(actor, Permission.whitelist_approve)
    pub = _locked(session, publication_id)
    try:
        rules.check_review(
            status=pub.status, drafted_by_id=pub.drafted_by_id, reviewer_id=actor.user_id
        )
    except rules.Refused as exc:
        raise _refused(exc) from exc
    if not approve and not note.strip():
        raise Invalid("驳回须说明理由")
    pub.reviewed_by_id = actor.user_id
    pub.reviewed_at = utcnow()
    pub.review_note = note.strip()[:2000] or None
    pub.status = rules.Status.approved if approve else rules.Status.rejected
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.review",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"decision": pub.status},
    )
    if approve:
        publish(session, actor=actor, publication_id=pub.id)
    return pub


def publish(session: Session, *, actor: Principal, publication_id: int) -> WhitelistPublication:
    """Number an approved publication and append its changes to the change log.

    The head row is locked until commit, so versions and change sequence numbers are handed out
    one publication at a time and commit in order (a poller never skips a late-committing seq).
    """
    _require(actor, Permission.whitelist_approve)
    pub = _locked(session, publication_id)
    try:
        rules.check_publish(status=pub.status)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    head = repo.head_for_update(session)
    # the changes are against the same catalog's version in force: another catalog's list (a
    # province's beside a city's) is another list, whose firms this one neither adds nor removes
    previous = repo.latest_published(session, pub.catalog_name)
    if pub.base_id is not None and (previous is None or previous.id != pub.base_id):
        raise Conflict("该增量版本起草后已有新版本发布，请重新刷新起草")
    version = rules.next_version(head.last_version)
    catalog = catalog_of_publication(session, pub)
    diff = repo.diff_select(
        old_id=previous.id if previous else None,
        new_id=pub.id,
        new_run_id=pub.run_id,
        element_dims=element_dims(catalog),
    )
    written = repo.write_changes(
        session, diff, publication_id=pub.id, version=version, base_seq=head.last_seq
    )
    head.last_version = version
    head.last_seq += written
    pub.version = version
    pub.status = rules.Status.published
    pub.published_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.publish",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"version": version, "changes": written, "entries": pub.entries},
    )
    webhooks.enqueue_publication(session, publication=pub)
    return pub


# -- refresh: re-evaluate the touched enterprises and draft the delta ------------------------


@dataclass(frozen=True)
class RefreshOutcome:
    publication: WhitelistPublication | None
    touched: int
    message: str


def _evaluate_subset(
    session: Session,
    *,
    catalog_name: str,
    as_of: date,
    enterprise_ids: list[int],
    actor_id: int,
) -> evaluation.Run:
    """A stored run over only ``enterprise_ids`` (the same engine and bookkeeping as the batch)."""
    return evaluation.evaluate_database(
        session,
        loaded=catalogs.get(catalog_name),
        as_of=as_of,
        enterprise_ids=enterprise_ids,
        actor_id=actor_id,
        message=f"白名单刷新：重新评价 {len(enterprise_ids)} 家",
    )


def refresh(
    session: Session,
    *,
    actor: Principal,
    catalog_name: str,
    as_of: date,
    urgent: bool = False,
    note: str = "",
) -> RefreshOutcome:
    """Re-evaluate the enterprises whose records became known (or were superseded) since the
    last published version, and draft the delta: the previous entries with those enterprises
    replaced.

    ``urgent``: publish at once a small version that only removes the enterprises a gate
    (否决项) now bars. Maker-checker is waived there on purpose: a gate is a negative fact that
    another authority has already decided (a penalty decision, a list entry, a failed spot
    check), the version can only remove entries, never add or raise one, and every hour the
    entry stays listed banks may lend on it. The version records who published it and when
    (``urgent``, ``drafted_by_id`` = ``reviewed_by_id``, audit event ``whitelist.urgent``); any
    other change the new records cause is left for the ordinary reviewed delta (the urgent
    version keeps the previous basis time, so the next refresh picks those records up again).
    """
    _require(actor, Permission.whitelist_draft)
    previous = repo.latest_published(session, catalog_name)
    if previous is None:
        raise Invalid(
            f"指标目录 {catalogs.catalog_title(catalog_name)} 尚无已发布的白名单版本："
            "请先从评价批次起草并发布第一版"
        )
    basis = utcnow()
    # only this catalog's firms (those a run of it graded): a Zhejiang firm's new records do
    # not re-grade it on Xiamen's catalog
    touched = repo.touched_since(session, previous.basis_at, catalog=catalog_name)
    if not touched:
        return RefreshOutcome(
            None, 0, f"自第 {previous.version} 版以来没有新增或更正的记录，无需刷新"
        )
    run = _evaluate_subset(
        session,
        catalog_name=catalog_name,
        as_of=as_of,
        enterprise_ids=touched,
        actor_id=actor.user_id,
    )
    catalog = _catalog_of_run(session, run)
    pub = WhitelistPublication(
        status=rules.Status.draft,
        kind="urgent" if urgent else "delta",
        run_id=run.id,
        base_id=previous.id,
        catalog_name=run.catalog_name,
        catalog_version=run.catalog_version,
        catalog_sha256=run.catalog_sha256,
        as_of=as_of,
        basis_at=previous.basis_at if urgent else basis,
        note=note.strip()[:2000] or None,
        drafted_by_id=actor.user_id,
        drafted_at=utcnow(),
        urgent=urgent,
    )
    session.add(pub)
    session.flush()
    repo.insert_delta(
        session,
        publication_id=pub.id,
        base_id=previous.id,
        run_id=run.id,
        ranks=ranks(catalog),
        replace="gated" if urgent else "evaluated",
    )
    _finish_draft(session, pub)
    if not urgent:
        audit.record(
            session,
            actor=Actor.of(actor),
            action="whitelist.refresh",
            object_type="whitelist_publication",
            object_id=pub.id,
            detail={"run_id": run.id, "touched": len(touched), "base_version": previous.version},
        )
        return RefreshOutcome(
            pub, len(touched), f"重新评价 {len(touched)} 家，已起草增量版本（待另一名监管人员复核）"
        )
    diff = repo.diff_select(
        old_id=previous.id, new_id=pub.id, new_run_id=run.id, element_dims=element_dims(catalog)
    )
    counts: dict[str, int] = {}
    for change, reason, n in repo.diff_counts(session, diff):
        key = reason if change == "removed" and reason else change
        counts[key] = counts.get(key, 0) + n
    if not rules.only_gate_removals(counts):
        raise Invalid("没有因否决项而须移出的白名单条目，不能紧急发布；请不加 --urgent 刷新")
    _require(actor, Permission.whitelist_approve)
    pub.status = rules.Status.approved
    pub.reviewed_by_id = actor.user_id
    pub.reviewed_at = utcnow()
    pub.review_note = "紧急移出（否决项），免于双人复核"
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.urgent",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"run_id": run.id, "removed": counts.get("gate", 0)},
    )
    publish(session, actor=actor, publication_id=pub.id)
    return RefreshOutcome(
        pub,
        len(touched),
        f"紧急发布第 {pub.version} 版：因否决项移出 {counts.get('gate', 0)} 个家次",
    )


# -- reading ---------------------------------------------------------------------------------


def list_publications(session: Session, *, actor: Principal) -> list[WhitelistPublication]:
    """Published versions for every reader; drafts too for the regulators."""
    _require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    staff = actor.can(Permission.whitelist_draft) or actor.can(Permission.whitelist_approve)
    return list(repo.publications(session, published_only=not staff))


def get_publication(
    session: Session, *, actor: Principal, publication_id: int
) -> WhitelistPublication:
    _require(actor, Permission.whitelist_read, Permission.whitelist_draft)
    pub = _get(session, publication_id)
    staff = actor.can(Permission.whitelist_draft) or actor.can(Permission.whitelist_approve)
    if pub.status != rules.Status.published and not staff:
        raise NotFound("未找到该白名单版本 / publication not found")
    return pub


def in_force(
    session: Session, *, actor: Principal, catalog: str | None = None
) -> WhitelistPublication | None:
    """The version in force (the latest published; of ``catalog`` when named), what a draft
    is reviewed against."""
    _require(actor, Permission.whitelist_read, Permission.whitelist_draft)
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
    _require(actor, Permission.whitelist_read, Permission.whitelist_draft)
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
    _require(actor, Permission.whitelist_read, Permission.whitelist_draft)
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
    _require(actor, Permission.whitelist_draft, Permission.whitelist_approve)
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
    _require(actor, Permission.whitelist_read)
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
    _require(actor, Permission.whitelist_read)
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
    _require(actor, Permission.whitelist_read)
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
    graded = _catalog_of_run(session, run)
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
