"""Pages: versions and drafts (approve / reject), a version's entries with statistics, the diff
between two publications, and the XLSX exports."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.evaluation import service as evaluation
from zhixin.web.charts import bar_svg
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render
from zhixin.whitelist import reports, rules, service
from zhixin.whitelist.models import WhitelistPublication

router = APIRouter(include_in_schema=False)
Reader = Annotated[
    Principal, Depends(require(Permission.whitelist_read, Permission.whitelist_draft))
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 100
REVIEW_ROWS = 20  # the changes a draft's page lists before 复核通过并发布 (the rest: the diff page)


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


Catalog = Annotated[str, Query(max_length=64, pattern=r"^([a-z][a-z0-9_-]*)?$")]
Q = Annotated[str, Query(max_length=100)]
Region = Annotated[str, Query(max_length=12, pattern=r"^\d*$")]
Industry = Annotated[str, Query(max_length=5, pattern=r"^[A-Ta-t]?\d*$")]
Dimension = Annotated[str, Query(max_length=64)]
Level = Annotated[str, Query(max_length=16)]
Page = Annotated[int, Query(ge=1, le=100_000)]


def _version(
    db: DB, principal: Principal, pub: WhitelistPublication, where: service.EntryFilter, page: int
) -> dict[str, Any]:
    """A version's statistics, charts and a page of its list narrowed by ``where``: what the
    version's page and the version in force on /whitelist both show."""
    stats = reports.statistics(db, actor=principal, publication_id=pub.id)
    charts = {
        by: bar_svg([(s.label, s.entries) for s in rows[:20]], title=reports.chart_title(by))
        for by in reports.STAT_KEYS
        if (rows := stats[by])
    }
    items, total = (
        service.search_entries(
            db, actor=principal, version=pub.version, where=where, page=page, per_page=PER_PAGE
        )
        if pub.version is not None
        else ([], 0)
    )
    return {
        "stats": stats,
        "totals": reports.totals(stats),
        "charts": charts,
        "chart_titles": {by: reports.chart_title(by) for by in reports.STAT_KEYS},
        "stat_keys": reports.STAT_KEYS,
        "entries": items,
        "total": total,
        "where": where,
        "labels": {by: {s.key: s.label for s in rows} for by, rows in stats.items()},
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "query": urlencode({k: v for k, v in dataclasses.asdict(where).items() if v}),
    }


def _where(q: str, region: str, industry: str, dimension: str, level: str) -> service.EntryFilter:
    return service.EntryFilter(
        q=q.strip(), region=region, industry=industry.upper(), dimension=dimension, level=level
    )


@router.get("/whitelist", response_class=HTMLResponse)
def list_page(
    request: Request,
    db: DB,
    principal: Reader,
    catalog: Catalog = "",
    q: Q = "",
    region: Region = "",
    industry: Industry = "",
    dimension: Dimension = "",
    level: Level = "",
    page: Page = 1,
) -> Response:
    """The version in force of one catalog (a selector of the catalogs with a published
    version; by default the reader's own: see :func:`service.choose_in_force`) with its
    statistics and its list, searched and filtered; then every version and draft."""
    pubs = service.list_publications(db, actor=principal)
    runs = (
        [r for r in evaluation.list_runs(db, actor=principal, limit=50) if r.status == "finished"]
        if principal.can(Permission.whitelist_draft)
        else []
    )
    choices, chosen = service.choose_in_force(db, actor=principal, catalog=catalog or None)
    current = (
        _version(db, principal, chosen.pub, _where(q, region, industry, dimension, level), page)
        if chosen is not None
        else {}
    )
    return render(
        request,
        "whitelist_list.html",
        pubs=pubs,
        runs=runs,
        statuses=rules.STATUS_NAMES,
        kinds=rules.KIND_NAMES,
        choices=choices,
        chosen=chosen,
        pub=chosen.pub if chosen is not None else None,
        action="/whitelist",
        keep=urlencode({"catalog": chosen.catalog}) if chosen is not None else "",
        **current,
    )


@router.post("/whitelist/drafts")
def draft_form(
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.whitelist_draft))],
    run_id: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    pub = service.draft_from_run(db, actor=principal, run_id=run_id, note=note)
    return RedirectResponse(f"/whitelist/publications/{pub.id}", status_code=303)


@router.post("/whitelist/publications/{publication_id}/review")
def review_form(
    publication_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.whitelist_approve))],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    service.review(
        db,
        actor=principal,
        publication_id=publication_id,
        approve=decision == "approve",
        note=note,
    )
    return RedirectResponse(f"/whitelist/publications/{publication_id}", status_code=303)


@router.get("/whitelist/publications/{publication_id}", response_class=HTMLResponse)
def publication_page(
    request: Request,
    publication_id: int,
    db: DB,
    principal: Reader,
    q: Q = "",
    region: Region = "",
    industry: Industry = "",
    dimension: Dimension = "",
    level: Level = "",
    page: Page = 1,
) -> Response:
    """A version's statistics (家次 and distinct 经营主体, each table with its total) and its
    list, searched by name or USCC and filtered by region, industry, dimension and level on the
    server, a page at a time."""
    pub = service.get_publication(db, actor=principal, publication_id=publication_id)
    shown = _version(db, principal, pub, _where(q, region, industry, dimension, level), page)
    # a draft is reviewed against the version in force: what publishing it would change
    base = (
        service.in_force(db, actor=principal, catalog=pub.catalog_name)
        if pub.status == "draft"
        else None
    )
    review_diff = (
        reports.diff(db, actor=principal, old_id=base.id, new_id=pub.id, per_page=REVIEW_ROWS)
        if base is not None and base.id != pub.id
        else None
    )
    return render(
        request,
        "whitelist_publication.html",
        pub=pub,
        base=base,
        review_diff=review_diff,
        fetches=(
            service.fetches(db, actor=principal, pub=pub)
            if pub.version is not None and principal.can(Permission.whitelist_draft)
            else None
        ),
        changes=rules.CHANGE_NAMES,
        action=f"/whitelist/publications/{pub.id}",
        keep="",
        **shown,
        statuses=rules.STATUS_NAMES,
        kinds=rules.KIND_NAMES,
    )


@router.get("/whitelist/publications/{publication_id}/export.xlsx", dependencies=[Heavy])
def publication_export(publication_id: int, db: DB, principal: Reader) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "whitelist.xlsx"
        reports.export_publication(db, actor=principal, publication_id=publication_id, xlsx=path)
        data = path.read_bytes()
    return _xlsx(data, f"whitelist-{publication_id}.xlsx")


@router.get("/whitelist/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    db: DB,
    principal: Reader,
    old: Annotated[int, Query(ge=1)],
    new: Annotated[int, Query(ge=1)],
    change: Annotated[str | None, Query(pattern="^(added|removed|upgraded|downgraded)$")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    out = reports.diff(
        db, actor=principal, old_id=old, new_id=new, change=change, page=page, per_page=PER_PAGE
    )
    return render(
        request,
        "whitelist_diff.html",
        diff=out,
        old=old,
        new=new,
        change=change,
        page=page,
        pages=max(1, -(-out.total // PER_PAGE)),
        changes=rules.CHANGE_NAMES,
        reasons=rules.REASON_NAMES,
    )


@router.get("/whitelist/diff/export.xlsx", dependencies=[Heavy])
def diff_export(
    db: DB,
    principal: Reader,
    old: Annotated[int, Query(ge=1)],
    new: Annotated[int, Query(ge=1)],
) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "diff.xlsx"
        reports.export_diff(db, actor=principal, old_id=old, new_id=new, xlsx=path)
        data = path.read_bytes()
    return _xlsx(data, f"whitelist-diff-{old}-{new}.xlsx")
