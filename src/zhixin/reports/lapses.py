"""到期预警: the lapses that will break a grade or a pledge, listed per borrower and bank, so both
are warned before they happen (pure; the facts come from ``zhixin.records.facts`` and
``zhixin.risk.facts``). Defined in docs/reports.md:

- certificates whose validity ends within ``LAPSE_DAYS`` of the report's last day, to each bank
  lending to the firm;
- patents in force whose annual fee (专利年费) falls due in the same window
  (``records.rules.annual_fee_due``: the filing date's anniversary, six months' grace with a
  surcharge, then the right ends), to each bank lending to the firm and each bank holding the
  patent as a pledge basis (a pledgeable 知识产权估值 of it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zhixin.records.rules import annual_fee_due, patent_key
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
            rows.append([firm, bank, x.kind_label, what, x.valid_to, (x.valid_to - end).days, None])
    for p in f.patents:
        if p.enterprise_id not in lenders:
            continue  # not a borrower within the scope
        fee = annual_fee_due(
            filed_on=p.filed_on, granted_on=p.granted_on, subtype=p.subtype, start=end, end=last
        )
        if fee is None:
            continue
        pledged = f.pledges.get((p.enterprise_id, patent_key(p.ref)), set()) & set(names)
        firm = f.places.get(p.enterprise_id, ("", None, None))[0]
        what = " ".join(v for v in (p.subtype, p.ref, p.title) if v) or "—"
        if p.pledged or pledged:
            what += "（已质押）"
        if fee.from_grant:
            what += "（无申请日，按授权日推算）"
        label = f"专利年费（第 {fee.patent_year} 年）"
        days = (fee.due_on - end).days
        for bank in sorted(names[b] for b in lenders[p.enterprise_id] | pledged):
            rows.append([firm, bank, label, what, fee.due_on, days, fee.grace_until])
    rows.sort(key=lambda r: (r[4], r[0], r[1], r[2], r[3]))
    return Table(
        "lapses",
        f"到期预警（{LAPSE_DAYS} 日内到期的证书与专利年费）",
        [
            Column("企业", "text"),
            Column("银行", "text"),
            Column("类别", "text"),
            Column("证书或专利", "text"),
            Column("到期日", "date"),
            Column("距期末（日）"),
            Column("宽限期满", "date"),
        ],
        rows,
        f"对象：本范围内有在贷用信的企业，每家贷款银行（专利另含持有其质押估值的银行）一行。"
        f"证书：现行的管理体系认证、产品和服务认证、实验室认可与资质认定、称号认定，有效期至落在"
        f"本期最后一天起 {LAPSE_DAYS} 日内（含当天）。专利年费：有效专利的年费缴纳期限"
        f"（申请日对应日；无申请日按授权日推算）落在同一区间；逾期可在 6 个月宽限期内补缴并加收"
        f"滞纳金，宽限期满仍未缴纳的专利权终止（专利法实施细则第一百一十六条）。",
    )
