"""What a model is made of, as data (pure): model specifications and expert scorecards.

Two kinds of file ship in ``risk/data/``:

- a *trained* model's specification (``enterprise.yaml``, ``german-credit.yaml``): the features
  with their Chinese names, type and monotonic trend (which way the default rate must move as the
  value grows — optbinning's ``monotonic_trend``), the target column, the PDO scaling and the
  information-value floor below which a feature is dropped. Training (:mod:`.training`) turns it
  and a table of outcomes into a :class:`~zhixin.risk.card.Card`;
- an *expert* scorecard (``zjtx-edai.yaml``, 专精特新e贷): groups with weights, indicators with
  their bands and points, and the score bands' PD — nothing is fitted; it compiles straight
  into a :class:`~zhixin.risk.card.Card` (:func:`compile_expert`).

Both are validated by pydantic; every error names its path in the file. What is the project's
proposal (not stated by a source document) is listed in ``proposal``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zhixin.risk.card import NUMERICAL, Bin, Card, CardFeature, PdBand, numeric_labels
from zhixin.risk.features import FEATURES

Trend = Literal["ascending", "descending", "auto_asc_desc", "auto", "peak", "valley"]
CODE = r"^[a-z][a-z0-9-]{1,40}$"


class SpecInvalid(ValueError):
    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.source = source
        self.errors = errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecFeature(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="列名")
    name: str = Field("", description="中文名称；企业特征可省略，取自 risk.features.FEATURES")
    dtype: Literal["numerical", "categorical"] = "numerical"
    trend: Trend | None = Field(
        None, description="违约率随取值的单调方向；省略时取 FEATURES 中的方向，其余为 auto_asc_desc"
    )
    unit: Literal["", "%"] | None = None


class Scaling(_Strict):
    pdo: float = Field(20, gt=0, description="odds 翻倍所需分数（Points to Double the Odds）")
    odds: float = Field(50, gt=0, description="基准分对应的好坏比（未违约:违约）")
    points: float = Field(600, gt=0, description="基准分")


class ModelSpec(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    kind: Literal["trained"] = "trained"
    description: str = ""
    target: str = Field("default", description="取值 1 = 违约（坏）、0 = 正常（好）的列")
    features: list[SpecFeature] = Field(min_length=1)
    scaling: Scaling = Scaling()
    min_iv: float = Field(0.02, ge=0, description="信息值（IV）低于此值的特征不进入模型")
    source: str = ""
    proposal: list[str] = Field(default_factory=list, description="本项目的提议（非来源文件所述）")

    @model_validator(mode="after")
    def _unique(self) -> ModelSpec:
        codes = [f.code for f in self.features]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"特征重复：{'、'.join(dup)}")
        return self

    def feature(self, code: str) -> SpecFeature:
        return next(f for f in self.features if f.code == code)

    def name_of(self, f: SpecFeature) -> str:
        return f.name or FEATURES[f.code].name

    def trend_of(self, f: SpecFeature) -> str:
        if f.trend:
            return f.trend
        if f.dtype == "categorical":
            return "auto"
        known = FEATURES.get(f.code)
        return known.direction.value if known else "auto_asc_desc"

    def unit_of(self, f: SpecFeature) -> str:
        if f.unit is not None:
            return f.unit
        known = FEATURES.get(f.code)
        return known.unit if known else ""


# -- expert scorecards ------------------------------------------------------------------------


class Band(_Strict):
    """Values from ``min`` (inclusive) to the next band's ``min`` score ``points``."""

    min: float | None = Field(None, description="下限（含）；第一档省略表示负无穷")
    points: Decimal = Field(ge=0)


class Indicator(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="指标代码")
    name: str = Field(min_length=1)
    feature: str = Field(description="取值来自哪个特征（risk.features.FEATURES 的代码）")
    max_points: Decimal = Field(gt=0, description="本指标满分")
    bands: list[Band] = Field(min_length=1, description="按取值从低到高排列的分档")
    missing_points: Decimal = Field(Decimal(0), ge=0, description="无数据时的得分")
    basis: str = Field("", description="依据或说明")

    @model_validator(mode="after")
    def _bands(self) -> Indicator:
        if self.bands[0].min is not None:
            raise ValueError("第一档的 min 应省略（负无穷）")
        mins = [b.min for b in self.bands[1:]]
        if any(m is None for m in mins):
            raise ValueError("除第一档外每档都须写明 min")
        vals = [float(m) for m in mins if m is not None]
        if vals != sorted(vals) or len(set(vals)) != len(vals):
            raise ValueError("分档下限须严格递增")
        if any(b.points > self.max_points for b in self.bands) or self.missing_points > (
            self.max_points
        ):
            raise ValueError(f"得分不能超过本指标满分 {self.max_points}")
        if max(b.points for b in self.bands) != self.max_points:
            raise ValueError(f"至少一档应得满分 {self.max_points}")
        if self.feature not in FEATURES:
            raise ValueError(f"未知的特征 '{self.feature}'")
        return self


class Group(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: str = Field(min_length=1)
    weight: Decimal = Field(gt=0, le=100, description="权重（分）：本组各指标满分之和")
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _weight(self) -> Group:
        total = sum((i.max_points for i in self.indicators), Decimal(0))
        if total != self.weight:
            raise ValueError(f"“{self.name}”权重为 {self.weight}，但各指标满分之和为 {total}")
        return self


class PdRow(_Strict):
    min_score: Decimal = Field(ge=0, le=100)
    pd: Decimal = Field(gt=0, lt=1, description="违约概率（小数，0.012 = 1.2%）")


class ExpertCard(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    kind: Literal["expert"] = "expert"
    description: str = ""
    source: str = ""
    indicator_count: int = Field(description="来源文件所述的指标数（校验用）")
    groups: list[Group] = Field(min_length=1)
    pd_bands: list[PdRow] = Field(min_length=1, description="分数段对应的违约概率")
    proposal: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _totals(self) -> ExpertCard:
        total = sum((g.weight for g in self.groups), Decimal(0))
        if total != 100:
            raise ValueError(f"各组权重之和应为 100，实为 {total}")
        indicators = [i for g in self.groups for i in g.indicators]
        if len(indicators) != self.indicator_count:
            raise ValueError(f"应有 {self.indicator_count} 项指标，实有 {len(indicators)} 项")
        codes = [i.code for i in indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("指标代码重复")
        mins = [r.min_score for r in self.pd_bands]
        if mins != sorted(mins) or mins[0] != 0:
            raise ValueError("违约概率分数段须从 0 起按分数递增排列")
        pds = [r.pd for r in self.pd_bands]
        if pds != sorted(pds, reverse=True):
            raise ValueError("分数越高违约概率应越低")
        return self


def compile_expert(card: ExpertCard) -> Card:
    """An expert scorecard as a :class:`Card`: one card feature per indicator.

    An indicator's bands become numerical bins (splits at each band's ``min``); its missing bin
    scores ``missing_points``. Indicators of the same feature are separate card features with
    the indicator's code (``code``) and name.
    """
    features = []
    for g in card.groups:
        for ind in g.indicators:
            splits = tuple(float(b.min) for b in ind.bands[1:] if b.min is not None)
            unit = FEATURES[ind.feature].unit
            labels = numeric_labels(splits, unit)
            bins = [Bin(label, float(b.points)) for label, b in zip(labels, ind.bands, strict=True)]
            bins.append(Bin("特殊值", float(ind.missing_points)))
            bins.append(Bin("缺失", float(ind.missing_points)))
            features.append(
                CardFeature(
                    code=ind.code,
                    name=f"{ind.name}（{g.name}）",
                    dtype=NUMERICAL,
                    bins=tuple(bins),
                    splits=splits,
                    unit=unit,
                )
            )
    return Card(
        code=card.code,
        name=card.name,
        kind="expert",
        features=tuple(features),
        pd_bands=tuple(PdBand(float(r.min_score), float(r.pd)) for r in card.pd_bands),
    )


def expert_inputs(card: ExpertCard, features: dict[str, float | None]) -> dict[str, float | None]:
    """The card's inputs keyed by indicator code, from enterprise features keyed by feature."""
    return {i.code: features.get(i.feature) for g in card.groups for i in g.indicators}


def expert_inputs_table(card: ExpertCard, columns: Mapping[str, Any]) -> dict[str, Any]:
    """The same for a table given as columns: indicator code → the feature's column."""
    return {
        i.code: columns[i.feature]
        for g in card.groups
        for i in g.indicators
        if i.feature in columns
    }


# -- loading ----------------------------------------------------------------------------------

Spec = ModelSpec | ExpertCard


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(根)"


def parse(data: object, source: str) -> Spec:
    if not isinstance(data, dict):
        raise SpecInvalid(source, ["文件应为一个映射（YAML 对象）"])
    kind = data.get("kind", "trained")
    model: type[ModelSpec] | type[ExpertCard] = ExpertCard if kind == "expert" else ModelSpec
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecInvalid(
            source, [f"{_path(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from None


def parse_text(text: str, source: str) -> Spec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecInvalid(source, [f"YAML 无法解析：{exc}"]) from None
    return parse(data, source)


def content_hash(spec: Spec) -> str:
    body = spec.model_dump(mode="json")
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def shipped() -> list[str]:
    folder = resources.files("zhixin.risk") / "data"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def load_shipped(code: str) -> Spec:
    if code not in shipped():
        raise KeyError(code)
    path = resources.files("zhixin.risk") / "data" / f"{code}.yaml"
    return parse_text(path.read_text(encoding="utf-8"), f"{code}.yaml")


def describe(spec: Spec) -> dict[str, Any]:
    """A short summary for listings."""
    if isinstance(spec, ExpertCard):
        return {
            "code": spec.code,
            "name": spec.name,
            "kind": "专家评分卡",
            "features": sum(len(g.indicators) for g in spec.groups),
        }
    return {
        "code": spec.code,
        "name": spec.name,
        "kind": "训练模型",
        "features": len(spec.features),
    }
