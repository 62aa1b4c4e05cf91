"""Read, validate and fingerprint catalog files.

Every problem is reported with its path in the file, e.g.
``elements[3].rule.kind: 未知的记录类型 'patnet'``. Validation is pure (no database).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zhixin.catalog.schema import Catalog, Rule
from zhixin.records.fields import FieldType
from zhixin.records.kinds import RECORD_KINDS

DATA_PACKAGE = "zhixin.catalog.data"
SCHEMA_FILE = "catalog.schema.json"


class CatalogInvalid(ValueError):
    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.source = source
        self.errors = errors


@dataclass(frozen=True)
class LoadedCatalog:
    catalog: Catalog
    sha256: str
    body: dict[str, Any]  # the validated catalog as plain JSON data


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(根)"


def content_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _columns_of(kind: str) -> dict[str, Any]:
    return {f.column: f for f in RECORD_KINDS[kind].fields if f.column is not None}


def _check_rule(rule: Rule, at: str, errors: list[str]) -> None:
    if rule.kind not in RECORD_KINDS:
        errors.append(f"{at}.kind: 未知的记录类型 '{rule.kind}'")
        return
    cols = _columns_of(rule.kind)
    for column, values in rule.where.items():
        field = cols.get(column)
        if field is None:
            errors.append(
                f"{at}.where.{column}: 记录类型 '{rule.kind}' 没有可筛选的列 '{column}'"
                f"（可选：{'、'.join(sorted(cols))}）"
            )
            continue
        if not values:
            errors.append(f"{at}.where.{column}: 至少给出一个取值")
        for i, v in enumerate(values):
            if field.type == FieldType.bool and not isinstance(v, bool):
                errors.append(f"{at}.where.{column}[{i}]: 应为 true 或 false")
            elif field.type in (FieldType.year, FieldType.int) and (
                isinstance(v, bool) or not isinstance(v, int)
            ):
                errors.append(f"{at}.where.{column}[{i}]: 应为整数")
            elif field.type == FieldType.choice and v not in field.choices:
                errors.append(
                    f"{at}.where.{column}[{i}]: '{v}' 不是可选值（{'、'.join(field.choices)}）"
                )
    if rule.valid_on_as_of and not ({"valid_from", "valid_to"} & set(cols)):
        errors.append(f"{at}.valid_on_as_of: 记录类型 '{rule.kind}' 没有有效期")
    if rule.window is not None:
        w = rule.window
        if (w.years is None) == (w.days is None):
            errors.append(f"{at}.window: years 与 days 须且只须给出一个")
        if w.on == "year" and w.days is not None:
            errors.append(f"{at}.window.days: 按年度（on: year）的窗口只能用 years")
        if w.on not in cols:
            errors.append(f"{at}.window.on: 记录类型 '{rule.kind}' 没有列 '{w.on}'")
    if rule.streak is not None:
        if "year" not in cols:
            errors.append(f"{at}.streak: 记录类型 '{rule.kind}' 没有年度列，不能判断连续年份")
        if rule.window is None or rule.window.on != "year":
            errors.append(f"{at}.streak: 连续年份规则需要按年度的窗口（window.on: year）")


def check(catalog: Catalog) -> list[str]:
    """Cross-reference checks the schema alone cannot express."""
    errors: list[str] = []
    levels = [lv.code for lv in catalog.levels]
    dims = [d.code for d in catalog.dimensions]

    def level_ok(code: str | None, at: str) -> None:
        if code is not None and code not in levels:
            errors.append(f"{at}: 未知的等级 '{code}'（可选：{'、'.join(levels)}）")

    for name, codes in (("levels", levels), ("dimensions", dims)):
        if len(set(codes)) != len(codes):
            errors.append(f"{name}: 代码重复")
    total = sum(d.weight for d in catalog.dimensions)
    if total != 100:
        errors.append(f"dimensions: 各维度权重之和应为 100，现为 {total}")
    seen: set[str] = set()
    for i, e in enumerate(catalog.elements):
        at = f"elements[{i}]"
        if e.code in seen:
            errors.append(f"{at}.code: 要素代码 '{e.code}' 重复")
        seen.add(e.code)
        if e.dimension not in dims:
            errors.append(f"{at}.dimension: 未知的维度 '{e.dimension}'（可选：{'、'.join(dims)}）")
        if (e.level is None) == (not e.tiers):
            errors.append(f"{at}: level 与 tiers 须且只须给出一个")
        level_ok(e.level, f"{at}.level")
        for j, t in enumerate(e.tiers):
            level_ok(t.level, f"{at}.tiers[{j}].level")
        counts = [t.min_count for t in e.tiers]
        if counts != sorted(counts, reverse=True) or len(set(counts)) != len(counts):
            errors.append(f"{at}.tiers: 应按 min_count 由大到小排列且不重复")
        _check_rule(e.rule, f"{at}.rule", errors)
        if e.tiers and e.rule.min_count != 1:
            errors.append(
                f"{at}.rule.min_count: 按数量分级的要素由 tiers[].min_count 决定，"
                "规则中不得另设 min_count"
            )
        elif e.rule.streak is not None and e.rule.min_count != 1:
            errors.append(
                f"{at}.rule.min_count: 连续年份规则的年数由 streak.consecutive 决定，"
                "不得另设 min_count"
            )
        if e.unless is not None:
            _check_rule(e.unless, f"{at}.unless", errors)
            if e.unless.streak is not None:
                errors.append(f"{at}.unless.streak: 排除条件不支持连续年份")
    gate_codes: set[str] = set()
    for i, g in enumerate(catalog.gates):
        at = f"gates[{i}]"
        if g.code in gate_codes:
            errors.append(f"{at}.code: 否决项代码 '{g.code}' 重复")
        gate_codes.add(g.code)
        _check_rule(g.rule, f"{at}.rule", errors)
        if g.rule.streak is not None:
            errors.append(f"{at}.rule.streak: 否决项不支持连续年份")
        if g.effect == "cap" and g.cap_level is None:
            errors.append(f"{at}.cap_level: effect 为 cap 时须给出 cap_level")
        level_ok(g.cap_level, f"{at}.cap_level")
    for i, u in enumerate(catalog.uplifts):
        at = f"uplifts[{i}]"
        if u.dimension is not None and u.dimension not in dims:
            errors.append(f"{at}.dimension: 未知的维度 '{u.dimension}'")
        level_ok(u.at_level, f"{at}.at_level")
        level_ok(u.to_level, f"{at}.to_level")
    for i, o in enumerate(catalog.overall):
        level_ok(o.level, f"overall[{i}].level")
        level_ok(o.dimension_level, f"overall[{i}].dimension_level")
        if o.min_dimensions and o.dimension_level is None:
            errors.append(f"overall[{i}].dimension_level: min_dimensions 需要 dimension_level")
    for i, code in enumerate(catalog.whitelist_levels):
        level_ok(code, f"whitelist_levels[{i}]")
    if not errors and catalog.total_max is not None:
        reachable = catalog.reachable_total()
        if catalog.total_max != reachable:
            errors.append(
                f"total_max: 声明的总分满分 {catalog.total_max} 与按要素分、封顶和权重算得的"
                f" {reachable} 不符"
            )
    return errors


def parse(data: object, source: str = "<catalog>") -> LoadedCatalog:
    """Validate plain data (from YAML or JSON); raise :class:`CatalogInvalid` with every error."""
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        errors = [f"{_path(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise CatalogInvalid(source, errors) from None
    errors = check(catalog)
    if errors:
        raise CatalogInvalid(source, errors)
    body = catalog.model_dump(mode="json")
    return LoadedCatalog(catalog, content_hash(body), body)


def load_file(path: Path) -> LoadedCatalog:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogInvalid(str(path), [f"(文件): YAML 格式错误：{exc}"]) from None
    return parse(data, str(path))


def bundled_names() -> list[str]:
    files = resources.files(DATA_PACKAGE)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".yaml"))


def load_bundled(name: str) -> LoadedCatalog:
    res = resources.files(DATA_PACKAGE).joinpath(f"{name}.yaml")
    if not res.is_file():
        raise KeyError(name)
    data = yaml.safe_load(res.read_text(encoding="utf-8"))
    return parse(data, f"{name}.yaml")


def load(name_or_file: str) -> LoadedCatalog:
    """A bundled catalog by name, or a YAML file by path."""
    if name_or_file in bundled_names():
        return load_bundled(name_or_file)
    path = Path(name_or_file)
    if path.is_file():
        return load_file(path)
    raise KeyError(name_or_file)


def json_schema() -> str:
    schema = Catalog.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://zhixin.example/catalog.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
