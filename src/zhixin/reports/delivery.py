"""Scheduled delivery (报表推送): from ``report_daily_at`` (Beijing time) each day,
``zhixin worker`` generates the previous day's 日晾晒 once for the task force (everything) and
once for each bank (its own rows), and keeps each workbook; the task force and each bank
download theirs from ``/reports/deliveries``. Generating again for a day that has its
deliveries adds nothing (one row per kind, day and audience, unique)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Forbidden, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.reports import export, rules
from zhixin.reports import repository as repo
from zhixin.reports.models import ALL
from zhixin.reports.service import Scope, build


def due_day(now: datetime, at: str) -> date | None:
    """The day whose report is due at ``now``: yesterday (Beijing) once ``at`` has passed."""
    local = now.astimezone(clock.SHANGHAI)
    hour, minute = (int(x) for x in at.split(":"))
    if local.time() < time(hour, minute):
        return None
    return local.date() - timedelta(days=1)


def deliver_daily(session: Session, day: date) -> int:
    """Generate ``day``'s daily report for every audience that has none yet; the number made."""
    period = rules.daily(day.isoformat())
    done = repo.audiences(session, "daily", period.key)
    targets: list[tuple[str, int | None, str, Scope]] = [
        (ALL, None, "融资协调专班（全部）", Scope())
    ]
    for bank_id, (code, name) in sorted(accounts.tenant_names(session, "bank").items()):
        targets.append((code, bank_id, name, Scope(bank_tenant_id=bank_id, label="本行")))
    made = 0
    for code, tenant_id, name, scope in targets:
        if code in done:
            continue
        report = build(session, period, scope)
        made += repo.add(
            session,
            {
                "kind": "daily",
                "period_key": period.key,
                "audience_code": code,
                "audience_tenant_id": tenant_id,
                "audience_name": name,
                "rows": sum(len(t.rows) for t in report.tables),
                "content": export.workbook(report).to_bytes(),
                "generated_at": utcnow(),
            },
        )
    return made


def deliver_due(
    session: Session, *, at: str, now: datetime | None = None
) -> tuple[date | None, int]:
    """What the worker calls each minute: the due day and the deliveries made for it."""
    day = due_day(now or utcnow(), at)
    if day is None:
        return None, 0
    return day, deliver_daily(session, day)


@dataclass(frozen=True)
class DeliveryOut:
    id: int
    kind: str
    period_key: str
    audience_name: str
    rows: int
    generated_at: datetime


def _everything(actor: Principal) -> bool:
    if not actor.can(Permission.report_read):
        raise Forbidden("无权查看报表")
    if actor.tenant_kind == TenantKind.bank:
        return False
    if actor.tenant_kind == TenantKind.taskforce:
        return True
    raise Forbidden("推送的日报只发给融资协调专班和各银行")


def deliveries(session: Session, *, actor: Principal) -> list[DeliveryOut]:
    everything = _everything(actor)
    rows: list[Any] = list(repo.listed(session, tenant_id=actor.tenant_id, everything=everything))
    return [DeliveryOut(r[0], r[1], r[2], r[4], r[5], r[6]) for r in rows]


def download(session: Session, *, actor: Principal, delivery_id: int) -> tuple[str, bytes]:
    """(file name, workbook) of a delivery addressed to the actor; another's is a 404."""
    everything = _everything(actor)
    d = repo.by_id(session, delivery_id)
    if d is None or (
        d.audience_code != ALL if everything else d.audience_tenant_id != actor.tenant_id
    ):
        raise NotFound("没有这份报表")
    audit.record(
        session,
        actor=Actor.of(actor),
        action="data.export",
        object_type="report_delivery",
        object_id=d.id,
        detail={"rows": d.rows, "what": "report", "formats": ["xlsx"]},
    )
    return f"zhixin-report-{d.kind}-{d.period_key}.xlsx", bytes(d.content)
