"""Refresh: re-evaluate the enterprises touched since the version in force and draft the delta
(a new publication that then goes through review and publish like any other). Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.catalog import service as catalogs
from zhixin.errors import Invalid
from zhixin.evaluation import service as evaluation
from zhixin.kit.db import utcnow
from zhixin.whitelist import repository as repo
from zhixin.whitelist import rules
from zhixin.whitelist.common import (
    catalog_of_run,
    element_dims,
    finish_draft,
    ranks,
    require,
)
from zhixin.whitelist.models import WhitelistPublication
from zhixin.whitelist.publishing import publish

# -- refresh: re-evaluate the touched enterprises and draft the delta ------------------------


@dataclass(frozen=True)
class RefreshOutcome:
    publication: WhitelistPublication | None
    touched: int
    message: str


def _evaluate_subset(
    session: Session,
    *,
    catalog_name: str,
    as_of: date,
    enterprise_ids: list[int],
    actor_id: int,
) -> evaluation.Run:
    """A stored run over only ``enterprise_ids`` (the same engine and bookkeeping as the batch)."""
    return evaluation.evaluate_database(
        session,
        loaded=catalogs.get(catalog_name),
        as_of=as_of,
        enterprise_ids=enterprise_ids,
        actor_id=actor_id,
        message=f"白名单刷新：重新评价 {len(enterprise_ids)} 家",
    )


def refresh(
    session: Session,
    *,
    actor: Principal,
    catalog_name: str,
    as_of: date,
    urgent: bool = False,
    note: str = "",
) -> RefreshOutcome:
    """Re-evaluate the enterprises whose records became known (or were superseded) since the
    last published version, and draft the delta: the previous entries with those enterprises
    replaced.

    ``urgent``: publish at once a small version that only removes the enterprises a gate
    (否决项) now bars. Maker-checker is waived there on purpose: a gate is a negative fact that
    another authority has already decided (a penalty decision, a list entry, a failed spot
    check), the version can only remove entries, never add or raise one, and every hour the
    entry stays listed banks may lend on it. The version records who published it and when
    (``urgent``, ``drafted_by_id`` = ``reviewed_by_id``, audit event ``whitelist.urgent``); any
    other change the new records cause is left for the ordinary reviewed delta (the urgent
    version keeps the previous basis time, so the next refresh picks those records up again).
    """
    require(actor, Permission.whitelist_draft)
    previous = repo.latest_published(session, catalog_name)
    if previous is None:
        raise Invalid(
            f"指标目录 {catalogs.catalog_title(catalog_name)} 尚无已发布的白名单版本："
            "请先从评价批次起草并发布第一版"
        )
    basis = utcnow()
    # only this catalog's firms (those a run of it graded): a Zhejiang firm's new records do
    # not re-grade it on Xiamen's catalog
    touched = repo.touched_since(session, previous.basis_at, catalog=catalog_name)
    if not touched:
        return RefreshOutcome(
            None, 0, f"自第 {previous.version} 版以来没有新增或更正的记录，无需刷新"
        )
    run = _evaluate_subset(
        session,
        catalog_name=catalog_name,
        as_of=as_of,
        enterprise_ids=touched,
        actor_id=actor.user_id,
    )
    catalog = catalog_of_run(session, run)
    pub = WhitelistPublication(
        status=rules.Status.draft,
        kind="urgent" if urgent else "delta",
        run_id=run.id,
        base_id=previous.id,
        catalog_name=run.catalog_name,
        catalog_version=run.catalog_version,
        catalog_sha256=run.catalog_sha256,
        as_of=as_of,
        basis_at=previous.basis_at if urgent else basis,
        note=note.strip()[:2000] or None,
        drafted_by_id=actor.user_id,
        drafted_at=utcnow(),
        urgent=urgent,
    )
    session.add(pub)
    session.flush()
    repo.insert_delta(
        session,
        publication_id=pub.id,
        base_id=previous.id,
        run_id=run.id,
        ranks=ranks(catalog),
        replace="gated" if urgent else "evaluated",
    )
    finish_draft(session, pub)
    if not urgent:
        audit.record(
            session,
            actor=Actor.of(actor),
            action="whitelist.refresh",
            object_type="whitelist_publication",
            object_id=pub.id,
            detail={"run_id": run.id, "touched": len(touched), "base_version": previous.version},
        )
        return RefreshOutcome(
            pub, len(touched), f"重新评价 {len(touched)} 家，已起草增量版本（待另一名监管人员复核）"
        )
    diff = repo.diff_select(
        old_id=previous.id, new_id=pub.id, new_run_id=run.id, element_dims=element_dims(catalog)
    )
    counts: dict[str, int] = {}
    for change, reason, n in repo.diff_counts(session, diff):
        key = reason if change == "removed" and reason else change
        counts[key] = counts.get(key, 0) + n
    if not rules.only_gate_removals(counts):
        raise Invalid("没有因否决项而须移出的白名单条目，不能紧急发布；请不加 --urgent 刷新")
    require(actor, Permission.whitelist_approve)
    pub.status = rules.Status.approved
    pub.reviewed_by_id = actor.user_id
    pub.reviewed_at = utcnow()
    pub.review_note = "紧急移出（否决项），免于双人复核"
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.urgent",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"run_id": run.id, "removed": counts.get("gate", 0)},
    )
    publish(session, actor=actor, publication_id=pub.id)
    return RefreshOutcome(
        pub,
        len(touched),
        f"紧急发布第 {pub.version} 版：因否决项移出 {counts.get('gate', 0)} 个家次",
    )
