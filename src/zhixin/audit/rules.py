"""The audit chain: how one event's hash is computed and how a chain is checked (pure).

Each row records the scheme of its hash:

- ``sha256``: ``sha256(prev_hash + canonical)`` — rows written before migration 0011. Anyone who
  can write the database can recompute these, so they are accepted only before the chain's
  switch-over point (``keyed_from``), which the keyed head seal protects.
- ``hmac-sha256`` / ``hmac-sm3`` (国密, GB/T 32905): ``HMAC(key, prev_hash + canonical)`` with a
  key kept outside the database (``ZHIXIN_AUDIT_KEY``), chosen by ``ZHIXIN_AUDIT_HASH``.

The head (last seq, last hash, switch-over point) is sealed with the same key at every append,
so cutting the tail, downgrading keyed rows to plain sha256 or moving the switch-over point is
found without the key. Someone who holds the key can still rewrite everything consistently;
signed checkpoints outside the database (``audit.checkpoints``) find that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from zhixin.kit import clock

GENESIS = "0" * 64
LEGACY = "sha256"
HMAC_SHA256 = "hmac-sha256"
HMAC_SM3 = "hmac-sm3"
KEYED = frozenset({HMAC_SHA256, HMAC_SM3})
SCHEME_FOR_HASH = {"sha256": HMAC_SHA256, "sm3": HMAC_SM3}
SCHEME_LABELS = {
    LEGACY: "SHA-256（无密钥，升级前）",
    HMAC_SHA256: "HMAC-SHA256",
    HMAC_SM3: "HMAC-SM3",
}


def digest(scheme: str, key: bytes, data: bytes) -> str:
    """The hex digest of ``data`` under ``scheme`` (the key is ignored for plain sha256)."""
    if scheme == HMAC_SHA256:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    if scheme == HMAC_SM3:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize().hex()
    if scheme == LEGACY:
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"unknown audit hash scheme {scheme!r}")


def canonical(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor: str,
    tenant_id: int | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    ip: str | None,
    outcome: str,
    detail: dict[str, object],
) -> str:
    return json.dumps(
        {
            "seq": seq,
            "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "actor_id": actor_id,
            "actor": actor,
            "tenant_id": tenant_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "ip": ip,
            "outcome": outcome,
            "detail": detail,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def chain_hash(prev_hash: str, canonical_text: str, scheme: str = LEGACY, key: bytes = b"") -> str:
    return digest(scheme, key, (prev_hash + canonical_text).encode())


def head_seal(scheme: str, key: bytes, *, seq: int, hash: str, keyed_from: int | None) -> str:
    """The keyed seal of the chain's head, stored as ``scheme:hex``."""
    text = f"zhixin-audit-head|{seq}|{hash}|{keyed_from if keyed_from is not None else ''}"
    return f"{scheme}:{digest(scheme, key, text.encode())}"


@dataclass(frozen=True)
class ChainRow:
    seq: int
    prev_hash: str
    hash: str
    canonical: str
    scheme: str = LEGACY


@dataclass(frozen=True)
class Head:
    """What the database says of the chain: its last row, the switch-over point to keyed
    hashes and the seal over them."""

    seq: int
    hash: str
    keyed_from: int | None = None
    seal: str | None = None


@dataclass(frozen=True)
class Finding:
    seq: int
    problem: str


MAX_FINDINGS = 200


def verify_chain(
    rows: Iterable[ChainRow],
    *,
    head: Head,
    key: bytes,
    start_seq: int = 1,
    start_hash: str = GENESIS,
    sealed: bool = True,
) -> list[Finding]:
    """Every place the chain is broken: altered rows, missing rows, a cut tail, rows whose
    scheme does not fit the switch-over point (a downgrade), a head whose seal does not match.

    ``start_seq``/``start_hash``: where the rows begin when older ones were archived (the last
    archive's end and hash). ``sealed=False`` for rows whose end is vouched for otherwise (an
    archive file's signature) instead of a head seal. At most :data:`MAX_FINDINGS` findings
    are listed, then a count.
    """
    findings: list[Finding] = []
    more = 0

    def found(seq: int, problem: str) -> None:
        nonlocal more
        if len(findings) < MAX_FINDINGS:
            findings.append(Finding(seq, problem))
        else:
            more += 1

    prev_hash = start_hash
    expected_seq = start_seq
    last_seq = start_seq - 1
    for row in rows:
        if row.seq != expected_seq:
            found(expected_seq, f"缺少第 {expected_seq}–{row.seq - 1} 条记录（已被删除）")
        if row.prev_hash != prev_hash:
            found(row.seq, "前序哈希不匹配（链条断裂）")
        if not _scheme_fits(row, head.keyed_from):
            found(row.seq, "记录的哈希方式与链头记载的切换点不符（疑似被降级为无密钥哈希后重算）")
        elif chain_hash(row.prev_hash, row.canonical, row.scheme, key) != row.hash:
            found(row.seq, "内容与哈希不符（记录被篡改，或审计密钥不对）")
        prev_hash = row.hash
        expected_seq = row.seq + 1
        last_seq = row.seq
    if last_seq != head.seq:
        found(last_seq + 1, f"链尾缺失：应有 {head.seq} 条，实有 {last_seq} 条")
    elif head.seq and prev_hash != head.hash:
        found(last_seq, "最后一条记录与链头哈希不符")
    if head.seq and sealed:
        problem = seal_problem(head, key)
        if problem:
            found(head.seq, problem)
    if more:
        findings.append(Finding(0, f"另有 {more} 处问题未列出"))
    return findings


def _scheme_fits(row: ChainRow, keyed_from: int | None) -> bool:
    if keyed_from is None or row.seq < keyed_from:
        return row.scheme == LEGACY
    return row.scheme in KEYED


def seal_problem(head: Head, key: bytes) -> str | None:
    """Why the head's seal does not hold, or None."""
    if not head.seal:
        return (
            "链头没有密钥封印（升级后尚未写入新的审计记录时先运行 zhixin db upgrade 加封；"
            "否则是链头被改动）"
        )
    scheme, _, _ = head.seal.partition(":")
    if scheme not in KEYED:
        return "链头封印的算法无效（链头被改动）"
    expected = head_seal(scheme, key, seq=head.seq, hash=head.hash, keyed_from=head.keyed_from)
    if not hmac.compare_digest(expected, head.seal):
        return "链头封印不符（链尾、链头或切换点被改动，或审计密钥不对）"
    return None


def archive_cutoff(*, now: datetime, retention_days: int) -> date:
    """The last day whose rows may be archived: ``retention_days`` whole days before today in
    Beijing time (rows of that day and before; the retention counts calendar days there)."""
    return now.astimezone(clock.SHANGHAI).date() - timedelta(days=retention_days)


# -- what a page shows for an action ----------------------------------------------------------

ACTION_LABELS = {
    "evidence.confirm": "签名确认存证",
    "access.denied": "拒绝访问",
    "application.attest": "申请声明确认",
    "application.submit": "提交贷款申请",
    "application.accept": "受理贷款申请",
    "application.request_materials": "要求补充材料",
    "application.respond_materials": "补充材料",
    "application.start_review": "开始审查",
    "application.submit_for_approval": "提交审批",
    "application.return_for_review": "退回审查",
    "application.approve": "审批通过",
    "application.reject": "拒绝申请",
    "application.withdraw": "撤回申请",
    "application.contract": "签订借款合同",
    "audit.archive": "归档审计日志",
    "audit.reseal": "审计日志重新签封",
    "calendar.set_year": "设置工作日历",
    "consent.grant": "授权查询",
    "consent.revoke": "撤回授权",
    "consultation.close": "结束协商",
    "consultation.open": "发起协商",
    "consultation.plan": "制定帮扶方案",
    "data.export": "导出数据",
    "demo.load": "载入演示数据",
    "dispute.decide": "异议处理决定",
    "dispute.evidence": "补充异议证据",
    "dispute.file": "提出异议",
    "dispute.propose": "异议处理建议",
    "enterprise.create": "新增经营主体",
    "ledger.import": "导入对接办贷台账",
    "ledger.report": "报送对接结果",
    "need.assign": "专班指派融资需求",
    "need.escalate": "融资需求移交专班",
    "need.post": "发布融资需求",
    "need.release": "融资需求退回市场",
    "need.step": "登记需求办理进度",
    "need.take": "银行接单",
    "need.withdraw": "撤回融资需求",
    "preapproval.create": "生成预授信名单",
    "preapproval.push": "推送预授信名单",
    "evaluation.run": "运行评价",
    "feed.read": "获取白名单推送",
    "import.interrupted": "导入中断",
    "login": "登录",
    "login.failure": "登录失败",
    "login.throttle": "登录限流",
    "login.unlock": "解除登录锁定",
    "logout": "退出登录",
    "lpr.delete": "删除 LPR 报价",
    "lpr.replace": "更新 LPR 报价",
    "linkage.actions": "质量联动措施",
    "linkage.covenants": "贷后约定检查",
    "linkage.reversal.request": "申请撤销联动措施",
    "linkage.reversal.approve": "批准撤销联动措施",
    "linkage.reversal.reject": "驳回撤销联动措施",
    "password.change": "修改密码",
    "patent.override": "专利估值人工调整",
    "patent.value": "专利估值",
    "quote.create": "生成报价",
    "record.correct": "更正质量记录",
    "record.read": "查阅质量记录",
    "record.remove": "删除质量记录",
    "repair.request": "申请信用修复",
    "repair.review": "审核信用修复",
    "risk_data.load": "载入风险数据",
    "risk_model.promote": "启用风险模型",
    "risk_model.psi": "风险模型稳定性检验",
    "risk_model.register": "登记风险模型",
    "role.grant": "授予角色",
    "support.claim.approve": "复核代偿申请",
    "support.claim.file": "申报代偿",
    "support.claim.pay": "拨付代偿",
    "support.claim.recovery": "登记追偿",
    "support.claim.reject": "驳回代偿申请",
    "support.claim.review": "初审代偿申请",
    "support.fund.contribute": "资金池注资",
    "support.fund.create": "设立风险补偿资金池",
    "support.guarantee.batch": "提交批量担保",
    "support.guarantee.batch_decide": "审批批量担保",
    "support.guarantee.decide": "审批担保",
    "support.guarantee.request": "申请担保",
    "support.guarantee_product.add": "新增担保产品",
    "support.policy.add": "新增贴息政策",
    "support.subsidy.approve": "审核贴息清单",
    "support.subsidy.compute": "计算贴息",
    "support.subsidy.pay": "拨付贴息",
    "tenant.region": "设置辖区",
    "token.create": "创建访问令牌",
    "token.revoke": "吊销访问令牌",
    "user.create": "新增用户",
    "webhook.reencrypt": "重新加密推送密钥",
    "webhook.register": "登记推送地址",
    "webhook.resend": "重新推送",
    "webhook.rotate": "轮换推送密钥",
    "whitelist.draft": "起草白名单",
    "whitelist.publish": "发布白名单",
    "whitelist.refresh": "刷新白名单",
    "whitelist.review": "复核白名单",
    "whitelist.urgent": "紧急移出白名单",
}
OBJECT_LABELS = {
    "application": "贷款申请",
    "loan": "贷款",
    "guarantee": "担保",
    "claim": "代偿申请",
    "fund": "风险补偿资金池",
    "subsidy_claim": "贴息清单",
    "linkage": "质量联动",
    "quote": "报价",
    "whitelist": "白名单",
    "record": "质量记录",
    "consent": "授权",
    "dispute": "异议",
    "need": "融资需求",
    "ledger": "对接办贷台账",
    "import": "导入",
    "user": "用户",
}


def action_label(action: str) -> str:
    """The Chinese label of an audit action; an action without one reads as its object's label
    and the action code (``loan.drawdown`` → 贷款（loan.drawdown）), never only the code."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    obj = action.split(".", 1)[0]
    return f"{OBJECT_LABELS[obj]}（{action}）" if obj in OBJECT_LABELS else action
