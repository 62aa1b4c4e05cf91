"""银企对接会: matching events (the banks and enterprises that came, the applications that
followed), recorded by the task force (``visit.event``) and read as the pages show them.
Re-exported by ``visits.service``. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.enterprises import service as enterprises
from zhixin.errors import Invalid, NotFound
from zhixin.visits import repository as repo
from zhixin.visits.campaigns import campaign
from zhixin.visits.common import _audit, _own_bank, _require, _uid
from zhixin.visits.models import MatchingEvent

# -- matching events ---------------------------------------------------------------------------


def create_event(
    session: Session,
    *,
    actor: Principal | None,
    title: str,
    held_on: date,
    place: str,
    bank_codes: list[str],
    usccs: list[str],
    application_ids: list[int],
    campaign_id: int | None = None,
) -> MatchingEvent:
    """银企对接会: the banks and enterprises that came, the applications that followed."""
    _require(actor, Permission.visit_manage)
    title, place = title.strip(), place.strip()
    if not title or not place:
        raise Invalid("请填写对接会名称与地点")
    names = {c for c, _n in accounts.tenant_names(session, "bank").values()}
    unknown = [c for c in bank_codes if c not in names]
    if unknown:
        raise NotFound("没有代码为 " + "、".join(unknown) + " 的银行")
    ids = []
    for text in usccs:
        try:
            from zhixin.enterprises.rules import normalise_uscc

            eid = enterprises.id_by_uscc(session, normalise_uscc(text))
        except ValueError as exc:
            raise Invalid(f"统一社会信用代码有误：{text}（{exc}）") from exc
        if eid is None:
            raise NotFound(f"平台上未找到该经营主体：{text}")
        ids.append(eid)
    if campaign_id is not None:
        campaign(session, actor=actor, campaign_id=campaign_id)
    row = MatchingEvent(
        campaign_id=campaign_id,
        title=title[:200],
        held_on=held_on,
        place=place[:200],
        bank_codes=sorted(set(bank_codes)),
        enterprise_ids=sorted(set(ids)),
        application_ids=sorted(set(application_ids)),
        created_by_id=_uid(actor),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "visit.event", "matching_event", row.id, title=title)
    return row


def events(session: Session, *, actor: Principal | None) -> Sequence[MatchingEvent]:
    _require(actor, Permission.visit_read)
    rows = repo.events(session)
    own = _own_bank(session, actor)
    if own is not None:
        return [e for e in rows if own in e.bank_codes]
    return rows


@dataclass(frozen=True)
class EventOut:
    id: int
    title: str
    held_on: date
    place: str
    campaign: str
    banks: list[str]
    enterprises: list[str]
    application_ids: list[int]


def event_outs(session: Session, rows: Sequence[MatchingEvent]) -> list[EventOut]:
    ids = sorted({i for e in rows for i in e.enterprise_ids})
    places = enterprises.places_by_ids(session, ids)
    banks = {c: n for c, n in accounts.tenant_names(session, "bank").values()}
    camps = {c.id: c.name for c in repo.campaigns(session)}
    return [
        EventOut(
            id=e.id,
            title=e.title,
            held_on=e.held_on,
            place=e.place,
            campaign=camps.get(e.campaign_id, "") if e.campaign_id else "",
            banks=[banks.get(c, c) for c in e.bank_codes],
            enterprises=[places.get(i, (f"经营主体 {i}", None, None))[0] for i in e.enterprise_ids],
            application_ids=list(e.application_ids),
        )
        for e in rows
    ]
