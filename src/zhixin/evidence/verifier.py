"""Verifying a whole log, one entry at a time (pure): :class:`LogVerifier` is fed the entries,
the signed heads and the confirmations in order and reports the first thing that does not
hold (:class:`Finding`). Re-exported by ``evidence.rules``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from zhixin.evidence import merkle
from zhixin.evidence.formats import CONFIRM_TYPE, ROLE_LABELS, signature_holds, sth_bytes

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
