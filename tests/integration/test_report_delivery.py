"""The daily report's delivery: due from the set time (Beijing), one workbook for the task force
and one per bank holding only that bank's rows, generated once however often the worker asks,
each downloadable only by its audience."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.report_book import build
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role, TenantKind
from zhixin.errors import Forbidden, NotFound
from zhixin.reports import delivery


def _who(tenant_id: int, kind: TenantKind, role: Role) -> Principal:
    return Principal(
        user_id=1,
        username="x",
        display_name="x",
        tenant_id=tenant_id,
        tenant_kind=kind,
        enterprise_id=None,
        roles=frozenset({role}),
    )


def _banks_sheet(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data))["各银行办理情况"]
    return [r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] and r[1] is not None]


def test_delivered_once_from_the_set_time(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        w = build(session)
        session.commit()
    before = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)  # 07:59 on the 21st in Beijing
    after = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # 08:00
    with factory() as session:
        assert delivery.deliver_due(session, at="08:00", now=before) == (None, 0)
        day, made = delivery.deliver_due(session, at="08:00", now=after)
        session.commit()
    assert str(day) == "2026-11-20" and made == 3  # the task force and two banks
    with factory() as session:
        assert delivery.deliver_due(session, at="08:00", now=after)[1] == 0
        session.commit()

    task_force = _who(99, TenantKind.taskforce, Role.task_force)
    bank_b = _who(w.banks["B"], TenantKind.bank, Role.bank_officer)
    bank_a = _who(w.banks["A"], TenantKind.bank, Role.bank_approver)
    with factory() as session:
        mine = delivery.deliveries(session, actor=bank_b)
        assert [(d.period_key, d.audience_name) for d in mine] == [("2026-11-20", "乙银行")]
        name, data = delivery.download(session, actor=bank_b, delivery_id=mine[0].id)
        assert name == "zhixin-report-daily-2026-11-20.xlsx"
        assert _banks_sheet(data) == ["乙银行"]
        with pytest.raises(NotFound):
            delivery.download(session, actor=bank_a, delivery_id=mine[0].id)
        everything = delivery.deliveries(session, actor=task_force)
        assert [d.audience_name for d in everything] == ["融资协调专班（全部）"]
        _name, data = delivery.download(session, actor=task_force, delivery_id=everything[0].id)
        assert _banks_sheet(data) == ["甲银行", "乙银行", "合计"]
        with pytest.raises(NotFound):
            delivery.download(session, actor=task_force, delivery_id=mine[0].id)
        regulator = _who(98, TenantKind.regulator, Role.regulator)
        with pytest.raises(Forbidden):
            delivery.deliveries(session, actor=regulator)
