"""担保 · 风险补偿 · 贴息: public support in the period, per bank (pure; the facts come from
``zhixin.support.facts`` through :func:`zhixin.reports.service.gather`). Figures defined in
docs/reports.md."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhixin.reports.sections import ZERO, Column, Facts, Table

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def covered(g: Any) -> Decimal:
    """The guarantor's liability on one guarantee: amount × coverage %, to the fen (half up)."""
    return (g.amount * g.coverage / HUNDRED).quantize(CENT, ROUND_HALF_UP)  # type: ignore[no-any-return]


def support(f: Facts) -> Table:
    p = f.period
    acc: dict[int, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, 0, 0, ZERO, 0, ZERO, ZERO])
    for g in f.guarantees:
        if p.holds(g.issued_on):
            s = acc[g.bank_tenant_id]
            s[0] += 1
            s[1] += g.amount
            s[2] += covered(g)
        if g.called_on is not None and p.holds(g.called_on):
            acc[g.bank_tenant_id][3] += 1
    for c in f.claims:
        if p.holds(c.paid_on):
            s = acc[c.bank_tenant_id]
            s[4] += 1
            s[5] += c.fund_part
    for r in f.recoveries:
        if p.holds(r.on_date):
            s = acc[r.bank_tenant_id]
            s[6] += 1
            s[7] += r.amount
    for x in f.subsidies:
        if p.holds(x.paid_on):
            acc[x.bank_tenant_id][8] += x.amount
    order = sorted(f.banks.items(), key=lambda kv: kv[1][0])
    rows: list[list[Any]] = [[name, *acc[tenant_id]] for tenant_id, (_c, name) in order]
    if len(order) > 1:
        rows.append(
            [
                "合计",
                *[
                    sum((r[i] for r in rows), ZERO if i in (2, 3, 6, 8, 9) else 0)
                    for i in range(1, 10)
                ],
            ]
        )
    return Table(
        "support",
        "担保 · 风险补偿 · 贴息",
        [
            Column("银行", "text"),
            Column("新增担保（笔）"),
            Column("新增担保金额（元）", "money"),
            Column("担保责任金额（元）", "money"),
            Column("担保代偿（笔）"),
            Column("风险补偿拨付（笔）"),
            Column("风险补偿拨付金额（元）", "money"),
            Column("追偿（笔）"),
            Column("追偿金额（元）", "money"),
            Column("贴息拨付金额（元）", "money"),
        ],
        rows,
        "新增担保：本期获批的担保（按北京时间的批准日）；担保责任金额：担保金额 × 担保责任比例，"
        "逐笔四舍五入到分；代偿：本期被代偿的担保；风险补偿拨付：本期拨付的代偿申请及资金池承担部分；"
        "追偿：本期追回的款项（全额，各方按比例分回）；贴息：本期拨付的季度贴息申报中各笔贴息（封顶后）。",
    )
