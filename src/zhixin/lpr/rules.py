"""Pure decisions about the LPR table (贷款市场报价利率): the rate in force, staleness, entries.

The table is a list of change points: each says "from this day on, 1-year LPR x %, 5-year-and-
over LPR y %". The rate in force on a day is the latest point on or before it. The platform
ships the published history (``zhixin/lpr/data/lpr_history.csv``); operators add the later
publications (and may override a shipped point with their own row for the same day).

The LPR is published on the 20th of each month (moved to the next working day on a holiday), so
a table whose latest point is older than the most recent 20th may be missing a publication: the
result is then marked *stale* and pages warn "LPR 表可能未更新". An unchanged month needs no
new point for the rates to be right, but entering it (with the same values) clears the warning.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FIRST_PUBLICATION = date(2019, 8, 20)  # the first quote after the 2019 reform (PBoC 〔2019〕15号)
PUBLICATION_DAY = 20
MAX_DAYS_AHEAD = 31
MAX_RATE = Decimal(20)
PLACES = Decimal("0.0001")
SHIPPED = "shipped"
OPERATOR = "operator"
ORIGIN_LABELS = {SHIPPED: "随软件发布（公告）", OPERATOR: "操作员录入"}


class LprRefused(ValueError):
    """A question the table cannot answer, or an entry it will not take (中文 message)."""


@dataclass(frozen=True)
class Point:
    effective_on: date
    one_year: Decimal
    five_year: Decimal
    source: str  # the announcement (shipped) or the operator's note
    origin: str = SHIPPED  # shipped / operator


@dataclass(frozen=True)
class LprOn:
    """The LPR in force on ``on``: the point it comes from, and whether the table looks stale."""

    on: date
    effective_on: date
    one_year: Decimal
    five_year: Decimal
    source: str
    stale: bool

    def tenor(self, code: str) -> Decimal:
        """The rate of a tenor code: "1y" or "5y"."""
        if code == "1y":
            return self.one_year
        if code == "5y":
            return self.five_year
        raise LprRefused(f"未知的 LPR 期限「{code}」（可选：1y 一年期、5y 五年期以上）")


def q4(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def parse_history(text: str, source: str = "lpr_history.csv") -> list[Point]:
    """Parse the shipped CSV (``#`` lines are comments); refuse with the file's line number."""
    header: list[str] | None = None
    points: list[Point] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = next(csv.reader([line]))
        if header is None:
            header = cells
            continue
        row = dict(zip(header, cells, strict=False))
        try:
            day = date.fromisoformat(row["effective_on"])
            one, five = Decimal(row["one_year"]), Decimal(row["five_year"])
            check_rate(one, "1 年期 LPR")
            check_rate(five, "5 年期以上 LPR")
        except (KeyError, ValueError, InvalidOperation) as exc:
            raise LprRefused(f"{source} 第 {number} 行有误：{exc}") from exc
        points.append(Point(day, q4(one), q4(five), row.get("source", "").strip(), SHIPPED))
    days = [p.effective_on for p in points]
    if days != sorted(set(days)):
        raise LprRefused(f"{source} 的日期须严格递增且不重复")
    return points


def merge(shipped: Iterable[Point], operator: Iterable[Point]) -> list[Point]:
    """One table, oldest first; an operator's point replaces a shipped one on the same day."""
    by_day = {p.effective_on: p for p in shipped}
    by_day.update({p.effective_on: p for p in operator})
    return [by_day[d] for d in sorted(by_day)]


def last_publication_day(on: date) -> date:
    """The most recent 20th of a month on or before ``on``."""
    if on.day >= PUBLICATION_DAY:
        return on.replace(day=PUBLICATION_DAY)
    previous = on.replace(day=1) - timedelta(days=1)
    return previous.replace(day=PUBLICATION_DAY)


def is_stale(points: Sequence[Point], on: date) -> bool:
    """Whether the newest point is older than the most recent publication day by ``on``."""
    if not points:
        return True
    return points[-1].effective_on < last_publication_day(on)


def in_force(points: Sequence[Point], on: date) -> LprOn:
    """The point in force on ``on`` (``points`` oldest first); before the first one: refused."""
    if not points or on < points[0].effective_on:
        first = points[0].effective_on.isoformat() if points else "（表为空）"
        raise LprRefused(
            f"{on.isoformat()} 早于 LPR 表的第一个日期 {first}，没有当日适用的 LPR；"
            "平台不会推测更早的利率"
        )
    index = bisect.bisect_right([p.effective_on for p in points], on) - 1
    p = points[index]
    return LprOn(
        on=on,
        effective_on=p.effective_on,
        one_year=p.one_year,
        five_year=p.five_year,
        source=p.source,
        stale=is_stale(points, on),
    )


def check_rate(value: Decimal, label: str) -> Decimal:
    """A published LPR: more than 0 and less than 20 (%), at most 4 decimals (2 as published)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise LprRefused(f"{label}须为数字")
    if not Decimal(0) < value < MAX_RATE:
        raise LprRefused(f"{label}须大于 0% 且小于 {MAX_RATE}%")
    if value != value.quantize(PLACES):
        raise LprRefused(f"{label}最多 4 位小数（公告利率为 2 位小数，如 3.45）")
    return q4(value)


def check_entry(
    *, effective_on: date, one_year: Decimal, five_year: Decimal, today: date
) -> tuple[Decimal, Decimal]:
    """Validate an operator's entry; return the two rates to 4 decimals."""
    if effective_on < FIRST_PUBLICATION:
        raise LprRefused(
            f"LPR 改革后的首次报价日为 {FIRST_PUBLICATION.isoformat()}，不接受更早的日期"
        )
    if effective_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise LprRefused(
            f"生效日期不能晚于今天之后 {MAX_DAYS_AHEAD} 天（{today.isoformat()} 起算）"
        )
    return check_rate(one_year, "1 年期 LPR"), check_rate(five_year, "5 年期以上 LPR")


def check_note(note: str) -> str:
    cleaned = " ".join(note.split())
    if len(cleaned) > 200:
        raise LprRefused("说明最多 200 个字")
    return cleaned
