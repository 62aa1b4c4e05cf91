"""What the whitelist's service modules share: the permission check, a refusal as a conflict, a
publication by id, the catalog of a run or a publication and its level ranks, and the
finishing of a draft (its counts). Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.catalog import service as catalogs
from zhixin.catalog.schema import Catalog
from zhixin.errors import Conflict, Forbidden, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.whitelist import repository as repo
from zhixin.whitelist import rules
from zhixin.whitelist.models import WhitelistPublication


def require(actor: Principal, *permissions: Permission) -> None:
    if not any(actor.can(p) for p in permissions):
        raise Forbidden()


def refused(exc: rules.Refused) -> Conflict:
    return Conflict(str(exc))


# -- catalogs of runs and publications -------------------------------------------------------


def catalog_of_run(session: Session, run: evaluation.Run) -> Catalog:
    row = repo.catalog_version(session, run.catalog_version_id)
    if row is None:  # pragma: no cover - a foreign key guards it
        raise NotFound("未找到评价批次所用的指标目录版本")
    return catalogs.catalog_of(row)


def catalog_of_publication(session: Session, pub: WhitelistPublication) -> Catalog:
    run = repo.run_by_id(session, pub.run_id)
    if run is None:  # pragma: no cover
        raise NotFound("未找到该版本的评价批次")
    return catalog_of_run(session, run)


def ranks(catalog: Catalog) -> dict[str, int]:
    return {lv.code: i for i, lv in enumerate(catalog.levels)}


def element_dims(catalog: Catalog) -> dict[str, list[str]]:
    dims: dict[str, list[str]] = {d.code: [] for d in catalog.dimensions}
    for e in catalog.elements:
        dims.setdefault(e.dimension, []).append(e.code)
    return dims


def finish_draft(session: Session, pub: WhitelistPublication) -> None:
    pub.enterprises, pub.entries = repo.entry_counts(session, pub.id)
    session.flush()


def publication_or_missing(session: Session, publication_id: int) -> WhitelistPublication:
    pub = repo.publication_by_id(session, publication_id)
    if pub is None:
        raise NotFound("未找到该白名单版本 / publication not found")
    return pub
