"""The evidence log's Merkle tree against the RFC 6962/9162 test vectors published by
transparency-dev/merkle (testonly/constants.go, proof/verify_test.go), and against a
deliberately naive recursive MTH written here from the RFC's definition."""

from __future__ import annotations

import hashlib

import pytest

from zhixin.evidence import merkle

H = merkle.hasher("sha256")
LEAVES = [
    bytes.fromhex(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, path) — the vectors' leaf numbers are 1-based
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _leaf_hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(H, x) for x in LEAVES[:n]]


def _naive_mth(entries: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 as written: recursion on the raw entries."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < len(entries):
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_mth(entries[:k]) + _naive_mth(entries[k:])).digest()


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_published_vectors(size: int) -> None:
    assert merkle.root(H, _leaf_hashes(size)).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_published_vectors(
    index: int, size: int, path: list[str]
) -> None:
    leaves = _leaf_hashes(size)
    assert [p.hex() for p in merkle.inclusion_path(H, leaves, index)] == path
    root = bytes.fromhex(ROOTS[size])
    proof = [bytes.fromhex(p) for p in path]
    assert merkle.verify_inclusion(H, index, size, leaves[index], proof, root)
    # wrong index, wrong size, wrong leaf, a flipped bit, a dropped or extra node: refused
    assert not merkle.verify_inclusion(H, index ^ 1, size, leaves[index], proof, root)
    assert not merkle.verify_inclusion(H, index, size * 2, leaves[index], proof, root)
    assert not merkle.verify_inclusion(H, index, size, b"x" * 32, proof, root)
    flipped = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
    assert not merkle.verify_inclusion(H, index, size, leaves[index], flipped, root)
    assert not merkle.verify_inclusion(H, index, size, leaves[index], proof[:-1], root)
    assert not merkle.verify_inclusion(H, index, size, leaves[index], [*proof, root], root)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_paths_match_the_published_vectors(
    first: int, second: int, path: list[str]
) -> None:
    leaves = _leaf_hashes(second)
    assert [p.hex() for p in merkle.consistency_path(H, leaves, first)] == path
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    proof = [bytes.fromhex(p) for p in path]
    assert merkle.verify_consistency(H, first, second, proof, r1, r2)
    assert not merkle.verify_consistency(H, first, second, proof, r2, r1)
    assert not merkle.verify_consistency(H, first, second, proof[:-1], r1, r2)
    assert not merkle.verify_consistency(H, first + 1, second, proof, r1, r2)


def test_every_shape_up_to_70_leaves_agrees_with_a_naive_reference() -> None:
    entries = [f"entry-{i}".encode() for i in range(70)]
    leaves = [merkle.leaf_hash(H, e) for e in entries]
    cr = merkle.CompactRange(H)
    for n in range(1, 71):
        cr.append(leaves[n - 1])
        want = _naive_mth(entries[:n])
        assert cr.root() == want
        for i in range(n):
            path = merkle.inclusion_path(H, leaves[:n], i)
            assert merkle.verify_inclusion(H, i, n, leaves[i], path, want)
        for m in range(1, n + 1):
            proof = merkle.consistency_path(H, leaves[:n], m)
            assert merkle.verify_consistency(H, m, n, proof, _naive_mth(entries[:m]), want)


def test_a_compact_range_resumes_from_its_stored_right_edge() -> None:
    leaves = [merkle.leaf_hash(H, bytes([i])) for i in range(13)]
    first = merkle.CompactRange(H)
    for leaf in leaves[:11]:
        first.append(leaf)
    resumed = merkle.CompactRange(H, first.size, list(first.hashes))
    for leaf in leaves[11:]:
        resumed.append(leaf)
    assert resumed.root() == merkle.root(H, leaves)
    with pytest.raises(ValueError):
        merkle.CompactRange(H, 3, first.hashes[:1])


def test_sm3_is_the_national_standard_hash() -> None:
    sm3 = merkle.hasher("sm3")
    # GB/T 32905-2016 Appendix A, example 1: "abc"
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert merkle.root(sm3, [merkle.leaf_hash(sm3, b"a")]) != merkle.root(
        H, [merkle.leaf_hash(H, b"a")]
    )
    with pytest.raises(ValueError):
        merkle.hasher("md5")
