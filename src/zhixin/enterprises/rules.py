"""Enterprise identity and classification rules (pure)."""

from __future__ import annotations

import re

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

KINDS = ("企业", "个体工商户")
SIZE_CLASSES = ("大", "中", "小", "微")
STATUSES = ("存续", "在业", "吊销", "注销", "迁出", "停业")
_REGION = re.compile(r"^[1-8]\d{5}$")
# GB/T 4754-2017: section letter A–T, optionally followed by 2–4 digits (e.g. C, C13, C1391).
_INDUSTRY = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")
SIZE_ALIASES = {"大型": "大", "中型": "中", "小型": "小", "微型": "微"}
# Refused in a name: NUL and the other C0/C1 control characters (a NUL cuts the name short in
# C-based systems downstream: PDF, a bank's core), and the Unicode bidirectional controls
# (U+200E/U+200F marks, U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+061C),
# which make a name display as something other than what it is ("Trojan Source").
_NAME_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAME_CONTROL_REASON = "名称含有不可见的控制字符（如空字符或文字方向控制符），请删除后重新填写"


class InvalidUSCC(ValueError):
    pass


def normalise_uscc(value: str) -> str:
    """Validate a 统一社会信用代码 with ``stdnum.cn.uscc`` and return its compact upper form."""
    try:
        return str(stdnum_uscc.validate(value))
    except InvalidChecksum as exc:
        raise InvalidUSCC("统一社会信用代码校验位错误") from exc
    except InvalidLength as exc:
        raise InvalidUSCC("统一社会信用代码应为 18 位") from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise InvalidUSCC("统一社会信用代码格式不正确") from exc


def compact_uscc(value: str) -> str:
    """The form :func:`normalise_uscc` returns for a valid code, without validating it (cheap
    for plain ASCII input, which is every code a file normally holds)."""
    if value.isascii() and value.isalnum():
        return value.upper()
    return str(stdnum_uscc.compact(value))


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an enterprise's name (in Chinese), or None when it can."""
    if _NAME_CONTROLS.search(name):
        return NAME_CONTROL_REASON
    return None


def is_valid_region(code: str) -> bool:
    return bool(_REGION.match(code))


# -- a regulator's jurisdiction (辖区) ---------------------------------------------------------

_REGION_PREFIX = re.compile(r"^[1-8]\d(\d\d){0,2}$")


class BadRegion(ValueError):
    """A jurisdiction that is not a prefix of an administrative division code (中文 message)."""


def normalise_region_prefix(value: str) -> str | None:
    """A regulator's jurisdiction: the province (2 digits, "35"), city (4, "3502") or county
    (6, "350206") part of the administrative division code, or None for "every region".
    Trailing zeros of a full code name the level above: "350200" is Xiamen, "350000" Fujian."""
    code = value.strip()
    if not code:
        return None
    if len(code) == 6 and code.isdigit():
        code = code[:4] if code.endswith("00") else code
        code = code[:2] if code.endswith("00") and len(code) == 4 else code
    if not _REGION_PREFIX.match(code):
        raise BadRegion(
            "辖区应为行政区划代码的前 2 位（省）、4 位（市）或 6 位（区县），如 35、3502、350206"
        )
    return code


def in_region(prefix: str | None, region_code: str | None) -> bool:
    """Whether an enterprise registered in ``region_code`` lies in the jurisdiction ``prefix``.
    No prefix: everywhere. An enterprise without a region code lies in no jurisdiction."""
    if prefix is None:
        return True
    return region_code is not None and region_code.startswith(prefix)


def is_valid_industry(code: str) -> bool:
    return bool(_INDUSTRY.match(code))


def make_uscc(body17: str) -> str:
    """Append the GB 32100 check character to a 17-character body (used by synthetic data)."""
    if len(body17) != 17:
        raise ValueError("统一社会信用代码本体应为 17 位")
    return body17 + str(stdnum_uscc.calc_check_digit(body17))
