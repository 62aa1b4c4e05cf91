"""Every query of applications, consultations and idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session

from zhixin.accounts.models import Tenant, User
from zhixin.applications.models import (
    Application,
    ApplicationCheck,
    ApplicationEvent,
    ApplicationMaterial,
    Consultation,
    IdempotencyKey,
)
from zhixin.enterprises.models import Enterprise
from zhixin.records.models import QualityRecord


def by_id(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id)


def _in_region(prefix: str) -> ColumnElement[bool]:
    """Applications of enterprises in a regulator's jurisdiction (region code prefix)."""
    return Application.enterprise_id.in_(
        select(Enterprise.id).where(Enterprise.region_code.startswith(prefix, autoescape=True))
    )


def scoped(
    *,
    bank_tenant_id: int | None = None,
    enterprise_id: int | None = None,
    states: Sequence[str] | None = None,
    region_prefix: str | None = None,
) -> Select[Application]:
    stmt = select(Application)
    if bank_tenant_id is not None:
        stmt = stmt.where(Application.bank_tenant_id == bank_tenant_id)
    if enterprise_id is not None:
        stmt = stmt.where(Application.enterprise_id == enterprise_id)
    if region_prefix is not None:
        stmt = stmt.where(_in_region(region_prefix))
    if states:
        stmt = stmt.where(Application.state.in_(list(states)))
    return stmt


def listing(session: Session, stmt: Select[Application], limit: int) -> Sequence[Application]:
    return session.scalars(stmt.order_by(Application.submitted_at.desc()).limit(limit)).all()


def state_counts(
    session: Session,
    *,
    bank_tenant_id: int | None,
    enterprise_id: int | None,
    region_prefix: str | None = None,
) -> dict[str, int]:
    stmt = select(Application.state, func.count()).group_by(Application.state)
    if bank_tenant_id is not None:
        stmt = stmt.where(Application.bank_tenant_id == bank_tenant_id)
    if enterprise_id is not None:
        stmt = stmt.where(Application.enterprise_id == enterprise_id)
    if region_prefix is not None:
        stmt = stmt.where(_in_region(region_prefix))
    return {str(s): int(n) for s, n in session.execute(stmt)}


def open_for_product(
    session: Session, enterprise_id: int, product_code: str, states: Sequence[str]
) -> Sequence[Application]:
    return session.scalars(
        select(Application).where(
            Application.enterprise_id == enterprise_id,
            Application.product_code == product_code,
            Application.state.in_(list(states)),
        )
    ).all()


def resubmissions_of(session: Session, application_id: int) -> Sequence[Application]:
    return session.scalars(
        select(Application)
        .where(Application.resubmission_of_id == application_id)
        .order_by(Application.id)
    ).all()


def events(session: Session, application_id: int) -> Sequence[ApplicationEvent]:
    return session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application_id)
        .order_by(ApplicationEvent.at, ApplicationEvent.id)
    ).all()


def checks(session: Session, application_id: int) -> Sequence[ApplicationCheck]:
    return session.scalars(
        select(ApplicationCheck)
        .where(ApplicationCheck.application_id == application_id)
        .order_by(ApplicationCheck.id)
    ).all()


def materials(session: Session, application_id: int) -> Sequence[ApplicationMaterial]:
    return session.scalars(
        select(ApplicationMaterial)
        .where(ApplicationMaterial.application_id == application_id)
        .order_by(ApplicationMaterial.id)
    ).all()


def enterprise(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


def enterprise_names(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.uscc).where(Enterprise.id.in_(set(ids)))
    )
    return {int(i): (str(n), str(u)) for i, n, u in rows}


def tenant_by_code(session: Session, code: str) -> Tenant | None:
    return session.scalars(select(Tenant).where(Tenant.code == code)).first()


def tenant_by_id(session: Session, tenant_id: int) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def user_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {int(i): str(n) for i, n in rows}


def list_entries_and_penalties(session: Session, enterprise_id: int) -> Sequence[QualityRecord]:
    """Current (not superseded) 名录名单 and 行政处罚 records: what the five standards read."""
    return session.scalars(
        select(QualityRecord).where(
            QualityRecord.enterprise_id == enterprise_id,
            QualityRecord.kind.in_(("list_entry", "penalty")),
            QualityRecord.superseded_at.is_(None),
        )
    ).all()


# -- consultations -------------------------------------------------------------------------


def consultation_by_id(session: Session, consultation_id: int) -> Consultation | None:
    return session.get(Consultation, consultation_id)


def consultation_of(session: Session, application_id: int) -> Consultation | None:
    return session.scalars(
        select(Consultation).where(Consultation.application_id == application_id)
    ).first()


def consultations(session: Session, statuses: Sequence[str] | None) -> Sequence[Consultation]:
    stmt = select(Consultation)
    if statuses:
        stmt = stmt.where(Consultation.status.in_(list(statuses)))
    return session.scalars(stmt.order_by(Consultation.opened_at, Consultation.id)).all()


def applications_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Application]:
    if not ids:
        return {}
    rows = session.scalars(select(Application).where(Application.id.in_(set(ids))))
    return {a.id: a for a in rows}


def resolved_since(session: Session, since: date | None) -> Sequence[Consultation]:
    stmt = select(Consultation).where(Consultation.status == "resolved")
    if since is not None:
        stmt = stmt.where(Consultation.resolved_on >= since)
    return session.scalars(stmt).all()


# -- idempotency ---------------------------------------------------------------------------


def idempotency_key(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    return session.scalars(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.idem_key == key)
        .execution_options(populate_existing=True)
    ).first()


def insert_idempotency_key_if_absent(session: Session, values: dict[str, Any]) -> None:
    """``INSERT`` the key unless (user, key) is taken. While another transaction holds an
    uncommitted row for the same key, the database makes this statement wait for it to end
    (PostgreSQL's and SQLite's ``ON CONFLICT DO NOTHING``; MariaDB's ``ON DUPLICATE KEY
    UPDATE`` of the key to itself, which takes an exclusive lock, so waiters cannot deadlock)."""
    table: Table = IdempotencyKey.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:
        ins = mysql.insert(table).values(values)
        stmt = ins.on_duplicate_key_update(idem_key=ins.inserted.idem_key)
    session.execute(stmt)


def complete_idempotency_key(
    session: Session, *, user_id: int, key: str, status: int, response: dict[str, Any]
) -> None:
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.idem_key == key)
        .values(status_code=status, response=response)
    )
