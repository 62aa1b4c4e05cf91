"""JSON API of servicing (贷后): a drawdown's repayments and its five-tier classification."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from zhixin.accounts.permissions import Permission, Principal
from zhixin.linkage import renewals
from zhixin.loans import service as book
from zhixin.loans import servicing
from zhixin.loans.schemas import ContractOut
from zhixin.loans.servicing_models import LoanClassification, LoanRepayment
from zhixin.loans.servicing_rules import GRADE_LABELS, Grade
from zhixin.web.deps import DB, require

router = APIRouter(tags=["贷后 servicing"])
Reader = Annotated[Principal, Depends(require(Permission.loan_read))]
Manager = Annotated[Principal, Depends(require(Permission.loan_manage))]


class RepaymentIn(BaseModel):
    bank_txn_id: str = Field(min_length=1, max_length=64, description="银行交易流水号（幂等键）")
    value_date: date = Field(description="还款日（起息日）")
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2, description="还款金额，元")


class RepaymentOut(BaseModel):
    id: int
    bank_txn_id: str
    value_date: date
    amount: Decimal
    source: str
    penalty: Decimal = Field(description="冲抵罚息")
    compound: Decimal = Field(description="冲抵复利")
    interest: Decimal = Field(description="冲抵到期利息")
    principal: Decimal = Field(description="冲抵到期本金")
    accrued: Decimal = Field(description="提前还款：当期应计利息")
    prepaid: Decimal = Field(description="提前还款：未到期本金（从最后一期起冲减）")
    fee: Decimal = Field(default=Decimal("0.00"), description="提前还款违约金")
    created_at: datetime
    created: bool = Field(default=True, description="false：该流水号此前已入账，本次未写入")


class ClassificationIn(BaseModel):
    to_class: Grade = Field(description="normal / special_mention / substandard / doubtful / loss")
    reason: str = Field(min_length=1, max_length=500, description="调整理由")


class RestructureIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="重组理由")
    on: date | None = Field(default=None, description="重组日（默认今天）")


class ClassificationOut(BaseModel):
    id: int
    from_class: str
    to_class: str
    to_label: str
    rule_class: str
    on_date: date
    by: str = Field(description="rule 日终批处理按规则 / officer 客户经理")
    reason: str


def _repayment(r: LoanRepayment, created: bool = True) -> RepaymentOut:
    return RepaymentOut(
        id=r.id,
        bank_txn_id=r.bank_txn_id,
        value_date=r.value_date,
        amount=r.amount,
        source=r.source,
        penalty=r.penalty,
        compound=r.compound,
        interest=r.interest,
        principal=r.principal,
        accrued=r.accrued,
        prepaid=r.prepaid,
        fee=r.fee,
        created_at=r.created_at,
        created=created,
    )


def _change(c: LoanClassification) -> ClassificationOut:
    return ClassificationOut(
        id=c.id,
        from_class=c.from_class,
        to_class=c.to_class,
        to_label=GRADE_LABELS[Grade(c.to_class)],
        rule_class=c.rule_class,
        on_date=c.on_date,
        by=c.by,
        reason=c.reason,
    )


class NplOut(BaseModel):
    key: str = Field(description="银行代码、产品代码或地区代码")
    balance: Decimal = Field(description="贷款本金余额，元")
    non_performing: Decimal = Field(description="次级 + 可疑 + 损失 本金余额，元")
    ratio: Decimal | None = Field(description="不良贷款率（小数，0.0123 即 1.23%）")


@router.get("/loans/npl", response_model=list[NplOut])
def npl(db: DB, principal: Reader, by: str = "bank") -> list[NplOut]:
    """不良贷款率 by ``bank``, ``product`` or ``region``: a bank its own loans, a regulator its
    jurisdiction's."""
    return [
        NplOut(key=r.key, balance=r.balance, non_performing=r.non_performing, ratio=r.ratio)
        for r in servicing.npl_for(db, actor=principal, by=by)
    ]


@router.get("/loans/drawdowns/{drawdown_id}/repayments", response_model=list[RepaymentOut])
def list_repayments(drawdown_id: int, db: DB, principal: Reader) -> list[RepaymentOut]:
    """A drawdown's repayments with their allocation, oldest first."""
    return [
        _repayment(r) for r in servicing.repayments(db, actor=principal, drawdown_id=drawdown_id)
    ]


@router.post("/loans/drawdowns/{drawdown_id}/repayments", response_model=RepaymentOut)
def enter_repayment(
    drawdown_id: int, body: RepaymentIn, db: DB, principal: Manager, response: Response
) -> RepaymentOut:
    """还款入账 (the bank's core system or an officer). The same transaction id again answers
    200 with the first repayment and writes nothing; a new one answers 201."""
    entered = servicing.enter_repayment(
        db,
        actor=principal,
        drawdown_id=drawdown_id,
        bank_txn_id=body.bank_txn_id,
        value_date=body.value_date,
        amount=body.amount,
        source="api",
    )
    response.status_code = 201 if entered.created else 200
    return _repayment(entered.repayment, entered.created)


@router.get("/loans/drawdowns/{drawdown_id}/classification", response_model=list[ClassificationOut])
def classification_history(drawdown_id: int, db: DB, principal: Reader) -> list[ClassificationOut]:
    """Every change of the drawdown's five-tier class (by the rules or an officer)."""
    return [_change(c) for c in servicing.history(db, actor=principal, drawdown_id=drawdown_id)]


@router.post(
    "/loans/drawdowns/{drawdown_id}/classification",
    response_model=ClassificationOut,
    status_code=201,
)
def classify(
    drawdown_id: int, body: ClassificationIn, db: DB, principal: Manager
) -> ClassificationOut:
    """An officer classifies worse than the rules (never better), with a reason (audited)."""
    return _change(
        servicing.classify(
            db,
            actor=principal,
            drawdown_id=drawdown_id,
            to_class=body.to_class.value,
            reason=body.reason,
        )
    )


@router.post("/loans/{contract_id}/renewal", response_model=ContractOut, status_code=201)
def renew(contract_id: int, db: DB, principal: Manager) -> ContractOut:
    """无还本续贷 by an officer of the lending bank (loan:manage; no second approver): the new
    contract, its drawdown carrying the outstanding principal (no money moves); an ineligible
    contract answers 422 with the reasons in Chinese."""
    new = renewals.renew(db, actor=principal, contract_id=contract_id)
    return ContractOut.of(book.view(db, actor=principal, contract_id=new.id))


@router.post(
    "/loans/drawdowns/{drawdown_id}/restructuring",
    response_model=ClassificationOut,
    status_code=201,
)
def restructure(
    drawdown_id: int, body: RestructureIn, db: DB, principal: Manager
) -> ClassificationOut:
    """登记重组 (loan:manage) with a reason: at least 关注, and at least the class before, for the
    12-month observation period (the nightly batch keeps it so)."""
    return _change(
        servicing.restructure(
            db, actor=principal, drawdown_id=drawdown_id, reason=body.reason, on=body.on
        )
    )
