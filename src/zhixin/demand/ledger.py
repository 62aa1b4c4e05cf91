"""对接办贷台账: what each bank reports about every firm pushed to it, and the conversion
computed from it. Never commits.

A ledger entry is one firm pushed to one bank by one source (``whitelist`` push, ``preapproved``
list, taken ``need``; key: bank, enterprise, source, source reference). Taking a need creates its
entry; the bank's first report on a whitelist or pre-approved push creates that one. A report —
one API call, one page form or one file row — states the outcome as it now stands: every
outcome field is replaced by the report's (an empty cell: not reached), so sending the same
report twice changes nothing (the second counts as ``unchanged``), and a file can be re-run.
A file keeps its good rows and reports each bad one as line, column and reason.

Audited: ``ledger.report`` (one entry), ``ledger.import`` (a file, with its counts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.demand import ledger_rows, rules
from zhixin.demand import repository as repo
from zhixin.demand.models import FinancingNeed, LedgerEntry, LedgerImport
from zhixin.demand.rules import Outcome
from zhixin.demand.schemas import ImportOut, LedgerOut, RowErrorOut
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.intake import layout
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.kit.sheets import Book

MAX_ROWS = 50_000
OUTCOME_FIELDS = [f.name for f in fields(Outcome)]


def _require(actor: Principal, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden("无权查看或报送对接办贷台账")


def _bank(session: Session, actor: Principal) -> str:
    from zhixin.demand.service import bank_code_of

    return bank_code_of(session, actor)


# -- pushes ------------------------------------------------------------------------------------


def push(session: Session, *, bank_code: str, need: FinancingNeed, actor: Principal) -> LedgerEntry:
    """A need taken by (or assigned to) a bank enters that bank's ledger (once per bank)."""
    found = repo.ledger_for_need(session, need.id, bank_code)
    if found is not None:
        return found
    entry = LedgerEntry(
        bank_code=bank_code,
        enterprise_id=need.enterprise_id,
        source="need",
        source_ref=str(need.id),
        need_id=need.id,
        pushed_on=clock.today(),
        region_code=need.region_code,
        listed=need.listed,
        first_loan=False,
        credit=False,
        updated_by_id=actor.user_id,
    )
    session.add(entry)
    session.flush()
    return entry


def need_step(
    session: Session,
    *,
    need: FinancingNeed,
    step: str,
    on: date,
    refusal_code: str | None,
    actor: Principal,
) -> None:
    """A step on a taken need shows in the ledger: contact, or refusal with its code."""
    if need.bank_code is None:
        return
    entry = repo.ledger_for_need(session, need.id, need.bank_code)
    if entry is None:
        return
    if step == "contacted" and entry.contacted_on is None:
        entry.contacted_on = on
    elif step == "refused":
        entry.refused_on = on
        entry.refusal_code = refusal_code
    entry.updated_at = utcnow()
    entry.updated_by_id = actor.user_id


# -- reports -----------------------------------------------------------------------------------


def _outcome_of(e: LedgerEntry) -> Outcome:
    return Outcome(**{name: getattr(e, name) for name in OUTCOME_FIELDS})


def _same(a: Outcome, b: Outcome) -> bool:
    def norm(v: object) -> object:
        return v.normalize() if isinstance(v, Decimal) else v

    return all(norm(getattr(a, n)) == norm(getattr(b, n)) for n in OUTCOME_FIELDS)


@dataclass(frozen=True)
class Applied:
    entry: LedgerEntry | None
    change: str  # created / updated / unchanged / rejected
    errors: tuple[tuple[str, str], ...] = ()


def push_preapproved(session: Session, *, bank_code: str, list_id: int, actor: Principal) -> int:
    """Every firm of pre-approved list ``list_id`` enters ``bank_code``'s ledger (source
    ``preapproved``, reference: the list's number), once; returns how many entries were new.
    Set-based: one read of the entries already there, identities and needs read in bulk."""
    ref = str(list_id)
    ids = repo.preapproval_enterprise_ids(session, list_id)
    have = repo.ledger_enterprises(session, bank_code=bank_code, source="preapproved", ref=ref)
    new = [eid for eid in ids if eid not in have]
    if not new:
        return 0
    idents = enterprises.identities_among(session, repo.preapproval_ids_select(list_id))
    needs: dict[int, int] = {}
    for k in range(0, len(new), 1000):
        needs.update(repo.needs_of(session, new[k : k + 1000]))
    today = clock.today()
    repo.insert_ledger_rows(
        session,
        [
            {
                "bank_code": bank_code,
                "enterprise_id": eid,
                "source": "preapproved",
                "source_ref": ref,
                "need_id": needs.get(eid),
                "pushed_on": today,
                "region_code": idents[eid].region_code if eid in idents else None,
                "listed": True,
                "first_loan": False,
                "credit": False,
                "updated_at": utcnow(),
                "updated_by_id": actor.user_id,
            }
            for eid in new
        ],
    )
    return len(new)


def _apply(
    session: Session,
    *,
    bank_code: str,
    uscc: str,
    source: str,
    source_ref: str,
    outcome: Outcome,
    actor: Principal,
) -> Applied:
    eid = enterprises.id_by_uscc(session, uscc)
    if eid is None:
        return Applied(None, "rejected", (("统一社会信用代码", "平台上未找到该经营主体"),))
    ref = source_ref if source != "whitelist" else source_ref or ""
    entry = repo.ledger_entry(
        session, bank_code=bank_code, enterprise_id=eid, source=source, source_ref=ref
    )
    if entry is None and source == "need":
        return Applied(None, "rejected", (("来源编号", "未找到本行承接的该融资需求"),))
    errs = rules.check_outcome(outcome, entry.pushed_on if entry else None)
    if errs:
        names = ledger_rows.COLUMNS
        return Applied(entry, "rejected", tuple((names.get(f, f), r) for f, r in errs))
    if entry is None:
        ident = enterprises.identity(session, eid)
        need_id = repo.needs_of(session, [eid]).get(eid)
        entry = LedgerEntry(
            bank_code=bank_code,
            enterprise_id=eid,
            source=source,
            source_ref=ref,
            need_id=need_id,
            pushed_on=min(
                [d for d in (outcome.contacted_on, outcome.granted_on, outcome.refused_on) if d]
                + [clock.today()]
            ),
            region_code=ident.region_code if ident else None,
            listed=True,  # a whitelist push or a pre-approved list: listed firms only
        )
        for name in OUTCOME_FIELDS:
            setattr(entry, name, getattr(outcome, name))
        entry.updated_by_id = actor.user_id
        session.add(entry)
        session.flush()
        return Applied(entry, "created")
    if _same(_outcome_of(entry), outcome):
        return Applied(entry, "unchanged")
    for name in OUTCOME_FIELDS:
        setattr(entry, name, getattr(outcome, name))
    entry.updated_at = utcnow()
    entry.updated_by_id = actor.user_id
    session.flush()
    return Applied(entry, "updated")


def report(
    session: Session, *, actor: Principal, uscc: str, source: str, source_ref: str, outcome: Outcome
) -> tuple[LedgerEntry, str]:
    """A bank reports one firm's outcome (API or page); refused with the first reason."""
    _require(actor, Permission.ledger_report)
    bank = _bank(session, actor)
    if source not in rules.SOURCES:
        raise Invalid("来源应为 whitelist、preapproved 或 need")
    try:
        code = enterprises_uscc(uscc)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    done = _apply(
        session,
        bank_code=bank,
        uscc=code,
        source=source,
        source_ref=source_ref.strip(),
        outcome=outcome,
        actor=actor,
    )
    if done.change == "rejected" or done.entry is None:
        if done.entry is None and done.errors and done.errors[0][0] == "统一社会信用代码":
            raise NotFound("未找到该经营主体")
        if done.entry is None:
            raise NotFound(done.errors[0][1])
        raise Invalid("；".join(f"{f}：{r}" for f, r in done.errors))
    audit.record(
        session,
        actor=Actor.of(actor),
        action="ledger.report",
        object_type="ledger",
        object_id=done.entry.id,
        detail={"change": done.change, "stage": rules.stage(outcome), "source": source},
    )
    return done.entry, done.change


def enterprises_uscc(text: str) -> str:
    from zhixin.enterprises.rules import normalise_uscc

    return normalise_uscc(text)


def import_file(
    session: Session, *, actor: Principal, path: Path, file_name: str, bank_code: str | None = None
) -> LedgerImport:
    """A bank's ledger file: every good row applied, every bad row reported (line, column,
    reason); re-running the same file changes nothing. ``bank_code`` only for the CLI (an
    operator loading a bank's file); a bank user imports for its own bank."""
    if bank_code is None:
        _require(actor, Permission.ledger_report)
        bank_code = _bank(session, actor)
    got = layout.read_rows(
        path,
        file_name,
        header=ledger_rows.header_map,
        parse=ledger_rows.parse_row,
        max_rows=MAX_ROWS,
    )
    count, parsed, errors = got.count, got.parsed, got.errors
    batch = LedgerImport(
        bank_code=bank_code,
        file_name=file_name[:200],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        imported_by_id=actor.user_id,
        rows=count,
    )
    seen: dict[tuple[str, str, str], int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for p in parsed:
        key = (p.uscc, p.source, p.source_ref)
        if key in seen:
            errors.append(
                {
                    "line": p.line,
                    "field": "统一社会信用代码",
                    "reason": f"与第 {seen[key]} 行是同一笔对接（同一企业、来源与编号）",
                }
            )
            continue
        seen[key] = p.line
        done = _apply(
            session,
            bank_code=bank_code,
            uscc=p.uscc,
            source=p.source,
            source_ref=p.source_ref,
            outcome=p.outcome,
            actor=actor,
        )
        if done.change == "rejected":
            errors.extend({"line": p.line, "field": f, "reason": r} for f, r in done.errors)
        else:
            counts[done.change] += 1
    errors.sort(key=lambda e: (int(str(e["line"])), str(e["field"])))
    batch.created, batch.updated, batch.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    batch.rejected = len({e["line"] for e in errors})
    batch.errors = errors
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="ledger.import",
        object_type="ledger",
        object_id=batch.id,
        detail={
            "bank_code": bank_code,
            "sha256": batch.sha256,
            "rows": count,
            **counts,
            "rejected": batch.rejected,
        },
    )
    return batch


def import_out(b: LedgerImport) -> ImportOut:
    return ImportOut(
        id=b.id,
        file_name=b.file_name,
        imported_at=b.imported_at,
        rows=b.rows,
        created=b.created,
        updated=b.updated,
        unchanged=b.unchanged,
        rejected=b.rejected,
        errors=[
            RowErrorOut(line=int(str(e["line"])), field=str(e["field"]), reason=str(e["reason"]))
            for e in b.errors
        ],
    )


def imports(session: Session, *, actor: Principal) -> Sequence[LedgerImport]:
    _require(actor, Permission.ledger_report)
    return repo.imports(session, _bank(session, actor))


def get_import(session: Session, *, actor: Principal, import_id: int) -> LedgerImport:
    _require(actor, Permission.ledger_report)
    b = repo.import_by_id(session, import_id)
    if b is None or b.bank_code != _bank(session, actor):
        raise NotFound("未找到该导入批次")
    return b


def template_bytes() -> bytes:
    book = Book()
    sheet = book.sheet("对接办贷台账")
    for row in ledger_rows.template_rows():
        sheet.append(row)
    return book.to_bytes()


# -- reading -----------------------------------------------------------------------------------


def entries(session: Session, *, actor: Principal, limit: int | None = 1000) -> list[LedgerEntry]:
    """A bank's own ledger; the task force's and regulators' (within the jurisdiction) all."""
    _require(actor, Permission.ledger_read)
    if actor.tenant_kind == TenantKind.bank:
        return list(repo.ledger(session, bank_code=_bank(session, actor), limit=limit))
    rows = repo.ledger(session, bank_code=None, limit=limit)
    seen = enterprises.visible_among(
        session, actor=actor, ids=sorted({r.enterprise_id for r in rows})
    )
    return [r for r in rows if r.enterprise_id in seen]


def outs(session: Session, *, actor: Principal, rows: Sequence[LedgerEntry]) -> list[LedgerOut]:
    names = enterprises.names_by_ids(
        session, actor=actor, ids=sorted({r.enterprise_id for r in rows})
    )
    from zhixin.demand.service import bank_names

    banks = bank_names(session, {r.bank_code for r in rows})
    out = []
    for r in rows:
        uscc, name = names.get(r.enterprise_id, ("", f"经营主体 {r.enterprise_id}"))
        out.append(
            LedgerOut(
                id=r.id,
                bank_code=r.bank_code,
                bank_name=banks.get(r.bank_code, r.bank_code),
                enterprise_id=r.enterprise_id,
                enterprise_name=name,
                uscc=uscc,
                source=r.source,
                source_label=rules.SOURCES.get(r.source, r.source),
                source_ref=r.source_ref,
                need_id=r.need_id,
                pushed_on=r.pushed_on,
                listed=r.listed,
                contacted_on=r.contacted_on,
                granted_on=r.granted_on,
                granted_amount=r.granted_amount,
                granted_rate=r.granted_rate,
                product_code=r.product_code,
                disbursed_on=r.disbursed_on,
                disbursed_amount=r.disbursed_amount,
                refused_on=r.refused_on,
                refusal_code=r.refusal_code,
                refusal_label=rules.REFUSALS.get(r.refusal_code) if r.refusal_code else None,
                first_loan=r.first_loan,
                credit=r.credit,
                stage=rules.stage(_outcome_of(r)),
            )
        )
    return out
