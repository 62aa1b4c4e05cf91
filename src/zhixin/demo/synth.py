"""Deterministic synthetic region (演示数据): enterprises and their quality records.

Everything here is invented demo data for a made-up slice of Fujian. The generator is
vectorised with numpy and pyarrow: enterprises are drawn in fixed blocks of ``_BLOCK`` rows,
each from its own random stream keyed by ``(seed, block)``, so the data depend only on the
seed and the enterprise's position, never on ``chunk_size``. Names are made unique across the
whole run by a small sequential registry (earlier enterprises keep their name; a later one
that collides takes a longer 字号).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import KINDS, SIZE_CLASSES, STATUSES
from zhixin.kit.db import Base
from zhixin.records.kinds import CERT_STATUS, LEVELS_GOV, RECORD_KINDS
from zhixin.records.models import QualityRecord

__all__ = [
    "DEMO_MARK",
    "ENTERPRISE_SCHEMA",
    "RECORD_SCHEMA",
    "SOURCE_SYSTEM",
    "SynthSummary",
    "generate",
    "load_into_database",
    "write_parquet",
]

DEMO_MARK = "演示数据"
SOURCE_SYSTEM = "synthetic"

I64 = npt.NDArray[np.int64]
Arr = npt.NDArray[Any]

_BLOCK = 8192
_EPOCH = date(1970, 1, 1)
_D_EST_LO = (date(1995, 1, 1) - _EPOCH).days
_D_EST_HI = (date(2024, 12, 31) - _EPOCH).days
_D_REC_LO = (date(2015, 1, 1) - _EPOCH).days
AS_OF = date(2026, 10, 31)  # records are dated up to here
_D_AS_OF = (AS_OF - _EPOCH).days
_MAX_PER_KIND = 999

ENTERPRISE_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("uscc", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("size_class", pa.string()),
        ("region_code", pa.string()),
        ("industry_code", pa.string()),
        ("established_on", pa.date32()),
        ("registered_capital", pa.decimal128(18, 2)),
        ("status", pa.string()),
    ],
    metadata={"zhixin.demo": DEMO_MARK},
)
RECORD_SCHEMA = pa.schema(
    [
        ("record_id", pa.int64()),
        ("enterprise_id", pa.int64()),
        ("uscc", pa.string()),
        ("kind", pa.string()),
        ("natural_key", pa.string()),
        ("version", pa.int16()),
        ("content_hash", pa.string()),
        ("subtype", pa.string()),
        ("ref", pa.string()),
        ("title", pa.string()),
        ("level", pa.string()),
        ("status", pa.string()),
        ("issuer", pa.string()),
        ("event_date", pa.date32()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("year", pa.int16()),
        ("amount", pa.decimal128(18, 2)),
        ("rank", pa.int16()),
        ("passed", pa.bool_()),
        ("flag", pa.bool_()),
        ("source_system", pa.string()),
        ("known_at", pa.timestamp("us", tz="UTC")),
    ],
    metadata={"zhixin.demo": DEMO_MARK},
)
_VALUE_COLUMNS = [f.name for f in RECORD_SCHEMA][7:21]  # subtype … flag

# ----------------------------------------------------------------------------- reference lists

# code, county (for 个体 names / county-level issuers), name prefix for 企业, city, weight
_REGIONS: tuple[tuple[str, str, str, str, float], ...] = (
    ("350203", "厦门市思明区", "厦门", "厦门市", 0.16),
    ("350205", "厦门市海沧区", "厦门", "厦门市", 0.08),
    ("350206", "厦门市湖里区", "厦门", "厦门市", 0.14),
    ("350211", "厦门市集美区", "厦门", "厦门市", 0.10),
    ("350212", "厦门市同安区", "厦门", "厦门市", 0.08),
    ("350213", "厦门市翔安区", "厦门", "厦门市", 0.06),
    ("350102", "福州市鼓楼区", "福州", "福州市", 0.07),
    ("350104", "福州市仓山区", "福州", "福州市", 0.06),
    ("350502", "泉州市鲤城区", "泉州", "泉州市", 0.05),
    ("350582", "晋江市", "晋江", "泉州市", 0.10),
    ("350602", "漳州市芗城区", "漳州", "漳州市", 0.05),
    ("350302", "莆田市城厢区", "莆田", "莆田市", 0.05),
)
_PREFIXES = tuple(dict.fromkeys(r[2] for r in _REGIONS))
_REGION_PREFIX = np.array([_PREFIXES.index(r[2]) for r in _REGIONS], dtype=np.int64)
_CITY_ABBR = {"厦门市": "厦", "福州市": "榕", "泉州市": "泉", "漳州市": "漳", "莆田市": "莆"}
_PROVINCE = "福建省"

# GB/T 4754 division, weight among 企业, name words (no word is a suffix of another)
_INDUSTRIES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("C13", 4, ("农产品", "粮油")),
    ("C14", 4, ("食品", "食品工业")),
    ("C15", 2, ("饮品",)),
    ("C17", 4, ("纺织",)),
    ("C18", 6, ("服饰", "制衣")),
    ("C19", 5, ("鞋业", "鞋材")),
    ("C21", 3, ("家具",)),
    ("C22", 1, ("纸业",)),
    ("C23", 2, ("印务", "包装印刷")),
    ("C24", 3, ("文体用品", "工艺")),
    ("C26", 3, ("化工",)),
    ("C27", 2, ("药业", "生物医药")),
    ("C29", 5, ("塑胶", "橡塑")),
    ("C30", 4, ("建材", "陶瓷")),
    ("C31", 1, ("钢铁",)),
    ("C32", 1, ("金属材料",)),
    ("C33", 5, ("五金", "金属制品")),
    ("C34", 7, ("机械", "机电")),
    ("C35", 4, ("设备", "智能装备")),
    ("C36", 3, ("汽车配件",)),
    ("C37", 1, ("船舶",)),
    ("C38", 6, ("电气", "照明")),
    ("C39", 7, ("电子", "光电")),
    ("C40", 2, ("仪器仪表",)),
    ("C41", 1, ("工艺品",)),
    ("C43", 1, ("设备维修",)),
    ("F51", 6, ("贸易", "进出口")),
    ("F52", 3, ("商贸",)),
    ("I63", 1, ("通信",)),
    ("I64", 2, ("互联网",)),
    ("I65", 4, ("软件", "信息技术")),
    ("M73", 2, ("科技",)),
    ("M74", 2, ("检测技术", "工程设计")),
    ("M75", 2, ("技术服务",)),
)
# 个体工商户: goods word, industry
_SHOP_GOODS: tuple[tuple[str, str], ...] = (
    ("五金", "F52"),
    ("建材", "F52"),
    ("日用百货", "F52"),
    ("食杂", "F52"),
    ("服装", "F52"),
    ("家电", "F52"),
    ("茶叶", "F52"),
    ("水产", "F52"),
    ("家具", "F52"),
    ("文具", "F52"),
    ("烟酒", "F52"),
    ("通讯器材", "F52"),
    ("汽车用品", "F52"),
    ("灯饰", "F52"),
    ("图文", "C23"),
    ("服装加工", "C18"),
    ("糕点", "C14"),
    ("电子产品", "F51"),
)
_SHOP_SUFFIX = ("店", "经营部", "商行")
_CO_SUFFIX = ("有限公司", "股份有限公司")
_CHARS = (
    "鑫达宏远华信盛德恒泰瑞嘉兴源通利安永昌隆丰诚创新益金银海鹭闽天中东南万福祥和康佳美优卓凯锦"
    "富荣辉光明星宇博智力腾航顺合众联云峰君友正大成立元亨吉庆鸿运升晟弘毅志宁春晖晨阳扬帆百汇"
    "豪威勤俊宝鼎乾坤铭浩然思捷聚伟特尚雅轩悦驰骏晋亿万兆达鑫森林溪泉岩石青山碧波江河湾厦鹏飞"
)
_CHARS = "".join(dict.fromkeys(_CHARS))
_NC = len(_CHARS)

_PRODUCTS = (
    "电线电缆",
    "电动自行车",
    "家用电器",
    "照明灯具",
    "儿童玩具",
    "陶瓷卫浴",
    "塑料制品",
    "食品包装材料",
    "服装",
    "鞋类",
    "家具",
    "五金工具",
    "电子元器件",
    "汽车零部件",
    "建筑材料",
    "茶叶",
    "预包装食品",
    "化肥",
    "安全帽",
    "锂离子电池",
)
_PATENT_OBJECTS = (
    "电池",
    "阀门",
    "电机",
    "传感器",
    "模具",
    "包装盒",
    "灯具",
    "陶瓷坯体",
    "纺织面料",
    "鞋底",
    "切割机",
    "输送装置",
    "控制电路",
    "过滤器",
)
_PATENT_TAILS = (
    "检测装置",
    "制备方法",
    "固定结构",
    "控制系统",
    "加工工艺",
    "散热结构",
    "自动化生产线",
)

_CERT_BODIES = (
    "中国质量认证中心",
    "方圆标志认证集团有限公司",
    "中国船级社质量认证有限公司",
    "北京世标认证中心有限公司",
    "华夏认证中心有限公司",
    "中联认证中心（北京）有限公司",
    "必维认证（北京）有限公司",
    "上海质量体系审核中心",
)

# Templates may use {city} 厦门市, {county} 厦门市思明区, {district} 思明区 / 晋江市, {abbr} 厦.
_BUREAU_BY_LEVEL = (
    "国家市场监督管理总局",
    "福建省市场监督管理局",
    "{city}市场监督管理局",
    "{county}市场监督管理局",
)
_GOV_BY_LEVEL = ("国务院", "福建省人民政府", "{city}人民政府", "{county}人民政府")


def _district(county: str) -> str:
    return county[3:] if len(county) > 3 else county


def _render(templates: Sequence[str]) -> tuple[pa.Array, int]:
    """Every template for every region: index = template * n_regions + region."""
    out: list[str] = []
    for t in templates:
        for _code, county, _prefix, city, _w in _REGIONS:
            out.append(
                t.format(
                    city=city, county=county, district=_district(county), abbr=_CITY_ABBR[city]
                )
            )
    return pa.array(out, pa.string()), len(_REGIONS)


# --------------------------------------------------------------------------- numeric helpers

_U64 = np.uint64


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _U64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
        return z ^ (z >> _U64(31))


def _ascii_strings(matrix: npt.NDArray[np.uint8]) -> pa.Array:
    """Rows of a fixed-width ASCII byte matrix as a StringArray (no per-row Python)."""
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


_HEX_PAIRS = np.array(
    [[ord(f"{i:02x}"[0]), ord(f"{i:02x}"[1])] for i in range(256)], dtype=np.uint8
)


def _hex128(h1: npt.NDArray[np.uint64], h2: npt.NDArray[np.uint64]) -> pa.Array:
    n = len(h1)
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0] = h1
    raw[:, 1] = h2
    return _ascii_strings(_HEX_PAIRS[raw.view(np.uint8).reshape(n, 16)].reshape(n, 32))


def _decimal(fen: I64, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """decimal128(18, 2) from integer fen, built straight from the 16-byte buffers."""
    n = len(fen)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    validity = None
    null_count = 0
    if mask is not None:  # mask: True = null
        null_count = int(mask.sum())
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), n, [validity, pa.py_buffer(words)], null_count=null_count
    )


def _dates(days: Arr, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def _digits(values: Arr, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values.astype(np.int64)), pa.string()), width, "0")


def _take(dictionary: pa.Array, idx: Arr, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    return dictionary.take(pa.array(idx.astype(np.int32), mask=mask))


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _choice(rng: np.random.Generator, weights: Sequence[float], n: int) -> I64:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _uniform_days(rng: np.random.Generator, lo: I64, hi: I64 | int) -> I64:
    hi_arr = np.broadcast_to(np.asarray(hi, dtype=np.int64), lo.shape)
    span = np.maximum(hi_arr - lo, 0) + 1
    days: I64 = lo + (rng.random(len(lo)) * span).astype(np.int64)
    return days


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


@dataclass
class _Block:
    """One block of enterprises (numpy) and its records (a pyarrow table, local owners)."""

    start: int
    kind: I64  # 0 企业, 1 个体
    size: I64  # index into SIZE_CLASSES
    region: I64
    industry: I64
    established: I64
    capital_fen: I64
    status: I64
    word: I64  # index into _WORDS
    suffix: I64  # index into _NAME_SUFFIXES
    chars: I64  # (n, 9) indices into _CHARS: the 字号 of tier t is chars[:, _TIER_SLICES[t]]
    uscc: pa.Array
    records: pa.Table  # with "_owner" local index


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


# --------------------------------------------------------------------------- records

_KIND_CODES = list(RECORD_KINDS)
_KIND_ARR_R = pa.array(_KIND_CODES)
# expected counts per enterprise (大, 中, 小, 微) before the quality propensity
_RATES: dict[str, tuple[float, float, float, float]] = {
    "certification": (3.0, 2.0, 0.8, 0.2),
    "product_certification": (1.5, 0.8, 0.3, 0.08),
    "accreditation": (0.5, 0.15, 0.02, 0.004),
    "award": (1.0, 0.3, 0.06, 0.008),
    "title": (1.2, 0.6, 0.2, 0.03),
    "standard": (2.5, 0.8, 0.12, 0.008),
    "patent": (15.0, 4.5, 1.2, 0.18),
    "spot_check": (1.2, 0.8, 0.4, 0.12),
    "penalty": (0.04, 0.03, 0.02, 0.02),
    "list_entry": (0.004, 0.008, 0.015, 0.035),
}
_SCALED = {"certification", "product_certification", "accreditation", "award", "title"} | {
    "standard",
    "patent",
}
_CC_PROB = (0.55, 0.35, 0.12, 0.02)


def _choices(kind: str, key: str) -> pa.Array:
    return pa.array(list(RECORD_KINDS[kind].field_by_key(key).choices))


@dataclass
class _Ctx:
    rng: np.random.Generator
    owner: I64
    ordinal: I64
    blk: _Block

    @property
    def n(self) -> int:
        return len(self.owner)

    def region(self) -> I64:
        return self.blk.region[self.owner]

    def date_lo(self) -> I64:
        return np.maximum(self.blk.established[self.owner], _D_REC_LO)

    def tmpl(self, rendered: tuple[pa.Array, int], t: I64) -> pa.Array:
        arr, nr = rendered
        return _take(arr, t * nr + self.region())


_BUREAUS = _render(_BUREAU_BY_LEVEL)
_GOVS = _render(_GOV_BY_LEVEL)
_CERT_STATUS = pa.array(list(CERT_STATUS))
_LEVELS = pa.array(list(LEVELS_GOV))


def _cert_status(rng: np.random.Generator, valid_to: I64) -> I64:
    n = len(valid_to)
    expired = valid_to < _D_AS_OF
    live = _choice(rng, [0.92, 0.05, 0.03, 0.0, 0.0], n)  # 有效 暂停 撤销
    dead = np.where(rng.random(n) < 0.85, 4, 3)  # 过期 / 注销
    return np.where(expired, dead, live)


def _add_years(days: I64, years: int) -> I64:
    return days + round(365.25 * years) - 1


Cols = dict[str, Any]


def _gen_certification(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.45, 0.2, 0.17, 0.04, 0.06, 0.04, 0.03, 0.01], n)
    body = rng.integers(0, len(_CERT_BODIES), n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = _add_years(vf, 3)
    letters = pa.array(list("QESQIMMM"))
    ref = _join(
        _digits(body * 1000 + rng.integers(0, 1000, n), 5),
        _take(letters, sub),
        _digits(rng.integers(0, 100, n), 2),
        _digits(c.ordinal, 3),
        "R",
        _digits(rng.integers(0, 10, n), 1),
        "M",
    )
    return {
        "subtype": (_choices("certification", "subtype"), sub),
        "ref": ref,
        "issuer": _take(pa.array(list(_CERT_BODIES)), body),
        "valid_from": vf,
        "valid_to": vt,
        "status": (_CERT_STATUS, _cert_status(rng, vt)),
    }


def _gen_product_certification(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.45, 0.1, 0.12, 0.1, 0.03, 0.1, 0.1], n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = np.where(sub == 0, _add_years(vf, 5), _add_years(vf, 3))
    yy = (vf // 365 + 70) % 100
    body = rng.integers(0, len(_CERT_BODIES), n)
    ref = _join("20", _digits(yy, 2), _digits(rng.integers(0, 10**9, n), 9), _digits(c.ordinal, 3))
    return {
        "subtype": (_choices("product_certification", "subtype"), sub),
        "ref": ref,
        "title": _take(pa.array(list(_PRODUCTS)), rng.integers(0, len(_PRODUCTS), n)),
        "issuer": _take(pa.array(list(_CERT_BODIES)), body),
        "valid_from": vf,
        "valid_to": vt,
        "status": (_CERT_STATUS, _cert_status(rng, vt)),
    }


def _gen_accreditation(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = rng.integers(0, 2, n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = _add_years(vf, 6)
    cnas = _join("CNAS L", _digits(rng.integers(0, 100, n), 2), _digits(c.ordinal, 3))
    cma = _join(
        _digits((vf // 365 + 70) % 100, 2),
        "13",
        _digits(rng.integers(0, 10**5, n), 5),
        _digits(c.ordinal, 3),
    )
    issuer = pa.array(["中国合格评定国家认可委员会", "福建省市场监督管理局"])
    return {
        "subtype": (_choices("accreditation", "subtype"), sub),
        "ref": pc.if_else(pa.array(sub == 0), cnas, cma),
        "issuer": _take(issuer, sub),
        "valid_from": vf,
        "valid_to": vt,
        "status": (_CERT_STATUS, _cert_status(rng, vt)),
    }


# award titles by (subtype, level); "" = combination not drawn
_AWARD_TITLES = (
    ("中国质量奖", "", "", ""),
    ("", "福建省政府质量奖", "{city}市长质量奖", "{district}政府质量奖"),
    ("中国标准创新贡献奖", "福建省标准贡献奖", "{city}标准化贡献奖", ""),
    ("中国专利奖", "福建省专利奖", "{city}专利奖", ""),
    (
        "全国质量诚信标杆企业",
        "福建省质量诚信企业",
        "{city}质量诚信示范企业",
        "{district}质量信得过企业",
    ),
)
_AWARD_LEVEL_P = (
    (1, 0, 0, 0),
    (0, 0.15, 0.45, 0.4),
    (0.3, 0.4, 0.3, 0),
    (0.1, 0.4, 0.5, 0),
    (0.1, 0.3, 0.4, 0.2),
)
_AWARD_RENDER = _render([t for row in _AWARD_TITLES for t in row])


def _level_given(rng: np.random.Generator, sub: I64, table: Sequence[Sequence[float]]) -> I64:
    p = np.asarray(table, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    cum = np.cumsum(p[sub], axis=1)
    level: I64 = np.minimum((rng.random(len(sub))[:, None] >= cum).sum(axis=1), p.shape[1] - 1)
    return level


def _gen_award(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.01, 0.35, 0.05, 0.2, 0.39], n)
    lvl = _level_given(rng, sub, _AWARD_LEVEL_P)
    lo_year = np.maximum(c.date_lo() // 365 + 1970, 2015)
    year = lo_year + (rng.random(n) * (2026 - lo_year + 1)).astype(np.int64)
    year = np.minimum(year, 2025)
    return {
        "subtype": (_choices("award", "subtype"), sub),
        "title": c.tmpl(_AWARD_RENDER, sub * 4 + lvl),
        "level": (_LEVELS, lvl),
        "year": year,
        "issuer": c.tmpl(_GOVS, lvl),
        "_key": ((sub * 4 + lvl) * 100 + (year - 2000)),
    }


# title kind: subtype weights, level, years valid (0 = open), issuer template, ref prefix
_TITLE_SPEC: tuple[tuple[float, int, int, str, str], ...] = (
    (0.25, 1, 3, "福建省工业和信息化厅", "ZJTX"),
    (0.04, 0, 3, "工业和信息化部", "XJR"),
    (0.25, 0, 3, "福建省科学技术厅", "GR"),
    (0.2, 1, 1, "福建省科学技术厅", "KJX"),
    (0.005, 0, 3, "国家市场监督管理总局", "ZLQG"),
    (0.02, 1, 3, "福建省市场监督管理局", "ZLPY"),
    (0.06, 2, 0, "{city}市场监督管理局", "SXZLG"),
    (0.08, 3, 3, "{county}市场监督管理局", "FXXF"),
    (0.02, 2, 3, "{city}市场监督管理局", "JLHB"),
    (0.03, 1, 3, "福建省市场监督管理局", "QYPP"),
    (0.01, 0, 0, "国家知识产权局", "CM"),
    (0.01, 1, 0, "福建省商务厅", "LZH"),
    (0.005, 0, 0, "国家知识产权局", "DLBZ"),
)
_TITLE_ISSUERS = _render([s[3] for s in _TITLE_SPEC])
_TITLE_NAMES = pa.array(["鹭品", "品字标福建制造", "福建老字号"])


def _gen_title(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [s[0] for s in _TITLE_SPEC], n)
    lvl = np.array([s[1] for s in _TITLE_SPEC])[sub]
    years = np.array([s[2] for s in _TITLE_SPEC])[sub]
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = vf + np.round(years * 365.25).astype(np.int64) - 1
    name_idx = np.where(sub == 9, rng.integers(0, 2, n), np.where(sub == 11, 2, -1))
    title_mask = name_idx < 0
    prefixes = pa.array([s[4] for s in _TITLE_SPEC])
    ref = _join(
        _take(prefixes, sub),
        _digits(vf // 365 + 1970, 4),
        "35",
        _digits(rng.integers(0, 10**4, n), 4),
        _digits(c.ordinal, 3),
    )
    return {
        "subtype": (_choices("title", "subtype"), sub),
        "title": _take(_TITLE_NAMES, np.maximum(name_idx, 0), title_mask),
        "level": (_LEVELS, lvl),
        "ref": ref,
        "valid_from": vf,
        "valid_to": (vt, years == 0),
        "issuer": c.tmpl(_TITLE_ISSUERS, sub),
        "_key": (sub * 4 + name_idx + 1) * 100_000 + vf,
    }


_STD_PREFIX = pa.array(["ISO ", "GB/T ", "QB/T ", "DB35/T ", "T/FJZL ", "Q/XM "])
_STD_TAILS = pa.array(["技术规范", "通用技术条件", "检测方法", "评价规范", "安全要求"])


def _gen_standard(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    lvl = _choice(rng, [0.01, 0.12, 0.15, 0.1, 0.37, 0.25], n)
    sub = (rng.random(n) >= 0.35).astype(np.int64)  # 0 主导, 1 参与
    rank = np.where(sub == 0, 1, rng.integers(2, 16, n))
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    ref = _join(
        _take(_STD_PREFIX, lvl),
        _digits(rng.integers(1, 100, n), 2),
        _digits(c.ordinal, 3),
        "-",
        _digits(ev // 365 + 1970, 4),
    )
    title = _join(
        _take(pa.array(list(_PRODUCTS)), rng.integers(0, len(_PRODUCTS), n)),
        _take(_STD_TAILS, rng.integers(0, 5, n)),
    )
    return {
        "ref": ref,
        "title": title,
        "level": (_choices("standard", "level"), lvl),
        "subtype": (_choices("standard", "subtype"), sub),
        "rank": rank,
        "event_date": ev,
    }


def _gen_patent(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.25, 0.55, 0.2], n)
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    filed_year = np.maximum(ev // 365 + 1970 - rng.integers(0, 3, n), 2010)
    ref = _join(
        "ZL",
        _digits(filed_year, 4),
        _digits(sub + 1, 1),
        _digits(rng.integers(0, 10**4, n), 4),
        _digits(c.ordinal, 3),
        ".",
        _digits(rng.integers(0, 10, n), 1),
    )
    obj = _take(pa.array(list(_PATENT_OBJECTS)), rng.integers(0, len(_PATENT_OBJECTS), n))
    tail = _take(pa.array(list(_PATENT_TAILS)), rng.integers(0, len(_PATENT_TAILS), n))
    title = pc.if_else(pa.array(sub == 2), obj, _join("一种", obj, tail))
    age = (_D_AS_OF - ev) / 3650.0
    lapsed = rng.random(n) < 0.05 + 0.5 * age
    return {
        "ref": ref,
        "subtype": (_choices("patent", "subtype"), sub),
        "title": title,
        "status": (_choices("patent", "status"), lapsed.astype(np.int64)),
        "event_date": ev,
        "flag": rng.random(n) < 0.04,
    }


def _gen_spot_check(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    lvl = _choice(rng, [0.15, 0.35, 0.35, 0.15], n)
    ref = _join(
        "CC",
        _digits(ev // 365 + 1970, 4),
        "-",
        _digits(rng.integers(0, 100, n), 2),
        _digits(c.ordinal, 3),
    )
    return {
        "ref": ref,
        "event_date": ev,
        "title": _take(pa.array(list(_PRODUCTS)), rng.integers(0, len(_PRODUCTS), n)),
        "level": (_LEVELS, lvl),
        "passed": rng.random(n) < 0.93,
        "issuer": c.tmpl(_BUREAUS, lvl),
    }


_PENALTY_REF = _render(["{abbr}市监处罚〔", "{abbr}市监罚字〔"])


def _gen_penalty(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    lvl_issuer = 2 + rng.integers(0, 2, n)
    sub = _choice(rng, [0.3, 0.08, 0.05, 0.05, 0.1, 0.15, 0.12, 0.05, 0.1], n)
    ref = _join(
        c.tmpl(_PENALTY_REF, rng.integers(0, 2, n)),
        _digits(ev // 365 + 1970, 4),
        "〕",
        pc.cast(pa.array(1 + rng.integers(0, 400, n) + 400 * c.ordinal), pa.string()),
        "号",
    )
    amount = np.round(np.exp(rng.normal(np.log(20_000), 1.2, n)) / 100) * 10_000
    return {
        "ref": ref,
        "event_date": ev,
        "issuer": c.tmpl(_BUREAUS, lvl_issuer),
        "subtype": (_choices("penalty", "subtype"), sub),
        "amount": (amount.astype(np.int64), rng.random(n) < 0.05),
        "level": (_choices("penalty", "level"), _choice(rng, [0.75, 0.2, 0.05], n)),
    }


_LIST_REASONS = pa.array(
    [
        "未按规定报送年度报告",
        "通过登记的住所或者经营场所无法联系",
        "公示企业信息隐瞒真实情况、弄虚作假",
        "被列入经营异常名录届满3年仍未履行相关义务",
        "提交虚假材料取得登记",
        "有履行能力而拒不履行生效法律文书确定义务",
    ]
)
_LIST_ISSUERS = _render(["{city}市场监督管理局", "{district}人民法院"])


def _gen_list_entry(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.8, 0.08, 0.12], n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = vf + rng.integers(30, 700, n)
    removed = (rng.random(n) < np.array([0.6, 0.2, 0.4])[sub]) & (vt <= _D_AS_OF)
    reason = np.where(
        sub == 0, _choice(rng, [0.6, 0.3, 0.1], n), np.where(sub == 1, 3 + rng.integers(0, 2, n), 5)
    )
    return {
        "subtype": (_choices("list_entry", "subtype"), sub),
        "valid_from": vf,
        "valid_to": (vt, ~removed),
        "title": _take(_LIST_REASONS, reason),
        "issuer": c.tmpl(_LIST_ISSUERS, (sub == 2).astype(np.int64)),
        "_key": sub * 100_000 + vf,
    }


def _gen_contract_credit(c: _Ctx) -> Cols:
    """Runs of yearly 守合同重信用 announcements; ``ordinal`` is the position in the run."""
    rng = c.rng
    first = c.ordinal == 0
    # per-owner draws live on the run's first row and are spread along it
    run_id = np.cumsum(first) - 1
    n_runs = int(first.sum())
    run_len = np.bincount(run_id, minlength=n_runs)
    est_year = c.blk.established[c.owner[first]] // 365 + 1970
    lo = np.maximum(est_year + 1, 2015)
    step = np.where(rng.random(n_runs) < 0.8, 1, 2)
    hi = np.maximum(2025 - (run_len - 1) * step, lo)
    start = lo + (rng.random(n_runs) * (hi - lo + 1)).astype(np.int64)
    lvl_run = _choice(rng, [0.05, 0.3, 0.35, 0.3], n_runs)
    year = start[run_id] + c.ordinal * step[run_id]
    lvl = lvl_run[run_id]
    return {
        "year": year,
        "level": (_LEVELS, lvl),
        "issuer": c.tmpl(_BUREAUS, lvl),
        "_key": year * 10 + lvl,
        "_drop": year > 2025,
    }


_GENERATORS: dict[str, Callable[[_Ctx], Cols]] = {
    "certification": _gen_certification,
    "product_certification": _gen_product_certification,
    "accreditation": _gen_accreditation,
    "award": _gen_award,
    "title": _gen_title,
    "standard": _gen_standard,
    "patent": _gen_patent,
    "contract_credit": _gen_contract_credit,
    "spot_check": _gen_spot_check,
    "penalty": _gen_penalty,
    "list_entry": _gen_list_entry,
}
_TYPES = {f.name: f.type for f in RECORD_SCHEMA}


def _to_arrow(name: str, value: Any) -> pa.Array:
    typ = _TYPES[name]
    if isinstance(value, tuple):
        a, b = value
        if isinstance(a, pa.Array):  # (dictionary, indices)
            return _take(a, b)
        mask = b  # (values, null mask)
    else:
        if isinstance(value, pa.Array):
            return value
        a, mask = value, None
    if typ == pa.date32():
        return _dates(a, mask)
    if typ == pa.decimal128(18, 2):
        return _decimal(a, mask)
    return pa.array(a, type=typ, mask=mask)


def _canonical(arr: pa.Array) -> pa.Array:
    """The importer's canonical text of a key value (None → "", bool → 1/0, date → ISO)."""
    if pa.types.is_boolean(arr.type):
        arr = pc.if_else(arr, "1", "0")
    elif not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.fill_null(arr, "")


def _known_at(rng: np.random.Generator, t: pa.Table) -> pa.Array:
    """A little after the record's own date (year → its end), never after AS_OF."""
    m = t.num_rows
    base = pc.coalesce(
        t["valid_from"].combine_chunks().cast(pa.int32()),
        t["event_date"].combine_chunks().cast(pa.int32()),
        pc.cast(
            pc.multiply(pc.subtract(t["year"].combine_chunks().cast(pa.int32()), 1969), 365),
            pa.int32(),
        ),
    )
    bd = pc.fill_null(base, _D_AS_OF).to_numpy().astype(np.int64)
    kd = np.minimum(bd + rng.integers(1, 60, m), _D_AS_OF)
    known = (kd * 86_400 + rng.integers(8 * 3600, 18 * 3600, m)) * 1_000_000
    return pa.array(known, type=pa.timestamp("us", tz="UTC"))


_SOURCE_ARR = pa.array([SOURCE_SYSTEM])


def _content_hash(seed: int, gidx: I64, kno: int, ordinal: I64, cols: Cols) -> pa.Array:
    """A 128-bit digest (32 hex) of the row's identity and generated values, vectorised."""
    with np.errstate(over="ignore"):
        h = _mix(gidx.astype(np.uint64) * _U64(64) + _U64(kno) + _U64((seed & 0xFFFFFFFF) << 32))
        h = _mix(h ^ ordinal.astype(np.uint64))
        for name in sorted(cols):
            value = cols[name]
            if isinstance(value, tuple):
                a, b = value
                v = b if isinstance(a, pa.Array) else np.where(b, -1, a)
            elif isinstance(value, np.ndarray):
                v = value
            else:
                continue  # text built from draws already folded in
            h = _mix(h ^ np.asarray(v).astype(np.int64).astype(np.uint64))
        h2 = _mix(h ^ _U64(0xA5A5A5A5DEADBEEF))
    return _hex128(h, h2)


def _records_block(seed: int, b: int, blk: _Block) -> pa.Table:
    rng = np.random.default_rng(np.random.SeedSequence([seed, b, 2]))
    n = len(blk.kind)
    q = np.minimum(rng.lognormal(0.0, 1.1, n), 15.0)  # quality propensity, tail capped
    indiv = blk.kind == 1
    parts: list[pa.Table] = []
    for kno, code in enumerate(_KIND_CODES):
        if code == "contract_credit":
            has = rng.random(n) < np.array(_CC_PROB)[blk.size] * np.minimum(q, 3.0) / 1.5
            counts = np.where(has, rng.geometric(0.45, n), 0)  # runs of 1, 2, 3…
        else:
            lam = np.array(_RATES[code])[blk.size]
            if code in _SCALED:
                lam = lam * q * np.where(indiv, 0.3, 1.0)
            counts = rng.poisson(lam)
        counts = np.minimum(counts, _MAX_PER_KIND).astype(np.int64)
        m = int(counts.sum())
        if m == 0:
            continue
        owner = np.repeat(np.arange(n, dtype=np.int64), counts)
        starts = np.cumsum(counts) - counts
        ordinal = np.arange(m, dtype=np.int64) - np.repeat(starts, counts)
        cols = _GENERATORS[code](_Ctx(rng, owner, ordinal, blk))
        keep = np.ones(m, dtype=bool)
        if "_drop" in cols:
            keep &= ~cols.pop("_drop")
        if "_key" in cols:  # drop repeats of the kind's key fields within an enterprise
            key = owner * (1 << 40) + cols.pop("_key")
            _u, first = np.unique(key, return_index=True)
            dup = np.ones(m, dtype=bool)
            dup[first] = False
            keep &= ~dup
        data: dict[str, pa.Array] = {
            name: _to_arrow(name, cols[name]) if name in cols else pa.nulls(m, type=_TYPES[name])
            for name in _VALUE_COLUMNS
        }
        uscc = blk.uscc.take(pa.array(owner))
        # natural key: uscc|key field values, exactly as the importer forms it
        keys = [
            _canonical(data[RECORD_KINDS[code].field_by_key(k).target])
            for k in RECORD_KINDS[code].key_fields
        ]
        data["natural_key"] = pc.binary_join_element_wise(uscc, *keys, "|")
        data["uscc"] = uscc
        data["content_hash"] = _content_hash(seed, blk.start + owner, kno, ordinal, cols)
        table = pa.table(data)
        table = table.append_column("_owner", pa.array(owner))
        table = table.append_column("_kind", pa.array(np.full(m, kno, dtype=np.int8)))
        table = table.append_column("_ord", pa.array(ordinal))
        if not keep.all():
            table = table.filter(pa.array(keep))
        parts.append(table)
    if not parts:
        return pa.table(
            {name: pa.array([], _TYPES[name]) for name in _VALUE_COLUMNS}
            | {
                "natural_key": pa.array([], pa.string()),
                "uscc": pa.array([], pa.string()),
                "content_hash": pa.array([], pa.string()),
                "_owner": pa.array([], pa.int64()),
                "_kind": pa.array([], pa.int8()),
                "_ord": pa.array([], pa.int64()),
                "known_at": pa.array([], _TYPES["known_at"]),
            }
        )
    table = pa.concat_tables(parts).combine_chunks()
    table = table.append_column("known_at", _known_at(rng, table))
    order = np.lexsort(
        (
            table["_ord"].to_numpy(),
            table["_kind"].to_numpy(),
            table["_owner"].to_numpy(),
        )
    )
    return table.take(pa.array(order))


def _finish_records(blk: _Block, lo: int, hi: int, first_id: int) -> tuple[pa.Table, int]:
    """Records of block rows [lo, hi) as RECORD_SCHEMA, ids from ``first_id``."""
    t = blk.records
    owner_all = t["_owner"].to_numpy()
    a, b = np.searchsorted(owner_all, [lo, hi])
    t = t.slice(int(a), int(b - a))
    m = t.num_rows
    owner = t["_owner"].to_numpy()
    kno = t["_kind"].to_numpy().astype(np.int64)
    cols: dict[str, pa.Array] = {
        "record_id": pa.array(np.arange(first_id, first_id + m, dtype=np.int64)),
        "enterprise_id": pa.array(blk.start + owner + 1),
        "kind": _KIND_ARR_R.take(pa.array(kno)),
        "version": pa.array(np.ones(m, dtype=np.int16)),
        "source_system": _SOURCE_ARR.take(pa.array(np.zeros(m, dtype=np.int32))),
    }
    for name in ("uscc", "natural_key", "content_hash", *_VALUE_COLUMNS, "known_at"):
        cols[name] = t[name].combine_chunks()
    return pa.Table.from_pydict(cols, schema=RECORD_SCHEMA), m


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


# --------------------------------------------------------------------------- public API


def generate(
    n_enterprises: int, *, seed: int = 20251, chunk_size: int = 200_000
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Yield ``(enterprises, records)`` tables of up to ``chunk_size`` enterprises each.

    Same seed → same rows, whatever the chunk size. Ids are 1-based and consecutive.
    """
    if n_enterprises < 0 or n_enterprises > _ORG_SPACE:
        raise ValueError("n_enterprises must be between 0 and 100,000,000")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    org = _org_params(seed)
    names = _NameRegistry()
    next_record = 1
    cached: _Block | None = None
    for start in range(0, n_enterprises, chunk_size):
        stop = min(n_enterprises, start + chunk_size)
        slices: list[tuple[_Block, int, int]] = []
        pos = start
        while pos < stop:
            b = pos // _BLOCK
            if cached is None or cached.start != b * _BLOCK:
                cached = _enterprise_block(seed, b, org)
            lo, hi = pos - cached.start, min(stop, cached.start + _BLOCK) - cached.start
            slices.append((cached, lo, hi))
            pos = cached.start + hi

        def cat(attr: str, sl: list[tuple[_Block, int, int]] = slices) -> I64:
            return np.concatenate([getattr(bk, attr)[lo:hi] for bk, lo, hi in sl])

        kind, region = cat("kind"), cat("region")
        prefix = np.where(kind == 0, _REGION_PREFIX[region], len(_PREFIXES) + region)
        tier = names.assign(prefix, cat("chars"), cat("word"), cat("suffix"))
        ent_parts: list[pa.Table] = []
        rec_parts: list[pa.Table] = []
        offset = 0
        for blk, lo, hi in slices:
            ent_parts.append(_enterprise_table(blk, lo, hi, tier[offset : offset + hi - lo]))
            offset += hi - lo
            rec, m = _finish_records(blk, lo, hi, next_record)
            next_record += m
            rec_parts.append(rec)
        yield pa.concat_tables(ent_parts), pa.concat_tables(rec_parts)


@dataclass(frozen=True)
class SynthSummary:
    enterprises: int
    records: int
    by_kind: dict[str, int]
    seconds: float


def _count_kinds(by_kind: dict[str, int], records: pa.Table) -> None:
    vc = pc.value_counts(records["kind"]).to_pylist()
    for item in vc:
        by_kind[item["values"]] = by_kind.get(item["values"], 0) + int(item["counts"])


def write_parquet(
    out_dir: Path,
    n_enterprises: int,
    *,
    seed: int = 20251,
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Write ``enterprises.parquet``, ``records.parquet`` and ``manifest.json`` to ``out_dir``."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_kind = dict.fromkeys(_KIND_CODES, 0)
    n_ent = n_rec = 0
    with (
        pq.ParquetWriter(out_dir / "enterprises.parquet", ENTERPRISE_SCHEMA) as ew,
        pq.ParquetWriter(out_dir / "records.parquet", RECORD_SCHEMA) as rw,
    ):
        for ent, rec in generate(n_enterprises, seed=seed):
            ew.write_table(ent, row_group_size=ent.num_rows)
            rw.write_table(rec, row_group_size=max(rec.num_rows, 1))
            n_ent += ent.num_rows
            n_rec += rec.num_rows
            _count_kinds(by_kind, rec)
            if progress is not None:
                progress(n_ent, n_enterprises)
    seconds = time.perf_counter() - t0
    manifest = {
        "marker": DEMO_MARK,
        "seed": seed,
        "enterprises": n_ent,
        "records": n_rec,
        "by_kind": by_kind,
        "as_of": AS_OF.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(),
        "seconds": round(seconds, 3),
        "source_system": SOURCE_SYSTEM,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return SynthSummary(n_ent, n_rec, by_kind, seconds)


_DB_BATCH = 20_000


def load_into_database(
    session: Session,
    n_enterprises: int,
    *,
    seed: int = 20251,
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Bulk-insert the same synthetic data into ``enterprise`` and ``quality_record``.

    Core executemany, ids assigned by the database; the caller owns the transaction.
    """
    t0 = time.perf_counter()
    by_kind = dict.fromkeys(_KIND_CODES, 0)
    n_ent = n_rec = 0
    now = datetime.now(UTC)
    ent_t = Base.metadata.tables[Enterprise.__tablename__]
    rec_t = Base.metadata.tables[QualityRecord.__tablename__]
    for ent, rec in generate(n_enterprises, seed=seed, chunk_size=_DB_BATCH):
        rows = ent.drop_columns(["enterprise_id"]).to_pylist()
        for r in rows:
            r["source_system"] = SOURCE_SYSTEM
            r["created_at"] = now
            r["updated_at"] = now
        session.execute(insert(ent_t), rows)
        usccs = ent["uscc"].to_pylist()
        id_by_uscc: dict[str, int] = {}
        for i in range(0, len(usccs), 900):
            part = usccs[i : i + 900]
            for u, i_ in session.execute(
                select(ent_t.c.uscc, ent_t.c.id).where(ent_t.c.uscc.in_(part))
            ):
                id_by_uscc[u] = i_
        if rec.num_rows:
            recs = rec.drop_columns(["record_id", "enterprise_id", "uscc"]).to_pylist()
            for r, u in zip(recs, rec["uscc"].to_pylist(), strict=True):
                r["enterprise_id"] = id_by_uscc[u]
                r["extra"] = {}
            session.execute(insert(rec_t), recs)
        n_ent += ent.num_rows
        n_rec += rec.num_rows
        _count_kinds(by_kind, rec)
        if progress is not None:
            progress(n_ent, n_enterprises)
    session.flush()
    return SynthSummary(n_ent, n_rec, by_kind, time.perf_counter() - t0)
