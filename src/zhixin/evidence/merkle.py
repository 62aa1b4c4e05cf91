"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0) §2.1, written by hand (pure).

Why by hand: no Python library kept by many hands implements RFC 9162's log tree. The one we
found (``pymerkle``, a single maintainer, outside the 15,000 most downloaded packages) keeps its
own storage (memory, or a SQLite file of its own), while our leaves must live in the platform's
tables on SQLite, PostgreSQL and MariaDB and the tree must grow from its stored right edge; and
the whole tree is about 150 lines, checked against the published RFC 6962/9162 test vectors of
``transparency-dev/merkle`` (tests/unit/test_evidence_merkle.py).

- leaf hash ``H(0x00 || entry)``, node hash ``H(0x01 || left || right)``;
- the tree of n leaves splits at k, the largest power of two smaller than n (MTH, §2.1.1);
- the empty tree's hash is ``H()`` (the hash of the empty string);
- inclusion proofs (PATH, §2.1.3.1) and their verification (§2.1.3.2);
- consistency proofs (SUBPROOF, §2.1.4.1) and their verification (§2.1.4.2).

``H`` is SHA-256, or SM3 (GB/T 32905) where 国密 is chosen: both give 32 bytes.
A :class:`CompactRange` keeps only the right edge — the roots of the perfect subtrees the
leaves so far form, largest first — so appending a leaf costs one hash on average and the root
of n leaves is at most log2(n) hashes away, without the leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Hasher = Callable[[bytes], bytes]
HASH_ALGORITHMS = ("sha256", "sm3")


def _sm3() -> Hasher:
    try:
        hashlib.new("sm3", b"")
    except ValueError:  # an OpenSSL without SM3 in hashlib: the cryptography package's own
        from cryptography.hazmat.primitives import hashes

        def digest(data: bytes) -> bytes:
            h = hashes.Hash(hashes.SM3())
            h.update(data)
            return h.finalize()

        return digest
    return lambda data: hashlib.new("sm3", data).digest()


def hasher(algorithm: str) -> Hasher:
    """The hash function named ``sha256`` or ``sm3``."""
    if algorithm == "sha256":
        return lambda data: hashlib.sha256(data).digest()
    if algorithm == "sm3":
        return _sm3()
    raise ValueError(f"不支持的哈希算法：{algorithm}（只能是 sha256 或 sm3）")


def leaf_hash(h: Hasher, entry: bytes) -> bytes:
    return h(b"\x00" + entry)


def node_hash(h: Hasher, left: bytes, right: bytes) -> bytes:
    return h(b"\x01" + left + right)


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The right edge of a tree: the roots of its perfect subtrees, largest first."""

    __slots__ = ("h", "hashes", "size")

    def __init__(self, h: Hasher, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError("compact range does not match the tree size")
        self.h = h
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash: merge equal-sized subtrees, as binary addition carries."""
        hashes, h = self.hashes, self.h
        node = leaf
        size = self.size
        while size & 1:
            node = h(b"\x01" + hashes.pop() + node)
            size >>= 1
        hashes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return self.h(b"")
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(self.h, left, node)
        return node


def root(h: Hasher, leaves: Sequence[bytes]) -> bytes:
    """MTH of the given leaf hashes."""
    cr = CompactRange(h)
    for leaf in leaves:
        cr.append(leaf)
    return cr.root()


def inclusion_path(h: Hasher, leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) over leaf hashes (§2.1.3.1): the sibling subtree roots, leaf upwards."""
    if not 0 <= index < len(leaves):
        raise ValueError("leaf index outside the tree")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, lo, lo + k), root(h, leaves[lo + k : hi])]
        return [*path(m - k, lo + k, hi), root(h, leaves[lo : lo + k])]

    return path(index, 0, len(leaves))


def root_from_inclusion(
    h: Hasher, index: int, size: int, leaf: bytes, path: Sequence[bytes]
) -> bytes | None:
    """§2.1.3.2: the root the path leads to, or None when the path cannot fit the tree."""
    if index >= size or index < 0:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(h, p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(h, r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    h: Hasher, index: int, size: int, leaf: bytes, path: Sequence[bytes], root_hash: bytes
) -> bool:
    return root_from_inclusion(h, index, size, leaf, path) == root_hash


def consistency_path(h: Hasher, leaves: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(m, D[n]) (§2.1.4.1): the tree of the first ``first`` leaves is a prefix."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ValueError("size outside the tree")

    def sub(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [root(h, leaves[lo:hi])]
        k = _split(n)
        if m <= k:
            return [*sub(m, lo, lo + k, whole), root(h, leaves[lo + k : hi])]
        return [*sub(m - k, lo + k, hi, False), root(h, leaves[lo : lo + k])]

    return sub(first, 0, n, True)


def verify_consistency(
    h: Hasher,
    first: int,
    second: int,
    path: Sequence[bytes],
    first_hash: bytes,
    second_hash: bytes,
) -> bool:
    """§2.1.4.2."""
    if first > second or first < 0:
        return False
    if first == second:
        return not path and first_hash == second_hash
    if first == 0:
        return not path
    if not path:
        return False
    nodes = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the first tree is a whole subtree
        nodes.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(h, c, fr)
            sr = node_hash(h, c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(h, sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0
