"""Publish a whitelist version with chosen grades, for quote tests.

Producing every class of every catalog through quality records would make each product test a
catalog exercise (Ningbo's five levels need dozens of records per enterprise). Quote tests care
about what a *published* grade does to a product, so this writes the rows an evaluation and a
publication leave behind — a finished run of the bundled catalog, each enterprise's result and
dimension levels, a published version with its entries — exactly as the whitelist service
would, through the same tables. ``tests/integration/test_quotes_facts.py`` checks the real path
(records → evaluation → maker-checker publication) gives facts of the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zhixin.catalog import service as catalogs
from zhixin.catalog.loader import load
from zhixin.evaluation.models import (
    EvaluationDimension,
    EvaluationElement,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.kit.db import unit_of_work
from zhixin.whitelist.models import WhitelistEntry, WhitelistHead, WhitelistPublication


@dataclass(frozen=True)
class Grade:
    """One enterprise's result: overall level code, dimension level codes, score, elements."""

    overall: str | None
    dimensions: Mapping[str, str] = field(default_factory=dict)
    score: Decimal = Decimal("50.00")
    elements: tuple[str, ...] = ()


def publish_grades(
    factory: sessionmaker[Session],
    *,
    catalog: str,
    grades: Mapping[int, Grade],
    as_of: date = date(2025, 6, 30),
    published_at: datetime = datetime(2025, 7, 1, 2, 0, tzinfo=UTC),
) -> int:
    """A finished run and a published version holding ``grades``; returns the version."""
    loaded = load(catalog)
    cat = loaded.catalog
    ranks = {lv.code: i for i, lv in enumerate(cat.levels)}
    listed_levels = set(cat.whitelist_levels)
    with unit_of_work(factory) as s:
        version_row = catalogs.register_version(s, loaded=loaded)
        run = EvaluationRun(
            catalog_version_id=version_row.id,
            catalog_name=cat.name,
            catalog_version=cat.version,
            catalog_sha256=loaded.sha256,
            as_of=as_of,
            engine="duckdb",
            status="finished",
            enterprises=len(grades),
            started_at=published_at,
            finished_at=published_at,
        )
        s.add(run)
        s.flush()
        head = s.scalar(select(WhitelistHead).where(WhitelistHead.id == 1))
        if head is None:
            head = WhitelistHead(id=1, last_version=0, last_seq=0)
            s.add(head)
        version = head.last_version + 1
        head.last_version = version
        pub = WhitelistPublication(
            version=version,
            status="published",
            kind="full",
            run_id=run.id,
            catalog_name=cat.name,
            catalog_version=cat.version,
            catalog_sha256=loaded.sha256,
            as_of=as_of,
            basis_at=published_at,
            drafted_at=published_at,
            published_at=published_at,
        )
        s.add(pub)
        s.flush()
        entries = 0
        for eid, g in grades.items():
            listed = [d for d, lv in g.dimensions.items() if lv in listed_levels]
            entries += len(listed)
            s.add(
                EvaluationResult(
                    run_id=run.id,
                    enterprise_id=eid,
                    total_score=g.score,
                    overall_level=g.overall,
                    listed=bool(listed),
                    entries=len(listed),
                    gates_failed=[],
                )
            )
            for dim, lv in g.dimensions.items():
                s.add(
                    EvaluationDimension(
                        run_id=run.id,
                        enterprise_id=eid,
                        dimension=dim,
                        level=lv,
                        points=30,
                        listed=dim in listed,
                    )
                )
                if dim in listed:
                    s.add(
                        WhitelistEntry(
                            publication_id=pub.id,
                            enterprise_id=eid,
                            dimension=dim,
                            level=lv,
                            level_rank=ranks[lv],
                            points=30,
                            run_id=run.id,
                        )
                    )
            for code in g.elements:
                el = cat.element(code)
                s.add(
                    EvaluationElement(
                        run_id=run.id,
                        enterprise_id=eid,
                        element=code,
                        level=el.level or (el.tiers[0].level if el.tiers else ""),
                        points=el.points,
                        measure=1,
                        record_ids=[],
                    )
                )
        run.listed = sum(1 for g in grades.values() if g.dimensions)
        run.entries = entries
        pub.enterprises = run.listed
        pub.entries = entries
        return version
