"""What the regulator's pages show of a run: distributions, and an enterprise's latest result.

Reading only (plus ``run_now``, the page's "evaluate now" button); never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.catalog import service as catalogs
from zhixin.catalog.schema import Catalog
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden
from zhixin.evaluation import repository as repo
from zhixin.evaluation import service
from zhixin.evaluation.models import EvaluationRun
from zhixin.evaluation.schemas import ExplanationOut

SCORE_BUCKET = Decimal(10)


@dataclass(frozen=True)
class LevelBar:
    level: str
    name: str
    count: int


@dataclass(frozen=True)
class DimensionDistribution:
    code: str
    name: str
    bars: list[LevelBar]  # best level first, then 未达等级
    listed: int
    held_back: int = 0  # at a whitelist level but not listed (a gate)


@dataclass(frozen=True)
class RunOverview:
    run: EvaluationRun
    catalog: Catalog
    overall: list[LevelBar]
    dimensions: list[DimensionDistribution]
    scores: list[tuple[str, int]]  # ("0–10", n), ...
    # the charts' scope: a regulator's jurisdiction (a region code prefix), None for the run
    region_prefix: str | None = None
    evaluated: int = 0  # enterprises in that scope


def catalog_of_run(session: Session, run: EvaluationRun) -> Catalog:
    version = repo.catalog_version_by_id(session, run.catalog_version_id)
    assert version is not None  # FK
    return catalogs.catalog_of(version)


def _bucket_scores(counts: list[tuple[Decimal, int]]) -> list[tuple[str, int]]:
    if not counts:
        return []
    top = max(s for s, _ in counts)
    n_buckets = int(top // SCORE_BUCKET) + 1
    buckets = [0] * n_buckets
    for score, n in counts:
        buckets[int(score // SCORE_BUCKET)] += n
    return [
        (f"{int(i * SCORE_BUCKET)}–{int((i + 1) * SCORE_BUCKET)}", n) for i, n in enumerate(buckets)
    ]


def run_overview(session: Session, *, actor: Principal, run_id: int) -> RunOverview:
    run = service.get_run(session, actor=actor, run_id=run_id)
    if not actor.sees_enterprise(-1):  # an enterprise user sees its own result, not the run's
        raise Forbidden("企业用户只能查看本企业的评价结果")
    catalog = catalog_of_run(session, run)
    levels = [(lv.code, lv.name) for lv in catalog.levels]
    prefix = enterprises.jurisdiction(session, actor)  # a regulator sees its jurisdiction's
    evaluated = run.enterprises
    if prefix is not None:
        evaluated, _rows = repo.results(
            session, run_id=run_id, limit=0, offset=0, region_prefix=prefix
        )
    by_dim: dict[str, dict[str, int]] = {}
    for dim, level, n in repo.level_counts(session, run_id=run_id, region_prefix=prefix):
        by_dim.setdefault(dim, {})[level] = n
    # 入选 counts the dimensions listed, as the whitelist does: a dimension at a whitelist level
    # of an enterprise held back by a gate (否决/封顶) is in its level's bar but not listed
    listed_by_dim = repo.listed_counts(session, run_id=run_id, region_prefix=prefix)
    dimensions = []
    for d in catalog.dimensions:
        got = by_dim.get(d.code, {})
        held = sum(got.get(code, 0) for code, _ in levels)
        bars = [LevelBar(code, name, got.get(code, 0)) for code, name in levels]
        bars.append(LevelBar("", "未达等级", max(evaluated - held, 0)))
        at_levels = sum(got.get(code, 0) for code in catalog.whitelist_levels)
        listed = listed_by_dim.get(d.code, 0)
        dimensions.append(DimensionDistribution(d.code, d.name, bars, listed, at_levels - listed))
    overall_by_level: dict[str | None, int] = {}
    vetoed = 0
    for overall_level, _listed, is_vetoed, n in repo.overall_counts(
        session, run_id=run_id, region_prefix=prefix
    ):
        if is_vetoed:
            vetoed += n
            continue
        overall_by_level[overall_level] = overall_by_level.get(overall_level, 0) + n
    overall = [LevelBar(c, name, overall_by_level.get(c, 0)) for c, name in levels]
    overall.append(LevelBar("", "未达等级", overall_by_level.get(None, 0)))
    overall.append(LevelBar("", "否决", vetoed))
    scores = _bucket_scores(repo.score_counts(session, run_id=run_id, region_prefix=prefix))
    return RunOverview(run, catalog, overall, dimensions, scores, prefix, evaluated)


def latest_result(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    with_records: bool = True,
    audit_read: bool = True,
) -> ExplanationOut | None:
    """The enterprise's result in the newest run that has it, or None (the records behind it
    as :func:`service.enterprise_result` allows)."""
    if not actor.can(Permission.evaluation_read):
        return None
    run = repo.latest_run_with(session, enterprise_id=enterprise_id)
    if run is None:
        return None
    return service.enterprise_result(
        session,
        actor=actor,
        run_id=run.id,
        enterprise_id=enterprise_id,
        with_records=with_records,
        audit_read=audit_read,
    )


def run_now(session: Session, *, actor: Principal, catalog_name: str, as_of: date) -> EvaluationRun:
    """Evaluate every enterprise from the database now (the page's button) and store the run."""
    if not actor.can(Permission.evaluation_run):
        raise Forbidden()
    loaded = catalogs.get(catalog_name)
    run = service.evaluate_database(session, loaded=loaded, as_of=as_of, actor_id=actor.user_id)
    audit.record(
        session,
        actor=Actor.of(actor),
        action="evaluation.run",
        object_type="evaluation_run",
        object_id=run.id,
        detail={"catalog": catalog_name, "as_of": as_of.isoformat()},
    )
    return run
