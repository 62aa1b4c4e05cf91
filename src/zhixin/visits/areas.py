"""The visits rolled up by area (pure): province → city → county → street → community.

A visit's **area** is the community (or street) its team recorded (``place_code``), else the
enterprise's registered county (``enterprise.region_code``). A reader sees its own area and one
row per area one level below it (``kit.divisions.child_size``): the cities of a province, the
counties of a city, the streets of a county, the communities of a street; a visit whose area
does not reach that level (known only to its county, read by street) — or was recorded outside
the area read (a firm of a regulator's jurisdiction visited at a place elsewhere) — goes to a
row of its own, "未细分到下级区域". Each row counts the visits, the firms visited, the needs
found (an amount wanted above 0) and their total, the visits assigned to a bank, those applied
for or granted (the recorded outcome) and those overdue (follow-up deadline passed, still
open). Defined in docs/reports.md ("走访按区域汇总")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from zhixin.kit.divisions import area_below
from zhixin.visits.rules import needs_finance, overdue

UNSPLIT = "未细分到下级区域"


class Visited(Protocol):
    @property
    def enterprise_id(self) -> int: ...
    @property
    def area(self) -> str | None: ...
    @property
    def amount_wanted(self) -> Decimal | None: ...
    @property
    def bank_code(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def follow_up_due_on(self) -> date | None: ...


@dataclass
class AreaRow:
    """One area's figures; ``code`` None is the row of visits not placed at this level."""

    code: str | None
    visits: int = 0
    firms: set[int] = field(default_factory=set)
    needs: int = 0
    amount_wanted: Decimal = Decimal("0.00")
    assigned: int = 0
    applied: int = 0
    granted: int = 0
    overdue: int = 0

    def add(self, v: Visited, today: date) -> None:
        self.visits += 1
        self.firms.add(v.enterprise_id)
        if needs_finance(v.amount_wanted):
            self.needs += 1
            self.amount_wanted += Decimal(v.amount_wanted or 0)
        self.assigned += v.bank_code is not None
        self.applied += v.outcome in ("applied", "granted")
        self.granted += v.outcome == "granted"
        self.overdue += overdue(due_on=v.follow_up_due_on, outcome=v.outcome, today=today)


def roll_up(
    visits: Iterable[Visited], *, prefix: str | None, today: date
) -> tuple[list[AreaRow], AreaRow]:
    """The rows one level below ``prefix`` (by code; the unplaced row last) and the total.
    The caller passes only the visits inside ``prefix``."""
    rows: dict[str | None, AreaRow] = {}
    total = AreaRow(prefix)
    for v in visits:
        code = area_below(v.area, prefix)
        rows.setdefault(code, AreaRow(code)).add(v, today)
        total.add(v, today)
    ordered = sorted((r for c, r in rows.items() if c is not None), key=lambda r: r.code or "")
    if None in rows:
        ordered.append(rows[None])
    return ordered, total
