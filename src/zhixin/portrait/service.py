"""The quality portrait (质量画像) of one enterprise. Reading only; never commits.

Who sees what: anyone holding ``portrait:read`` sees the grade parts (identity, levels per
dimension, radar, elements held, trend, what would raise the grade) of an enterprise they may
see; the evidence (record details) and the warnings drawn from records only where the reader
may read the records — a bank only under the enterprise's consent with the "records+portrait"
scope. An enterprise user sees its own portrait only; another's is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.catalog.schema import Catalog
from zhixin.consent import service as consents
from zhixin.disputes import service as disputes
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden
from zhixin.evaluation import overview
from zhixin.evaluation import service as evaluation
from zhixin.evaluation.schemas import ExplanationOut
from zhixin.kit import clock
from zhixin.portrait import repository as repo
from zhixin.portrait import rules
from zhixin.portrait.rules import Alert, Fact
from zhixin.records import service as records
from zhixin.records.kinds import RECORD_KINDS


@dataclass(frozen=True)
class Identity:
    id: int
    name: str
    uscc: str
    kind: str
    size_class: str | None
    region_code: str | None
    industry_code: str | None
    status: str
    established_on: date | None


@dataclass(frozen=True)
class DimensionLevel:
    code: str
    name: str
    level: str | None
    level_name: str
    points: int
    cap: int  # the highest score the catalog lets this dimension reach (its radar axis)
    listed: bool


@dataclass(frozen=True)
class TrendPoint:
    run_id: int
    as_of: date
    catalog_name: str
    total_score: Decimal
    overall_level: str | None
    overall_level_name: str
    listed: bool


@dataclass(frozen=True)
class Portrait:
    identity: Identity
    today: date
    result: ExplanationOut | None  # the latest run's; without evidence no record reference
    dimensions: list[DimensionLevel]
    trend: list[TrendPoint]  # oldest first, newest last
    evidence: bool  # whether record details and record-based warnings are shown
    warnings: list[Alert] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    disputes_open: int = 0  # 异议 of the enterprise not yet resolved (shown to everyone who reads)

    @property
    def listed_dimensions(self) -> list[DimensionLevel]:
        return [d for d in self.dimensions if d.listed]


def may_see_evidence(session: Session, *, actor: Principal, enterprise_id: int) -> bool:
    if actor.tenant_kind == TenantKind.bank:
        return actor.can(Permission.record_read) and consents.bank_may(
            session, actor, enterprise_id, "portrait"
        )
    return records.may_read(session, actor=actor, enterprise_id=enterprise_id)


def _facts(session: Session, enterprise_id: int) -> list[Fact]:
    out = []
    for r in repo.current_records(session, enterprise_id):
        spec = RECORD_KINDS.get(r.kind)
        label = spec.label if spec else r.kind
        out.append(
            Fact(
                id=r.id,
                kind=r.kind,
                kind_label=label,
                name=r.subtype or r.title or r.ref or label,
                valid_to=r.valid_to,
                event_date=r.event_date,
                repaired_on=r.repaired_on,
                subtype=r.subtype,
                status=r.status,
                valid_from=r.valid_from,
                ref=r.ref,
            )
        )
    return out


def warnings_of(session: Session, enterprise_id: int, today: date) -> list[Alert]:
    facts = _facts(session, enterprise_id)
    pending = [r.record_id for r in repo.pending_repairs(session, enterprise_id)]
    return (
        rules.expiring(facts, today)
        + rules.patent_fees(facts, today)
        + rules.recent_negative(facts, today)
        + rules.repair_pending(pending)
    )


def trend_of(session: Session, enterprise_id: int) -> list[TrendPoint]:
    catalogs: dict[int, Catalog] = {}
    points = []
    for run, res in repo.results_over_runs(session, enterprise_id):
        if run.catalog_version_id not in catalogs:
            catalogs[run.catalog_version_id] = overview.catalog_of_run(session, run)
        catalog = catalogs[run.catalog_version_id]
        points.append(
            TrendPoint(
                run_id=run.id,
                as_of=run.as_of,
                catalog_name=run.catalog_name,
                total_score=Decimal(res.total_score),
                overall_level=res.overall_level,
                overall_level_name="否决"
                if res.vetoed
                else catalog.level_name(res.overall_level)
                if res.overall_level
                else "未达等级",
                listed=res.listed,
            )
        )
    return points


def _dimensions(session: Session, actor: Principal, ex: ExplanationOut) -> list[DimensionLevel]:
    assert ex.run_id is not None
    run = evaluation.get_run(session, actor=actor, run_id=ex.run_id)
    # the dimension's highest reachable score (its radar axis), not only its nominal cap
    caps = overview.catalog_of_run(session, run).dimension_maxima()
    return [
        DimensionLevel(
            code=d.code,
            name=d.name,
            level=d.level,
            level_name=d.level_name if d.level else "未达等级",
            points=d.points,
            cap=caps.get(d.code, 100),
            listed=d.listed,
        )
        for d in ex.dimensions
    ]


def build(
    session: Session, *, actor: Principal, enterprise_id: int, today: date | None = None
) -> Portrait:
    """The portrait of one enterprise as ``actor`` may see it."""
    if not actor.can(Permission.portrait_read):
        raise Forbidden("无权查看质量画像")
    ent = enterprises.get(session, actor=actor, enterprise_id=enterprise_id)  # 404 if not own
    day = today or clock.today()
    evidence = may_see_evidence(session, actor=actor, enterprise_id=ent.id)
    ex = overview.latest_result(
        session, actor=actor, enterprise_id=ent.id, with_records=evidence, audit_read=False
    )
    return Portrait(
        identity=Identity(
            id=ent.id,
            name=ent.name,
            uscc=ent.uscc,
            kind=ent.kind,
            size_class=ent.size_class,
            region_code=ent.region_code,
            industry_code=ent.industry_code,
            status=ent.status,
            established_on=ent.established_on,
        ),
        today=day,
        result=ex,
        dimensions=_dimensions(session, actor, ex) if ex is not None else [],
        trend=trend_of(session, ent.id) if ex is not None else [],
        evidence=evidence,
        warnings=warnings_of(session, ent.id, day) if evidence else [],
        advice=[d.advice.text for d in ex.dimensions if d.advice] if ex is not None else [],
        disputes_open=disputes.open_count(session, ent.id),
    )


def records_shown(p: Portrait) -> int:
    """How many records the portrait names (evidence and warnings)."""
    ids: set[int] = set()
    if p.result is not None:
        ids |= {r.id for d in p.result.dimensions for e in d.elements for r in e.records}
        ids |= {r.id for g in p.result.gates for r in g.records}
    return len(ids | {w.record_id for w in p.warnings if w.record_id is not None})


def read(session: Session, *, actor: Principal, enterprise_id: int) -> Portrait:
    """:func:`build` as a page or the API takes it: when it shows evidence, one ``record.read``
    entry in the access log with the number of records it names."""
    p = build(session, actor=actor, enterprise_id=enterprise_id)
    n = records_shown(p)
    if n:
        _taken(session, actor, p, "record.read", n)
    return p


def pdf_taken(session: Session, *, actor: Principal, portrait: Portrait) -> None:
    """The access-log entry of a PDF download (``portrait.pdf``, with the number of records it
    names). Called once the file is rendered, so SQLite's writer lock is not held meanwhile."""
    _taken(session, actor, portrait, "portrait.pdf", records_shown(portrait))


def _taken(session: Session, actor: Principal, p: Portrait, action: str, rows: int) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=action,
        object_type="enterprise",
        object_id=p.identity.id,
        detail={"rows": rows, "what": "portrait", "evidence": p.evidence},
    )
