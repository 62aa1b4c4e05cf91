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
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from zhixin.evidence import merkle

FORMAT_VERSION = 1
STH_TYPE = "zhixin-evidence/sth/v1"
CONFIRM_TYPE = "zhixin-evidence/confirm/v1"
PROOF_FORMAT = "zhixin-evidence-proof/v1"
CONSISTENCY_FORMAT = "zhixin-evidence-consistency/v1"
ROLES = ("bank", "regulator")
ROLE_LABELS = {"bank": "银行", "regulator": "监管部门"}
KIND_LABELS: dict[str, str] = {
    "voucher": "受托支付凭证",
    "contract": "签订合同",
    "drawdown": "放款",
    "payment": "受托支付",
    "renewal": "无还本续贷",
    "covenant": "契约检查结果",
    "freeze": "冻结额度",
    "unfreeze": "解冻额度",
    "linkage": "质量联动（利率调整、增信额度解锁、贴息暂停等）",
}


class ProofError(Exception):
    """A proof file that does not hold (message in Chinese)."""


def plain(value: Any) -> Any:
    """A value as canonical JSON carries it: Decimal and dates as strings, nothing float."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:  # most values: as they are
        return value
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        raise ValueError("evidence carries no floats: pass money and rates as Decimal or str")
    return value


# what json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) uses, made
# once (dumps builds an encoder per call when given options: a third of an append's CPU)
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(obj: Any) -> bytes:
    return _ENCODER.encode(obj).encode()


def entry_bytes(
    *,
    seq: int,
    kind: str,
    at: str,
    subject: tuple[str, str] | None,
    contract: tuple[int, str] | None,
    data: Mapping[str, Any],
    file: Mapping[str, Any] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "seq": seq,
        "kind": kind,
        "at": at,
        "subject": None if subject is None else {"type": subject[0], "id": subject[1]},
        "contract": None if contract is None else {"id": contract[0], "no": contract[1]},
        "data": plain(dict(data)),
    }
    if file is not None:
        body["file"] = dict(file)
    return canonical(body)


def file_digests(algorithm: str, data: bytes) -> dict[str, Any]:
    """What an entry records of a file: its SHA-256 (the voucher store's key), its size, and
    its SM3 too where the log hashes with SM3."""
    out: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if algorithm == "sm3":
        out["sm3"] = merkle.hasher("sm3")(data).hex()
    return out


def sth_bytes(*, algorithm: str, tree_size: int, root_hash: str, timestamp: str) -> bytes:
    return canonical(
        {
            "type": STH_TYPE,
            "hash": algorithm,
            "tree_size": tree_size,
            "root_hash": root_hash,
            "timestamp": timestamp,
        }
    )


def confirm_bytes(
    *, algorithm: str, role: str, tenant: str, at: str, entries: Iterable[tuple[int, str]]
) -> bytes:
    return canonical(
        {
            "type": CONFIRM_TYPE,
            "hash": algorithm,
            "role": role,
            "tenant": tenant,
            "at": at,
            "entries": [[seq, leaf] for seq, leaf in entries],
        }
    )


@dataclass(frozen=True)
class Confirming:
    """A confirmation's signed bytes, read back (what a tenant that holds its own key submits)."""

    algorithm: str
    role: str
    tenant: str
    at: str
    entries: list[tuple[int, str]]


def parse_confirmation(message: bytes) -> Confirming:
    """Read a confirmation's bytes as :func:`confirm_bytes` writes them: canonical JSON of the
    confirmation type, ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, 1 to 10,000 entries each
    ``[seq, 64-hex leaf hash]``, no seq twice. Raises :class:`ProofError` (Chinese)."""
    try:
        doc = json.loads(message.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProofError("不是 UTF-8 的 JSON") from exc
    if not isinstance(doc, dict) or doc.get("type") != CONFIRM_TYPE:
        raise ProofError(f"type 应为 {CONFIRM_TYPE}")
    if set(doc) != {"type", "hash", "role", "tenant", "at", "entries"}:
        raise ProofError("字段应恰为 type、hash、role、tenant、at、entries")
    if canonical(doc) != message:
        raise ProofError("不是规范 JSON（键按字母排序、无空格、中文不转义）")
    at = doc["at"]
    try:
        datetime.strptime(str(at), "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError as exc:
        raise ProofError("at 应为 UTC 时间 YYYY-MM-DDTHH:MM:SS.ffffffZ") from exc
    entries = doc["entries"]
    if not isinstance(entries, list) or not 1 <= len(entries) <= 10000:
        raise ProofError("entries 应列出 1 至 10000 条存证")
    out: list[tuple[int, str]] = []
    for item in entries:
        ok = (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], int)
            and not isinstance(item[0], bool)
            and isinstance(item[1], str)
            and len(item[1]) == 64
            and all(c in "0123456789abcdef" for c in item[1])
        )
        if not ok:
            raise ProofError("entries 的每一项应为 [序号, 64 位小写十六进制叶哈希]")
        out.append((item[0], item[1]))
    if len({seq for seq, _ in out}) != len(out):
        raise ProofError("entries 中有重复的序号")
    if doc["role"] not in ROLES:
        raise ProofError("role 应为 bank 或 regulator")
    return Confirming(str(doc["hash"]), str(doc["role"]), str(doc["tenant"]), str(at), out)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def signature_holds(public_key_hex: str, signature_b64: str, message: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# -- verifying a whole log, one entry at a time -----------------------------------------------


@dataclass(frozen=True)
class Finding:
    """The first thing wrong in a log: the entry (leaf index), or None for the log itself."""

    seq: int | None
    reason: str

    def line(self) -> str:
        where = f"第 {self.seq} 条存证" if self.seq is not None else "存证日志"
        return f"{where}：{self.reason}"


@dataclass(frozen=True)
class Head:
    """A signed tree head as stored."""

    tree_size: int
    root_hash: str
    timestamp: str
    signature: str
    public_key: str
    algorithm: str


@dataclass(frozen=True)
class Confirmation:
    id: int
    role: str
    message: str
    signature: str
    public_key: str


def _stated_seq(payload: str) -> int | None:
    """The ``seq`` an entry states, without parsing it: in canonical JSON the top-level keys
    are sorted, only ``subject`` (two strings) and ``v`` follow ``seq``, and a ``"`` inside a
    string is always escaped, so the last raw ``"seq":`` is the top-level key. (A payload that
    is not what append wrote fails the leaf-hash check whatever this says.)"""
    i = payload.rfind('"seq":')
    if i < 0:
        return None
    j = i + 6
    k = payload.find(",", j)
    try:
        return int(payload[j:k])
    except ValueError:
        return None


@dataclass
class LogVerifier:
    """Feeds the stored entries in leaf order and stops at the first bad one.

    For each entry: its position is the next leaf index; its bytes parse and name that index;
    their leaf hash is the stored one; each confirmation it points at is signed by the key it
    names, is of the role it is filed under, and lists this entry with this leaf hash. After
    each entry, a signed head of that size must have the root the entries make. At the end
    the stored state (size and root) must be the entries' own.
    """

    algorithm: str
    heads: list[Head]
    confirmations: dict[int, Confirmation]
    h: merkle.Hasher = field(init=False)
    tree: merkle.CompactRange = field(init=False)
    _heads_at: dict[int, list[Head]] = field(init=False)
    _listed: dict[int, dict[int, str] | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.h = merkle.hasher(self.algorithm)
        self.tree = merkle.CompactRange(self.h)
        self._heads_at = {}
        for head in self.heads:
            self._heads_at.setdefault(head.tree_size, []).append(head)

    def _head_problem(self, head: Head) -> str | None:
        if head.algorithm != self.algorithm:
            return f"树头（大小 {head.tree_size}）的哈希算法与日志不符"
        body = sth_bytes(
            algorithm=head.algorithm,
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            timestamp=head.timestamp,
        )
        if not signature_holds(head.public_key, head.signature, body):
            return f"树头（大小 {head.tree_size}）的签名无效"
        if head.root_hash != self.tree.root().hex():
            return f"树头（大小 {head.tree_size}）的根哈希与存证内容算出的不一致"
        return None

    def _listing(self, cid: int, role: str) -> dict[int, str] | str:
        c = self.confirmations.get(cid)
        if c is None:
            return "所指的确认记录不存在"
        if cid not in self._listed:
            ok = signature_holds(c.public_key, c.signature, c.message.encode())
            listed: dict[int, str] | None = None
            if ok:
                try:
                    doc = json.loads(c.message)
                    if doc.get("type") == CONFIRM_TYPE and doc.get("role") == c.role:
                        listed = {int(s): str(leaf) for s, leaf in doc["entries"]}
                except (ValueError, KeyError, TypeError):
                    listed = None
            self._listed[cid] = listed
        listed = self._listed[cid]
        if listed is None:
            return f"{ROLE_LABELS.get(role, role)}确认的签名无效"
        if self.confirmations[cid].role != role:
            return f"{ROLE_LABELS.get(role, role)}确认记录的角色不符"
        return listed

    def feed(
        self,
        seq: int,
        payload: str,
        stored_leaf: str,
        bank_confirmation: int | None = None,
        regulator_confirmation: int | None = None,
    ) -> Finding | None:
        expected = self.tree.size
        if seq != expected:
            return Finding(
                expected, f"缺少或多出存证（下一条应为第 {expected} 条，实为第 {seq} 条）"
            )
        raw = payload.encode()
        if _stated_seq(payload) != seq:  # the fast path read no JSON; now say exactly what
            try:
                doc = json.loads(payload)
            except ValueError:
                return Finding(seq, "内容不是有效的 JSON（被改动）")
            said = doc.get("seq") if isinstance(doc, dict) else "—"
            if said != seq:
                return Finding(seq, f"内容记载的序号为 {said}，与其位置不符（条目被调换或移动）")
        leaf = self.h(b"\x00" + raw)
        if leaf.hex() != stored_leaf:
            return Finding(seq, "内容与登记时的叶哈希不符（内容被改动）")
        for role, cid in (("bank", bank_confirmation), ("regulator", regulator_confirmation)):
            if cid is None:
                continue
            listed = self._listing(cid, role)
            if isinstance(listed, str):
                return Finding(seq, listed)
            if listed.get(seq) != stored_leaf:
                return Finding(seq, f"{ROLE_LABELS[role]}确认的签名不包含这一条（或叶哈希不符）")
        self.tree.append(leaf)
        for head in self._heads_at.get(self.tree.size, ()):
            problem = self._head_problem(head)
            if problem is not None:
                return Finding(seq, problem)
        return None

    def finish(self, state_size: int, state_root: str) -> Finding | None:
        for size in self._heads_at:
            if size > self.tree.size or size == 0:
                for head in self._heads_at[size]:
                    if size == 0:
                        problem = self._head_problem(head)
                        if problem is not None:
                            return Finding(None, problem)
                    else:
                        return Finding(
                            None,
                            f"树头记载 {size} 条存证，日志只有 {self.tree.size} 条（存证被删除）",
                        )
        if state_size != self.tree.size:
            return Finding(None, f"日志状态记载 {state_size} 条存证，实有 {self.tree.size} 条")
        if self.tree.size and state_root != self.tree.root().hex():
            return Finding(None, "日志状态的根哈希与存证内容算出的不一致")
        return None


# -- the proof file, checked offline --------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    seq: int
    kind: str
    tree_size: int
    root_hash: str
    file_checked: bool
    confirmed_by: list[str]


def check_proof(
    doc: Mapping[str, Any], file: bytes | None = None, *, public_key: str | None = None
) -> Checked:
    """Check a proof file (docs/evidence.md) with nothing but its contents, the file it names
    and, optionally, the log's public key obtained elsewhere (pins the signer). Raises
    :class:`ProofError` naming what does not hold."""
    try:
        if doc.get("format") != PROOF_FORMAT:
            raise ProofError(f"不是存证证明文件（format 应为 {PROOF_FORMAT}）")
        algorithm = str(doc["hash"])
        h = merkle.hasher(algorithm)
        entry, inclusion, sth = doc["entry"], doc["inclusion"], doc["sth"]
        seq = int(entry["seq"])
        payload = str(entry["payload"])
        body = json.loads(payload)
        path = [bytes.fromhex(p) for p in inclusion["path"]]
        size = int(sth["tree_size"])
        root_hex = str(sth["root_hash"])
    except ProofError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"证明文件格式有误（{type(exc).__name__}）") from exc
    if not isinstance(body, dict) or body.get("seq") != seq:
        raise ProofError("证明中的存证内容记载的序号与其位置不符")
    if int(inclusion.get("leaf_index", -1)) != seq or int(inclusion.get("tree_size", -1)) != size:
        raise ProofError("证明的叶位置或树大小与树头不符")
    leaf = merkle.leaf_hash(h, payload.encode())
    if entry.get("leaf_hash") is not None and entry["leaf_hash"] != leaf.hex():
        raise ProofError("存证内容与其叶哈希不符（内容被改动）")
    if not merkle.verify_inclusion(h, seq, size, leaf, path, bytes.fromhex(root_hex)):
        raise ProofError(
            "包含证明不成立：这条存证不在该树头所承诺的日志中（内容、位置或路径被改动）"
        )
    if sth.get("hash", algorithm) != algorithm:
        raise ProofError("树头的哈希算法与证明不符")
    signed = sth_bytes(
        algorithm=algorithm, tree_size=size, root_hash=root_hex, timestamp=str(sth["timestamp"])
    )
    key = str(sth.get("public_key", ""))
    if public_key is not None and key != public_key:
        raise ProofError("树头不是由指定的日志公钥签名的")
    if not signature_holds(key, str(sth.get("signature", "")), signed):
        raise ProofError("树头签名无效")
    file_checked = False
    if file is not None:
        recorded = body.get("file")
        if not isinstance(recorded, dict):
            raise ProofError("这条存证不登记文件，无法与文件核对")
        got = file_digests(algorithm, file)
        for name in ("sha256", "sm3", "size"):
            if name in recorded and recorded[name] != got.get(name):
                raise ProofError("文件与存证登记的摘要不符（文件被改动或不是这份凭证）")
        file_checked = True
    confirmed: list[str] = []
    for c in doc.get("confirmations", []):
        message = str(c.get("message", ""))
        if not signature_holds(
            str(c.get("public_key", "")), str(c.get("signature", "")), message.encode()
        ):
            raise ProofError(f"{ROLE_LABELS.get(c.get('role'), '确认')}确认的签名无效")
        listed = json.loads(message)
        if [seq, leaf.hex()] not in listed.get("entries", []) or listed.get("role") != c.get(
            "role"
        ):
            raise ProofError("确认记录不包含这条存证")
        confirmed.append(
            f"{ROLE_LABELS.get(listed['role'], listed['role'])}（{listed.get('tenant')}）"
        )
    return Checked(seq, str(body.get("kind")), size, root_hex, file_checked, confirmed)


@dataclass(frozen=True)
class Consistent:
    first_size: int
    second_size: int
    first_root: str
    second_root: str


def _signed_head(
    sth: Mapping[str, Any], algorithm: str, public_key: str | None, which: str
) -> None:
    """A signed tree head of a proof file holds: its hash algorithm, its signer, its signature."""
    if sth.get("hash", algorithm) != algorithm:
        raise ProofError(f"{which}树头的哈希算法与证明不符")
    key = str(sth.get("public_key", ""))
    if public_key is not None and key != public_key:
        raise ProofError(f"{which}树头不是由指定的日志公钥签名的")
    signed = sth_bytes(
        algorithm=algorithm,
        tree_size=int(sth["tree_size"]),
        root_hash=str(sth["root_hash"]),
        timestamp=str(sth["timestamp"]),
    )
    if not signature_holds(key, str(sth.get("signature", "")), signed):
        raise ProofError(f"{which}树头签名无效")


def check_consistency(doc: Mapping[str, Any], *, public_key: str | None = None) -> Consistent:
    """Check a consistency file (docs/evidence.md): both signed tree heads' signatures, and the
    RFC 9162 §2.1.4 consistency proof that the first head's tree is a prefix of the second's
    (nothing the first committed to was changed, removed or reordered). Nothing but the file
    and, optionally, the log's public key obtained elsewhere. Raises :class:`ProofError`."""
    try:
        if doc.get("format") != CONSISTENCY_FORMAT:
            raise ProofError(f"不是一致性证明文件（format 应为 {CONSISTENCY_FORMAT}）")
        algorithm = str(doc["hash"])
        h = merkle.hasher(algorithm)
        first, second = doc["first"], doc["second"]
        m, n = int(first["tree_size"]), int(second["tree_size"])
        first_root = bytes.fromhex(str(first["root_hash"]))
        second_root = bytes.fromhex(str(second["root_hash"]))
        path = [bytes.fromhex(p) for p in doc["path"]]
        _signed_head(first, algorithm, public_key, "旧")
        _signed_head(second, algorithm, public_key, "新")
    except ProofError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"一致性证明文件格式有误（{type(exc).__name__}）") from exc
    if not 0 < m <= n:
        raise ProofError(f"旧树头的条数（{m}）须大于 0 且不大于新树头的条数（{n}）")
    if not merkle.verify_consistency(h, m, n, path, first_root, second_root):
        raise ProofError(
            "一致性证明不成立：新树头所承诺的日志不是在旧日志之后追加而成"
            "（旧的存证被改动、删除或调换了位置，或证明被改动）"
        )
    return Consistent(m, n, first_root.hex(), second_root.hex())


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
