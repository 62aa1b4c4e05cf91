"""Demo linkage (called by ``zhixin.demo.loader`` after the demo loans): the linkage cursors
start, a product-quality penalty is imported for the first demo loan's enterprise through the
ordinary import, one linkage cycle freezes its line, and the last closed quarter's covenants
are checked — so the loan page, the enterprise's pages and the bank's queue show a covenant
result and a freeze with its reason. Commits through its own units of work (the import has
its own), like the loader's other steps."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from zhixin.intake.service import run_import
from zhixin.kit import clock, sheets
from zhixin.kit.db import unit_of_work
from zhixin.linkage import rules, service
from zhixin.loans import linked as book
from zhixin.records.kinds import PENALTY


def last_quarter_label() -> str:
    today = clock.today()
    q = (today.month - 1) // 3  # this quarter's index 0..3; the last closed one is q - 1
    return f"{today.year}Q{q}" if q else f"{today.year - 1}Q4"


def load(factory: sessionmaker[Session], *, uscc_of: Callable[[int], str | None]) -> list[str]:
    with unit_of_work(factory) as session:
        service.run_cycle(session)  # the cursors start at what exists now
        first = sorted(book.active_contracts_of(session, _enterprises(session)), key=lambda c: c.id)
    if not first:
        return ["演示联动：没有演示贷款，未生成"]
    target = first[0]
    uscc = uscc_of(target.enterprise_id)
    made = []
    if uscc is not None:
        day = clock.today() - timedelta(days=2)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "penalty.csv"
            values = {
                "处罚决定书文号": f"厦市监处罚〔{day.year}〕{target.id:03d}号",
                "处罚日期": day.isoformat(),
                "处罚机关": "厦门市市场监督管理局",
                "违法类别": "产品质量",
                "严重程度": "较重",
            }
            path.write_bytes(
                sheets.csv_bytes(
                    [
                        PENALTY.headers,
                        [uscc] + [values.get(x.header, "") for x in PENALTY.fields],
                    ]
                )
            )
            run_import(factory, kind="penalty", path=path, filename="演示处罚.csv")
        with unit_of_work(factory) as session:
            done = service.run_cycle(session)
        made.append(f"质量联动：新增处罚 → 冻结额度 {done.freezes} 笔（合同 #{target.id}）")
    with unit_of_work(factory) as session:
        period = rules.parse_period(last_quarter_label())
        checked = service.check_covenants(session, period.label)
    made.append(f"贷后约定检查 {checked.period}：{checked.results} 条结果，违约 {checked.breaches}")
    return made


def _enterprises(session: Session) -> list[int]:
    return sorted({c.enterprise_id for c in book.active_contracts_all(session)})
