"""融资需求与对接台账: needs and the outcome ledger in the report, per bank (pure). The needs'
figures count events in the period; the conversion is demand's own
(:func:`zhixin.demand.rules.conversion`) over the ledger as it stood at the period's end.
Figures defined in docs/reports.md."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

from zhixin.demand.rules import STAGES, conversion
from zhixin.reports.sections import ZERO, Column, Facts, Table

BANK_STEPS = frozenset({"contacted", "onsite", "applied", "refused"})
NO_BANK = "（未由银行持有）"
ALL = "\x00all"


def demand(f: Facts) -> Table:
    p = f.period
    names = {code: name for code, name in f.banks.values()}
    events = [e for e in f.need_events if p.holds(e.day)]
    posted = Counter(e.bank_code for e in events if e.kind == "posted")
    taken = Counter(e.bank_code for e in events if e.kind == "taken")
    late = Counter(e.bank_code for e in events if e.kind in BANK_STEPS and e.late)
    escalated = Counter(e.bank_code for e in events if e.kind == "escalated")
    funnels = {fn.key: fn for fn in conversion(f.ledger, "bank")}
    whole = conversion([replace(r, bank_code=ALL) for r in f.ledger], "bank")

    codes = sorted(names)
    others = {c for c in (*posted, *taken, *late, *escalated, *funnels) if c not in names}
    codes += sorted(c for c in others if c is not None)

    def row(label: str, code: Any, fn: Any) -> list[Any]:
        stages = [fn.counts.get(k, 0) if fn else 0 for k, _l in STAGES]
        amounts = [fn.granted_amount if fn else ZERO, fn.disbursed_amount if fn else ZERO]
        return [
            label,
            posted.get(code, 0),
            taken.get(code, 0),
            late.get(code, 0),
            escalated.get(code, 0),
            *stages,
            *[Decimal(a).quantize(ZERO) for a in amounts],
        ]

    rows = [row(names.get(c, c), c, funnels.get(c)) for c in codes]
    if None in others:
        rows.append(row(NO_BANK, None, None))
    if len(rows) > 1:
        total = row("合计", "\x00none", whole[0] if whole else None)
        total[1:5] = [sum(r[i] for r in rows) for i in range(1, 5)]
        rows.append(total)
    return Table(
        "demand",
        "融资需求与对接台账",
        [
            Column("银行", "text"),
            Column("发布需求（笔）"),
            Column("接单（笔）"),
            Column("超时限办理（笔）"),
            Column("上报专班（笔）"),
            *[Column(f"{label}（家）") for _k, label in STAGES],
            Column("授信金额（元）", "money"),
            Column("放款金额（元）", "money"),
        ],
        rows,
        "发布、接单、超时限办理（银行的联系、上门、受理、拒绝晚于时限）、上报专班：本期发生、记在当时持有"
        "需求的银行下（无银行持有的记入“未由银行持有”）；台账各环节：截至期末的对接台账，按企业去重，"
        "口径同融资需求转化；合计行的企业数在全部银行中去重。",
    )
