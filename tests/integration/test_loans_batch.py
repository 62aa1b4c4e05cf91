"""The nightly batch on every database: its SQL equals the pure rules, figure for figure; a
400-day life of three loans equals an independent computation written here (fractions and
integer fen); closing a day twice changes nothing; a gap is caught up day by day."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import Book, add_drawdown, make_book
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role, TenantKind
from zhixin.errors import Invalid
from zhixin.kit.db import unit_of_work
from zhixin.loans import batch
from zhixin.loans import servicing as svc
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanDrawdown, LoanInstalment
from zhixin.loans.servicing_models import LoanBatchRun, LoanClassification, LoanRepayment
from zhixin.loans.servicing_rules import Grade

D = Decimal
Rows = list[tuple[date, int, int]]
START = date(2025, 1, 15)


def add_months(day: date, n: int) -> date:
    m = day.month - 1 + n
    return date(day.year + m // 12, m % 12 + 1, day.day)


def half_up(x: Fraction) -> int:
    """x ≥ 0 fen → whole fen, half-up, in integers."""
    return int((x.numerator * 2 + x.denominator) // (2 * x.denominator))


def equal_principal(
    amount: int, rate: Fraction, start: date, n: int
) -> list[tuple[date, int, int]]:
    """等额本金 by hand, in fen: principal amount/n, interest balance × rate/12 (monthly)."""
    rows, balance = [], amount
    for k in range(1, n + 1):
        principal = amount // n if k < n else balance
        rows.append((add_months(start, k), principal, half_up(Fraction(balance) * rate / 1200)))
        balance -= principal
    return rows


def interest_only(amount: int, rate: Fraction, start: date, n: int) -> Rows:
    """按月付息到期还本 by hand, in fen: ACT/360 interest on the whole amount each month."""
    rows, prev = [], start
    for k in range(1, n + 1):
        due = add_months(start, k)
        interest = half_up(Fraction(amount) * rate / 100 / 360 * (due - prev).days)
        rows.append((due, amount if k == n else 0, interest))
        prev = due
    return rows


@dataclass
class Independent:
    """One loan's servicing, recomputed in integer fen with fractions (not the code under test)."""

    rate: Fraction
    markup: Fraction  # a fraction: 0.5 = +50 %
    schedule: list[tuple[date, int, int]]
    outstanding: int
    unpaid_p: list[int] = field(default_factory=list)
    unpaid_i: list[int] = field(default_factory=list)
    penalty: int = 0
    compound: int = 0
    accrued: int = 0
    dpd: int = 0
    officer_rank: int = 0

    def __post_init__(self) -> None:
        self.unpaid_p = [p for _, p, _ in self.schedule]
        self.unpaid_i = [i for _, _, i in self.schedule]

    def pay(self, amount: int, day: date) -> None:
        """罚息 → 复利 → 利息 (oldest first) → 本金 (oldest first); no prepayment here."""
        take = min(amount, self.penalty)
        self.penalty -= take
        amount -= take
        take = min(amount, self.compound)
        self.compound -= take
        amount -= take
        for k, (due, _, _) in enumerate(self.schedule):
            if due <= day:
                take = min(amount, self.unpaid_i[k])
                self.unpaid_i[k] -= take
                amount -= take
        for k, (due, _, _) in enumerate(self.schedule):
            if due <= day:
                take = min(amount, self.unpaid_p[k])
                self.unpaid_p[k] -= take
                self.outstanding -= take
                amount -= take
        assert amount == 0

    def close(self, day: date) -> None:
        prate = self.rate * (1 + self.markup)
        due = [k for k, (d, _, _) in enumerate(self.schedule) if d <= day]
        op = sum(self.unpaid_p[k] for k in due)
        oi = sum(self.unpaid_i[k] for k in due)
        if any(d == day for d, _, _ in self.schedule):
            self.accrued = 0
        self.accrued += half_up(Fraction(self.outstanding - op) * self.rate / 36000)
        self.penalty += half_up(Fraction(op) * prate / 36000)
        self.compound += half_up(Fraction(oi) * prate / 36000)
        late = [self.schedule[k][0] for k in due if self.unpaid_p[k] or self.unpaid_i[k]]
        self.dpd = (day - min(late)).days + 1 if late else 0

    @property
    def grade(self) -> str:
        rank = (
            4
            if self.dpd > 360
            else 3
            if self.dpd > 270
            else 2
            if self.dpd > 90
            else (1 if self.dpd > 7 else 0)
        )
        rank = max(rank, self.officer_rank)
        return ["normal", "special_mention", "substandard", "doubtful", "loss"][rank]

    def due_on(self, day: date) -> int:
        return sum(
            self.unpaid_p[k] + self.unpaid_i[k]
            for k, (d, _, _) in enumerate(self.schedule)
            if d == day
        )


def _fen(x: Decimal) -> int:
    return int(x * 100)


def _officer(book: Book) -> Principal:
    return Principal(
        user_id=book.user_id,
        username="officer",
        display_name="officer",
        tenant_id=book.bank_id,
        tenant_kind=TenantKind.bank,
        enterprise_id=None,
        roles=frozenset({Role.bank_officer}),
    )


def _schedule_rows(schedule: list[tuple[date, int, int]]) -> list[tuple[date, Decimal, Decimal]]:
    return [(d, D(p) / 100, D(i) / 100) for d, p, i in schedule]


@pytest.mark.databases
def test_a_400_day_life_of_three_loans_equals_an_independent_computation(
    factory: sessionmaker[Session],
) -> None:
    """A: 等额本金 paid on time, then two instalments missed and paid late in parts;
    B: 按月付息到期还本, never paid after the third month (→ 次级, 可疑); C: 等额本金, paid on
    time throughout, classified 关注 by an officer and renewed-eligible."""
    with unit_of_work(factory) as s:
        book = make_book(s, contracts=3, markup=D("0.5"), maturity=date(2026, 4, 1))
        rate_text = {"A": "3.85", "B": "4.2", "C": "3.45"}
        rate_a, rate_b, rate_c = (Fraction(rate_text[n]) for n in "ABC")
        ind = {
            "A": Independent(
                rate_a, Fraction(1, 2), equal_principal(120_000_000, rate_a, START, 12), 120_000_000
            ),
            "B": Independent(
                rate_b, Fraction(1, 2), interest_only(50_000_000, rate_b, START, 12), 50_000_000
            ),
            "C": Independent(
                rate_c, Fraction(1, 2), equal_principal(36_000_000, rate_c, START, 12), 36_000_000
            ),
        }
        ids = {
            name: add_drawdown(
                s,
                book,
                book.contract_ids[k],
                amount=D(loan.outstanding) / 100,
                annual_rate=D(rate_text[name]),
                value_date=START,
                instalments=_schedule_rows(loan.schedule),
                method="按月付息到期还本" if name == "B" else "等额本金",
            )
            for k, (name, loan) in enumerate(ind.items())
        }
    officer = _officer(book)
    a_missed = {ind["A"].schedule[4][0], ind["A"].schedule[5][0]}  # the 5th and 6th
    a_partial = {START + timedelta(days=200): 3_000_000, START + timedelta(days=230): 20_000_000}
    txn = 0
    day = START
    for _ in range(400):
        with unit_of_work(factory) as s:
            for name, loan in ind.items():
                amount = loan.due_on(day)
                if name == "A":
                    amount = 0 if day in a_missed else amount + a_partial.get(day, 0)
                if name == "B" and day > loan.schedule[2][0]:
                    amount = 0
                owed = (
                    loan.penalty
                    + loan.compound
                    + sum(
                        loan.unpaid_p[k] + loan.unpaid_i[k]
                        for k, (d, _, _) in enumerate(loan.schedule)
                        if d <= day
                    )
                )
                amount = min(amount, owed)  # no prepayment in this life
                if amount:
                    txn += 1
                    svc.record_repayment(
                        s,
                        bank_tenant_id=book.bank_id,
                        drawdown_id=ids[name],
                        bank_txn_id=f"T{txn}",
                        value_date=day,
                        amount=D(amount) / 100,
                        source="manual",
                        created_by_id=book.user_id,
                    )
                    loan.pay(amount, day)
            if day == START + timedelta(days=100):
                svc.classify(
                    s,
                    actor=officer,
                    drawdown_id=ids["C"],
                    to_class="special_mention",
                    reason="主要客户流失，经营现金流下降",
                    on=day,
                )
                ind["C"].officer_rank = 1
            batch.close_day(s, day)
            for loan in ind.values():
                loan.close(day)
        day += timedelta(days=1)
        if day.day in (1, 15) or day == START + timedelta(days=400):
            _compare(factory, ids, ind)
    _compare(factory, ids, ind)
    # renewal candidates on the last day: C matures within 60 days but is 关注; B is overdue
    with factory() as s:
        found = {
            c.contract_id: c
            for c in svc.renewal_candidates(
                s, today=day, within=90, bank_tenant_id=book.bank_id, listed=lambda _: True
            )
        }
        assert set(found) == set(book.contract_ids)
        c = found[book.contract_ids[2]]
        assert c.window == 60 and c.reasons == ["五级分类为关注类，须为正常类"]
        assert "存在逾期本金、利息、罚息或复利" in found[book.contract_ids[1]].reasons
    # what the life went through
    assert ind["B"].grade == "doubtful" and ind["B"].dpd > 270
    assert ind["A"].penalty == 0 or ind["A"].dpd > 0
    with factory() as s:
        history = [
            (r.drawdown_id, r.to_class, r.by)
            for r in s.scalars(select(LoanClassification).order_by(LoanClassification.id))
        ]
        assert (ids["C"], "special_mention", "officer") in history
        assert (ids["B"], "substandard", "rule") in history
        assert (ids["B"], "doubtful", "rule") in history
        # the officer's 关注 holds: the rules never lifted it
        assert s.get(LoanDrawdown, ids["C"]).classification == "special_mention"
        with pytest.raises(Invalid, match="至少为"):
            svc.classify(s, actor=officer, drawdown_id=ids["B"], to_class="normal", reason="x")


def _compare(
    factory: sessionmaker[Session], ids: dict[str, int], ind: dict[str, Independent]
) -> None:
    with factory() as s:
        for name, loan in ind.items():
            dd = s.get(LoanDrawdown, ids[name])
            assert dd is not None
            got = (
                _fen(dd.outstanding_principal),
                _fen(dd.penalty_interest),
                _fen(dd.compound_interest),
                _fen(dd.accrued_interest),
                dd.days_past_due,
                dd.classification,
            )
            want = (
                loan.outstanding,
                loan.penalty,
                loan.compound,
                loan.accrued,
                loan.dpd,
                loan.grade,
            )
            assert got == want, (name, dd.last_accrual_date)
            paid = s.execute(
                select(func.sum(LoanInstalment.principal - LoanInstalment.principal_paid)).where(
                    LoanInstalment.drawdown_id == ids[name]
                )
            ).scalar_one()
            assert _fen(paid) == sum(loan.unpaid_p)


@pytest.mark.databases
def test_the_batch_equals_the_rules_and_is_idempotent_and_catches_up(
    factory: sessionmaker[Session],
) -> None:
    """Ten loans at assorted rates and markups, every third instalment missed: after each day the
    SQL's figures equal :func:`servicing_rules.close_day`'s, a second run changes nothing, and a
    run after a gap closes each missing day in turn."""
    rates = ["3.1", "3.45", "3.85", "4.35", "4.9", "5.5", "6.125", "7.2", "8.8", "12.345678"]
    markups = ["0.3", "0.5", "0.35", "0.4", "0.45", "0.5", "0.3", "0.3", "0.5", "0.3333"]
    loans: dict[int, tuple[rules.Loan, rules.Terms]] = {}
    ids: list[int] = []
    with unit_of_work(factory) as s:
        book = make_book(s, contracts=len(rates))
        for k, (r, m) in enumerate(zip(rates, markups, strict=True)):
            amount = 1_000_000 + 777_777 * k
            sched = [
                (
                    add_months(START, n),
                    D(amount // 6) if n < 6 else D(amount - 5 * (amount // 6)),
                    D("123.45") + n,
                )
                for n in range(1, 7)
            ]
            drawdown_id = add_drawdown(
                s,
                book,
                book.contract_ids[k],
                amount=D(amount),
                annual_rate=D(r),
                value_date=START,
                instalments=sched,
            )
            # markups are contract-level: set this one's
            from zhixin.loans.models import LoanContract

            c = s.get(LoanContract, book.contract_ids[k])
            assert c is not None
            c.penalty_markup = D(m)
            no_compound = k in (2, 5)  # the product charges no 复利
            c.terms = {**c.terms, "compound": not no_compound}
            ids.append(drawdown_id)
            loans[drawdown_id] = (
                rules.Loan(
                    value_date=START,
                    outstanding_principal=D(amount),
                    instalments=tuple(
                        rules.Instalment(n, d, p, i) for n, (d, p, i) in enumerate(sched, 1)
                    ),
                ),
                rules.Terms(annual_rate=D(r), markup=D(m) * 100, compound=not no_compound),
            )
    # 重组: two loans restructured on day 10, observed through day 40 (one was 次级 before)
    restructured = {ids[1]: Grade.normal, ids[4]: Grade.substandard}
    day = START
    for n in range(75):
        with unit_of_work(factory) as s:
            if n == 10:
                for drawdown_id, before in restructured.items():
                    dd = s.get(LoanDrawdown, drawdown_id)
                    assert dd is not None
                    dd.restructured_on, dd.restructured_from = day, before.value
                    dd.observation_until = day + timedelta(days=30)
                    s.flush()
                    loan, terms = loans[drawdown_id]
                    loans[drawdown_id] = (
                        replace(
                            loan,
                            restructured_on=day,
                            restructured_from=before,
                            observation_until=day + timedelta(days=30),
                        ),
                        terms,
                    )
            for drawdown_id, (loan, terms) in list(loans.items()):
                due = [i for i in loan.instalments if i.due_date == day and i.seq % 3]
                owed = sum((i.principal_unpaid + i.interest_unpaid for i in due), D(0))
                if owed:
                    amount = owed + loan.penalty_interest + loan.compound_interest
                    svc.record_repayment(
                        s,
                        bank_tenant_id=book.bank_id,
                        drawdown_id=drawdown_id,
                        bank_txn_id=f"R{drawdown_id}-{n}",
                        value_date=day,
                        amount=amount,
                        source="api",
                        created_by_id=None,
                    )
                    _, loan = rules.allocate(loan, amount, day, terms)
                loans[drawdown_id] = (rules.close_day(loan, day, terms), terms)
            if n == 41:  # day 40 was not closed (a gap): both are closed now, in turn
                days = batch.days_to_run(s, day)
                assert days == [day - timedelta(days=1), day]
                for d in days:
                    assert not batch.close_day(s, d).skipped
            elif n != 40:
                assert batch.days_to_run(s, day) == [day]
                assert not batch.close_day(s, day).skipped
        if n == 40:
            day += timedelta(days=1)
            continue
        with unit_of_work(factory) as s:
            assert batch.close_day(s, day).skipped  # twice: nothing
            assert batch.days_to_run(s, day) == []
        with factory() as s:
            for drawdown_id, (loan, _) in loans.items():
                dd = s.get(LoanDrawdown, drawdown_id)
                assert dd is not None
                assert (
                    dd.outstanding_principal,
                    dd.overdue_principal,
                    dd.overdue_interest,
                    dd.accrued_interest,
                    dd.penalty_interest,
                    dd.compound_interest,
                    dd.days_past_due,
                    dd.classification,
                    dd.last_accrual_date,
                ) == (
                    loan.outstanding_principal,
                    loan.overdue_principal,
                    loan.overdue_interest,
                    loan.accrued_interest,
                    loan.penalty_interest,
                    loan.compound_interest,
                    loan.days_past_due,
                    loan.classification.value,
                    loan.last_accrual_date,
                ), (drawdown_id, day)
        day += timedelta(days=1)
    with factory() as s:
        runs = s.scalar(select(func.count()).select_from(LoanBatchRun))
        assert runs == 75
        # the restructured loans were held at 关注 / 次级 through day 40, then left the floor
        held = {
            (r.drawdown_id, r.to_class, r.on_date)
            for r in s.scalars(select(LoanClassification).where(LoanClassification.by == "rule"))
        }
        assert (ids[1], "special_mention", START + timedelta(days=10)) in held
        assert (ids[4], "substandard", START + timedelta(days=10)) in held
        assert (ids[1], "normal", START + timedelta(days=41)) in held
        assert s.scalar(select(func.count()).select_from(LoanRepayment)) > 0


@pytest.mark.databases
def test_a_repayment_twice_writes_once_and_one_before_the_drawdown_is_refused(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as s:
        book = make_book(s)
        dd = add_drawdown(
            s,
            book,
            book.contract_ids[0],
            amount=D("1000.00"),
            annual_rate=D("3.6"),
            value_date=START,
            instalments=[(add_months(START, 1), D("1000.00"), D("3.00"))],
        )
    args = dict(
        bank_tenant_id=book.bank_id,
        drawdown_id=dd,
        bank_txn_id="X1",
        value_date=START,
        amount=D("100.00"),
        source="manual",
        created_by_id=None,
    )
    with unit_of_work(factory) as s:
        assert svc.record_repayment(s, **args).created  # type: ignore[arg-type]
    with unit_of_work(factory) as s:
        assert not svc.record_repayment(s, **args).created  # type: ignore[arg-type]
        with pytest.raises(Exception, match="已用于另一笔还款"):
            svc.record_repayment(s, **{**args, "amount": D("5.00")})  # type: ignore[arg-type]
    with unit_of_work(factory) as s, pytest.raises(Invalid, match="早于放款日"):
        svc.record_repayment(
            s,
            **{**args, "bank_txn_id": "X2", "value_date": START - timedelta(days=1)},  # type: ignore[arg-type]
        )
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(LoanRepayment)) == 1
        row = s.get(LoanDrawdown, dd)
        assert row is not None and row.outstanding_principal == D("900.00")


@pytest.mark.databases
def test_an_xlsx_from_the_core_system_imports_once(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from zhixin.kit.sheets import Book as Workbook

    with unit_of_work(factory) as s:
        book = make_book(s)
        dd = add_drawdown(
            s, book, book.contract_ids[0], amount=D("2000.00"), annual_rate=D("3.6"),
            value_date=START, instalments=[(add_months(START, 1), D("2000.00"), D("6.00"))],
        )  # fmt: skip
    wb = Workbook()
    sheet = wb.sheet("还款")
    sheet.append(["交易流水号", "用信编号", "还款日期", "还款金额"])
    sheet.append(["C-1", dd, START, "500"])  # a date cell
    sheet.append(["C-2", dd, "2025-01-15", "1.5万"])  # more than is owed
    sheet.append(["C-3", "abc", "2025-01-15", "1"])
    path = tmp_path / "repayments.xlsx"
    wb.save(path)
    officer = _officer(book)
    for attempt in (1, 2):
        with unit_of_work(factory) as s:
            report = svc.import_repayments(s, actor=officer, path=path)
        assert (report.entered, report.duplicates) == ((1, 0) if attempt == 1 else (0, 1))
        assert [(line, field) for line, field, _ in report.errors] == [(3, ""), (4, "用信编号")]
        assert "超出全部欠款" in report.errors[0][2]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(LoanRepayment)) == 1
        row = s.get(LoanDrawdown, dd)
        assert row is not None and row.outstanding_principal == D("1500.00")


@pytest.mark.databases
def test_large_balances_do_not_overflow_the_integer_arithmetic(
    factory: sessionmaker[Session],
) -> None:
    """9亿 overdue at 23.999999 % × 1.5: the products inside the batch's integer division stay
    within 64 bits (the split), and the day's 罚息 is the rules' to the fen."""
    amount, rate = D("900000000.00"), D("23.999999")
    with unit_of_work(factory) as s:
        book = make_book(s, markup=D("0.5"))
        dd = add_drawdown(
            s, book, book.contract_ids[0], amount=amount, annual_rate=rate,
            value_date=START, instalments=[(START, amount, D("1234567.89"))],
        )  # fmt: skip
        batch.close_day(s, START)
    terms = rules.Terms(annual_rate=rate, markup=D("50"))
    with factory() as s:
        row = s.get(LoanDrawdown, dd)
        assert row is not None
        assert row.penalty_interest == rules.one_day(amount, terms.penalty_rate)
        assert row.compound_interest == rules.one_day(D("1234567.89"), terms.penalty_rate)
        # 9亿 × 35.9999985 % / 360 = 899,999.9625
        assert row.penalty_interest == D("899999.96")
