"""Reading, exporting and pushing 预授信 lists: who sees which list (a bank its own products'
lists, a regulator the rows of its jurisdiction's enterprises, the task force everything), a
list with a page of its rows, its XLSX (rows read in keyset pages of ``EXPORT_PAGE``), and the
bank's push of its list into its ledger. Never commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.demand import ledger
from zhixin.demand import repository as repo
from zhixin.demand.models import PreapprovalList
from zhixin.demand.schemas import (
    PreapprovalListOut,
    PreapprovalOut,
    PreapprovalRowOut,
    PushOut,
)
from zhixin.demand.service import bank_code_of
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound
from zhixin.kit.db import utcnow
from zhixin.kit.sheets import Book

# -- reading, pushing ----------------------------------------------------------------------

NOT_FOUND = "未找到该预授信名单"


def _list_out(
    h: PreapprovalList, within: tuple[int, int, Decimal] | None = None
) -> PreapprovalListOut:
    """The header; ``within`` (pre-approved, fast lane, total limit) replaces the list's own
    counts with those of a regulator's jurisdiction."""
    preapproved, fast, total = within or (h.preapproved, h.fast_lane, h.total_limit)
    return PreapprovalListOut(
        id=h.id,
        product_code=h.product_code,
        product_name=h.product_name,
        bank_code=h.bank_code,
        whitelist_version=h.whitelist_version,
        priced_on=h.priced_on,
        listed=h.listed,
        preapproved=preapproved,
        fast_lane=fast,
        combinations=h.combinations,
        total_limit=total,
        pushed=h.pushed_at is not None,
        pushed_at=h.pushed_at,
        jurisdiction=within is not None,
    )


@dataclass(frozen=True)
class Scope:
    """What of the pre-approved lists a reader sees: one bank's lists (``bank``), the rows of
    one jurisdiction's enterprises (``region``, a regulator's 辖区 prefix), or everything."""

    bank: str | None
    region: str | None

    def within(self) -> Callable[[Any], Any] | None:
        """A filter on a column of enterprise ids: their region within the jurisdiction."""
        region = self.region
        if region is None:
            return None
        return lambda col: enterprises.region_of(col).startswith(region, autoescape=True)


def _scope(session: Session, actor: Principal) -> Scope:
    """A bank reads its own products' lists; a regulator the rows of its jurisdiction's
    enterprises (as everywhere: ``enterprises.jurisdiction``); the task force everything."""
    if not actor.can(Permission.ledger_read):
        raise Forbidden("无权查看预授信名单")
    if actor.tenant_kind == TenantKind.bank:
        return Scope(bank_code_of(session, actor), None)
    return Scope(None, enterprises.jurisdiction(session, actor))


def lists(session: Session, *, actor: Principal) -> list[PreapprovalListOut]:
    """A bank's own products' lists, newest first (every list for the task force; for a
    regulator those with a firm of its jurisdiction, counted within it)."""
    scope = _scope(session, actor)
    headers = repo.preapproval_lists(session, bank_code=scope.bank)
    within = scope.within()
    if within is None:
        return [_list_out(h) for h in headers]
    counts = repo.preapproval_counts(session, [h.id for h in headers], within=within)
    return [_list_out(h, counts[h.id]) for h in headers if h.id in counts]


def _visible(
    session: Session, actor: Principal, list_id: int
) -> tuple[PreapprovalList, Scope, tuple[int, int, Decimal] | None]:
    scope = _scope(session, actor)
    h = repo.preapproval_list(session, list_id)
    if h is None or (scope.bank is not None and h.bank_code != scope.bank):
        raise NotFound(NOT_FOUND)
    within = scope.within()
    if within is None:
        return h, scope, None
    counts = repo.preapproval_counts(session, [h.id], within=within)
    if h.id not in counts:  # no firm of the regulator's jurisdiction: as a missing list
        raise NotFound(NOT_FOUND)
    return h, scope, counts[h.id]


def _rows(
    session: Session,
    actor: Principal,
    h: PreapprovalList,
    scope: Scope,
    offset: int,
    limit: int,
    after: int | None = None,
) -> list[PreapprovalRowOut]:
    rows = repo.preapproval_rows(
        session, h.id, offset=offset, limit=limit, within=scope.within(), after=after
    )
    names = enterprises.names_by_ids(
        session, actor=actor, ids=sorted({r.enterprise_id for r in rows})
    )
    return [
        PreapprovalRowOut(
            enterprise_id=r.enterprise_id,
            uscc=names.get(r.enterprise_id, ("", ""))[0],
            enterprise_name=names.get(r.enterprise_id, ("", f"经营主体 {r.enterprise_id}"))[1],
            grade=r.grade,
            limit=r.limit_amount,
            rate=r.rate,
            fast_lane_days=r.fast_lane_days,
        )
        for r in rows
    ]


def get(
    session: Session, *, actor: Principal, list_id: int, offset: int = 0, limit: int = 1000
) -> PreapprovalOut:
    """One list and a page of its rows (a regulator's: its jurisdiction's firms only), each
    with the firm's USCC and name."""
    h, scope, counts = _visible(session, actor, list_id)
    return PreapprovalOut(
        header=_list_out(h, counts), rows=_rows(session, actor, h, scope, offset, limit)
    )


EXPORT_HEAD = [
    "统一社会信用代码",
    "企业名称",
    "质量信誉等级",
    "预授信额度（元）",
    "执行利率（%）",
    "绿色通道（工作日）",
]


def list_xlsx(session: Session, *, actor: Principal, list_id: int) -> tuple[str, bytes]:
    """(file name, XLSX) of a list as the reader sees it (kit.sheets: a streaming book, the
    rows read in keyset pages of ``EXPORT_PAGE``)."""
    h, scope, counts = _visible(session, actor, list_id)
    book = Book(streaming=True)
    head = book.sheet("预授信名单")
    out = _list_out(h, counts)
    for label, value in (
        ("产品", h.product_name),
        ("定价日", h.priced_on.isoformat()),
        ("白名单版本", h.whitelist_version),
        ("预授信户数", out.preapproved),
        ("绿色通道户数", out.fast_lane),
        ("预授信额度合计（元）", out.total_limit),
        ("状态", "已推送" if h.pushed_at else "未推送"),
    ):
        head.append([label, value])
    head.append([])
    head.append(EXPORT_HEAD)
    after: int | None = None
    while True:  # keyset pages: each read starts after the last firm of the one before
        page = _rows(session, actor, h, scope, 0, EXPORT_PAGE, after)
        for r in page:
            head.append([r.uscc, r.enterprise_name, r.grade, r.limit, r.rate, r.fast_lane_days])
        if len(page) < EXPORT_PAGE:
            break
        after = page[-1].enterprise_id
    return f"preapproval-{h.id}.xlsx", book.to_bytes()


EXPORT_PAGE = 10000


def push(session: Session, *, actor: Principal, list_id: int) -> PushOut:
    """The bank's officer pushes its list: each firm enters the bank's ledger (source
    ``preapproved``, reference: the list's number) so conversion counts it. Again: nothing new."""
    if not actor.can(Permission.ledger_report):
        raise Forbidden("无权推送预授信名单")
    bank = bank_code_of(session, actor)
    h = repo.preapproval_list(session, list_id)
    if h is None or h.bank_code != bank:
        raise NotFound(NOT_FOUND)
    created = ledger.push_preapproved(session, bank_code=bank, list_id=h.id, actor=actor)
    if h.pushed_at is None:
        h.pushed_at = utcnow()
        h.pushed_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="preapproval.push",
        object_type="preapproval_list",
        object_id=h.id,
        detail={"bank_code": bank, "created": created},
    )
    return PushOut(list_id=h.id, created=created)
