"""The model registry: register versions, promote (maker-checker), monitor drift, read.

Never commits. Every registration, promotion and drift run is audited. A version's card is never
changed once stored, so the loaded :class:`~zhixin.risk.card.Card` is cached in-process by row
id; which version is the champion is read from the database each time (one indexed query), so a
promotion in another process is seen at once.

For other domains (quotes, applications) the entry point is :func:`model_pd`: the champion of a
model code scores given features, returning the version, score, PD and Chinese reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import begin_write, utcnow
from zhixin.risk import metrics, rules
from zhixin.risk import repository as repo
from zhixin.risk import spec as specs
from zhixin.risk.card import Card, Scored, shown_value, with_baseline
from zhixin.risk.models import RiskModel, RiskMonitor
from zhixin.risk.schemas import (
    BinOut,
    CalibrationOut,
    FeatureOut,
    ModelBrief,
    ModelDetail,
    MonitorOut,
    ReasonOut,
)

if TYPE_CHECKING:
    import pandas as pd

NOT_FOUND = "未找到该模型版本 / model not found"
# loaded cards by (row id, creation time): a row's card never changes; the time guards against
# a database rebuilt with the same ids (tests, a restored backup)
_CARDS: dict[tuple[int, datetime], Card] = {}


def _require(actor: Principal, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden()


def card_of(model: RiskModel) -> Card:
    key = (model.id, model.created_at)
    found = _CARDS.get(key)
    if found is None:
        found = Card.from_dict(model.card)
        _CARDS[key] = found
    return found


def model_name(code: str | None) -> str:
    """What a page shows for a model code: the shipped specification's Chinese name, else the
    code."""
    if not code:
        return ""
    try:
        return specs.load_shipped(code).name
    except KeyError:
        return code


def _spec(code: str) -> specs.Spec:
    try:
        return specs.load_shipped(code)
    except KeyError:
        names = "、".join(specs.shipped())
        raise Invalid(f"未知的模型规格 '{code}'（可用：{names}）") from None


# -- registering -------------------------------------------------------------------------------


def _register(
    session: Session,
    *,
    actor: Principal,
    card: Card,
    spec_sha256: str,
    training_hash: str | None,
    training_source: str,
    model_metrics: dict[str, Any],
    calibration: list[dict[str, Any]],
) -> RiskModel:
    _require(actor, Permission.model_manage)
    begin_write(session)
    model = RiskModel(
        code=card.code,
        version=repo.last_version(session, card.code) + 1,
        name=card.name,
        kind=card.kind,
        status=rules.CHALLENGER,
        card=card.to_dict(),
        spec_sha256=spec_sha256,
        training_hash=training_hash,
        training_source=training_source,
        features=[f.code for f in card.features],
        metrics=model_metrics,
        calibration=calibration,
        trained_by_id=actor.user_id,
        trained_by_name=actor.display_name or actor.username,
    )
    session.add(model)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="risk_model.register",
        object_type="risk_model",
        object_id=model.id,
        detail={
            "code": model.code,
            "version": model.version,
            "training_hash": training_hash,
            "spec_sha256": spec_sha256,
            "metrics": model_metrics.get("test", {}),
        },
    )
    return model


def train(
    session: Session, *, actor: Principal, spec_code: str, frame: pd.DataFrame, source: str
) -> RiskModel:
    """Train ``spec_code`` on ``frame`` (70/30, seed 42) and register it as a challenger."""
    _require(actor, Permission.model_manage)
    from zhixin.risk import datasets, training

    spec = _spec(spec_code)
    if not isinstance(spec, specs.ModelSpec):
        raise Invalid(f"“{spec.name}”是专家评分卡，无需训练：用 register 登记")
    try:
        trained = training.train(spec, frame)
    except ValueError as exc:
        raise Invalid(f"无法训练：{exc}") from exc
    return _register(
        session,
        actor=actor,
        card=trained.card,
        spec_sha256=specs.content_hash(spec),
        training_hash=datasets.frame_hash(frame),
        training_source=source,
        model_metrics={
            "train": trained.train.as_dict(),
            "test": trained.test.as_dict(),
            "split": "分层抽样 70/30，随机种子 42",
        },
        calibration=[r.__dict__ for r in trained.calibration],
    )


def register_expert(
    session: Session,
    *,
    actor: Principal,
    spec_code: str,
    reference: Mapping[str, Any] | None = None,
    source: str = "",
) -> RiskModel:
    """Register an expert card (no fitting). ``reference``: a population's features (columns)
    whose distribution becomes the PSI/CSI baseline; without it drift cannot be measured."""
    _require(actor, Permission.model_manage)
    spec = _spec(spec_code)
    if not isinstance(spec, specs.ExpertCard):
        raise Invalid(f"“{spec.name}”是训练模型：用 train 训练")
    card = specs.compile_expert(spec)
    if reference is not None:
        card = with_baseline(card, specs.expert_inputs_table(spec, reference))
    return _register(
        session,
        actor=actor,
        card=card,
        spec_sha256=specs.content_hash(spec),
        training_hash=None,
        training_source=source or "专家评分卡（无训练样本）",
        model_metrics={},
        calibration=[],
    )


# -- promoting ---------------------------------------------------------------------------------


def promote(session: Session, *, actor: Principal, model_id: int) -> RiskModel:
    """Make a challenger the champion of its code; the old champion is retired (maker-checker:
    the approver is not the one who trained it)."""
    _require(actor, Permission.model_approve)
    begin_write(session)
    model = repo.model_for_update(session, model_id)
    if model is None:
        raise NotFound(NOT_FOUND)
    try:
        rules.check_promote(
            status=model.status, trained_by=model.trained_by_id, approver=actor.user_id
        )
    except rules.PromoteRefused as exc:
        code = "not_challenger" if model.status != rules.CHALLENGER else "maker_checker"
        raise Conflict(str(exc), detail={"code": code}) from exc
    now = utcnow()
    retired = []
    for old in repo.champions(session, model.code):
        old.status = rules.RETIRED
        old.retired_at = now
        retired.append(old.version)
    model.status = rules.CHAMPION
    model.approved_by_id = actor.user_id
    model.approved_by_name = actor.display_name or actor.username
    model.approved_at = now
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="risk_model.promote",
        object_type="risk_model",
        object_id=model.id,
        detail={"code": model.code, "version": model.version, "retired": retired},
    )
    return model


# -- drift -------------------------------------------------------------------------------------


def monitor(
    session: Session,
    *,
    actor: Principal,
    model_id: int,
    columns: Mapping[str, Any],
    source: str,
) -> RiskMonitor:
    """PSI of the score and CSI of every feature on the frozen bins, for a population."""
    _require(actor, Permission.model_manage)
    model = repo.model(session, model_id)
    if model is None:
        raise NotFound(NOT_FOUND)
    card = card_of(model)
    if not card.score_shares:
        raise Invalid(
            "该模型版本没有基准分布（专家评分卡登记时未给参考总体），无法计算 PSI："
            "请以 zhixin models register --reference FILE 重新登记",
            detail={"code": "no_baseline"},
        )
    if card.kind == "expert":
        spec = _spec(card.code)
        assert isinstance(spec, specs.ExpertCard)
        columns = specs.expert_inputs_table(spec, columns)
    n = next((len(c) for c in columns.values()), 0)
    if n == 0:
        raise Invalid("监测总体为空")
    scores, _ = card.score_table(columns)
    actual = metrics.shares(metrics.band_index(scores, card.score_edges), len(card.score_shares))
    psi = metrics.psi(card.score_shares, actual)
    idx = card.indexes(columns)
    csi = {
        f.code: metrics.psi([b.share for b in f.bins], metrics.shares(idx[f.code], len(f.bins)))
        for f in card.features
    }
    drift = rules.drift(psi, csi, {f.code: f.name for f in card.features})
    begin_write(session)
    row = RiskMonitor(
        model_id=model.id,
        population=n,
        source=source,
        psi=round(psi, 6),
        csi={k: round(v, 6) for k, v in csi.items()},
        level=drift.level,
        warnings=list(drift.warnings),
        run_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="risk_model.psi",
        object_type="risk_model",
        object_id=model.id,
        detail={"psi": round(psi, 6), "level": drift.level, "population": n},
    )
    return row


# -- reading -----------------------------------------------------------------------------------


def _brief(model: RiskModel, last: RiskMonitor | None) -> dict[str, Any]:
    test = model.metrics.get("test", {}) if model.metrics else {}
    return {
        "id": model.id,
        "code": model.code,
        "version": model.version,
        "name": model.name,
        "kind": model.kind,
        "status": model.status,
        "status_label": rules.STATUS_LABELS.get(model.status, model.status),
        "features": len(model.features),
        "auc": test.get("auc"),
        "ks": test.get("ks"),
        "gini": test.get("gini"),
        "trained_by": model.trained_by_name,
        "approved_by": model.approved_by_name,
        "created_at": model.created_at,
        "approved_at": model.approved_at,
        "drift_level": last.level if last else None,
        "drift_label": metrics.LEVELS[last.level] if last else None,
    }


def list_models(session: Session, *, actor: Principal) -> list[ModelBrief]:
    _require(actor, Permission.model_read)
    out = []
    for m in repo.models(session):
        last = repo.monitors(session, m.id, limit=1)
        out.append(ModelBrief(**_brief(m, last[0] if last else None)))
    return out


def _monitor_out(r: RiskMonitor) -> MonitorOut:
    return MonitorOut(
        id=r.id,
        ran_at=r.ran_at,
        population=r.population,
        source=r.source,
        psi=r.psi,
        level=r.level,
        level_label=metrics.LEVELS[r.level],
        csi=r.csi,
        warnings=r.warnings,
    )


def get_model(session: Session, *, actor: Principal, model_id: int) -> ModelDetail:
    _require(actor, Permission.model_read)
    model = repo.model(session, model_id)
    if model is None:
        raise NotFound(NOT_FOUND)
    card = card_of(model)
    runs = repo.monitors(session, model.id)
    return ModelDetail(
        **_brief(model, runs[0] if runs else None),
        spec_sha256=model.spec_sha256,
        training_hash=model.training_hash,
        training_source=model.training_source,
        metrics=model.metrics,
        calibration=[CalibrationOut(**r) for r in model.calibration],
        scaling=dict(card.scaling),
        pd_bands=[(b.min_score, b.pd) for b in card.pd_bands],
        card_features=[
            FeatureOut(
                code=f.code,
                name=f.name,
                dtype=f.dtype,
                bins=[
                    BinOut(
                        label=b.label,
                        points=round(b.points, 2),
                        share=b.share,
                        event_rate=b.event_rate,
                    )
                    for b in f.bins
                ],
            )
            for f in card.features
        ],
        monitors=[_monitor_out(r) for r in runs],
    )


def model_by_version(session: Session, *, actor: Principal, code: str, version: int) -> RiskModel:
    _require(actor, Permission.model_read)
    found = repo.by_version(session, code, version)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


# -- scoring (for quotes and the scoring service) ----------------------------------------------

SCORE_PLACES = Decimal("0.01")
PD_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class ModelPd:
    """What a quote records about the model it priced with."""

    model_code: str
    model_id: int
    model_version: int
    score: Decimal
    pd: Decimal
    reasons: tuple[ReasonOut, ...]


def reasons_of(scored: Scored) -> tuple[ReasonOut, ...]:
    return tuple(
        ReasonOut(
            code=p.feature.code,
            name=p.feature.name,
            value=shown_value(p.feature, p.value),
            bin=p.bin.label,
            points_lost=Decimal(repr(p.lost)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            text=p.reason(),
        )
        for p in scored.reasons
    )


def champion(session: Session, code: str) -> tuple[RiskModel, Card] | None:
    found = repo.champion_id(session, code)
    if found is None:
        return None
    model = repo.model(session, found[0])
    assert model is not None
    return model, card_of(model)


@dataclass(frozen=True)
class ChampionRef:
    """Which version of a model is in use, as one indexed query found it (for :func:`model_pd`
    in the same transaction, so that a quote asks once)."""

    model_id: int
    version: int
    created_at: datetime


def has_champion(session: Session, code: str) -> bool:
    """For other domains' services: whether ``code`` has a version in use (one indexed query)."""
    return repo.champion_id(session, code) is not None


def champion_ref(session: Session, code: str) -> ChampionRef | None:
    """:func:`has_champion`, keeping what it found for :func:`model_pd`."""
    found = repo.champion_id(session, code)
    return None if found is None else ChampionRef(*found)


def model_pd(
    session: Session,
    *,
    model_code: str,
    features: Mapping[str, Any],
    champion: ChampionRef | None = None,
) -> ModelPd:
    """Score ``features`` (keyed by feature code, as :func:`risk.scoring.features_of` returns
    them) with the champion of ``model_code``. Raises ``Invalid`` when the code has no champion.
    ``champion``: what :func:`champion_ref` found for ``model_code`` earlier in this
    transaction (not asked again).

    For an expert card the features are mapped to its indicators first. The caller has already
    decided the principal may price this enterprise (a quote), so no permission is checked here.
    """
    found = (
        repo.champion_id(session, model_code)
        if champion is None
        else (champion.model_id, champion.version, champion.created_at)
    )
    if found is None:
        raise Invalid(
            f"模型“{model_code}”没有在用版本：须先训练并经另一人批准上线",
            detail={"code": "no_champion"},
        )
    model_id, version, created_at = found
    card = _CARDS.get((model_id, created_at))
    if card is None:
        model = repo.model(session, model_id)
        assert model is not None
        card = card_of(model)
    values: Mapping[str, Any] = features
    if card.kind == "expert":
        spec = _spec(card.code)
        assert isinstance(spec, specs.ExpertCard)
        values = specs.expert_inputs(spec, dict(features))
    scored = card.score_one(values)
    return ModelPd(
        model_code=model_code,
        model_id=model_id,
        model_version=version,
        score=Decimal(repr(scored.score)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP),
        pd=Decimal(repr(scored.pd)).quantize(PD_PLACES, rounding=ROUND_HALF_UP),
        reasons=reasons_of(scored),
    )
