"""The loan book's sections (pure): loans by product, five-category class, district and
industry, and the NPL ratio, from the daily facts. Re-exported by ``reports.sections``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from zhixin.kit.divisions import industry_name, region_name
from zhixin.reports.basics import (
    CLASS_LABELS,
    CLASS_ORDER,
    NON_PERFORMING,
    ZERO,
    Column,
    Facts,
    Table,
    q,
    yuan,
)
from zhixin.reports.rules import percent

# -- the loan book ------------------------------------------------------------------------------


def _loan_rows(
    f: Facts, key: Callable[[Any], str], order: Iterable[str] | None = None
) -> tuple[list[list[Any]], list[str]]:
    acc: dict[str, list[Any]] = {}
    for x in f.agg.book:  # every drawdown up to the end lists its key
        slot = acc.setdefault(key(x), [0, 0, 0, 0])
        if x.measure == "running":
            slot[2] += x.n
            slot[3] += x.total
    for x in f.agg.period:
        if x.measure == "new":
            slot = acc.setdefault(key(x), [0, 0, 0, 0])
            slot[0] += x.n
            slot[1] += x.total
    keys = [k for k in order if k in acc] if order is not None else sorted(acc)
    rows = [[k, acc[k][0], yuan(acc[k][1]), acc[k][2], yuan(acc[k][3])] for k in keys]
    total = [sum((r[i] for r in rows), ZERO if i in (2, 4) else 0) for i in range(1, 5)]
    rows.append(["合计", *total])
    return rows, keys


LOAN_COLUMNS = [
    Column("本期新增放款（笔）"),
    Column("本期新增放款金额（元）", "money"),
    Column("在贷（笔）"),
    Column("贷款余额（元）", "money"),
]
LOAN_NOTE = (
    "新增放款：起息日在本期的用信，不含无还本续贷转入的用信；在贷与余额：未结清的用信及其剩余本金，"
    "为最近一次日终批处理后的数（与不良率同口径）。"
)


def _district(f: Facts, x: Any) -> str:
    return region_name(x.region_code) or "未登记"


def _industry(f: Facts, x: Any) -> str:
    return industry_name(x.industry_code) or "未登记"


def _loans(key: str, title: str, first: str, by: Callable[[Facts, Any], str], order: Any = None):  # type: ignore[no-untyped-def]
    def build(f: Facts) -> Table:
        rows, keys = _loan_rows(f, lambda d: by(f, d), order)
        drill = [{1: q("disbursed", **{key: k}), 3: q("running", **{key: k})} for k in keys]
        drill.append({1: q("disbursed"), 3: q("running")})
        return Table(
            f"loans_by_{key}", title, [Column(first, "text"), *LOAN_COLUMNS], rows, LOAN_NOTE, drill
        )

    return build


loans_by_product = _loans(
    "product",
    "贷款 · 按产品",
    "产品",
    lambda f, d: f.product_names.get(d.product_code, d.product_code),
)
loans_by_class = _loans(
    "class",
    "贷款 · 按五级分类",
    "五级分类",
    lambda f, x: CLASS_LABELS.get(x.kind, x.kind),
    [CLASS_LABELS[c] for c in CLASS_ORDER],
)
loans_by_district = _loans("district", "贷款 · 按区县", "区县", _district)
loans_by_industry = _loans("industry", "贷款 · 按行业", "行业", _industry)


def npl(f: Facts) -> Table:
    def figures(label: str, rows: list[Any]) -> list[Any]:
        balance = yuan(sum(x.total for x in rows))
        bad = yuan(sum(x.total for x in rows if x.kind in NON_PERFORMING))
        return [label, sum(x.n for x in rows), balance, bad, percent(bad, balance)]

    running = [x for x in f.agg.book if x.measure == "running"]
    quality = [x for x in running if x.quality]
    return Table(
        "npl",
        "不良贷款率",
        [
            Column("口径", "text"),
            Column("在贷（笔）"),
            Column("贷款余额（元）", "money"),
            Column("不良余额（元）", "money"),
            Column("不良率（%）", "pct"),
        ],
        [figures("质量贷款（申请时在白名单上）", quality), figures("平台全部贷款", running)],
        "不良：次级、可疑、损失三类的剩余本金；质量贷款：合同来自借款人在白名单上时提交的申请"
        "（无还本续贷沿续贷链追溯到原申请）。",
        [
            {2: q("running", quality="1"), 3: q("npl", quality="1")},
            {2: q("running"), 3: q("npl")},
        ],
    )
