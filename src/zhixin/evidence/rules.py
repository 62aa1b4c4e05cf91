"""The evidence log's formats and checks (pure: no database, no web, no settings).

Everything an outsider needs to re-implement ``zhixin evidence verify`` and ``check-proof`` is
here and in docs/evidence.md: the entry's bytes, the signed tree head's bytes, a confirmation's
bytes, the proof file, and the order in which a log is checked.

- **Canonical JSON**: UTF-8, keys sorted, no spaces (``,`` and ``:``), non-ASCII kept as it is,
  numbers only as integers (money and rates are strings).
- **Entry** (the leaf's bytes): ``{"v":1,"seq":…,"kind":…,"at":…,"subject":{…},"contract":{…},
  "data":{…}[,"file":{…}]}``; ``seq`` is the leaf index, so an entry moved to another place no
  longer matches its position.
- **Signed tree head** (STH): canonical JSON ``{"type":"zhixin-evidence/sth/v1","hash":…,
  "tree_size":…,"root_hash":…,"timestamp":…}`` signed with Ed25519 by the log's key.
- **Confirmation**: canonical JSON ``{"type":"zhixin-evidence/confirm/v1","hash":…,"role":
  "bank"|"regulator","tenant":…,"at":…,"entries":[[seq, leaf_hash], …]}`` signed with Ed25519 by
  the confirming tenant's key: one signature confirms one or many entries (a bank's system
  confirms in batches; 2 million single signatures would take about 4 minutes to verify).

What a page shows of an entry is here; the rest is split off by concept and re-exported, so
``rules.X`` names it all: ``formats`` (the bytes above), ``verifier`` (a whole log checked in
order) and ``offline`` (the proof files).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# The modules split off by concept, named here too: callers write ``rules.X``.
from zhixin.evidence.formats import (
    CONFIRM_TYPE,
    CONSISTENCY_FORMAT,
    FORMAT_VERSION,
    KIND_LABELS,
    PROOF_FORMAT,
    ROLE_LABELS,
    ROLES,
    STH_TYPE,
    Confirming,
    ProofError,
    b64,
    canonical,
    confirm_bytes,
    entry_bytes,
    file_digests,
    parse_confirmation,
    plain,
    signature_holds,
    sth_bytes,
)
from zhixin.evidence.offline import Checked, Consistent, check_consistency, check_proof
from zhixin.evidence.verifier import Confirmation, Finding, Head, LogVerifier

__all__ = [
    "CONFIRM_TYPE",
    "CONSISTENCY_FORMAT",
    "DATA_LABELS",
    "FORMAT_VERSION",
    "KIND_LABELS",
    "MONEY_KEYS",
    "PROOF_FORMAT",
    "ROLES",
    "ROLE_LABELS",
    "STH_TYPE",
    "Checked",
    "Confirmation",
    "Confirming",
    "Consistent",
    "Finding",
    "Head",
    "LogVerifier",
    "ProofError",
    "b64",
    "canonical",
    "check_consistency",
    "check_proof",
    "confirm_bytes",
    "entry_bytes",
    "file_digests",
    "parse_confirmation",
    "plain",
    "signature_holds",
    "sth_bytes",
    "summary",
]


# -- what a page shows of an entry ----------------------------------------------------------

DATA_LABELS: dict[str, str] = {
    "contract_no": "合同",
    "document_number": "凭证号",
    "amount": "金额（元）",
    "limit": "额度（元）",
    "rate": "利率（%）",
    "value_date": "放款日",
    "purpose": "用途",
    "payee": "收款人",
    "voucher": "凭证",
    "self_payment": "自主支付",
    "renewed_to": "续贷合同",
    "principal": "本金（元）",
    "frozen": "冻结金额（元）",
    "reason": "理由",
    "period": "期间",
    "result": "结果",
    "rule": "规则",
    "term_months": "期限（月）",
    "start_date": "起始日",
    "maturity_date": "到期日",
    "maturity": "到期日",
    "drawdown": "用信编号",
    "interest_carried": "转入利息（元）",
    "media_type": "文件类型",
}


MONEY_KEYS = frozenset({"amount", "limit", "principal", "frozen", "interest_carried"})


def summary(doc: Mapping[str, Any]) -> str:
    """One line of an entry's data, with Chinese labels (money with thousands separators), and
    its file digest if any."""
    data = doc.get("data") or {}
    parts = []
    for key, value in data.items():
        if value is None or value == "" or key.endswith("_sha256"):
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif key in MONEY_KEYS:
            with contextlib.suppress(ArithmeticError):
                value = f"{Decimal(str(value)):,.2f}"
        parts.append(f"{DATA_LABELS.get(key, key)} {value}")
    file = doc.get("file")
    if isinstance(file, Mapping):
        parts.append(f"文件 SHA-256 {str(file.get('sha256', ''))[:16]}…")
    return "；".join(parts)
