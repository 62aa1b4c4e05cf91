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
    """Which quality records count: kind, column filters, validity, window, threshold.

    Whatever the rule says, only records dated no later than the as-of date count (event
    date, valid-from date and year each ≤ the as-of date where present), and only the versions
    the platform knew at the run's knowledge time (``known_at``; default: the moment the run
    started) and not superseded by then.
    """

    kind: str = Field(description="记录类型，见 zhixin.records.kinds")
    where: dict[str, list[FilterValue]] = Field(
        default_factory=dict, description="列 → 允许的取值（任一即可）"
    )
    valid_on_as_of: bool = Field(
        False, description="valid_from ≤ 评价基准日 ≤ valid_to（空值视为不限）"
    )
    window: Window | None = None
    streak: Streak | None = None
    min_count: int = Field(
        1,
        ge=1,
        description=(
            "至少几条匹配记录：固定等级的要素须有此数方可取得；排除条件（unless）有此数"
            "才使要素不得；否决项有此数才触发。按数量分级（tiers）的要素由各级的 min_count"
            " 决定、连续年份（streak）由 streak.consecutive 决定，其规则不得另设 min_count"
            "（校验报错）"
        ),
    )


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
    unless: Rule | None = Field(
        None,
        description=(
            "有此类记录（至少 min_count 条）时不得该要素（如抽查不合格）；"
            "信用修复日期 ≤ 评价基准日的记录不再计入（与否决项相同）"
        ),
    )
    advice: str = Field("", description="“如何提升”中的说法，如 通过 ISO 14001 环境管理体系认证")


class Gate(_Model):
    """一票否决: ``rule.min_count`` matching records (default one) bar or cap the enterprise.

    ``bar`` (否决): no overall class — results show 否决 — no dimension listed, not on the
    whitelist; its dimensions keep their levels for the record. ``cap`` (封顶): the overall
    class and every dimension level are at most ``cap_level``; the dimensions are listed at
    the capped level when it is one of ``whitelist_levels`` (so a cap at a listed level keeps
    the enterprise listed, at that level, never above it).
    """

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1)
    rule: Rule
    honour_repair: bool = Field(True, description="信用修复日期 ≤ 评价基准日的记录不再生效")
    effect: Literal["bar", "cap"] = Field(
        "bar",
        description=(
            "bar：否决——无总体等级（显示“否决”）、各维度不入白名单；"
            "cap：封顶——总体等级与各维度等级最高为 cap_level，维度按封顶后的等级入白名单"
        ),
    )
    cap_level: str | None = Field(
        None, description="effect 为 cap 时，总体等级与各维度等级最高为此级"
    )


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
    total_max: int | None = Field(
        None,
        ge=1,
        description=(
            "总分的量程：总分满分（可达到的最高总分）。总分 = Σ 维度得分 × 权重 ÷ 100，"
            "维度得分 = min(所持要素分之和, 维度封顶)，故满分 = Σ min(维度内各要素最高分之和, "
            "封顶) × 权重 ÷ 100；总分是本目录自己的分数（原始分，非百分制），"
            "产品条件中的总分门槛按此量程书写。给出时校验须与计算一致"
        ),
    )

    def dimension_maxima(self) -> dict[str, int]:
        """Each dimension's highest reachable score: min(Σ its elements' best points, cap).

        The radar charts draw each axis to this length (a dimension whose elements give at most
        20 points is drawn on a 0–20 axis, not on its nominal cap of 100)."""
        best: dict[str, int] = {d.code: 0 for d in self.dimensions}
        for e in self.elements:
            points = (
                [e.points]
                if not e.tiers
                else [e.points if t.points is None else t.points for t in e.tiers]
            )
            best[e.dimension] = best.get(e.dimension, 0) + max(points)
        return {d.code: min(best[d.code], d.cap) for d in self.dimensions}

    def reachable_total(self) -> int:
        """The highest total score any enterprise can reach (whole points, rounded down)."""
        maxima = self.dimension_maxima()
        return sum(maxima[d.code] * d.weight for d in self.dimensions) // 100

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
