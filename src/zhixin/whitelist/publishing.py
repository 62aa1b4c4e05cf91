"""Drafting a whitelist version from an evaluation run, its review by a second regulator
(maker-checker) and its publication (locks ``whitelist_head``, numbers the version and the
change-log rows, notifies the webhooks). Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Invalid, NotFound
from zhixin.kit.db import utcnow
from zhixin.webhooks import service as webhooks
from zhixin.whitelist import repository as repo
from zhixin.whitelist import rules
from zhixin.whitelist.common import (
    catalog_of_publication,
    catalog_of_run,
    element_dims,
    finish_draft,
    ranks,
    refused,
    require,
)
from zhixin.whitelist.models import WhitelistPublication

# -- drafting and maker-checker --------------------------------------------------------------


def draft_from_run(
    session: Session, *, actor: Principal, run_id: int, note: str = ""
) -> WhitelistPublication:
    """A full draft: every listed dimension of a finished run (bulk ``INSERT ... SELECT``)."""
    require(actor, Permission.whitelist_draft)
    run = repo.run_by_id(session, run_id)
    if run is None:
        raise NotFound("未找到该评价批次 / run not found")
    if run.status != "finished":
        raise Invalid("评价批次尚未完成，不能据此起草白名单")
    catalog = catalog_of_run(session, run)
    pub = WhitelistPublication(
        status=rules.Status.draft,
        kind="full",
        run_id=run.id,
        catalog_name=run.catalog_name,
        catalog_version=run.catalog_version,
        catalog_sha256=run.catalog_sha256,
        as_of=run.as_of,
        basis_at=run.known_at or run.started_at,
        note=note.strip()[:2000] or None,
        drafted_by_id=actor.user_id,
        drafted_at=utcnow(),
    )
    session.add(pub)
    session.flush()
    repo.insert_from_run(session, publication_id=pub.id, run_id=run.id, ranks=ranks(catalog))
    finish_draft(session, pub)
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.draft",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"run_id": run.id, "entries": pub.entries, "enterprises": pub.enterprises},
    )
    return pub


def _locked(session: Session, publication_id: int) -> WhitelistPublication:
    """The publication locked for this transaction: a status check and the change it allows
    cannot be split by a concurrent review (issue 15 #12: 20 approvals published 4 versions)."""
    pub = repo.publication_for_update(session, publication_id)
    if pub is None:
        raise NotFound("未找到该白名单版本 / publication not found")
    return pub


def review(
    session: Session, *, actor: Principal, publication_id: int, approve: bool, note: str = ""
) -> WhitelistPublication:
    """A second regulator approves (and the version is published at once) or rejects.

    Maker-checker: the regulator who drafted cannot review (rules.check_review).
    """
    require(actor, Permission.whitelist_approve)
    pub = _locked(session, publication_id)
    try:
        rules.check_review(
            status=pub.status, drafted_by_id=pub.drafted_by_id, reviewer_id=actor.user_id
        )
    except rules.Refused as exc:
        raise refused(exc) from exc
    if not approve and not note.strip():
        raise Invalid("驳回须说明理由")
    pub.reviewed_by_id = actor.user_id
    pub.reviewed_at = utcnow()
    pub.review_note = note.strip()[:2000] or None
    pub.status = rules.Status.approved if approve else rules.Status.rejected
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.review",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"decision": pub.status},
    )
    if approve:
        publish(session, actor=actor, publication_id=pub.id)
    return pub


def publish(session: Session, *, actor: Principal, publication_id: int) -> WhitelistPublication:
    """Number an approved publication and append its changes to the change log.

    The head row is locked until commit, so versions and change sequence numbers are handed out
    one publication at a time and commit in order (a poller never skips a late-committing seq).
    """
    require(actor, Permission.whitelist_approve)
    pub = _locked(session, publication_id)
    try:
        rules.check_publish(status=pub.status)
    except rules.Refused as exc:
        raise refused(exc) from exc
    head = repo.head_for_update(session)
    # the changes are against the same catalog's version in force: another catalog's list (a
    # province's beside a city's) is another list, whose firms this one neither adds nor removes
    previous = repo.latest_published(session, pub.catalog_name)
    if pub.base_id is not None and (previous is None or previous.id != pub.base_id):
        raise Conflict("该增量版本起草后已有新版本发布，请重新刷新起草")
    version = rules.next_version(head.last_version)
    catalog = catalog_of_publication(session, pub)
    diff = repo.diff_select(
        old_id=previous.id if previous else None,
        new_id=pub.id,
        new_run_id=pub.run_id,
        element_dims=element_dims(catalog),
    )
    written = repo.write_changes(
        session, diff, publication_id=pub.id, version=version, base_seq=head.last_seq
    )
    head.last_version = version
    head.last_seq += written
    pub.version = version
    pub.status = rules.Status.published
    pub.published_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="whitelist.publish",
        object_type="whitelist_publication",
        object_id=pub.id,
        detail={"version": version, "changes": written, "entries": pub.entries},
    )
    webhooks.enqueue_publication(session, publication=pub)
    return pub
