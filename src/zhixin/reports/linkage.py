"""质量联动: freezes, unfreezes and covenant breaches in the period, per bank (pure; the facts
come from ``zhixin.linkage.facts``). Figures defined in docs/reports.md."""

from __future__ import annotations

from collections import Counter
from typing import Any

from zhixin.linkage.rules import COVENANT_KIND_LABELS
from zhixin.reports.sections import Column, Facts, Table


def linkage(f: Facts) -> Table:
    p = f.period
    kinds = list(COVENANT_KIND_LABELS)
    freezes = Counter((x.bank_tenant_id, x.kind) for x in f.freezes if p.holds(x.day))
    checked = Counter(c.bank_tenant_id for c in f.covenants if p.holds(c.day))
    broken = Counter(
        (c.bank_tenant_id, c.kind if c.kind in COVENANT_KIND_LABELS else "")
        for c in f.covenants
        if p.holds(c.day) and not c.met
    )
    rows: list[list[Any]] = []
    for tenant_id, (_code, name) in sorted(f.banks.items(), key=lambda kv: kv[1][0]):
        by_kind = [broken.get((tenant_id, k), 0) for k in kinds]
        all_broken = sum(n for (b, _k), n in broken.items() if b == tenant_id)
        rows.append(
            [
                name,
                freezes.get((tenant_id, "freeze"), 0),
                freezes.get((tenant_id, "unfreeze"), 0),
                checked.get(tenant_id, 0),
                *by_kind,
                all_broken,
            ]
        )
    if len(rows) > 1:
        rows.append(["合计", *[sum(r[i] for r in rows) for i in range(1, len(rows[0]))]])
    return Table(
        "linkage",
        "质量联动",
        [
            Column("银行", "text"),
            Column("冻结额度（笔）"),
            Column("解除冻结（笔）"),
            Column("约束条款检查（项）"),
            *[Column(f"未达标：{label}（项）") for label in COVENANT_KIND_LABELS.values()],
            Column("未达标合计（项）"),
        ],
        rows,
        "冻结、解除冻结：本期作出的联动动作（按北京时间）；约束条款检查、未达标：本期核查得出的约束条款结果"
        "（每份合同每项条款每个考核期一项），按条款类型分列。",
    )
