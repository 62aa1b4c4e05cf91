"""Synthetic enterprises: names made unique across a run, USCC codes with valid check
characters, sizes, regions, industries; one block of ``_BLOCK`` enterprises at a time."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.demo.arrays import _ascii_strings, _choice, _dates, _decimal, _join, _take
from zhixin.demo.layout import _BLOCK, _D_EST_HI, _D_EST_LO, ENTERPRISE_SCHEMA, I64, _Block
from zhixin.demo.records import _records_block
from zhixin.demo.reference import (
    _CHARS,
    _CO_SUFFIX,
    _INDUSTRIES,
    _NC,
    _PREFIXES,
    _REGION_PREFIX,
    _REGIONS,
    _SHOP_GOODS,
    _SHOP_SUFFIX,
)
from zhixin.enterprises.rules import KINDS, SIZE_CLASSES, STATUSES

# --------------------------------------------------------------------------- enterprises

_IND_CODES = pa.array([i[0] for i in _INDUSTRIES] + sorted({g[1] for g in _SHOP_GOODS}))
_IND_INDEX = {c: i for i, c in enumerate(_IND_CODES.to_pylist())}
_CO_WORDS = [(ii, w) for ii, ind in enumerate(_INDUSTRIES) for w in ind[2]]
_CO_WORD_IND = np.array([_IND_INDEX[_INDUSTRIES[ii][0]] for ii, _w in _CO_WORDS])
_SHOP_WORD_IND = np.array([_IND_INDEX[g[1]] for g in _SHOP_GOODS])
_WORDS = pa.array([w for _ii, w in _CO_WORDS] + [g[0] for g in _SHOP_GOODS])
_N_CO_WORDS = len(_CO_WORDS)
_NAME_PREFIXES = pa.array(list(_PREFIXES) + [r[1] for r in _REGIONS])
_NAME_SUFFIXES = pa.array(list(_CO_SUFFIX) + list(_SHOP_SUFFIX))
_CHAR_ARR = pa.array(list(_CHARS))
_REGION_CODES = pa.array([r[0] for r in _REGIONS])
_KIND_ARR = pa.array(list(KINDS))
_SIZE_ARR = pa.array(list(SIZE_CLASSES))  # 大 中 小 微
_STATUS_ARR = pa.array(list(STATUSES))
_USCC_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ORG_SPACE = 10**8


def _check_words() -> None:
    for group in ([w for _i, w in _CO_WORDS], [g[0] for g in _SHOP_GOODS]):
        assert len(set(group)) == len(group)
        for a in group:
            for b in group:
                assert a == b or not a.endswith(b), (a, b)


_check_words()


def _org_params(seed: int) -> tuple[int, int]:
    rs = np.random.default_rng(np.random.SeedSequence([seed, 0xC0DE]))
    a = int(rs.integers(10**6, 10**7)) * 10 + int(rs.choice([1, 3, 7, 9]))  # coprime to 10^8
    return a, int(rs.integers(0, _ORG_SPACE))


def _enterprise_block(seed: int, b: int, org: tuple[int, int]) -> _Block:
    start = b * _BLOCK
    n = _BLOCK  # always a whole block, so a longer run starts with the same rows
    rng = np.random.default_rng(np.random.SeedSequence([seed, b, 1]))
    gidx = np.arange(start, start + n, dtype=np.int64)
    kind = (rng.random(n) < 0.15).astype(np.int64)
    size = _choice(rng, [0.0353, 0.1412, 0.3529, 0.4706], n)
    size[kind == 1] = 3
    region = _choice(rng, [r[4] for r in _REGIONS], n)
    co_word = _choice(rng, [_INDUSTRIES[ii][1] / len(_INDUSTRIES[ii][2]) for ii, _ in _CO_WORDS], n)
    shop_word = rng.integers(0, len(_SHOP_GOODS), n)
    word = np.where(kind == 0, co_word, _N_CO_WORDS + shop_word)
    industry = np.where(kind == 0, _CO_WORD_IND[co_word], _SHOP_WORD_IND[shop_word])
    suffix = np.where(
        kind == 0,
        (rng.random(n) < np.where(size <= 1, 0.35, 0.04)).astype(np.int64),
        2 + rng.integers(0, 3, n),
    )
    chars = rng.integers(0, _NC, (n, _TIER_END[-1]))
    # older firms are bigger; small ones skew recent
    a_param = np.array([1.0, 1.3, 1.8, 2.4])[size]
    u = rng.beta(a_param, 1.0)
    established = _D_EST_LO + (u * (_D_EST_HI - _D_EST_LO)).astype(np.int64)
    lo_wan = np.array([5000.0, 1000.0, 100.0, 10.0])[size]
    hi_wan = np.array([100000.0, 10000.0, 2000.0, 300.0])[size]
    lo_wan = np.where(kind == 1, 1.0, lo_wan)
    hi_wan = np.where(kind == 1, 50.0, hi_wan)
    yuan = np.exp(np.log(lo_wan) + rng.random(n) * (np.log(hi_wan) - np.log(lo_wan))) * 10_000
    style = rng.random(n)
    capital_fen = np.where(
        style < 0.75,
        np.maximum(np.round(yuan / 10_000), 1) * 1_000_000,
        np.where(style < 0.93, np.round(yuan) * 100, np.round(yuan * 100)),
    ).astype(np.int64)
    status = _choice(rng, [0.88, 0.06, 0.02, 0.025, 0.005, 0.01], n)

    # 统一社会信用代码: 9 · kind · region · organisation code (GB 11714) · check (GB 32100)
    a, c = org
    body8 = (gidx * a + c) % _ORG_SPACE
    digits8 = (body8[:, None] // (10 ** np.arange(7, -1, -1))) % 10
    org_check = 11 - (digits8 @ _ORG_WEIGHTS) % 11
    org_val = np.where(org_check == 11, 0, org_check)  # 10 → X (value 29 in USCC alphabet)
    org_val = np.where(org_val == 10, 29, org_val)
    reg_digits = np.array([[int(ch) for ch in r[0]] for r in _REGIONS])[region]
    vals = np.empty((n, 18), dtype=np.int64)
    vals[:, 0] = 9
    vals[:, 1] = kind + 1
    vals[:, 2:8] = reg_digits
    vals[:, 8:16] = digits8
    vals[:, 16] = org_val
    vals[:, 17] = (31 - (vals[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    uscc = _ascii_strings(_USCC_ALPHABET[vals])

    blk = _Block(
        start,
        kind,
        size,
        region,
        industry,
        established,
        capital_fen,
        status,
        word,
        suffix,
        chars,
        uscc,
        pa.table({}),
    )
    blk.records = _records_block(seed, b, blk)
    return blk


_TIER_END = (2, 5, 9)  # tier t draws its own t+2 characters, ending here


class _NameRegistry:
    """Keeps names unique across the run: tier t uses a (t+2)-character 字号.

    An earlier enterprise keeps its name; a later one whose name is taken moves up a tier.
    Tiers differ in 字号 length and no name word is a suffix of another, so names of different
    tiers never coincide and each tier can be checked on its own integer keys. Each tier draws
    fresh characters, so a tier's collisions are independent of the tier below.
    """

    def __init__(self) -> None:
        self._seen: list[list[I64]] = [[] for _ in range(3)]

    @staticmethod
    def _keys(prefix: I64, chars: I64, word: I64, suffix: I64, tier: int) -> I64:
        k = prefix.copy()
        for j in range(_TIER_END[tier] - tier - 2, _TIER_END[tier]):
            k = k * _NC + chars[:, j]
        return (k * len(_WORDS) + word) * len(_NAME_SUFFIXES) + suffix

    def assign(self, prefix: I64, chars: I64, word: I64, suffix: I64) -> I64:
        """Tier per row (0..2, or 3 for the id-suffixed fallback), rows in global order."""
        n = len(prefix)
        tier = np.full(n, 3, dtype=np.int64)
        todo = np.arange(n)
        for t in range(3):
            if not len(todo):
                break
            keys = self._keys(prefix[todo], chars[todo], word[todo], suffix[todo], t)
            _uniq, first = np.unique(keys, return_index=True)
            ok = np.zeros(len(todo), dtype=bool)
            ok[first] = True
            for seen in self._seen[t]:
                if not len(seen):
                    continue
                pos = np.minimum(np.searchsorted(seen, keys), len(seen) - 1)
                ok &= seen[pos] != keys
            tier[todo[ok]] = t
            self._seen[t].append(np.sort(keys[ok]))
            todo = todo[~ok]
        return tier


def _enterprise_table(blk: _Block, lo: int, hi: int, tier: I64) -> pa.Table:
    s = slice(lo, hi)
    kind, region, chars = blk.kind[s], blk.region[s], blk.chars[s]
    n = hi - lo
    gidx = np.arange(blk.start + lo, blk.start + hi, dtype=np.int64)
    prefix = np.where(kind == 0, _REGION_PREFIX[region], len(_PREFIXES) + region)
    c = [_take(_CHAR_ARR, chars[:, j]) for j in range(_TIER_END[-1])]
    zihao = pc.choose(
        pa.array(np.minimum(tier, 2).astype(np.int8)),
        *[_join(*c[end - t - 2 : end]) for t, end in enumerate(_TIER_END)],
    )
    name = _join(_take(_NAME_PREFIXES, prefix), zihao, _take(_WORDS, blk.word[s]))
    if (tier == 3).any():  # practically never: make it unique with the id
        tag = _join("（", pc.cast(pa.array(gidx + 1), pa.string()), "）")
        name = pc.if_else(pa.array(tier == 3), _join(name, tag), name)
    name = _join(name, _take(_NAME_SUFFIXES, blk.suffix[s]))
    return pa.Table.from_pydict(
        {
            "enterprise_id": pa.array(gidx + 1),
            "uscc": blk.uscc.slice(lo, n),
            "name": name,
            "kind": _take(_KIND_ARR, kind),
            "size_class": _take(_SIZE_ARR, blk.size[s]),
            "region_code": _take(_REGION_CODES, region),
            "industry_code": _take(_IND_CODES, blk.industry[s]),
            "established_on": _dates(blk.established[s]),
            "registered_capital": _decimal(blk.capital_fen[s]),
            "status": _take(_STATUS_ARR, blk.status[s]),
        },
        schema=ENTERPRISE_SCHEMA,
    )
