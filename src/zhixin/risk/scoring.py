"""Scoring one enterprise: gather its features under its consent, then score with a champion.

Reads, as of the date:

- its bank-statement lines (the window and the year before: 24 months), invoicing/tax months
  and annual statements (``risk_*`` tables);
- its quality grade, by running the evaluation engine for it on ``catalog``
  (``evaluation.service.evaluate_enterprise``: elements, dimension levels, gates as of the date);
- its registry facts from its current quality records (``records.service.readable_facts``:
  the fields the features read, with the same access-log entry as ``records_of``).

A bank reads them only while the enterprise's consent (授权) to it is in force
(``records.service.may_read``); otherwise the request is refused with a Chinese message saying
so. An enterprise may score itself; a regulator may not (it prices no loans).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.catalog import service as catalogs
from zhixin.enterprises import service as enterprises
from zhixin.errors import ConsentRequired, Forbidden, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.records import service as records
from zhixin.risk import features as feats
from zhixin.risk import repository as repo
from zhixin.risk import service
from zhixin.risk.schemas import ScoreOut

NO_CONSENT = (
    "该企业尚未授权贵行读取其明细数据（质量要素记录、财务、开票纳税与银行流水），"
    "不能计算模型评分；请企业在“授权管理”中向贵行授权后再试"
)


class NoConsent(ConsentRequired):
    """403 ``consent_required``; ``detail.code`` ``no_consent`` as before."""

    def __init__(self) -> None:
        super().__init__(NO_CONSENT)
        self.detail = {"code": "no_consent"}


@dataclass(frozen=True)
class Gathered:
    values: dict[str, float | None]
    sources: dict[str, int]  # rows read per source, for the page


def _first_month(as_of: date) -> date:
    first, _ = feats.window(as_of)
    first -= feats.MONTHS  # the previous window too (growth, seasonality)
    return date(first // 12, first % 12 + 1, 1)


def features_of(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    as_of: date,
    catalog: str | None = None,
    quality: feats.QualityFacts | None = None,
) -> Gathered:
    """Every feature of the enterprise on ``as_of`` (refused without consent).

    ``quality``: the grade the caller already holds (a quote: the published run it priced on,
    as of the quote date); the evaluation engine is then not run again for ``catalog``."""
    if not actor.can(Permission.risk_score):
        raise Forbidden()
    ent = enterprises.get_identity(session, actor=actor, enterprise_id=enterprise_id)
    if quality is None and catalog:
        # the engine's run logs its explanation before the records are read, as it always has
        if not records.may_read(session, actor=actor, enterprise_id=enterprise_id):
            raise NoConsent()
        quality = _engine_grade(session, actor, enterprise_id, catalog, as_of)
    # the consent check and the access-log entry of the records, in one call
    recs = records.readable_facts(session, actor=actor, enterprise_id=enterprise_id, visible=True)
    if recs is None:
        raise NoConsent()
    since = _first_month(as_of)
    # the rows as the database gives them: the same fields, in the same order, as the
    # features' named tuples (a quote reads hundreds of bank lines)
    lines = cast("Sequence[feats.BankLine]", repo.bank_lines(session, enterprise_id, since))
    invoices = cast(
        "Sequence[feats.InvoiceMonth]", repo.invoice_months(session, enterprise_id, since)
    )
    years = cast("Sequence[feats.FinancialYear]", repo.financial_years(session, enterprise_id))
    registry = feats.registry_facts(recs, as_of=as_of, established_on=ent.established_on)
    values = feats.all_features(
        as_of=as_of,
        lines=lines,
        invoices=invoices,
        financials=years,
        quality=quality,
        registry=registry,
    )
    return Gathered(
        values,
        {"bank_lines": len(lines), "invoice_months": len(invoices), "financial_years": len(years)},
    )


def _engine_grade(
    session: Session, actor: Principal, enterprise_id: int, catalog: str, as_of: date
) -> feats.QualityFacts | None:
    """The evaluation engine's grade of the enterprise on ``as_of`` (None: not graded)."""
    try:
        ex = evaluation.evaluate_enterprise(
            session,
            actor=actor,
            enterprise_id=enterprise_id,
            catalog_name=catalog,
            as_of=as_of,
        )
    except NotFound:
        return None
    return feats.QualityFacts(
        class_rank=_rank(catalog, ex.overall_level),
        total_score=ex.total_score,
        dimensions_graded=sum(1 for d in ex.dimensions if d.level),
        elements_held=sum(len(d.elements) for d in ex.dimensions),
        gates_failed=len(ex.gates),
    )


def _rank(catalog: str, overall: str | None) -> int | None:
    """The overall class's rank in the catalog (1 = its best level; None when not graded)."""
    if overall is None:
        return None
    return catalogs.get(catalog).catalog.level_rank(overall) + 1


def score(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    model_code: str,
    as_of: date,
    catalog: str | None = None,
) -> ScoreOut:
    """Score an enterprise with the champion of ``model_code``: score, PD and reason codes."""
    gathered = features_of(
        session, actor=actor, enterprise_id=enterprise_id, as_of=as_of, catalog=catalog
    )
    result = service.model_pd(session, model_code=model_code, features=gathered.values)
    return ScoreOut(
        enterprise_id=enterprise_id,
        model_code=model_code,
        model_id=result.model_id,
        model_version=result.model_version,
        as_of=as_of,
        score=result.score,
        pd=result.pd,
        reasons=list(result.reasons),
        features=gathered.values,
    )
