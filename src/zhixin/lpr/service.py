"""The LPR table (贷款市场报价利率): the rate in force on a day, the table, operator entries.

The published history ships with the package (``zhixin/lpr/data/lpr_history.csv``) and is
merged with the operator's rows (an operator's row wins on the same day), so a fresh database
already knows every LPR since the 2019 reform. Never commits; every change is audited.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.lpr import repository as repo
from zhixin.lpr import rules
from zhixin.lpr.models import LprRate
from zhixin.lpr.rules import OPERATOR, LprOn, LprRefused, Point
from zhixin.lpr.schemas import LprRow

__all__ = [
    "LprOn",
    "LprRow",
    "delete_rate",
    "delete_rate_as_operator",
    "entry_on",
    "rates_on",
    "set_rate",
    "set_rate_as_operator",
    "shipped",
    "table",
]

DATA_PACKAGE = "zhixin.lpr.data"
HISTORY_FILE = "lpr_history.csv"
CLI_ACTOR = "cli"


@lru_cache(maxsize=1)
def shipped() -> tuple[Point, ...]:
    """The published history shipped with the package (read once)."""
    text = resources.files(DATA_PACKAGE).joinpath(HISTORY_FILE).read_text(encoding="utf-8")
    return tuple(rules.parse_history(text, HISTORY_FILE))


def _operator_source(note: str) -> str:
    return f"操作员录入：{note}" if note else "操作员录入"


def _operator_points(rows: list[LprRate]) -> list[Point]:
    return [
        Point(
            r.effective_on,
            rules.q4(r.one_year),
            rules.q4(r.five_year),
            _operator_source(r.source),
            OPERATOR,
        )
        for r in rows
    ]


def _points(session: Session) -> list[Point]:
    return rules.merge(shipped(), _operator_points(list(repo.all_rows(session))))


def rates_on(session: Session, on: date) -> LprOn:
    """The LPR in force on ``on`` (no permission check: quotes and applications call it).

    Raises :class:`Invalid` for a day before the table's first entry — never a guess.
    """
    try:
        found = rules.in_force(_points(session), on)
    except LprRefused as exc:
        raise Invalid(str(exc)) from exc
    return found


def _can_read(actor: Principal) -> None:
    if not actor.can(Permission.product_read):
        raise Forbidden("无权查看 LPR 表")


def _can_manage(actor: Principal) -> None:
    if not actor.can(Permission.lpr_manage):
        raise Forbidden("只有监管部门的维护人员可以修改 LPR 表")


def _setter(row: LprRate | None, names: dict[int, str]) -> str | None:
    if row is None:
        return None
    if row.created_by_id is None:
        return CLI_ACTOR  # entered on the command line without naming a user
    return names.get(row.created_by_id, f"用户 {row.created_by_id}")


def table(session: Session, *, actor: Principal) -> list[LprRow]:
    """The whole table, newest first, each row with where it came from."""
    _can_read(actor)
    rows = list(repo.all_rows(session))
    names = repo.usernames(session, [r.created_by_id for r in rows])
    stored = {r.effective_on: r for r in rows}
    shipped_days = {p.effective_on for p in shipped()}
    out = []
    for p in reversed(rules.merge(shipped(), _operator_points(rows))):
        row = stored.get(p.effective_on) if p.origin == OPERATOR else None
        out.append(
            LprRow(
                effective_on=p.effective_on,
                one_year=p.one_year,
                five_year=p.five_year,
                source=p.source,
                origin=p.origin,
                origin_label=rules.ORIGIN_LABELS[p.origin],
                overrides_shipped=p.origin == OPERATOR and p.effective_on in shipped_days,
                set_by=_setter(row, names),
                set_at=row.created_at if row is not None else None,
            )
        )
    return out


def entry_on(session: Session, *, actor: Principal, day: date) -> LprRow | None:
    """The table's own row for ``day`` (not the rate in force), if there is one."""
    return next((r for r in table(session, actor=actor) if r.effective_on == day), None)


def _values(point: Point | None) -> dict[str, object] | None:
    if point is None:
        return None
    return {
        "one_year": str(point.one_year),
        "five_year": str(point.five_year),
        "origin": point.origin,
        "source": point.source,
    }


def _set(
    session: Session,
    *,
    by: Actor,
    user_id: int | None,
    effective_on: date,
    one_year: Decimal,
    five_year: Decimal,
    note: str,
    on: date | None,
) -> LprRate:
    try:
        one, five = rules.check_entry(
            effective_on=effective_on,
            one_year=one_year,
            five_year=five_year,
            today=on or clock.today(),
        )
        cleaned = rules.check_note(note)
    except LprRefused as exc:
        raise Invalid(str(exc)) from exc
    existing = repo.by_day(session, effective_on)
    before = _operator_points([existing])[0] if existing is not None else None
    if before is None:
        before = next((p for p in shipped() if p.effective_on == effective_on), None)
    if existing is None:
        existing = LprRate(effective_on=effective_on)
        session.add(existing)
    existing.one_year, existing.five_year, existing.source = one, five, cleaned
    existing.created_by_id = user_id
    existing.created_at = utcnow()
    session.flush()
    after = Point(effective_on, one, five, _operator_source(cleaned), OPERATOR)
    audit.record(
        session,
        actor=by,
        action="lpr.replace" if before is not None else "lpr.set",
        object_type="lpr_rate",
        object_id=effective_on.isoformat(),
        detail={
            "effective_on": effective_on.isoformat(),
            "old": _values(before),
            "new": _values(after),
        },
    )
    return existing


def set_rate(
    session: Session,
    *,
    actor: Principal,
    effective_on: date,
    one_year: Decimal,
    five_year: Decimal,
    note: str = "",
    on: date | None = None,
) -> LprRate:
    """Enter (or replace) the LPR published on ``effective_on``. Audited with old and new values.

    ``on`` is "today" for the far-future check (default: today in Beijing time).
    """
    _can_manage(actor)
    return _set(
        session,
        by=Actor.of(actor),
        user_id=actor.user_id,
        effective_on=effective_on,
        one_year=one_year,
        five_year=five_year,
        note=note,
        on=on,
    )


def set_rate_as_operator(
    session: Session,
    *,
    effective_on: date,
    one_year: Decimal,
    five_year: Decimal,
    note: str = "",
    on: date | None = None,
) -> LprRate:
    """The command line's entry without a named user: whoever runs ``zhixin`` on the server
    already holds the database; the audit log records the system actor ``cli``."""
    return _set(
        session,
        by=Actor.system(CLI_ACTOR),
        user_id=None,
        effective_on=effective_on,
        one_year=one_year,
        five_year=five_year,
        note=note,
        on=on,
    )


def _delete(session: Session, *, by: Actor, effective_on: date) -> None:
    row = repo.by_day(session, effective_on)
    restored = next((p for p in shipped() if p.effective_on == effective_on), None)
    if row is None:
        if restored is not None:
            raise Conflict(
                f"{effective_on.isoformat()} 的 LPR 是随软件发布的公告数据，不能删除；"
                "如有误，请录入同一日期的数据覆盖它"
            )
        raise NotFound(f"LPR 表中没有 {effective_on.isoformat()} 的数据")
    before = _operator_points([row])[0]
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="lpr.delete",
        object_type="lpr_rate",
        object_id=effective_on.isoformat(),
        detail={
            "effective_on": effective_on.isoformat(),
            "old": _values(before),
            "restored_shipped": _values(restored),
        },
    )


def delete_rate(session: Session, *, actor: Principal, effective_on: date) -> None:
    """Delete an operator's row (a shipped row under it, if any, applies again). Audited."""
    _can_manage(actor)
    _delete(session, by=Actor.of(actor), effective_on=effective_on)


def delete_rate_as_operator(session: Session, *, effective_on: date) -> None:
    _delete(session, by=Actor.system(CLI_ACTOR), effective_on=effective_on)


def history(session: Session) -> list[Point]:
    """The merged table, oldest first, without a permission check (the command line's view)."""
    return _points(session)
