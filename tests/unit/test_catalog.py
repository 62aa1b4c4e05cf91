"""Catalogs: the four bundled ones validate, errors carry their path, the schema is published."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from zhixin.catalog import loader
from zhixin.catalog import service as catalogs
from zhixin.catalog.loader import CatalogInvalid


def _raw(name: str) -> dict[str, Any]:
    text = resources.files(loader.DATA_PACKAGE).joinpath(f"{name}.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _errors(data: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogInvalid) as exc:
        loader.parse(data)
    return exc.value.errors


def test_json_schema_is_published_and_current() -> None:
    path = Path(str(resources.files(loader.DATA_PACKAGE).joinpath(loader.SCHEMA_FILE)))
    fresh = loader.json_schema()
    stale = not path.exists() or path.read_text("utf-8") != fresh
    if stale:
        path.write_text(fresh, encoding="utf-8")
    assert not stale, "catalog.schema.json was stale and has been regenerated: commit it"


@pytest.mark.parametrize(
    ("name", "elements", "levels"),
    [("xiamen", 32, 3), ("jinjiang", 16, 3), ("ningbo", 16, 5), ("shandong", 32, 3)],
)
def test_bundled_catalogs_validate(name: str, elements: int, levels: int) -> None:
    loaded = loader.load(name)
    c = loaded.catalog
    assert len(c.elements) == elements
    assert len(c.levels) == levels
    assert [d.name for d in c.dimensions] == [
        "质量信用",
        "质量管理",
        "质量品牌",
        "质量基础",
        "质量创新",
    ]
    assert sum(d.weight for d in c.dimensions) == 100
    codes = {g.name for g in c.gates}
    assert {"列入严重违法失信名单（在列期间）", "三年内受到产品质量行政处罚"} <= codes
    assert "公开来源" in c.notes and "本项目的建议" in c.notes
    assert len(loaded.sha256) == 64


def test_shandong_weights() -> None:
    c = loader.load("shandong").catalog
    assert c.dimension("credit").weight == 15
    assert c.dimension("innovation").weight == 20


def test_errors_give_their_path() -> None:
    data = _raw("xiamen")
    data["elements"][3]["rule"]["kind"] = "patnet"
    data["elements"][4]["dimension"] = "quality"
    data["elements"][5]["rule"]["where"] = {"colour": ["红"]}
    data["elements"][6]["rule"]["where"] = {"subtype": ["诺贝尔奖"]}
    data["elements"][3]["level"] = "IV"
    data["gates"][0]["rule"]["where"] = {"subtype": ["黑名单"]}
    errors = _errors(data)
    assert "elements[3].rule.kind: 未知的记录类型 'patnet'" in errors
    assert any(e.startswith("elements[4].dimension: 未知的维度 'quality'") for e in errors)
    assert any(e.startswith("elements[5].rule.where.colour:") for e in errors)
    assert any(
        e.startswith("elements[6].rule.where.subtype[0]: '诺贝尔奖' 不是可选值") for e in errors
    )
    assert any(e.startswith("elements[3].level: 未知的等级 'IV'") for e in errors)
    assert any(e.startswith("gates[0].rule.where.subtype[0]:") for e in errors)


def test_schema_errors_give_their_path() -> None:
    data = _raw("jinjiang")
    del data["elements"][2]["points"]
    data["dimensions"][0]["weight"] = "heavy"
    errors = _errors(data)
    assert any(e.startswith("elements[2].points:") for e in errors)
    assert any(e.startswith("dimensions[0].weight:") for e in errors)


def test_weights_must_sum_to_100_and_booleans_are_booleans() -> None:
    data = _raw("ningbo")
    data["dimensions"][0]["weight"] = 50
    data["gates"][3]["rule"]["where"]["passed"] = ["否"]
    errors = _errors(data)
    assert any(e.startswith("dimensions: 各维度权重之和应为 100") for e in errors)
    assert "gates[3].rule.where.passed[0]: 应为 true 或 false" in errors


def test_a_changed_catalog_has_a_new_hash(tmp_path: Path) -> None:
    data = _raw("xiamen")
    before = loader.parse(copy.deepcopy(data)).sha256
    data["elements"][0]["points"] += 1
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert loader.load(str(path)).sha256 != before
    assert loader.parse(_raw("xiamen")).sha256 == before


def test_describe_reads_in_chinese() -> None:
    text = catalogs.describe(loader.load("xiamen").catalog)
    assert "三年内连续两次被公示为“守合同重信用”企业：Ⅰ类" in text
    assert "一票否决" in text and "进入白名单的维度等级：Ⅰ类、Ⅱ类、Ⅲ类" in text
    assert [c.name for c in catalogs.list_catalogs()] == [
        "jinjiang",
        "ningbo",
        "shandong",
        "xiamen",
    ]
