"""What a regulator files and compares: statistics, the diff between two publications with
its reasons spelled out, and the XLSX exports. Never commits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.catalog.schema import Catalog
from zhixin.errors import Invalid
from zhixin.kit.divisions import industry_name, region_name
from zhixin.kit.sheets import Book
from zhixin.records import service as records
from zhixin.whitelist import repository as repo
from zhixin.whitelist import rules, service
from zhixin.whitelist.models import WhitelistPublication
from zhixin.whitelist.schemas import DiffOut, DiffRowOut, StatRow

STAT_KEYS = {
    "level": "等级",
    "dimension": "维度",
    "region": "行政区划",
    "industry": "行业门类",
    "size": "企业规模",
}
SIZE_ORDER = {"大": 0, "中": 1, "小": 2, "微": 3}
EXPORT_BATCH = 5_000
SIZE_NAMES = {"大": "大型", "中": "中型", "小": "小型", "微": "微型"}


def statistics(
    session: Session, *, actor: Principal, publication_id: int
) -> dict[str, list[StatRow]]:
    pub = service.get_publication(session, actor=actor, publication_id=publication_id)
    catalog = service.catalog_of_publication(session, pub)
    dims = {d.code: d.name for d in catalog.dimensions}
    out: dict[str, list[StatRow]] = {}
    for by in STAT_KEYS:
        rows = repo.statistics(session, publication_id=pub.id, by=by)
        if by == "level":
            rows.sort(key=lambda r: service.ranks(catalog).get(r[0] or "", 99))
        elif by == "dimension":
            order = {d.code: i for i, d in enumerate(catalog.dimensions)}
            rows.sort(key=lambda r: order.get(r[0] or "", 99))
        elif by == "size":
            rows.sort(key=lambda r: SIZE_ORDER.get(r[0] or "", 9))
        out[by] = [
            StatRow(key=k, label=_stat_label(by, k, catalog, dims), entries=n, enterprises=m)
            for k, n, m in rows
        ]
    return out


def _stat_label(by: str, key: str | None, catalog: Catalog, dims: dict[str, str]) -> str:
    if not key:
        return "未填报"
    if by == "level":
        return catalog.level_name(key)
    if by == "dimension":
        return dims.get(key, key)
    if by == "region":
        return region_name(key)
    if by == "industry":
        return industry_name(key)
    if by == "size":
        return SIZE_NAMES.get(key, key)
    return key


def chart_title(by: str) -> str:
    """A chart's title: what is counted (家次: an enterprise once per dimension it is listed in)
    and by what."""
    return f"入选家次 · 按{STAT_KEYS[by]}"


def totals(stats: dict[str, list[StatRow]]) -> dict[str, int]:
    """Each table's 家次 total: every grouping covers every entry once, so each equals the
    version's 家次 (the headline); the distinct 经营主体 are the headline's 家, not a column
    sum, since one enterprise listed in several dimensions counts in several rows."""
    return {by: sum(r.entries for r in rows) for by, rows in stats.items()}


# -- diff ------------------------------------------------------------------------------------


def _label(pub: WhitelistPublication) -> str:
    if pub.version is not None:
        return f"第 {pub.version} 版"
    return f"草稿 #{pub.id}"


def _diff_rows(
    session: Session,
    *,
    actor: Principal,
    catalog: Catalog,
    old: WhitelistPublication,
    new: WhitelistPublication,
    rows: list[Any],
) -> list[DiffRowOut]:
    """Rows with their reasons spelled out: the gate and its records, or the lost elements.

    The gate's record ids only where the actor may read that enterprise's records
    (``records.service.may_read``); for anyone else the gate's name alone."""
    dims = {d.code: d.name for d in catalog.dimensions}
    gate_names = {g.code: g.name for g in catalog.gates}
    element_names = {e.code: e.name for e in catalog.elements}
    element_dim = {e.code: e.dimension for e in catalog.elements}
    removed = sorted({int(r.enterprise_id) for r in rows if r.change == "removed"})
    readable = records.readable_among(session, actor=actor, enterprise_ids=removed)
    gates: dict[int, list[tuple[str, list[int]]]] = {}
    for g in repo.gates_of(session, run_id=new.run_id, enterprise_ids=removed):
        gates.setdefault(g.enterprise_id, []).append(
            (
                gate_names.get(g.gate, g.gate),
                list(g.record_ids) if g.enterprise_id in readable else [],
            )
        )
    expired = [int(r.enterprise_id) for r in rows if r.reason == "expired"]
    runs = repo.entry_runs(session, publication_id=old.id, enterprise_ids=expired)
    held: dict[tuple[int, int], set[str]] = {}
    for run_id, eid, element in repo.elements_of(
        session, run_ids=sorted({*runs.values(), new.run_id}), enterprise_ids=expired
    ):
        held.setdefault((run_id, eid), set()).add(element)
    out = []
    for r in rows:
        eid = int(r.enterprise_id)
        lost: list[str] = []
        if r.reason == "expired":
            before = held.get((runs.get((eid, r.dimension), -1), eid), set())
            after = held.get((new.run_id, eid), set())
            lost = [
                element_names.get(e, e)
                for e in sorted(before - after)
                if element_dim.get(e) == r.dimension
            ]
        g = gates.get(eid, []) if r.reason == "gate" else []
        out.append(
            DiffRowOut(
                enterprise_id=eid,
                uscc=r.uscc,
                name=r.name,
                dimension=r.dimension,
                dimension_name=dims.get(r.dimension, r.dimension),
                change=r.change,
                change_name=rules.CHANGE_NAMES.get(r.change, r.change),
                old_level=r.old_level,
                new_level=r.new_level,
                reason=r.reason,
                reason_text=rules.reason_text(r.reason, gates=g, lost=lost),
                gates=[name for name, _ids in g],
                record_ids=[i for _name, ids in g for i in ids],
            )
        )
    return out


def _pair(
    session: Session, *, actor: Principal, old_id: int, new_id: int
) -> tuple[WhitelistPublication, WhitelistPublication]:
    old = service.get_publication(session, actor=actor, publication_id=old_id)
    new = service.get_publication(session, actor=actor, publication_id=new_id)
    if old.id == new.id:
        raise Invalid("请选择两个不同的版本进行比较")
    return old, new


def diff(
    session: Session,
    *,
    actor: Principal,
    old_id: int,
    new_id: int,
    change: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> DiffOut:
    """What changed from one publication (usually a version) to another."""
    if change is not None and change not in rules.CHANGE_NAMES:
        raise Invalid("变更类型应为 added / removed / upgraded / downgraded")
    old, new = _pair(session, actor=actor, old_id=old_id, new_id=new_id)
    catalog = service.catalog_of_publication(session, new)
    stmt = repo.diff_select(
        old_id=old.id,
        new_id=new.id,
        new_run_id=new.run_id,
        element_dims=service.element_dims(catalog),
    )
    counts = dict.fromkeys(rules.CHANGE_NAMES, 0)
    reasons: dict[str, int] = {}
    for ch, reason, n in repo.diff_counts(session, stmt):
        counts[ch] = counts.get(ch, 0) + n
        if ch == "removed" and reason:
            reasons[reason] = reasons.get(reason, 0) + n
    rows = repo.diff_rows(
        session, stmt, change=change, limit=per_page, offset=(page - 1) * per_page
    )
    return DiffOut(
        old_label=_label(old),
        new_label=_label(new),
        counts=counts,
        reasons=reasons,
        total=counts[change] if change else sum(counts.values()),
        rows=_diff_rows(session, actor=actor, catalog=catalog, old=old, new=new, rows=rows),
    )


def _iter_diff(
    session: Session, *, actor: Principal, old_id: int, new_id: int
) -> Iterator[DiffRowOut]:
    old, new = _pair(session, actor=actor, old_id=old_id, new_id=new_id)
    catalog = service.catalog_of_publication(session, new)
    stmt = repo.diff_select(
        old_id=old.id,
        new_id=new.id,
        new_run_id=new.run_id,
        element_dims=service.element_dims(catalog),
    )
    after: tuple[int, str] | None = None
    while True:
        rows = repo.diff_rows(session, stmt, change=None, limit=EXPORT_BATCH, after=after)
        if not rows:
            return
        yield from _diff_rows(session, actor=actor, catalog=catalog, old=old, new=new, rows=rows)
        after = (int(rows[-1].enterprise_id), str(rows[-1].dimension))


def export_diff(session: Session, *, actor: Principal, old_id: int, new_id: int, xlsx: Path) -> int:
    book = Book(streaming=True)
    ws = book.sheet("版本差异")
    ws.append(["序号", "统一社会信用代码", "名称", "维度", "变更", "原等级", "新等级", "原因"])
    n = 0
    for n, r in enumerate(_iter_diff(session, actor=actor, old_id=old_id, new_id=new_id), 1):
        ws.append(
            [
                n,
                r.uscc or "",
                r.name or "",
                r.dimension_name,
                r.change_name,
                r.old_level or "",
                r.new_level or "",
                r.reason_text,
            ]
        )
    book.save(xlsx)
    _audit_export(session, actor, "whitelist_diff", f"{old_id}-{new_id}", n)
    return n


def export_publication(
    session: Session, *, actor: Principal, publication_id: int, xlsx: Path
) -> int:
    """The list as a regulator files it.

    Columns: 序号, 统一社会信用代码, 名称, 维度, 等级, 行政区划, 行业, 规模.
    """
    pub = service.get_publication(session, actor=actor, publication_id=publication_id)
    catalog = service.catalog_of_publication(session, pub)
    dims = {d.code: d.name for d in catalog.dimensions}
    book = Book(streaming=True)
    ws = book.sheet(f"白名单{_label(pub).replace(' ', '')}")
    ws.append(
        [
            f"质量信誉经营主体白名单（{_label(pub)}，评价基准日 {pub.as_of}，"
            f"指标目录 {pub.catalog_name} {pub.catalog_version}，"
            f"{pub.enterprises} 家 / {pub.entries} 家次）"
        ]
    )
    ws.append(["序号", "统一社会信用代码", "名称", "维度", "等级", "行政区划", "行业", "规模"])
    after: tuple[int, str] | None = None
    n = 0
    while True:
        rows = repo.entries_after(session, publication_id=pub.id, after=after, limit=EXPORT_BATCH)
        if not rows:
            break
        for r in rows:
            n += 1
            ws.append(
                [
                    n,
                    r.uscc or "",
                    r.name or "",
                    dims.get(r.dimension, r.dimension),
                    catalog.level_name(r.level),
                    r.region_code or "",
                    r.industry_code or "",
                    SIZE_NAMES.get(r.size_class or "", r.size_class or ""),
                ]
            )
        after = (int(rows[-1].enterprise_id), str(rows[-1].dimension))
    book.save(xlsx)
    _audit_export(session, actor, "whitelist", pub.id, n)
    return n


def _audit_export(session: Session, actor: Principal, what: str, ident: object, rows: int) -> None:
    """One ``data.export`` entry per file, with the number of rows taken."""
    audit.record(
        session,
        actor=Actor.of(actor),
        action="data.export",
        object_type="whitelist_publication",
        object_id=ident,
        detail={"rows": rows, "what": what, "formats": ["xlsx"]},
    )
