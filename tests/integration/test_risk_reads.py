"""A score's reads of the enterprise's data on a real database: the Core statements of
``risk.repository`` (amounts as floats, no entities) give exactly the features that the same
rows read as ORM entities (``Decimal`` amounts) give — compared bit for bit on random data.

Amounts include zeros, whole yuan (SQLite keeps them as INTEGER), large sums and values with a
third decimal place (SQLite keeps the REAL as given; the ORM reads it rounded to the fen)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord
from zhixin.risk import features as feats
from zhixin.risk import scoring
from zhixin.risk.models import BankLineRow, FinancialYearRow, InvoiceMonthRow

FIRMS = 12
DATES = (
    date(2024, 3, 31),
    date(2024, 12, 31),
    date(2025, 1, 1),
    date(2025, 2, 28),
    date(2025, 7, 15),
)


def _amount(rnd: random.Random) -> Decimal:
    r = rnd.random()
    if r < 0.05:
        return Decimal(0)
    if r < 0.2:
        return Decimal(rnd.randint(-(10**9), 10**9)) / 1000  # a third decimal place
    if r < 0.3:
        return Decimal(rnd.randint(-(10**6), 10**6))  # whole yuan
    if r < 0.35:
        return Decimal(rnd.randint(-(10**14), 10**14)) / 100  # large sums
    return Decimal(rnd.randint(-500_000, 2_000_000)) / 100


def _fill(s: Session, rnd: random.Random, n: int) -> int:
    firm = Enterprise(
        uscc=f"913502000{n:02d}MA31234",
        name=f"比对企业{n}",
        kind="企业",
        status="存续",
        region_code="350203",
        established_on=None if n % 5 == 0 else date(2010, rnd.randint(1, 12), 1),
    )
    s.add(firm)
    s.flush()
    eid = firm.id
    s.add(
        QualityRecord(
            enterprise_id=eid,
            kind="title",
            natural_key=f"{eid}|T",
            content_hash="T".ljust(32, "0"),
            source_system="test",
            known_at=datetime(2025, 1, 1, tzinfo=UTC),
            subtype="专精特新中小企业",
            valid_from=date(2024, 1, 1),
            valid_to=date(2027, 1, 1),
        )
    )
    if n % 4 != 3:  # some firms share no bank statements
        for i in range(rnd.randint(1, 300)):
            s.add(
                BankLineRow(
                    enterprise_id=eid,
                    bank="厦门银行",
                    ref=f"L{i}",
                    booked_on=date(2022, 1, 1) + timedelta(days=rnd.randint(0, 1400)),
                    amount=_amount(rnd),
                    counterparty=f"客户{rnd.randint(0, 6)}",
                    source="test",
                )
            )
    for m in range(rnd.randint(0, 40)):
        s.add(
            InvoiceMonthRow(
                enterprise_id=eid,
                month=date(2022 + m // 12, m % 12 + 1, 1),
                invoiced=abs(_amount(rnd)),
                tax_paid=abs(_amount(rnd)),
                source="test",
            )
        )
    for y in range(2019, 2019 + rnd.randint(0, 6)):
        s.add(
            FinancialYearRow(
                enterprise_id=eid,
                year=y,
                revenue=abs(_amount(rnd)),
                net_profit=_amount(rnd),
                total_assets=abs(_amount(rnd)),
                total_liabilities=abs(_amount(rnd)),
                current_assets=abs(_amount(rnd)),
                current_liabilities=abs(_amount(rnd)),
                rd_expense=abs(_amount(rnd)),
                source="test",
            )
        )
    return eid


def _as_entities(s: Session, eid: int, as_of: date) -> dict[str, float | None]:
    """The features from the rows read as ORM entities (``Decimal`` amounts, ``date`` days)."""
    lines = s.scalars(
        select(BankLineRow)
        .where(
            BankLineRow.enterprise_id == eid, BankLineRow.booked_on >= scoring._first_month(as_of)
        )
        .order_by(BankLineRow.booked_on, BankLineRow.id)
    ).all()
    months = s.scalars(
        select(InvoiceMonthRow)
        .where(
            InvoiceMonthRow.enterprise_id == eid,
            InvoiceMonthRow.month >= scoring._first_month(as_of),
        )
        .order_by(InvoiceMonthRow.month)
    ).all()
    years = s.scalars(
        select(FinancialYearRow)
        .where(FinancialYearRow.enterprise_id == eid)
        .order_by(FinancialYearRow.year)
    ).all()
    records = s.scalars(
        select(QualityRecord).where(
            QualityRecord.enterprise_id == eid, QualityRecord.superseded_at.is_(None)
        )
    ).all()
    ent = s.get(Enterprise, eid)
    assert ent is not None
    return feats.all_features(
        as_of=as_of,
        lines=[feats.BankLine(r.booked_on, r.amount, r.counterparty) for r in lines],
        invoices=[feats.InvoiceMonth(r.month, r.invoiced, r.tax_paid) for r in months],
        financials=[
            feats.FinancialYear(
                r.year,
                r.revenue,
                r.net_profit,
                r.total_assets,
                r.total_liabilities,
                r.current_assets,
                r.current_liabilities,
                r.rd_expense,
            )
            for r in years
        ],
        registry=feats.registry_facts(records, as_of=as_of, established_on=ent.established_on),
    )


def test_a_scores_reads_give_the_features_the_entities_give_bit_for_bit(
    factory: sessionmaker[Session],
) -> None:
    rnd = random.Random(24)
    with unit_of_work(factory) as s:
        firms = [_fill(s, rnd, n) for n in range(FIRMS)]
    owners = {
        eid: make_user(factory, f"own{eid}", Role.enterprise, enterprise_id=eid) for eid in firms
    }
    compared = 0
    for eid in firms:
        with unit_of_work(factory) as s:
            user = s.get(User, owners[eid])
            assert user is not None
            actor = accounts.principal_for(s, user)
            for as_of in DATES:
                got = scoring.features_of(s, actor=actor, enterprise_id=eid, as_of=as_of)
                want = _as_entities(s, eid, as_of)
                # repr: the same float to the last bit (and None where None)
                assert {k: repr(v) for k, v in got.values.items()} == {
                    k: repr(v) for k, v in want.items()
                }, (eid, as_of)
                compared += sum(v is not None for v in want.values())
    assert compared > 500  # the data fed most features, not just their missing bins
