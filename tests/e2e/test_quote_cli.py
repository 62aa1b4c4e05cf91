"""``zhixin quote`` as a script runs it: a subprocess, its exit code, its JSON."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.test_cli import zhixin
from tests.support.grades import Grade, publish_grades
from zhixin import models as _every_table  # noqa: F401 - the ORM used outside the app
from zhixin.audit.models import AuditEvent
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
from zhixin.quotes.models import Quote

QZ = make_uscc("91330800MA2A00003")
PLANT, PATENT = "38000000", "36800000"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "quote-cli.sqlite3"
    done = zhixin("db", "upgrade", db=path)
    assert done.returncode == 0, done.stderr
    engine = make_engine(f"sqlite:///{path}")
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=QZ,
            name="衢州蓝宇新材料",
            kind="企业",
            status="存续",
            size_class="中",
            region_code="330802",
            established_on=date(2012, 5, 1),
        )
        s.add(firm)
        s.flush()
        eid = firm.id
    publish_grades(factory, catalog="ningbo", grades={eid: Grade("L2", {"credit": "L2"})})
    engine.dispose()
    return path


def _args(*extra: str) -> list[str]:
    return [
        "quote",
        "--product",
        "quzhou-zuhedai",
        "--enterprise",
        QZ,
        "--amount",
        "45000000",
        "--term",
        "12",
        "--method",
        "等额本息",
        "--date",
        "2025-07-15",
        "--collateral",
        f"厂房={PLANT}",
        "--collateral",
        f"专利={PATENT}",
        *extra,
    ]


def test_json_for_scripts(db: Path) -> None:
    done = zhixin(*_args("--json"), db=db)
    assert done.returncode == 0, done.stderr
    q = json.loads(done.stdout)
    assert q["eligible"] is True
    # 3,800万 × 70 % + 3,680万 × 50 % = 2,660万 + 1,840万 = 4,500万 (seed 003)
    assert q["limit"] == "45000000.00"
    f = {x["code"]: x["amount"] for x in q["limit_factors"]}
    assert (f["collateral:plant"], f["collateral:patent"], f["share:patent"]) == (
        "26600000.00",
        "18400000.00",
        "40.89",
    )
    # 二级: 3.00 + 90bp − 20bp = 3.70 %
    assert q["rate"] == "3.7000"
    first = q["schedule"]["instalments"][0]
    # 等额本息 charges a month at 3.70 % / 12: 45,000,000 × 3.70 / 1200 = 138,750.00 (the old
    # 143,375.00 charged the month's 31 days over 360)
    assert (first["due"], first["interest"]) == ("2025-08-15", "138750.00")
    payments = [Decimal(i["payment"]) for i in q["schedule"]["instalments"]]
    assert len(set(payments[:-1])) == 1 and abs(payments[-1] - payments[0]) < 1
    assert q["offer"]["rate_type"] == "floating" and q["disclaimer"] == "测算结果，不构成要约"
    principal = sum(Decimal(i["principal"]) for i in q["schedule"]["instalments"])
    assert principal == Decimal("45000000")
    # stored and audited as the command-line system actor
    engine = make_engine(f"sqlite:///{db}")
    with unit_of_work(make_sessionmaker(engine)) as s:
        row = s.get(Quote, q["id"])
        assert row is not None and (row.created_by_id, row.tenant_id) == (None, None)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "quote.create")).one()
        assert (event.actor, event.actor_id, event.object_id) == ("cli", None, str(q["id"]))
    engine.dispose()


def test_the_table_for_people_and_a_refusal_still_exits_zero(db: Path) -> None:
    done = zhixin(*_args(), db=db)
    assert done.returncode == 0, done.stderr
    assert "年化利率" in done.stdout and "还款计划" in done.stdout
    assert "符合条件" in done.stdout
    # without the patent the plant secures 2,660万 only: refused, with the reason, exit 0
    refused = zhixin(
        "quote", "--product", "quzhou-zuhedai", "--enterprise", QZ, "--amount", "45000000",
        "--term", "12", "--method", "等额本息", "--date", "2025-07-15",
        "--collateral", f"厂房={PLANT}", "--json", db=db,
    )  # fmt: skip
    assert refused.returncode == 0, refused.stderr
    q = json.loads(refused.stdout)
    assert q["eligible"] is False and q["schedule"] is None
    assert any("超过可贷额度 2,660.00万元" in r for r in q["reasons"]), q["reasons"]
    dry = zhixin(*_args("--json", "--dry-run"), db=db)
    assert dry.returncode == 0 and json.loads(dry.stdout)["id"] is None


def test_errors_exit_nonzero_with_a_chinese_message(db: Path) -> None:
    unknown = zhixin(*_args()[:2], "nope", *_args()[3:], db=db)
    assert unknown.returncode == 1
    assert "未找到产品" in unknown.stderr
    bad = zhixin(*_args("--collateral", "专利"), db=db)
    assert bad.returncode == 2 and "种类=评估价值" in bad.stderr
    early = zhixin(*[a if a != "2025-07-15" else "2019-01-02" for a in _args()], db=db)
    assert early.returncode == 1 and "早于 LPR 表" in early.stderr


def _flat(text: str) -> str:
    return "".join(text.split())  # the console wraps long lines


def test_input_errors_are_chinese_and_exit_as_the_readme_says(db: Path) -> None:
    """1: the quote could not be made (an invalid value, an unknown milestone); 2: usage."""
    bad = zhixin(
        *[{"45000000": "-5", "12": "0", "等额本息": "气球贷"}.get(a, a) for a in _args()], db=db
    )
    assert bad.returncode == 1
    assert _flat("参数有误：申请金额：应大于 0；期限（月）：应不小于 1；还款方式：不是可选值") in (
        _flat(bad.stderr)
    )
    assert "greater" not in bad.stderr and "Input should" not in bad.stderr
    date = zhixin(*[a if a != "2025-07-15" else "2025-13-01" for a in _args()], db=db)
    assert date.returncode == 1 and "测算日：日期格式应为2025-07-01" in _flat(date.stderr)
    term = zhixin(*[a if a != "12" else "twelve" for a in _args()], db=db)
    assert term.returncode == 1 and "--term 应为整数个月：twelve" in term.stderr
    milestone = zhixin(*_args("--milestone", "no-such"), db=db)
    assert milestone.returncode == 1
    assert "没有里程碑no-such；本产品未设里程碑" in _flat(milestone.stderr)
    missing = zhixin("quote", "--product", "quzhou-zuhedai", db=db)
    assert missing.returncode == 2 and "缺少必填选项 --enterprise" in missing.stderr
    assert "Missing option" not in missing.stderr
    unknown = zhixin(*_args("--amout", "1"), db=db)
    assert unknown.returncode == 2 and "没有选项 --amout" in unknown.stderr
    assert "No such option" not in unknown.stderr


def test_a_patent_by_valuation_id_counts_at_its_effective_value(db: Path) -> None:
    from tests.support.people import make_user
    from zhixin.accounts import service as accounts
    from zhixin.accounts.models import User
    from zhixin.accounts.rules import Role
    from zhixin.risk import valuation
    from zhixin.risk.schemas import PatentIn

    factory = make_sessionmaker(make_engine(f"sqlite:///{db}"))
    officer = make_user(factory, "qz-officer", Role.bank_officer, tenant_code="bank-qz")
    with unit_of_work(factory) as s:
        eid = s.scalar(select(Enterprise.id).where(Enterprise.uscc == QZ))
        user = s.get(User, officer)
        assert eid is not None and user is not None
        actor = accounts.principal_for(s, user)
        row = valuation.value_patent(
            s,
            actor=actor,
            body=PatentIn(
                enterprise_id=eid,
                patent_no="ZL201910000002.3",
                kind="发明",
                filing_date=date(2019, 1, 1),
                status="有效",
                industry="C26",
                revenue=Decimal(50_000_000),
                licensing_income=Decimal(0),
                citations=0,
                family_size=1,
                valuation_date=date(2025, 7, 15),
            ),
        )
        valuation.override(
            s,
            actor=actor,
            valuation_id=row.id,
            value=Decimal("36800000"),
            reason="按评估报告确认价值",
        )
        vid = row.id
    args = _args("--json")
    at = args.index(f"专利={PATENT}")
    del args[at - 1 : at + 1]  # the typed-in patent and its --collateral
    done = zhixin(*args, "--patent-valuation", str(vid), db=db)
    assert done.returncode == 0, done.stderr
    q = json.loads(done.stdout)
    patent = next(c for c in q["request"]["collateral"] if c["kind"] == "专利")
    assert (patent["value"], patent["valuation_id"]) == ("36800000.00", vid)
    # the same 4,500万 as the typed-in 3,680万 (seed 003), and no typed-in note
    assert q["limit"] == "45000000.00"
    assert not any("专利价值为手填" in n for n in q["notes"])
