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


def is_valid_region(code: str) -> bool:
    return bool(_REGION.match(code))


def is_valid_industry(code: str) -> bool:
    return bool(_INDUSTRY.match(code))


def make_uscc(body17: str) -> str:
    """Append the GB 32100 check character to a 17-character body (used by synthetic data)."""
    if len(body17) != 17:
        raise ValueError("统一社会信用代码本体应为 17 位")
    return body17 + str(stdnum_uscc.calc_check_digit(body17))
