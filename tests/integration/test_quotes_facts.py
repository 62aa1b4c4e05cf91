"""The facts a quote reads (zhixin.quotes.facts.gather), from hand-built records through the
real evaluation and a maker-checker publication, and from a directly published grade."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.catalog.loader import load
from zhixin.enterprises.models import Enterprise
from zhixin.errors import NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit.db import unit_of_work
from zhixin.quotes.facts import gather
from zhixin.records.models import QualityRecord
from zhixin.whitelist import service as whitelist
from zhixin.whitelist.models import WhitelistPublication

AS_OF = date(2025, 6, 30)
ON = date(2025, 7, 15)
# The maker-checker publication happens now (the test's clock); the quotes are on fixed past
# dates, so the test dates the publication 2025-07-01 10:00 Beijing time (02:00 UTC).
PUBLISHED_AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _rec(firm: Enterprise, kind: str, key: str, **fields: object) -> QualityRecord:
    fields.setdefault("known_at", datetime(2025, 1, 1, tzinfo=UTC))
    return QualityRecord(
        enterprise_id=firm.id,
        kind=kind,
        natural_key=f"{firm.uscc}|{key}",
        content_hash=key.ljust(32, "0")[:32],
        source_system="test",
        **fields,
    )


@pytest.fixture
def firms(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        a = Enterprise(
            uscc="91350200MA31234567",
            name="厦门矽创",
            kind="企业",
            status="存续",
            size_class="中",
            region_code="350203",
            established_on=date(2015, 3, 1),
        )
        b = Enterprise(uscc="91110000600037341L", name="乙公司", kind="企业", status="存续")
        s.add_all([a, b])
        s.flush()
        patent = {"subtype": "发明", "status": "有效", "event_date": date(2022, 5, 1)}
        s.add_all(
            [
                # credit: 守合同重信用 two years running → QC-01 (Ⅰ, 30) and QC-02 (Ⅲ, 10)
                _rec(a, "contract_credit", "2023", year=2023, level="市级"),
                _rec(a, "contract_credit", "2024", year=2024, level="市级"),
                # infrastructure: ISO 9001 in force → Ⅲ, 10
                _rec(
                    a,
                    "certification",
                    "Q1",
                    subtype="ISO9001",
                    ref="Q1",
                    status="有效",
                    valid_from=date(2023, 1, 1),
                    valid_to=date(2026, 12, 31),
                ),
                # innovation: three invention patents in force (QI-01 Ⅲ, 10) …
                _rec(a, "patent", "P1", ref="P1", **patent),
                _rec(a, "patent", "P2", ref="P2", **patent),
                _rec(a, "patent", "P3", ref="P3", **patent),
                # … not counted: lapsed, a utility model, granted after the quote date, and a
                # corrected (superseded) version
                _rec(a, "patent", "P4", ref="P4", subtype="发明", status="失效"),
                _rec(a, "patent", "P5", ref="P5", subtype="实用新型", status="有效"),
                _rec(
                    a,
                    "patent",
                    "P6",
                    ref="P6",
                    subtype="发明",
                    status="有效",
                    event_date=date(2025, 8, 1),
                ),
                _rec(
                    a,
                    "patent",
                    "P7",
                    ref="P7",
                    subtype="发明",
                    status="有效",
                    event_date=date(2022, 5, 1),
                    superseded_at=datetime(2025, 2, 1, tzinfo=UTC),
                ),
                # … and 专精特新小巨人 (QI-04 Ⅱ, 20); a lapsed 高新技术企业 title does not count
                _rec(
                    a,
                    "title",
                    "T1",
                    subtype="专精特新小巨人",
                    level="国家级",
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2027, 1, 1),
                ),
                _rec(
                    a,
                    "title",
                    "T2",
                    subtype="高新技术企业",
                    level="国家级",
                    valid_from=date(2021, 1, 1),
                    valid_to=date(2024, 12, 31),
                ),
                # management: a county quality award of 2023 (QM-04 Ⅲ, 10); a 2019 national
                # award is outside the five award years (2021–2025)
                _rec(
                    a,
                    "award",
                    "A1",
                    subtype="政府质量奖",
                    title="区长质量奖",
                    level="县级",
                    year=2023,
                ),
                _rec(
                    a,
                    "award",
                    "A2",
                    subtype="中国质量奖",
                    title="中国质量奖",
                    level="国家级",
                    year=2019,
                ),
                # B: penalties; in the two years before 2025-07-15 and quality-related, not
                # repaired by then: P-Q (产品质量) and P-S (标准化, repaired only in August)
                _rec(
                    b,
                    "penalty",
                    "P-Q",
                    subtype="产品质量",
                    ref="P-Q",
                    level="一般",
                    issuer="局",
                    event_date=date(2024, 5, 1),
                ),
                _rec(
                    b,
                    "penalty",
                    "P-M",
                    subtype="计量",
                    ref="P-M",
                    level="一般",
                    issuer="局",
                    event_date=date(2023, 7, 15),
                ),
                _rec(
                    b,
                    "penalty",
                    "P-A",
                    subtype="广告",
                    ref="P-A",
                    level="一般",
                    issuer="局",
                    event_date=date(2025, 1, 1),
                ),
                _rec(
                    b,
                    "penalty",
                    "P-T",
                    subtype="特种设备",
                    ref="P-T",
                    level="一般",
                    issuer="局",
                    event_date=date(2025, 3, 1),
                    repaired_on=date(2025, 6, 1),
                ),
                _rec(
                    b,
                    "penalty",
                    "P-S",
                    subtype="标准化",
                    ref="P-S",
                    level="一般",
                    issuer="局",
                    event_date=date(2025, 6, 1),
                    repaired_on=date(2025, 8, 1),
                ),
                _rec(
                    b,
                    "penalty",
                    "P-F",
                    subtype="食品安全",
                    ref="P-F",
                    level="一般",
                    issuer="局",
                    event_date=date(2025, 8, 1),
                ),
            ]
        )
        return {"a": a.id, "b": b.id}


def _publish(factory: sessionmaker[Session]) -> int:
    maker = _principal(factory, make_user(factory, "maker", Role.regulator))
    checker = _principal(factory, make_user(factory, "checker", Role.regulator))
    with unit_of_work(factory) as s:
        run_id = evaluation.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
    with unit_of_work(factory) as s:
        pub_id = whitelist.draft_from_run(s, actor=maker, run_id=run_id).id
    with unit_of_work(factory) as s:
        whitelist.review(s, actor=checker, publication_id=pub_id, approve=True)
        s.execute(
            update(WhitelistPublication)
            .where(WhitelistPublication.id == pub_id)
            .values(published_at=PUBLISHED_AT)
        )
    return run_id


def test_facts_from_records_through_a_published_whitelist(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    run_id = _publish(factory)
    with unit_of_work(factory) as s:
        f = gather(s, firms["a"], ON, "xiamen")
    assert (f.uscc, f.name, f.size_class, f.region_code) == (
        "91350200MA31234567",
        "厦门矽创",
        "中",
        "350203",
    )
    assert f.established_on == date(2015, 3, 1)
    assert f.age_months == 124  # 2015-03-01 → 2025-07-15: ten years and four months
    assert (f.listed, f.whitelist_version, f.evaluation_run_id, f.catalog_name) == (
        True,
        1,
        run_id,
        "xiamen",
    )
    # dimension points: credit 30 + 10, management 10, infrastructure 10, innovation 10 + 20;
    # each dimension weighs 20 %: (40 + 10 + 10 + 30) × 0.2 = 18 → Ⅱ类 (8 ≤ 18 < 20)
    assert f.total_score == Decimal("18.00")
    assert (f.overall_class, f.class_rank) == ("Ⅱ类", 2)
    assert dict(f.dimension_levels) == {
        "credit": "Ⅰ类",
        "management": "Ⅲ类",
        "infrastructure": "Ⅲ类",
        "innovation": "Ⅱ类",
    }
    assert {"QC-01", "QC-02", "QI-01", "QI-04", "QM-04"} <= f.elements_held
    assert f.valid_invention_patents == 3
    assert f.titles == frozenset({"专精特新小巨人"})
    assert f.awards == frozenset({"政府质量奖"})
    assert f.quality_penalties_2y == 0


def test_penalties_count_quality_ones_in_two_years_not_repaired(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    run_id = _publish(factory)
    with unit_of_work(factory) as s:
        f = gather(s, firms["b"], ON, "xiamen")
    assert f.quality_penalties_2y == 2  # P-Q and P-S
    # gated by the product-quality penalty: evaluated in the version's run, not listed
    assert (f.listed, f.whitelist_version, f.evaluation_run_id) == (False, 1, run_id)
    assert (f.overall_class, f.class_rank) == (None, None)
    with unit_of_work(factory) as s:
        later = gather(s, firms["b"], date(2026, 6, 2), "xiamen")
    # by 2026-06-02 only P-S (2025-06-01, within two years) is left, and it was repaired
    # on 2025-08-01; P-F (食品安全, 2025-08-01) now counts
    assert later.quality_penalties_2y == 1


def test_a_version_counts_from_the_day_it_was_published(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    _publish(factory)
    with unit_of_work(factory) as s:
        before = gather(s, firms["a"], date(2025, 6, 30), "xiamen")
        same_day = gather(s, firms["a"], date(2025, 7, 1), "xiamen")
    assert (before.listed, before.whitelist_version, before.overall_class) == (False, None, None)
    assert before.valid_invention_patents == 3  # records do not wait for the whitelist
    assert (same_day.listed, same_day.whitelist_version) == (True, 1)


def test_the_products_catalog_decides_which_grade_is_read(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    _publish(factory)
    # a Ningbo version (five levels) graded the same enterprise 一级 in two dimensions
    version = publish_grades(
        factory,
        catalog="ningbo",
        grades={firms["a"]: Grade("L1", {"credit": "L1", "innovation": "L2"}, Decimal("91.50"))},
        published_at=datetime(2025, 7, 2, 2, 0, tzinfo=UTC),
    )
    assert version == 2
    with unit_of_work(factory) as s:
        xiamen = gather(s, firms["a"], ON, "xiamen")
        ningbo = gather(s, firms["a"], ON, "ningbo")
        shandong = gather(s, firms["a"], ON, "shandong")
    assert (xiamen.whitelist_version, xiamen.overall_class, xiamen.class_rank) == (1, "Ⅱ类", 2)
    assert (ningbo.whitelist_version, ningbo.overall_class, ningbo.class_rank) == (2, "一级", 1)
    assert dict(ningbo.dimension_levels) == {"credit": "一级", "innovation": "二级"}
    assert ningbo.total_score == Decimal("91.50")
    assert (shandong.listed, shandong.whitelist_version, shandong.overall_class) == (
        False,
        None,
        None,
    )


def test_an_unknown_enterprise_is_not_found(factory: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        gather(s, 999_999, ON, "xiamen")
