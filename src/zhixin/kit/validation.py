"""pydantic's validation errors in Chinese: the one translation pages, the API and the CLI use.

A problem names its field by a Chinese label and says what is wrong; never pydantic's English
("Field required", "Input should be …"), never the value submitted (a password, an identifier).
The kit knows no business words: the labels come from the caller, usually read off the models'
``Field(title=…)`` / ``Field(description=…)`` by :func:`labels_of`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Any, get_args, get_origin

from pydantic import BaseModel

_CJK = re.compile(r"[\u4e00-\u9fff]")
# where a description stops being a name: the first bracket, comma, colon or full stop
_LABEL_END = re.compile(r"[（(，,：:；;。]")
# locations that are the request's parts, not fields
_PARTS = frozenset({"body", "query", "path", "header", "cookie", "form"})


@dataclass(frozen=True)
class Problem:
    """One invalid field: ``loc`` as pydantic gives it (a machine branches on it), ``field`` its
    Chinese label, ``msg`` the reason in Chinese."""

    loc: tuple[str, ...]
    field: str
    msg: str

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "field": self.field, "msg": self.msg}


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def reason(err: Mapping[str, Any]) -> str:
    """What is wrong, in Chinese, from one error of ``ValidationError.errors()``."""
    kind = str(err.get("type", ""))
    raw_ctx = err.get("ctx")
    ctx: Mapping[str, Any] = raw_ctx if isinstance(raw_ctx, Mapping) else {}
    if kind in ("value_error", "assertion_error"):
        # a validator's own words: shown when they are Chinese (the house rule for raised text)
        text = str(ctx.get("error", "")) or str(err.get("msg", ""))
        text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text if has_chinese(text) else "取值无效"
    bound = next((ctx[k] for k in ("gt", "ge", "lt", "le") if k in ctx), None)
    expected = (
        str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ").replace(", ", "、")
    )
    texts = {
        "missing": "必填",
        "int_parsing": "应为整数",
        "int_parsing_size": "数值超出范围",
        "int_from_float": "应为整数",
        "int_type": "应为整数",
        "float_parsing": "应为数字",
        "float_type": "应为数字",
        "decimal_parsing": "应为数字",
        "decimal_type": "应为数字",
        "finite_number": "应为有限的数字",
        "decimal_max_places": f"最多 {ctx.get('decimal_places', 2)} 位小数",
        "decimal_max_digits": "数字位数过多",
        "decimal_whole_digits": "数字位数过多",
        "bool_parsing": "应为是或否",
        "bool_type": "应为是或否",
        "greater_than": f"应大于 {bound}",
        "greater_than_equal": f"应不小于 {bound}",
        "less_than": f"应小于 {bound}",
        "less_than_equal": f"应不大于 {bound}",
        "enum": f"不是可选值（可选：{expected}）" if expected else "不是可选值",
        "literal_error": f"不是可选值（可选：{expected}）" if expected else "不是可选值",
        "date_from_datetime_parsing": "日期格式应为 2025-07-01",
        "date_from_datetime_inexact": "日期格式应为 2025-07-01",
        "date_parsing": "日期格式应为 2025-07-01",
        "date_type": "日期格式应为 2025-07-01",
        "datetime_parsing": "时间格式应为 2025-07-01T08:00:00+08:00",
        "datetime_from_date_parsing": "时间格式应为 2025-07-01T08:00:00+08:00",
        "datetime_type": "时间格式应为 2025-07-01T08:00:00+08:00",
        "string_too_long": f"过长（最多 {ctx.get('max_length')} 个字符）",
        "string_too_short": "不能为空" if ctx.get("min_length") in (None, 1) else "过短",
        "string_pattern_mismatch": "格式不正确",
        "string_type": "应为文本",
        "too_long": f"过多（最多 {ctx.get('max_length')} 项）",
        "too_short": f"过少（至少 {ctx.get('min_length')} 项）",
        "list_type": "应为列表",
        "set_type": "应为列表",
        "model_type": "格式有误",
        "model_attributes_type": "格式有误",
        "dict_type": "格式有误",
        "extra_forbidden": "不是可接受的字段",
        "json_invalid": "JSON 格式错误",
        "json_type": "JSON 格式错误",
        "url_parsing": "网址格式不正确",
        "url_scheme": "网址应以 https:// 开头",
        "uuid_parsing": "格式不正确",
        "union_tag_invalid": "不是可选值",
    }
    return texts.get(kind, "取值无效")


def where(
    loc: Iterable[object], labels: Mapping[str, str], unnamed: str | None = None
) -> tuple[tuple[str, ...], str]:
    """``loc`` as text and the field's Chinese name: 抵质押物第 2 项评估价值; 请求 for none.
    A name without a label is shown as it is, or as ``unnamed`` when given."""
    parts = [p for p in loc]
    shown: list[str] = []
    for i, p in enumerate(parts):
        if i == 0 and p in _PARTS:
            continue
        if isinstance(p, int):
            shown.append(f"第 {p + 1} 项")
        else:
            shown.append(labels.get(str(p), unnamed if unnamed is not None else str(p)))
    return tuple(str(p) for p in parts), "".join(shown) or "请求"


def problems(
    errors: Iterable[Mapping[str, Any]], labels: Mapping[str, str], unnamed: str | None = None
) -> list[Problem]:
    """Each error of ``ValidationError.errors()`` (or FastAPI's) as a :class:`Problem`."""
    out = []
    for err in errors:
        loc, field = where(err.get("loc", ()), labels, unnamed)
        out.append(Problem(loc=loc, field=field, msg=reason(err)))
    return out


def as_text(errors: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """One Chinese line: 申请金额：应大于 0；期限（月）：应为整数."""
    return "；".join(f"{p.field}：{p.msg}" for p in problems(errors, labels))


def label_of(title: str | None, description: str | None) -> str | None:
    """A field's Chinese name: its title, else the start of a Chinese description."""
    if title and has_chinese(title):
        return title
    if description and has_chinese(description):
        head = _LABEL_END.split(description, maxsplit=1)[0].strip()
        if has_chinese(head) and len(head) <= 16:
            return head
    return None


def labels_of(*models: type[BaseModel]) -> dict[str, str]:
    """Field name → Chinese label over the models and the models nested in their fields."""
    labels: dict[str, str] = {}
    seen: set[type[BaseModel]] = set()
    todo = list(models)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            label = label_of(info.title, info.description)
            if label:
                labels.setdefault(info.alias or name, label)
                labels.setdefault(name, label)
            todo.extend(models_in(info.annotation))
    return labels


def models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation names (``Model``, ``list[Model]``, ``Model | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) is None and not isinstance(annotation, UnionType):
        return []
    return [m for arg in get_args(annotation) for m in models_in(arg)]
