"""Enterprise registry: search, detail, create. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises import repository as repo
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import (
    KINDS,
    SIZE_CLASSES,
    InvalidUSCC,
    in_region,
    is_valid_industry,
    is_valid_region,
    name_problem,
    normalise_uscc,
)
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.text import clean


def _require(actor: Principal, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden()


# -- who sees which enterprise ------------------------------------------------------------------


def jurisdiction(session: Session, actor: Principal) -> str | None:
    """The region prefix the actor's reads are limited to: a regulator tenant's 辖区, or None
    (every region: other tenants, and a regulator tenant without a region)."""
    return accounts.jurisdiction(session, actor)


def _sees(session: Session, actor: Principal, ent: Enterprise) -> bool:
    return actor.sees_enterprise(ent.id) and in_region(
        jurisdiction(session, actor), ent.region_code
    )


def visible(session: Session, *, actor: Principal, enterprise_id: int) -> bool:
    """Whether the enterprise exists and is the actor's to see: an enterprise user its own
    only, a regulator those of its jurisdiction, everyone else every enterprise. Whatever is
    not visible answers exactly as a missing enterprise does (404)."""
    ent = repo.by_id(session, enterprise_id)
    return ent is not None and _sees(session, actor, ent)


def visible_among(session: Session, *, actor: Principal, ids: list[int]) -> set[int]:
    """Those of ``ids`` the actor may see (one query for a regulator with a jurisdiction)."""
    seen = {i for i in ids if actor.sees_enterprise(i)}
    prefix = jurisdiction(session, actor)
    if prefix is None:
        return seen
    return repo.ids_in_region(session, sorted(seen), prefix)


def search(
    session: Session,
    *,
    actor: Principal,
    q: str = "",
    region_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Enterprise], int]:
    _require(actor, Permission.enterprise_read)
    only = actor.enterprise_id if actor.tenant_kind.value == "enterprise" else None
    if actor.tenant_kind.value == "enterprise" and only is None:
        return [], 0
    q = clean(q)
    return repo.search(
        session,
        q=q,
        region_code=region_code or None,
        only_id=only,
        limit=max(1, min(limit, 200)),
        offset=max(0, offset),
        region_prefix=jurisdiction(session, actor),
    )


def get(session: Session, *, actor: Principal, enterprise_id: int) -> Enterprise:
    """One enterprise; another tenant's (for an enterprise user) is a 404 like a missing one."""
    _require(actor, Permission.enterprise_read)
    ent = repo.by_id(session, enterprise_id)
    if ent is None or not _sees(session, actor, ent):
        raise NotFound()
    return ent


def get_identity(session: Session, *, actor: Principal, enterprise_id: int) -> repo.Identity:
    """:func:`get` as the enterprise's identity columns (no entity loaded): the same permission
    and visibility, the same 404."""
    _require(actor, Permission.enterprise_read)
    ident = repo.identity(session, enterprise_id)
    if ident is None or not (
        actor.sees_enterprise(ident.id)
        and in_region(jurisdiction(session, actor), ident.region_code)
    ):
        raise NotFound()
    return ident


def get_by_uscc(session: Session, *, actor: Principal, uscc: str) -> Enterprise:
    _require(actor, Permission.enterprise_read)
    try:
        code = normalise_uscc(clean(uscc))
    except InvalidUSCC as exc:
        raise Invalid(str(exc)) from exc
    ent = repo.by_uscc(session, code)
    if ent is None or not _sees(session, actor, ent):
        raise NotFound()
    return ent


def create(
    session: Session,
    *,
    actor: Principal,
    uscc: str,
    name: str,
    kind: str = "企业",
    size_class: str | None = None,
    region_code: str | None = None,
    industry_code: str | None = None,
    established_on: date | None = None,
    registered_capital: Decimal | None = None,
) -> Enterprise:
    _require(actor, Permission.enterprise_write)
    problems: dict[str, str] = {}
    try:
        code = normalise_uscc(clean(uscc))
    except InvalidUSCC as exc:
        problems["uscc"] = str(exc)
        code = ""
    name = clean(name)
    if not name:
        problems["name"] = "名称不能为空"
    elif (reason := name_problem(name)) is not None:
        problems["name"] = reason
    if kind not in KINDS:
        problems["kind"] = "主体类型应为：" + "、".join(KINDS)
    if size_class is not None and size_class not in SIZE_CLASSES:
        problems["size_class"] = "企业规模应为：" + "、".join(SIZE_CLASSES)
    if region_code and not is_valid_region(region_code):
        problems["region_code"] = "行政区划代码应为 6 位数字"
    elif not in_region(prefix := jurisdiction(session, actor), region_code or None):
        problems["region_code"] = f"只能登记本机构辖区内的经营主体：行政区划代码须以 {prefix} 开头"
    if industry_code and not is_valid_industry(industry_code):
        problems["industry_code"] = "行业代码应符合 GB/T 4754（如 C13、C1391）"
    if registered_capital is not None and registered_capital < 0:
        problems["registered_capital"] = "注册资本不能为负数"
    if problems:
        raise Invalid("经营主体信息有误", detail=problems)
    if repo.by_uscc(session, code) is not None:
        raise Conflict("该统一社会信用代码已登记")
    ent = Enterprise(
        uscc=code,
        name=name,
        kind=kind,
        size_class=size_class,
        region_code=region_code,
        industry_code=industry_code,
        established_on=established_on,
        registered_capital=(
            registered_capital.quantize(Decimal("0.01")) if registered_capital is not None else None
        ),
        source_system="manual",
    )
    session.add(ent)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="enterprise.create",
        object_type="enterprise",
        object_id=ent.id,
    )
    return ent


def count(session: Session) -> int:
    return repo.count(session)


def names_by_ids(
    session: Session, *, actor: Principal, ids: list[int]
) -> dict[int, tuple[str, str]]:
    """id → (uscc, name), limited to what the actor may see."""
    _require(actor, Permission.enterprise_read)
    found = repo.names_by_ids(session, ids, region_prefix=jurisdiction(session, actor))
    return {i: v for i, v in found.items() if actor.sees_enterprise(i)}


# -- for other domains' services (no permission check: the caller has made it) ---------------

# The identity a price reads (id, USCC, name, size, region, founding date), or None.
identity = repo.identity
# The identities of the enterprises a select of ids yields, in one round trip (batches).
identities_among = repo.identities_among
# The id of the enterprise with this (normalised) USCC, or None.
id_by_uscc = repo.id_by_uscc
# id → region code of the given enterprises (the loan book's NPL ratio by region).
regions_by_ids = repo.regions_by_ids
# id → (name, region code, industry code) of the given enterprises (the reports' breakdowns).
places_by_ids = repo.places_by_ids
regions_among = repo.regions_among


def region_of(enterprise_id: Any) -> Any:
    """A correlated scalar subquery: the region code (district) of the enterprise whose id is
    the column ``enterprise_id`` — for set-based statements of other domains (the subsidy
    lines' district) that must not join this domain's table themselves."""
    return (
        select(Enterprise.region_code)
        .where(Enterprise.id == enterprise_id)
        .correlate_except(Enterprise)
        .scalar_subquery()
    )
