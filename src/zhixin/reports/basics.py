"""What every section builder stands on (pure): the table it returns (:class:`Column`,
:class:`Table`), the facts it reads (:class:`Facts`, filled by
:func:`zhixin.reports.service.gather`), a section as registered (:class:`Section`), yuan from
fen, the loan classes and consultation labels, the drill-down query. Re-exported by
``reports.sections``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from zhixin.reports.rules import Period

ZERO = Decimal("0.00")


def yuan(total: int) -> Decimal:
    """A daily facts' total in fen as yuan."""
    return (Decimal(int(total)) / 100).quantize(ZERO)


NON_PERFORMING = frozenset({"substandard", "doubtful", "loss"})
CLASS_ORDER = ("normal", "special_mention", "substandard", "doubtful", "loss")
CLASS_LABELS = {
    "normal": "正常",
    "special_mention": "关注",
    "substandard": "次级",
    "doubtful": "可疑",
    "loss": "损失",
}
CONSULTATION_LABELS = {
    "open": "待会诊",
    "planned": "已制定方案",
    "resolved": "已解决",
    "closed": "已结案",
}
RESOLVE_TARGET_WORKDAYS = 5


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "int"  # text / int / money / tenth / pct


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    # per row: column index → the dashboard's drill-down filter (see reports.views)
    drill: list[dict[int, str]] = field(default_factory=list)


@dataclass
class Facts:
    """Everything the sections read, within the reader's scope (a bank's own rows, a
    regulator's jurisdiction)."""

    period: Period
    today: date
    banks: dict[int, tuple[str, str]]  # tenant id → (code, name), the banks in scope
    applications: list[Any]  # applications.facts.ApplicationFact
    consultations: list[Any]  # applications.facts.ConsultationFact
    drawdowns: list[Any]  # loans.facts.DrawdownFact
    quality_contracts: set[int]  # contracts whose origin application was made while listed
    listed_start: dict[int, int]  # enterprise → entries (家次), publication in force the day before
    listed_end: dict[int, int]  # … at the end of the period
    version_start: Any  # whitelist.facts.PublicationFact | None
    version_end: Any
    places: dict[int, tuple[str, str | None, str | None]]  # enterprise → (name, region, industry)
    product_names: dict[str, str]
    region_prefix: str | None = None  # the scope's area: the roll-up lists the level below
    grades: dict[int, list[Any]] = field(default_factory=dict)  # evaluation.facts.GradeFact
    # support.facts: GuaranteeFact, ClaimFact, RecoveryFact, SubsidyFact
    guarantees: list[Any] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)
    recoveries: list[Any] = field(default_factory=list)
    subsidies: list[Any] = field(default_factory=list)
    need_events: list[Any] = field(default_factory=list)  # demand.facts.NeedEventFact
    ledger: list[Any] = field(default_factory=list)  # demand.rules.LedgerRow as of the end
    freezes: list[Any] = field(default_factory=list)  # linkage.facts.FreezeFact
    covenants: list[Any] = field(default_factory=list)  # linkage.facts.CovenantFact
    expiring: list[Any] = field(default_factory=list)  # records.facts.ExpiringFact
    # reports.daily.Aggregates: the daily facts summed (banks, ranking, loans, NPL, areas)
    agg: Any = None
    # the firms that applied / had an application approved / drew by the period's end, in the
    # scope's banks and products (no region: the conversion meets them with listed_end)
    firms: dict[str, set[int]] = field(default_factory=dict)
    listed_regions: dict[int, str | None] = field(default_factory=dict)  # listed_end's regions
    # reports.listed.Listed: the whitelist and conversion the sections show (pre-aggregated per
    # publication; the drill-down's Facts carry the same figures counted from the sets above)
    listed_at_start: Any = None
    listed_at_end: Any = None
    # the consultation section's figures summed by the database (None: from ``consultations``)
    consultation_counts: dict[str, list[int]] | None = None
    patents: list[Any] = field(default_factory=list)  # records.facts.PatentFact (borrowers')
    pledges: dict[tuple[int, str], set[int]] = field(default_factory=dict)  # risk.facts
    visits: list[Any] = field(default_factory=list)  # visits.facts.VisitFact
    events: list[Any] = field(default_factory=list)  # visits.facts.EventFact
    # the applications the visits and matching sections read (rows=False: only the visited
    # firms' and those an event names; the drill-down lists: every one in scope)
    visit_applications: list[Any] = field(default_factory=list)


def q(what: str, **by: str) -> str:
    """A drill-down's query: what to list, and the row's own key (``by_bank`` …)."""
    return urlencode({"what": what, **{f"by_{k}": v for k, v in by.items()}})


@dataclass(frozen=True)
class Section:
    key: str
    build: Callable[[Facts], Table]
