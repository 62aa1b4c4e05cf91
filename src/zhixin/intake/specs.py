"""What can be imported: the enterprise register (经营主体) and every quality-record kind.

The enterprise spec reuses :class:`zhixin.records.kinds.Field`, so templates, header matching
and row validation treat both the same way. :class:`ImportSpec` is the one shape the intake
reads: the USCC column first, then the kind's own fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from zhixin.enterprises.rules import KINDS, SIZE_ALIASES, SIZE_CLASSES, STATUSES
from zhixin.records.fields import USCC_HEADER, Field, FieldType
from zhixin.records.kinds import RECORD_KINDS

ENTERPRISE = "enterprise"
ENTERPRISE_LABEL = "经营主体"

USCC_FIELD = Field(
    "uscc", USCC_HEADER, required=True, column="uscc", max_len=18, example="91350200MA2Y0QXC02"
)

ENTERPRISE_FIELDS: tuple[Field, ...] = (
    USCC_FIELD,
    Field(
        "name", "名称", required=True, column="name", max_len=200, example="厦门示例科技有限公司"
    ),
    Field(
        "kind",
        "主体类型",
        FieldType.choice,
        False,  # empty → derived from the USCC (92… is an 个体工商户), see rows.py
        KINDS,
        aliases={"个体户": "个体工商户", "公司": "企业"},
        column="kind",
        example="企业",
    ),
    Field(
        "size_class",
        "企业规模",
        FieldType.choice,
        False,
        SIZE_CLASSES,
        aliases=dict(SIZE_ALIASES)
        | {"大型企业": "大", "中型企业": "中", "小型企业": "小", "微型企业": "微"},
        column="size_class",
        example="小",
    ),
    Field("region_code", "行政区划代码", column="region_code", max_len=6, example="350203"),
    Field("industry_code", "行业代码", column="industry_code", max_len=5, example="C3825"),
    Field(
        "established_on", "成立日期", FieldType.date, column="established_on", example="2018-06-12"
    ),
    Field(
        "registered_capital",
        "注册资本（元）",
        FieldType.money,
        column="registered_capital",
        example="5000000",
    ),
    Field(
        "status",
        "登记状态",
        FieldType.choice,
        False,  # empty → 存续
        STATUSES,
        aliases={"开业": "存续", "在营": "存续", "存续（在营、开业、在册）": "存续"},
        column="status",
        example="存续",
    ),
)


@dataclass(frozen=True)
class ImportSpec:
    """One importable kind: its code, Chinese label and fields (the USCC field first)."""

    code: str
    label: str
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...]  # besides the USCC; empty for the enterprise register

    @property
    def is_enterprise(self) -> bool:
        return self.code == ENTERPRISE

    @property
    def headers(self) -> list[str]:
        return [f.header for f in self.fields]

    def field_by_key(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


class UnknownKind(KeyError):
    pass


@cache
def get_spec(kind: str) -> ImportSpec:
    """The spec of ``kind`` ("enterprise" or a record kind code); :class:`UnknownKind` else."""
    if kind == ENTERPRISE:
        return ImportSpec(ENTERPRISE, ENTERPRISE_LABEL, ENTERPRISE_FIELDS, ())
    rk = RECORD_KINDS.get(kind)
    if rk is None:
        raise UnknownKind(kind)
    return ImportSpec(rk.code, rk.label, (USCC_FIELD, *rk.fields), rk.key_fields)


def import_kinds() -> list[tuple[str, str]]:
    """Every importable kind as ``(code, 中文名称)``: the enterprise register first."""
    return [(ENTERPRISE, ENTERPRISE_LABEL)] + [(k.code, k.label) for k in RECORD_KINDS.values()]


def example_value(f: Field) -> str:
    """The value a template shows for ``f`` (its declared example, or a sensible default)."""
    if f.example:
        return f.example
    if f.type == FieldType.choice and f.choices:
        return f.choices[0]
    defaults = {
        FieldType.date: "2024-01-05",
        FieldType.year: "2024",
        FieldType.money: "10000",
        FieldType.int: "1",
        FieldType.bool: f.true_words[0],
    }
    return defaults.get(f.type, "示例")
