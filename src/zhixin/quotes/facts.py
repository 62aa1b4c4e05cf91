"""What the platform knows about an enterprise on a date: :class:`~zhixin.products.terms.Facts`.

``gather(session, enterprise_id, on, catalog)`` reads, as of ``on``:

- the enterprise's identity (size class, region, date of establishment);
- the whitelist version of ``catalog`` in force that day — the newest one *published* by the
  end of ``on`` (Beijing time) — and the enterprise's entries in it (``listed`` = it has any);
- the evaluation behind those entries (the run that evaluated the enterprise for that
  version; for an enterprise without entries, the version's own run): its overall class as the
  catalog names it (``Ⅰ类``, ``一级`` …), the 1-based rank of that class (1 = the catalog's best
  level; the whitelist's ``level_rank`` is 0-based), each dimension's level name, the total
  score and the element indicators held;
- from the current quality records (corrected or removed versions left out): invention patents
  in force granted by ``on``; titles valid on ``on``; awards of the last five years (the window
  the catalogs give awards); and quality penalties dated in the two years before ``on`` (up to
  and including ``on``) that were not credit-repaired by then.

Grades come only from a published whitelist version: a bank prices on what the regulator
published, never on a draft or a run nobody approved. Each fact is read by the domain that owns
it, through its service, in one indexed round trip each (four in all): enterprises, records,
whitelist, evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.catalog import loader
from zhixin.catalog.schema import Level
from zhixin.enterprises import service as enterprises
from zhixin.errors import NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock
from zhixin.products.terms import Facts
from zhixin.records import service as records
from zhixin.whitelist import service as whitelist

AWARD_YEARS = 5  # an award counts in the year given and the four before (as the catalogs do)
PENALTY_YEARS = 2  # 众商贷's rule: no quality penalty in the two years before the quote

# Levels of each catalog body seen, by content hash (a body never changes under its hash).
_LEVELS: dict[str, tuple[Level, ...]] = {}


def years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _levels(session: Session, sha: str | None, version_id: int | None) -> tuple[Level, ...]:
    if sha is None or version_id is None:  # pragma: no cover - a run always has its catalog
        return ()
    found = _LEVELS.get(sha)
    if found is None:
        body = evaluation.catalog_body(session, version_id)
        if body is None:  # pragma: no cover - a foreign key guards it
            return ()
        found = tuple(loader.parse(body, f"catalog_version {version_id}").catalog.levels)
        _LEVELS[sha] = found
    return found


def levels_of(session: Session, sha: str | None, version_id: int | None) -> tuple[Level, ...]:
    """The levels of the catalog a run graded under (cached by the body's hash)."""
    return _levels(session, sha, version_id)


@dataclass(frozen=True)
class _Grade:
    listed: bool = False
    whitelist_version: int | None = None
    evaluation_run_id: int | None = None
    catalog_name: str | None = None
    overall_class: str | None = None
    class_rank: int | None = None
    dimension_levels: dict[str, str] = field(default_factory=dict)
    total_score: Decimal | None = None
    elements_held: frozenset[str] = frozenset()


def _grade(session: Session, enterprise_id: int, on: date, catalog: str) -> _Grade:
    st = whitelist.standing(
        session,
        catalog=catalog,
        published_before=clock.end_of_day(on),
        enterprise_id=enterprise_id,
    )
    if st is None:
        return _Grade()
    g = evaluation.grade(session, run_id=st.run_id, enterprise_id=enterprise_id)
    if not st.entries and not g.evaluated:
        # not evaluated for this version: the whitelist says nothing about the enterprise
        return _Grade(whitelist_version=st.version, catalog_name=catalog)
    levels = _levels(session, g.catalog_sha256, g.catalog_version_id)
    names = {lv.code: lv.name for lv in levels}
    ranks = {lv.code: i + 1 for i, lv in enumerate(levels)}
    overall = g.overall_level
    return _Grade(
        listed=bool(st.entries),
        whitelist_version=st.version,
        evaluation_run_id=g.run_id,
        catalog_name=g.catalog_name,
        overall_class=names.get(overall) if overall else None,
        class_rank=ranks.get(overall) if overall else None,
        dimension_levels={d: names[lv] for d, lv in g.dimensions.items() if lv in names},
        total_score=g.total_score,
        elements_held=g.elements,
    )


def gather(session: Session, enterprise_id: int, on: date, catalog: str) -> Facts:
    """The facts of ``enterprise_id`` on ``on``, graded under ``catalog`` (the product's)."""
    ent = enterprises.identity(session, enterprise_id)
    if ent is None:
        raise NotFound("未找到该经营主体 / enterprise not found")
    counts = records.pricing_counts(
        session,
        enterprise_id=enterprise_id,
        on=on,
        award_from_year=on.year - AWARD_YEARS + 1,
        penalty_after=years_before(on, PENALTY_YEARS),
    )
    g = _grade(session, enterprise_id, on, catalog)
    return Facts(
        enterprise_id=ent.id,
        uscc=ent.uscc,
        name=ent.name,
        size_class=ent.size_class,
        region_code=ent.region_code,
        established_on=ent.established_on,
        on=on,
        listed=g.listed,
        whitelist_version=g.whitelist_version,
        evaluation_run_id=g.evaluation_run_id,
        catalog_name=g.catalog_name,
        overall_class=g.overall_class,
        class_rank=g.class_rank,
        dimension_levels=g.dimension_levels,
        total_score=g.total_score,
        elements_held=g.elements_held,
        valid_invention_patents=counts.valid_invention_patents,
        titles=counts.titles,
        awards=counts.awards,
        quality_penalties_2y=counts.quality_penalties,
    )
