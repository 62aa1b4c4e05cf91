"""The list behind each number (drill-down): the same facts and the same predicates as the
section that counted them (pure: no database, no web). ``what`` names the figure, ``by`` the
row's key (``bank`` code, ``product`` / ``class`` / ``district`` / ``industry`` name, ``quality``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zhixin.errors import Invalid
from zhixin.kit.divisions import industry_name, region_name
from zhixin.reports.sections import (
    CLASS_LABELS,
    CONSULTATION_LABELS,
    NON_PERFORMING,
    Column,
    Facts,
    Table,
    conversion_sets,
    missed_deadline,
)

STATE_LABELS = {
    "submitted": "已提交",
    "materials_requested": "补充材料",
    "accepted": "已受理",
    "under_review": "审查中",
    "pending_approval": "待审批",
    "approved": "已批准",
    "rejected": "已拒绝",
    "withdrawn": "已撤回",
    "contracted": "已签约",
}

TITLES = {
    "received": "本期收到的申请",
    "accepted": "本期受理的申请",
    "approved": "本期批准的申请",
    "refused": "本期拒绝的申请",
    "missed": "快速通道超时的申请",
    "listed": "期末白名单企业",
    "applied": "已申请的白名单企业",
    "approved_firms": "已获批的白名单企业",
    "drawn": "已用信的白名单企业",
    "disbursed": "本期新增放款",
    "running": "在贷用信",
    "npl": "不良贷款（次级、可疑、损失）",
    "consultations_opened": "本期进入会诊",
    "consultations_resolved": "本期解决的会诊",
    "consultations_pending": "仍在会诊",
}


def _district_of(f: Facts, d: Any) -> str:
    """A drawdown's borrower's county as the loan tables name it."""
    return region_name(f.places.get(d.enterprise_id, ("", None, None))[1]) or "未登记"


def _industry_of(f: Facts, d: Any) -> str:
    return industry_name(f.places.get(d.enterprise_id, ("", None, None))[2]) or "未登记"


def _name(f: Facts, enterprise_id: int) -> str:
    return f.places.get(enterprise_id, (f"企业 #{enterprise_id}", None, None))[0]


def _bank_name(f: Facts, tenant_id: int) -> str:
    return f.banks.get(tenant_id, ("", f"#{tenant_id}"))[1]


def _applications(f: Facts, what: str, keep: Callable[[Any], bool], by: dict[str, str]) -> Table:
    code = by.get("bank")
    banks = {i for i, (c, _n) in f.banks.items() if code is None or c == code}
    inside = _in_area(f, by)
    rows = [
        a
        for a in f.applications
        if a.bank_tenant_id in banks and keep(a) and inside(a.enterprise_id)
    ]
    rows.sort(key=lambda a: a.id)
    listed = [
        [
            f"#{a.id}",
            _name(f, a.enterprise_id),
            _bank_name(f, a.bank_tenant_id),
            a.product_name,
            a.submitted_on,
            a.decided_on,
            STATE_LABELS.get(a.state, a.state),
            a.approved_amount,
            a.deadline,
        ]
        for a in rows
    ]
    links = [{0: f"/applications/{a.id}"} for a in rows]
    return Table(what, TITLES[what], APPLICATION_COLUMNS, listed, drill=links)


APPLICATION_COLUMNS = [
    Column("申请", "link"),
    Column("企业", "text"),
    Column("银行", "text"),
    Column("产品", "text"),
    Column("提交日", "date"),
    Column("决策日", "date"),
    Column("状态", "text"),
    Column("批准金额（元）", "money"),
    Column("快速通道时限", "date"),
]
LOAN_LIST_COLUMNS = [
    Column("合同", "link"),
    Column("企业", "text"),
    Column("银行", "text"),
    Column("产品", "text"),
    Column("起息日", "date"),
    Column("金额（元）", "money"),
    Column("余额（元）", "money"),
    Column("五级分类", "text"),
]


def _in_area(f: Facts, by: dict[str, str]) -> Callable[[int], bool]:
    """An enterprise in the roll-up's area (``by_area``, a region code prefix)."""
    area = by.get("area")
    if area is None:
        return lambda _e: True
    return lambda e: str(f.places.get(e, ("", None, None))[1] or "").startswith(area)


def _loan_key(f: Facts, by: dict[str, str]) -> Callable[[Any], bool]:
    inside = _in_area(f, by)
    tests: list[Callable[[Any], bool]] = [lambda d: inside(d.enterprise_id)]
    if "bank" in by:
        tests.append(lambda d: f.banks.get(d.bank_tenant_id, ("", ""))[0] == by["bank"])
    if "product" in by:
        tests.append(lambda d: f.product_names.get(d.product_code, d.product_code) == by["product"])
    if "class" in by:
        tests.append(lambda d: CLASS_LABELS.get(d.classification, d.classification) == by["class"])
    if "district" in by:
        tests.append(lambda d: _district_of(f, d) == by["district"])
    if "industry" in by:
        tests.append(lambda d: _industry_of(f, d) == by["industry"])
    if by.get("quality") == "1":
        tests.append(lambda d: d.contract_id in f.quality_contracts)
    return lambda d: all(t(d) for t in tests)


def drill(f: Facts, what: str, by: dict[str, str]) -> Table:
    """The rows behind one figure of the report over the same facts."""
    if what not in TITLES:
        raise Invalid("没有这一项数字的明细")
    p = f.period
    title = TITLES[what]
    app_tests: dict[str, Callable[[Any], bool]] = {
        "received": lambda a: p.holds(a.submitted_on),
        "accepted": lambda a: p.holds(a.accepted_on),
        "approved": lambda a: a.approved and p.holds(a.decided_on),
        "refused": lambda a: a.refused and p.holds(a.decided_on),
        "missed": lambda a: missed_deadline(a, p, f.today),
    }
    if what in app_tests:
        return _applications(f, what, app_tests[what], by)
    steps = {key: firms for key, _label, firms in conversion_sets(f)}
    if what in steps:
        inside = _in_area(f, by)
        firms = sorted((e for e in steps[what] if inside(e)), key=lambda e: _name(f, e))
        return Table(
            what,
            title,
            [Column("企业", "text"), Column("家次")],
            [[_name(f, e), f.listed_end.get(e, 0)] for e in firms],
        )
    if what in ("disbursed", "running", "npl"):
        keep = _loan_key(f, by)
        loan_tests: dict[str, Callable[[Any], bool]] = {
            "disbursed": lambda d: p.holds(d.value_date) and d.renewed_from_id is None,
            "running": lambda d: d.status == "disbursed",
            "npl": lambda d: d.status == "disbursed" and d.classification in NON_PERFORMING,
        }
        chosen = [d for d in f.drawdowns if loan_tests[what](d) and keep(d)]
        chosen.sort(key=lambda d: (d.value_date, d.id))
        return Table(
            what,
            title,
            LOAN_LIST_COLUMNS,
            [
                [
                    d.contract_no,
                    _name(f, d.enterprise_id),
                    _bank_name(f, d.bank_tenant_id),
                    f.product_names.get(d.product_code, d.product_code),
                    d.value_date,
                    d.amount,
                    d.balance,
                    CLASS_LABELS.get(d.classification, d.classification),
                ]
                for d in chosen
            ],
            drill=[{0: f"/loans/{d.contract_id}"} for d in chosen],
        )
    cons_tests: dict[str, Callable[[Any], bool]] = {
        "consultations_opened": lambda c: p.holds(c.opened_on),
        "consultations_resolved": lambda c: c.status == "resolved" and p.holds(c.resolved_on),
        "consultations_pending": lambda c: c.status in ("open", "planned"),
    }
    chosen_c = sorted((c for c in f.consultations if cons_tests[what](c)), key=lambda c: c.id)
    return Table(
        what,
        title,
        [
            Column("会诊", "link"),
            Column("企业", "text"),
            Column("进入日", "date"),
            Column("状态", "text"),
            Column("解决日", "date"),
            Column("解决用时（工作日）"),
        ],
        [
            [
                f"#{c.id}",
                _name(f, c.enterprise_id),
                c.opened_on,
                CONSULTATION_LABELS.get(c.status, c.status),
                c.resolved_on,
                c.resolution_workdays,
            ]
            for c in chosen_c
        ],
        drill=[{0: f"/consultations/{c.id}"} for c in chosen_c],
    )
