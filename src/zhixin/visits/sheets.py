"""The teams' visit sheets: one row applied (insert or update a visit, its follow-up clock),
a whole sheet imported with its row report (``visit.import``), the imports listed, the
blank template. Re-exported by ``visits.service``. Never commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.demand import service as demand
from zhixin.enterprises import service as enterprises
from zhixin.errors import NotFound
from zhixin.intake import layout
from zhixin.kit import divisions
from zhixin.kit.db import utcnow
from zhixin.visits import repository as repo
from zhixin.visits import rules
from zhixin.visits.campaigns import campaign
from zhixin.visits.common import _audit, _require, _uid, bank_codes
from zhixin.visits.models import VisitCampaign, VisitImport, VisitRecord

MAX_ROWS = 50_000


# -- a row, a sheet --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    visit: VisitRecord | None
    change: str  # created / updated / unchanged / rejected
    errors: tuple[tuple[str, str], ...] = ()


FIELDS = (
    "team_id",
    "place_code",
    "needs",
    "amount_wanted",
    "products",
    "bank_code",
    "follow_up_workdays",
    "follow_up_due_on",
    "outcome",
    "outcome_on",
)


def _resolve_place(name_or_code: str) -> str | None:
    """A sheet's 所在社区: a registered community or street code, or its name; "" unknown."""
    text = name_or_code.strip()
    if not text:
        return None
    if text.isdigit():
        return text if divisions.known_place(text) else ""
    return divisions.place_by_name(text) or ""


def apply_row(
    session: Session,
    *,
    camp: VisitCampaign,
    row: rules.VisitRow,
    banks: dict[str, str],
    actor: Principal | None,
    import_id: int | None,
) -> Applied:
    errs: list[tuple[str, str]] = []
    cols = rules.COLUMNS
    eid = enterprises.id_by_uscc(session, row.uscc)
    if eid is None:
        errs.append((cols["uscc"], "平台上未找到该经营主体"))
    if not camp.start_on <= row.visited_on <= camp.end_on:
        errs.append((cols["visited_on"], f"不在本次活动期间（{camp.start_on} 至 {camp.end_on}）"))
    team = None
    if row.team:
        team = repo.team_by_name(session, camp.id, row.team)
        if team is None:
            errs.append((cols["team"], f"本活动没有名为“{row.team}”的小组"))
    place = _resolve_place(row.place)
    if place == "":
        errs.append((cols["place"], f"未登记的社区或街道：{row.place}"))
    bank: str | None = None
    if row.bank:
        bank = banks.get(row.bank)
        if bank is None:
            errs.append((cols["bank"], f"平台上没有该银行：{row.bank}"))
    if errs or eid is None:
        return Applied(None, "rejected", tuple(errs))
    if bank is None and team is not None:
        bank = team.bank_code  # the team's bank follows up unless the sheet names another
    days = row.follow_up_workdays
    if days is None and (rules.needs_finance(row.amount_wanted) or bank):
        days = rules.DEFAULT_FOLLOW_UP_WORKDAYS
    due = demand.add_workdays(session, row.visited_on, days) if days else None
    values = {
        "team_id": team.id if team else None,
        "place_code": place,
        "needs": row.needs,
        "amount_wanted": row.amount_wanted,
        "products": row.products,
        "bank_code": bank,
        "follow_up_workdays": days,
        "follow_up_due_on": due,
        "outcome": row.outcome,
        "outcome_on": row.outcome_on,
    }
    found_visit = repo.visit_by_key(session, camp.id, eid, row.visited_on)
    if found_visit is None:
        visit = VisitRecord(
            campaign_id=camp.id,
            enterprise_id=eid,
            visited_on=row.visited_on,
            import_id=import_id,
            updated_by_id=_uid(actor),
            **values,
        )
        session.add(visit)
        session.flush()
        return Applied(visit, "created")

    def same(a: object, b: object) -> bool:
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return a.normalize() == b.normalize()
        return a == b

    if all(same(getattr(found_visit, k), v) for k, v in values.items()):
        return Applied(found_visit, "unchanged")
    for k, v in values.items():
        setattr(found_visit, k, v)
    if found_visit.outcome != "open":
        found_visit.escalated_on = found_visit.escalated_on  # an escalation stays on record
    found_visit.import_id = import_id or found_visit.import_id
    found_visit.updated_at = utcnow()
    found_visit.updated_by_id = _uid(actor)
    session.flush()
    return Applied(found_visit, "updated")


def import_file(
    session: Session, *, actor: Principal | None, campaign_id: int, path: Path, file_name: str
) -> VisitImport:
    """A team's visit sheet: every good row kept, every bad row reported (line, column,
    reason); the same file again changes nothing (a row is one campaign, enterprise and day)."""
    _require(actor, Permission.visit_manage)
    camp = campaign(session, actor=actor, campaign_id=campaign_id)
    got = layout.read_rows(
        path, file_name, header=rules.header_map, parse=rules.parse_row, max_rows=MAX_ROWS
    )
    count, parsed, errors = got.count, got.parsed, got.errors
    batch = VisitImport(
        campaign_id=camp.id,
        file_name=file_name[:200],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        imported_by_id=_uid(actor),
        rows=count,
        created=0,
        updated=0,
        unchanged=0,
        rejected=0,
        errors=[],
    )
    session.add(batch)
    session.flush()
    banks = bank_codes(session)
    seen: dict[tuple[str, date], int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for p in parsed:
        key = (p.uscc, p.visited_on)
        if key in seen:
            errors.append(
                {
                    "line": p.line,
                    "field": rules.COLUMNS["uscc"],
                    "reason": f"与第 {seen[key]} 行是同一次走访（同一企业、同一天）",
                }
            )
            continue
        seen[key] = p.line
        done = apply_row(session, camp=camp, row=p, banks=banks, actor=actor, import_id=batch.id)
        if done.change == "rejected":
            errors.extend({"line": p.line, "field": f, "reason": r} for f, r in done.errors)
        else:
            counts[done.change] += 1
    errors.sort(key=lambda e: (int(str(e["line"])), str(e["field"])))
    batch.created, batch.updated, batch.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    batch.rejected = len({e["line"] for e in errors})
    batch.errors = errors
    session.flush()
    _audit(
        session,
        actor,
        "visit.import",
        "visit_import",
        batch.id,
        campaign_id=camp.id,
        sha256=batch.sha256,
        rows=count,
        rejected=batch.rejected,
        **counts,
    )
    return batch


def get_import(session: Session, *, actor: Principal | None, import_id: int) -> VisitImport:
    _require(actor, Permission.visit_manage)
    row = repo.import_by_id(session, import_id)
    if row is None:
        raise NotFound("未找到该导入批次")
    return row


def imports(session: Session, *, actor: Principal | None) -> Sequence[VisitImport]:
    _require(actor, Permission.visit_manage)
    return repo.imports(session)


# -- the blank sheet -------------------------------------------------------------------------------


def template_bytes() -> bytes:
    from zhixin.kit.sheets import Book

    book = Book()
    sheet = book.sheet("走访记录")
    for row in rules.template_rows():
        sheet.append(row)
    return book.to_bytes()
