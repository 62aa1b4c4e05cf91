"""Demo data of the evidence log: the demo loans' entries (appended by the loan book as the demo
made them) confirmed by the bank's approver, the older half also by the regulator, and a signed
tree head, so the loan pages and /evidence show every confirmation state."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.evidence import repository as repo
from zhixin.evidence import service


def load(session: Session) -> list[str]:
    users = {
        name: accounts.user_by_username(session, name) for name in ("xmrcb-approver", "regulator")
    }
    if any(u is None for u in users.values()):
        return ["演示存证：缺少演示账号，未确认"]
    bank = accounts.principal_for(session, users["xmrcb-approver"])  # type: ignore[arg-type]
    regulator = accounts.principal_for(session, users["regulator"])  # type: ignore[arg-type]
    service.sign_head(session)  # writes this transaction's entries first
    state = repo.log(session)
    size = state.tree_size if state is not None else 0
    if size == 0:
        return []
    mine = [
        e.seq
        for e in repo.latest_entries(session, size, None)
        if e.bank_tenant_id == bank.tenant_id
    ]
    if mine:
        service.confirm(session, actor=bank, seqs=mine)
        older = sorted(mine)[: max(1, len(mine) // 2)]
        service.confirm(session, actor=regulator, seqs=older)
    return [f"演示存证：{size} 条，银行确认 {len(mine)} 条，监管部门确认其中较早的一半"]
