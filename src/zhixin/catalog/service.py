"""Catalog use cases: list, describe in Chinese, and pin a catalog version in the database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from zhixin.catalog import loader
from zhixin.catalog.loader import LoadedCatalog
from zhixin.catalog.schema import Catalog, Rule, Window
from zhixin.errors import NotFound
from zhixin.evaluation import repository as repo
from zhixin.evaluation.models import CatalogVersion
from zhixin.records.kinds import RECORD_KINDS


@dataclass(frozen=True)
class CatalogSummary:
    name: str
    version: str
    title: str
    region: str
    levels: int
    dimensions: int
    elements: int
    gates: int
    sha256: str


def list_catalogs() -> list[CatalogSummary]:
    out = []
    for name in loader.bundled_names():
        lc = loader.load_bundled(name)
        c = lc.catalog
        out.append(
            CatalogSummary(
                c.name,
                c.version,
                c.title,
                c.region,
                len(c.levels),
                len(c.dimensions),
                len(c.elements),
                len(c.gates),
                lc.sha256,
            )
        )
    return out


@cache
def _titles() -> dict[str, str]:
    return {c.name: c.title for c in list_catalogs()}


def catalog_title(name: str | None, version: str | None = None) -> str:
    """What a page shows for a catalog: its Chinese title and version
    (``xiamen``, ``2025.1`` → 厦门市经营主体质量信誉等级评价指标（鹭质贷） 2025.1 版); a catalog
    that is not bundled shows its name."""
    if not name:
        return ""
    title = _titles().get(name, name)
    return f"{title} {version} 版" if version else title


def get(name_or_file: str) -> LoadedCatalog:
    try:
        return loader.load(name_or_file)
    except KeyError:
        raise NotFound(f"未找到指标目录 '{name_or_file}'") from None


def _window(w: Window | None) -> str:
    if w is None:
        return ""
    span = f"近 {w.years} 年" if w.years else f"近 {w.days} 天"
    return f"，{span}（按{'年度' if w.on == 'year' else '日期'}）"


def describe_rule(rule: Rule) -> str:
    kind = RECORD_KINDS[rule.kind].label
    parts = [kind]
    for col, values in rule.where.items():
        parts.append(f"{col}∈{{{'、'.join(str(v) for v in values)}}}")
    text = "，".join(parts)
    if rule.valid_on_as_of:
        text += "，评价基准日在有效期内"
    text += _window(rule.window)
    if rule.streak:
        text += f"，连续 {rule.streak.consecutive} 年"
    elif rule.min_count > 1:
        text += f"，至少 {rule.min_count} 条"
    return text


def describe(catalog: Catalog) -> str:
    """A readable Chinese summary of the catalog."""
    maxima = catalog.dimension_maxima()
    lines = [
        f"{catalog.title}（{catalog.name} {catalog.version}，{catalog.region}）",
        "等级（由高到低）："
        + "、".join(f"{lv.name}{lv.label and '（' + lv.label + '）'}" for lv in catalog.levels),
        "维度："
        + "、".join(
            f"{d.name} {d.weight}%（封顶 {d.cap} 分，可得最高 {maxima[d.code]} 分，"
            "即雷达图该轴的满刻度）"
            for d in catalog.dimensions
        ),
        f"要素指标 {len(catalog.elements)} 项：",
    ]
    for d in catalog.dimensions:
        lines.append(f"  【{d.name}】")
        for e in catalog.elements:
            if e.dimension != d.code:
                continue
            if e.tiers:
                lv = "；".join(f"≥{t.min_count} → {catalog.level_name(t.level)}" for t in e.tiers)
            else:
                lv = catalog.level_name(e.level)
            lines.append(f"    {e.code} {e.name}：{lv}，{e.points} 分 —— {describe_rule(e.rule)}")
    lines.append("一票否决：")
    for g in catalog.gates:
        effect = (
            "不列入白名单"
            if g.effect == "bar"
            else f"总体等级最高{catalog.level_name(g.cap_level)}"
        )
        repair = "，信用修复后不再生效" if g.honour_repair else ""
        lines.append(f"  {g.code} {g.name}：{effect}{repair} —— {describe_rule(g.rule)}")
    for u in catalog.uplifts:
        where = catalog.dimension(u.dimension).name if u.dimension else "同一维度"
        lines.append(
            f"升级：{where}内 {u.count} 项{catalog.level_name(u.at_level)}及以上要素 → "
            f"{catalog.level_name(u.to_level)}"
        )
    lines.append(
        f"总分：Σ 维度得分 × 权重 ÷ 100，满分 {catalog.reachable_total()} 分"
        "（本目录自己的分数，非百分制；维度得分为所持要素分之和，不超过封顶）"
    )
    for o in catalog.overall:
        cond = f"总分 ≥ {o.min_score}"
        if o.min_dimensions:
            cond += f" 且至少 {o.min_dimensions} 个维度达到{catalog.level_name(o.dimension_level)}"
        lines.append(f"总体等级 {catalog.level_name(o.level)}：{cond}")
    lines.append(
        "进入白名单的维度等级："
        + "、".join(catalog.level_name(c) for c in catalog.whitelist_levels)
    )
    lines += [
        "评价口径：",
        "  只计评价基准日及以前的记录：发生日期、生效日期、年度均不晚于基准日"
        "（规则未写日期条件时亦然）；",
        "  只用本批次数据截至时刻（known_at，缺省为批次开始的时刻）已知且尚未被更正的记录版本；",
        "  min_count：固定等级的要素须有此数匹配记录；排除条件（unless）有此数才使要素不得；"
        "否决项有此数才触发；分级（tiers）与连续年份（streak）的规则不设 min_count；",
        "  否决（bar）：无总体等级，结果显示“否决”，各维度不入白名单（维度等级照录）；",
        "  封顶（cap）：总体等级与各维度等级均不高于封顶等级，维度按封顶后的等级入白名单；",
        "  信用修复：修复日期 ≤ 基准日的负面记录不再触发否决项，也不再使排除条件生效。",
        "说明：" + catalog.notes,
    ]
    return "\n".join(lines)


def register_version(session: Session, *, loaded: LoadedCatalog) -> CatalogVersion:
    """The stored row for exactly this catalog body (created the first time it is used)."""
    found = repo.catalog_version(session, name=loaded.catalog.name, sha256=loaded.sha256)
    if found is not None:
        return found
    row = CatalogVersion(
        name=loaded.catalog.name,
        version=loaded.catalog.version,
        sha256=loaded.sha256,
        body=loaded.body,
    )
    session.add(row)
    session.flush()
    return row


def catalog_of(row: CatalogVersion) -> Catalog:
    return loader.parse(row.body, f"catalog_version {row.id}").catalog
