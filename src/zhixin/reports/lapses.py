"""到期预警: certificates that lapse within ``LAPSE_DAYS`` of the report's last day, listed per
borrower and bank, so both are warned before a grade or a pledge breaks (pure; the facts come
from ``zhixin.records.facts``). Defined in docs/reports.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zhixin.reports.sections import Column, Facts, Table

LAPSE_DAYS = 30


def lapses(f: Facts) -> Table:
    end = f.period.end
    last = end + timedelta(days=LAPSE_DAYS)
    names = {tenant_id: name for tenant_id, (_code, name) in f.banks.items()}
    lenders: dict[int, set[int]] = {}
    for d in f.drawdowns:
        if d.status == "disbursed" and d.bank_tenant_id in names:
            lenders.setdefault(d.enterprise_id, set()).add(d.bank_tenant_id)
    rows: list[list[Any]] = []
    for x in f.expiring:
        if not end <= x.valid_to <= last:
            continue
        firm = f.places.get(x.enterprise_id, ("", None, None))[0]
        for bank in sorted(names[b] for b in lenders.get(x.enterprise_id, ())):
            what = " ".join(v for v in (x.title, x.ref) if v) or "—"
            rows.append([firm, bank, x.kind_label, what, x.valid_to, (x.valid_to - end).days])
    rows.sort(key=lambda r: (r[4], r[0], r[1], r[2], r[3]))
    return Table(
        "lapses",
        f"到期预警（{LAPSE_DAYS} 日内到期的证书）",
        [
            Column("企业", "text"),
            Column("贷款银行", "text"),
            Column("类别", "text"),
            Column("证书", "text"),
            Column("有效期至", "date"),
            Column("距期末（日）"),
        ],
        rows,
        f"对象：本范围内有在贷用信的企业；证书：现行的管理体系认证、产品和服务认证、实验室认可与资质认定、"
        f"称号认定，有效期至落在本期最后一天起 {LAPSE_DAYS} 日内（含当天）；每家贷款银行一行。",
    )
