"""The conversion computed from the outcome ledger (rules: :func:`zhixin.demand.rules.conversion`):
per bank, product or region, as the page, the API, the CLI and an XLSX show it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.demand import repository as repo
from zhixin.demand import rules
from zhixin.demand.ledger import entries
from zhixin.demand.models import LedgerEntry
from zhixin.demand.schemas import FunnelOut, StageOut
from zhixin.demand.service import bank_names
from zhixin.errors import Invalid
from zhixin.kit.divisions import region_name
from zhixin.kit.sheets import Book
from zhixin.products.service import product_title


def ledger_row(e: LedgerEntry) -> rules.LedgerRow:
    return rules.LedgerRow(
        enterprise_id=e.enterprise_id,
        bank_code=e.bank_code,
        product_code=e.product_code,
        region_code=e.region_code,
        listed=e.listed,
        needed=e.need_id is not None,
        taken=e.source == "need",
        granted=e.granted_on is not None,
        disbursed=e.disbursed_on is not None,
        granted_amount=e.granted_amount or Decimal(0),
        disbursed_amount=e.disbursed_amount or Decimal(0),
        first_loan=e.first_loan,
        credit=e.credit,
    )


def _label(by: str, key: str, banks: dict[str, str]) -> str:
    if by == "bank":
        return banks.get(key, key)
    if by == "region" and key.isdigit():
        return region_name(key)
    if by == "product" and key != rules.NO_PRODUCT:
        return product_title(key)
    return key


def conversion(session: Session, *, actor: Principal | None, by: str) -> list[FunnelOut]:
    """listed → needed → taken → granted → disbursed per bank, product or region; of the
    actor's ledger (a bank its own), or of every bank for the operator (``actor`` None: CLI)."""
    if by not in rules.GROUPINGS:
        raise Invalid("分组应为 bank、product 或 region")
    found = (
        repo.ledger(session, bank_code=None, limit=None)
        if actor is None
        else entries(session, actor=actor, limit=None)
    )
    rows = [ledger_row(e) for e in found]
    banks = bank_names(session, {r.bank_code for r in rows}) if by == "bank" else {}
    out = []
    for f in rules.conversion(rows, by):
        out.append(
            FunnelOut(
                key=f.key,
                label=_label(by, f.key, banks),
                stages=[
                    StageOut(stage=k, label=lbl, enterprises=f.counts.get(k, 0), rate=f.rate(k))
                    for k, lbl in rules.STAGES
                ],
                granted_amount=f.granted_amount,
                disbursed_amount=f.disbursed_amount,
                first_loan=f.first_loan,
                first_loan_share=f.share(f.first_loan),
                credit=f.credit,
                credit_share=f.share(f.credit),
            )
        )
    return out


BY_LABELS = {"bank": "按银行", "product": "按产品", "region": "按地区（地市）"}


def conversion_xlsx(session: Session, *, actor: Principal | None) -> bytes:
    book = Book()
    for by, title in BY_LABELS.items():
        sheet = book.sheet(title)
        head = ["分组", "名称"] + [lbl for _k, lbl in rules.STAGES]
        head += [f"{lbl}转化率（%）" for _k, lbl in rules.STAGES[1:]]
        head += [
            "授信金额（元）",
            "放款金额（元）",
            "首贷户",
            "首贷户占比（%）",
            "信用贷款",
            "信用贷款占比（%）",
        ]
        sheet.append(head)
        for f in conversion(session, actor=actor, by=by):
            sheet.append(
                [f.key, f.label]
                + [s.enterprises for s in f.stages]
                + [s.rate for s in f.stages[1:]]
                + [
                    f.granted_amount,
                    f.disbursed_amount,
                    f.first_loan,
                    f.first_loan_share,
                    f.credit,
                    f.credit_share,
                ]
            )
    audit.record(
        session,
        actor=Actor.of(actor) if actor else Actor.system("cli"),
        action="data.export",
        object_type="ledger",
        detail={"what": "conversion.xlsx"},
    )
    return book.to_bytes()
