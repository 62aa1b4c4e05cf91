"""The auditor's page."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service
from zhixin.audit.rules import SCHEME_LABELS
from zhixin.errors import Invalid
from zhixin.web.deps import DB, AppSettings, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Annotated[Principal, Depends(require(Permission.audit_read))],
    before_seq: int | None = None,
    action: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    check: bool = False,
) -> Response:
    start, end = _day(since), _day(until)
    events = service.list_events(
        db,
        actor=principal,
        limit=100,
        before_seq=before_seq,
        action=action.strip() or None,
        who=actor.strip() or None,
        since=start,
        until=end,
    )
    verified = service.verify(db) if check else None
    filters = {"action": action, "actor": actor, "since": since, "until": until}
    return render(
        request,
        "audit.html",
        events=events,
        verified=verified,
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v}),
        scheme_labels=SCHEME_LABELS,
        retention_days=settings.audit_retention_days,
    )


def _day(text: str) -> date | None:
    """A date field of the filter form (empty: no bound)."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid("日期应为 YYYY-MM-DD") from exc
