"""The building blocks every part of a product file uses: value types (money as ``Decimal`` yuan,
``"500万"`` and ``"5亿"`` accepted; rates, percentages, basis points, class references, codes),
the closed vocabularies with their Chinese labels, the base model (unknown keys refused) and
the condition over a quote's facts that pricing, tranches and automatic rules share.
Re-exported by ``products.schema``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from zhixin.lending.dates import HOLIDAY_RULE_LABELS

# -- value types -------------------------------------------------------------------------------

_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_MONEY = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|亿)?\s*元?\s*$")


def _parse_money(value: Any) -> Any:
    """``5000000`` / ``"500万"`` / ``"5亿元"`` / ``"1,200.50"`` → yuan; anything else unchanged."""
    if isinstance(value, str):
        found = _MONEY.match(value)
        if found is None:
            return value  # the Decimal validator reports it
        try:
            number = Decimal(found.group(1).replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return value
        unit = found.group(2)
        amount = number * _UNITS[unit] if unit else number
        # one spelling per amount: 5000000, 1234.56 (never 1234.560000 or 5E+6)
        return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount.normalize()
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    Field(ge=0, decimal_places=2, description="金额（元）；文件中也可写作 “500万”“5亿”"),
]
Rate = Annotated[
    Decimal, Field(ge=0, le=36, decimal_places=4, description="年利率（%），如 2.73 即 2.73%")
]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4, description="百分比（%）")]
Bp = Annotated[int, Field(ge=0, le=2000, description="基点（bp，1bp = 0.01%）")]
ClassRef = Annotated[
    int | str,
    Field(description="等级：名次（1 为最高）或所读指标目录中的等级名称，如 Ⅰ类、一级"),
]
Code = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_-]*$")]

SIZE_CLASSES = ("大", "中", "小", "微")
Kind = Literal["纯信用", "质押", "保证担保", "组合"]
Channel = Literal["online", "branch", "both"]
Tenor = Literal["1y", "5y", "auto"]
Cadence = Literal["monthly", "quarterly", "semiannual", "annual"]
HolidayRule = Literal["following", "preceding"]  # a due date never stays on a non-working day
RateType = Literal["fixed", "floating"]
FeeBase = Literal["loan", "guaranteed"]
FeeBalance = Literal["original", "outstanding"]
FeePeriod = Literal["yearly", "upfront"]

CHANNEL_LABELS: dict[str, str] = {"online": "线上", "branch": "线下网点", "both": "线上及线下网点"}
CADENCE_LABELS: dict[str, str] = {
    "monthly": "按月",
    "quarterly": "按季",
    "semiannual": "按半年",
    "annual": "按年",
}
HOLIDAY_LABELS: dict[str, str] = HOLIDAY_RULE_LABELS
RATE_TYPE_LABELS: dict[str, str] = {"fixed": "固定利率", "floating": "浮动利率"}
FEE_BASE_LABELS: dict[str, str] = {"loan": "贷款金额", "guaranteed": "担保责任部分"}
FEE_BALANCE_LABELS: dict[str, str] = {"original": "原始金额", "outstanding": "未偿本金"}
FEE_PERIOD_LABELS: dict[str, str] = {
    "yearly": "每个担保年度初按该年度实际天数/360 预收",
    "upfront": "放款时按全期实际天数/360 一次收取",
}
TENOR_LABELS: dict[str, str] = {
    "1y": "1年期 LPR",
    "5y": "5年期以上 LPR",
    "auto": "按期限：5 年以内用 1 年期 LPR，超过 5 年用 5 年期以上 LPR",
}
AUTO_TENOR_MONTHS = 60  # a term over 60 months prices on the 5-year LPR


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- conditions --------------------------------------------------------------------------------


class Condition(_Model):
    """触发条件：所给各项须同时满足（至少给出一项）。"""

    class_at_least: ClassRef | None = Field(None, description="总体等级不低于此级")
    class_in: list[ClassRef] = Field(default_factory=list, description="总体等级为其中之一")
    whitelisted: bool | None = Field(None, description="true：须已列入白名单")
    award_any: list[str] = Field(
        default_factory=list, description="获以下奖项类别之一（近五年），如 政府质量奖"
    )
    title_any: list[str] = Field(
        default_factory=list, description="持有以下称号之一，如 专精特新小巨人"
    )
    milestone: str | None = Field(None, description="已达成的里程碑代码")
    total_score_above: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        description=(
            "质量信誉总分高于此值（不含），按所读目录自己的分数（满分见目录的 total_max，"
            "非百分制）；不可达（≥ 满分）时校验报错"
        ),
    )
    min_invention_patents: int | None = Field(None, ge=1, description="有效发明专利不少于几件")
    quality_penalties_at_most: int | None = Field(
        None, ge=0, description="近两年质量类行政处罚不超过几次（0 即无处罚）"
    )
    invoicing_growth_above: Decimal | None = Field(
        None, description="季度开票额同比增长高于此百分比（不含）"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_dump(exclude_defaults=True):
            raise ValueError("触发条件至少给出一项")
        return self
