"""The vocabulary of quality-record kinds: field types, a field, a kind, the shared columns a
field may land in, and the field builders and value lists several kinds use.

The kinds themselves are declared in :mod:`zhixin.records.kinds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    text = "text"
    choice = "choice"
    date = "date"
    year = "year"
    money = "money"
    int = "int"
    bool = "bool"


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    type: FieldType = FieldType.text
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    column: str | None = None  # shared column of quality_record; None → extra
    max_len: int = 200
    example: str = ""
    true_words: tuple[str, ...] = ("是", "Y", "y", "1", "true", "True", "已质押")

    @property
    def target(self) -> str:
        return self.column or self.key


@dataclass(frozen=True)
class RecordKind:
    code: str
    label: str
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...]  # with the USCC, what identifies one fact across re-imports
    negative: bool = False  # a negative record may be credit-repaired
    description: str = ""

    def field_by_key(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def headers(self) -> list[str]:
        return [USCC_HEADER] + [f.header for f in self.fields]


USCC_HEADER = "统一社会信用代码"
LEVELS_GOV = ("国家级", "省级", "市级", "县级")
LEVEL_ALIASES = {
    "国家": "国家级",
    "全国": "国家级",
    "省": "省级",
    "省部级": "省级",
    "市": "市级",
    "地市级": "市级",
    "区县级": "县级",
    "县": "县级",
    "区级": "县级",
}
CERT_STATUS = ("有效", "暂停", "撤销", "注销", "过期")


def ref_field(header: str, example: str) -> Field:
    return Field("ref", header, required=True, column="ref", max_len=128, example=example)


def valid_from_field(header: str = "发证日期", required: bool = True) -> Field:
    return Field(
        "valid_from", header, FieldType.date, required, column="valid_from", example="2023-03-01"
    )


def valid_to_field(header: str = "有效期至", required: bool = True) -> Field:
    return Field(
        "valid_to", header, FieldType.date, required, column="valid_to", example="2026-02-28"
    )


def issuer_field(header: str, required: bool = False, example: str = "") -> Field:
    return Field("issuer", header, column="issuer", required=required, example=example)


def level_field(header: str = "级别", choices: tuple[str, ...] = LEVELS_GOV) -> Field:
    return Field(
        "level",
        header,
        FieldType.choice,
        True,
        choices,
        aliases=LEVEL_ALIASES,
        column="level",
        example=choices[0],
    )


# Shared columns a field may target; anything else lands in ``extra``.
SHARED_COLUMNS = frozenset(
    {
        "subtype",
        "ref",
        "title",
        "level",
        "status",
        "issuer",
        "event_date",
        "valid_from",
        "valid_to",
        "year",
        "amount",
        "rank",
        "passed",
        "flag",
    }
)
