"""The indicator catalog (指标目录) as a pydantic model: the file format, validated and published.

A catalog is data: its dimensions and levels, its element indicators (要素指标) with the rule over
quality records that decides whether an enterprise holds each one, its gates (一票否决), and how
dimension levels, scores, the overall class and the whitelist follow. Cross-references (dimension
and level codes, record kinds, columns and choice values) are checked by :mod:`.loader`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FilterValue = str | int | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Model):
    """One grade, e.g. ``I`` / ``Ⅰ类`` / ``优秀``; the catalog lists them best first."""

    code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_]+$")
    name: str = Field(min_length=1, description="如 Ⅰ类")
    label: str = Field("", description="如 优秀")


class Dimension(_Model):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    name: str = Field(min_length=1, description="如 质量信用")
    weight: int = Field(ge=0, le=100, description="权重（百分比，整数），各维度之和为 100")
    cap: int = Field(100, ge=0, description="维度得分上限")


class Window(_Model):
    """A look-back window ending on the as-of date.

    ``on: event_date`` / ``valid_from``: the date lies in (as_of − N years or days, as_of].
    ``on: year``: the year lies in [as_of.year − years + 1, as_of.year] (``days`` not allowed).
    """

    years: int | None = Field(None, ge=1, le=50)
    days: int | None = Field(None, ge=1, le=36500)
    on: Literal["event_date", "valid_from", "year"] = "event_date"


class Streak(_Model):
    """Held in ``consecutive`` consecutive years (the ``year`` column), inside the window."""

    consecutive: int = Field(ge=2, le=50)


class Rule(_Model):
    """Which quality records count: kind, column filters, validity, window, threshold."""

    kind: str = Field(description="记录类型，见 zhixin.records.kinds")
    where: dict[str, list[FilterValue]] = Field(
        default_factory=dict, description="列 → 允许的取值（任一即可）"
    )
    valid_on_as_of: bool = Field(
        False, description="valid_from ≤ 评价基准日 ≤ valid_to（空值视为不限）"
    )
    window: Window | None = None
    streak: Streak | None = None
    min_count: int = Field(1, ge=1, description="至少几条记录（连续年份规则中为年数）")


class Tier(_Model):
    """Level by threshold: the measure (count, or streak length) reaches ``min_count``."""

    min_count: int = Field(ge=1)
    level: str
    points: int | None = Field(None, ge=0, description="缺省时用要素的 points")


class Element(_Model):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1)
    dimension: str
    level: str | None = Field(None, description="固定授予的等级；与 tiers 二选一")
    tiers: list[Tier] = Field(default_factory=list, description="按数量授予等级")
    points: int = Field(ge=0)
    rule: Rule
    unless: Rule | None = Field(None, description="有此类记录时不得该要素（如抽查不合格）")
    advice: str = Field("", description="“如何提升”中的说法，如 通过 ISO 14001 环境管理体系认证")


class Gate(_Model):
    """一票否决: a record matching ``rule`` bars the enterprise or caps its overall class."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1)
    rule: Rule
    honour_repair: bool = Field(True, description="信用修复日期 ≤ 评价基准日的记录不再生效")
    effect: Literal["bar", "cap"] = "bar"
    cap_level: str | None = Field(None, description="effect 为 cap 时，总体等级最高为此级")


class Uplift(_Model):
    """In one dimension, ``count`` elements at ``at_level`` or better lift it to ``to_level``."""

    dimension: str | None = Field(None, description="缺省时适用于所有维度")
    count: int = Field(ge=2)
    at_level: str
    to_level: str


class OverallClass(_Model):
    """The overall class: total score ≥ ``min_score`` and enough dimensions at a level."""

    level: str
    min_score: int = Field(0, ge=0, description="总分下限（含）")
    min_dimensions: int = Field(0, ge=0, description="至少几个维度达到 dimension_level")
    dimension_level: str | None = None


class Catalog(_Model):
    """一套质量信誉等级评价指标目录."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = Field(min_length=1)
    title: str
    region: str
    notes: str = Field("", description="哪些来自公开资料、哪些是本项目的建议")
    levels: list[Level] = Field(min_length=2, max_length=9, description="由高到低")
    dimensions: list[Dimension] = Field(min_length=1)
    elements: list[Element] = Field(min_length=1)
    gates: list[Gate] = Field(default_factory=list)
    uplifts: list[Uplift] = Field(default_factory=list)
    overall: list[OverallClass] = Field(default_factory=list, description="由高到低逐条判断")
    whitelist_levels: list[str] = Field(description="达到这些等级的维度进入白名单（家次）")

    def level_rank(self, code: str) -> int:
        """0 for the best level."""
        return [lv.code for lv in self.levels].index(code)

    def level_name(self, code: str | None) -> str:
        for lv in self.levels:
            if lv.code == code:
                return lv.name
        return "无"

    def dimension(self, code: str) -> Dimension:
        for d in self.dimensions:
            if d.code == code:
                return d
        raise KeyError(code)

    def element(self, code: str) -> Element:
        for e in self.elements:
            if e.code == code:
                return e
        raise KeyError(code)
