"""以贷提质: whether lending improved the borrowers' quality — each borrower's evaluation 12
months after its loan against the one before it, by bank and product (pure)."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhixin.lending.dates import add_months
from zhixin.reports.sections import Column, Facts, Table

CENT = Decimal("0.01")
MONTHS = 12


def pair(history: list[Any], value_date: Any, end: Any) -> tuple[Any, Any]:
    """(before, after): the latest result with as-of ≤ the value date, and the first one of the
    same catalog with as-of ≥ value date + 12 months and ≤ the period's end (None when absent)."""
    before = None
    for g in history:
        if g.as_of <= value_date:
            before = g
    if before is None:
        return None, None
    due = add_months(value_date, MONTHS)
    after = next(
        (g for g in history if g.catalog_name == before.catalog_name and due <= g.as_of <= end),
        None,
    )
    return before, after


def uplift(f: Facts) -> Table:
    end = f.period.end
    first: dict[tuple[int, int, str], Any] = {}
    for d in sorted(f.drawdowns, key=lambda d: (d.value_date, d.id)):
        if d.renewed_from_id is not None:
            continue
        first.setdefault((d.enterprise_id, d.bank_tenant_id, d.product_code), d)
    groups: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, 0, 0, 0, 0, []])
    for (enterprise, bank_id, product), d in first.items():
        if add_months(d.value_date, MONTHS) > end:
            continue
        key = (
            f.banks.get(bank_id, ("", f"#{bank_id}"))[1],
            f.product_names.get(product, product),
        )
        g = groups[key]
        g[0] += 1
        before, after = pair(f.grades.get(enterprise, []), d.value_date, end)
        if before is None or after is None:
            continue
        g[1] += 1
        change = after.total_score - before.total_score
        g[2 if change > 0 else 3 if change == 0 else 4] += 1
        g[5].append(change)
    rows: list[list[Any]] = []
    for (bank, product), g in sorted(groups.items()):
        mean = (sum(g[5], Decimal(0)) / len(g[5])).quantize(CENT, ROUND_HALF_UP) if g[5] else None
        rows.append([bank, product, *g[:5], mean])
    return Table(
        "uplift",
        "以贷提质：贷后 12 个月质量评价变化",
        [
            Column("银行", "text"),
            Column("产品", "text"),
            Column("满 12 个月的借款企业（家）"),
            Column("有贷前、贷后评价（家）"),
            Column("提升（家）"),
            Column("持平（家）"),
            Column("下降（家）"),
            Column("平均总分变化", "tenth"),
        ],
        rows,
        "借款企业：每家企业在每家银行每个产品的首笔新增用信（不含续贷），"
        "起息日满 12 个月且不晚于期末；贷前：起息日当天或之前最近一次已完成评价；"
        "贷后：同一评价体系中评价基准日在起息日 12 个月后至期末之间的第一次评价；"
        "变化 = 贷后总分 − 贷前总分。",
    )
