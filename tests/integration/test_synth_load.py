"""Loading the synthetic region into a fresh SQLite database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import zhixin.accounts.models
import zhixin.audit.models
import zhixin.enterprises.models
import zhixin.intake.models
import zhixin.records.models  # noqa: F401 - registers every table on Base.metadata
from zhixin.demo.synth import generate, load_into_database
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import normalise_uscc
from zhixin.kit.db import Base, make_engine, make_sessionmaker
from zhixin.records.models import QualityRecord

N = 2_000


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'synth.db'}")
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    with factory() as s:
        yield s
    engine.dispose()


def test_load_2000_enterprises(session: Session) -> None:
    t0 = time.perf_counter()
    seen: list[int] = []
    summary = load_into_database(session, N, seed=5, progress=lambda done, _t: seen.append(done))
    session.commit()
    elapsed = time.perf_counter() - t0
    assert elapsed < 30  # a few seconds in practice
    assert seen[-1] == N

    assert summary.enterprises == N
    assert session.scalar(select(func.count()).select_from(Enterprise)) == N
    n_rec = session.scalar(select(func.count()).select_from(QualityRecord))
    assert n_rec == summary.records == sum(summary.by_kind.values())
    for kind, n in session.execute(
        select(QualityRecord.kind, func.count()).group_by(QualityRecord.kind)
    ):
        assert summary.by_kind[kind] == n

    # every record points at an existing enterprise, and at the right one
    orphans = session.scalar(
        select(func.count())
        .select_from(QualityRecord)
        .outerjoin(Enterprise, Enterprise.id == QualityRecord.enterprise_id)
        .where(Enterprise.id.is_(None))
    )
    assert orphans == 0
    mismatched = session.scalar(
        select(func.count())
        .select_from(QualityRecord)
        .join(Enterprise, Enterprise.id == QualityRecord.enterprise_id)
        .where(func.substr(QualityRecord.natural_key, 1, 18) != Enterprise.uscc)
    )
    assert mismatched == 0
    fk_violations = session.connection().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    assert fk_violations == []

    # the stored rows are the generated ones
    _ent, rec = next(iter(generate(N, seed=5, chunk_size=N)))
    first = session.scalars(select(QualityRecord).order_by(QualityRecord.id).limit(1)).one()
    assert first.natural_key == rec["natural_key"][0].as_py()
    assert first.content_hash == rec["content_hash"][0].as_py()
    assert first.source_system == "synthetic"
    assert first.batch_id is None
    assert first.version == 1
    assert first.known_at is not None and first.known_at.tzinfo is not None
    e = session.scalars(select(Enterprise).order_by(Enterprise.id).limit(1)).one()
    assert normalise_uscc(e.uscc) == e.uscc
    assert e.registered_capital is not None and e.registered_capital > 0
    assert session.scalar(select(func.count(func.distinct(Enterprise.name)))) == N


def test_load_does_not_commit(session: Session) -> None:
    load_into_database(session, 300, seed=1)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0
    assert session.scalar(select(func.count()).select_from(QualityRecord)) == 0
