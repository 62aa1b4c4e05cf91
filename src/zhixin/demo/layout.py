"""The synthetic data's layout: the marker, the date range, the Parquet schemas of
enterprises and records, and the block of enterprises that generators fill in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from zhixin.records.kinds import RECORD_KINDS

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


# --------------------------------------------------------------------------- records

_KIND_CODES = list(RECORD_KINDS)


Cols = dict[str, Any]
