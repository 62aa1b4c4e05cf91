"""``zhixin products``: list, show, validate (every error with its path; exit 1), schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import yaml

from zhixin.products import loader


def zhixin(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ZHIXIN_DATABASE_URL": f"sqlite:///{tmp / 'unused.sqlite3'}",
        "ZHIXIN_MODE": "development",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "products", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_list_and_show(tmp_path: Path) -> None:
    listed = zhixin("list", tmp=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for code in loader.shipped():
        assert code in listed.stdout
    assert "鹭质贷" in listed.stdout and "知产质信贷" in listed.stdout
    shown = zhixin("show", "quzhou-zuhedai", tmp=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "【额度核定】" in shown.stdout and "厂房：评估价值 × 抵质押率 70%" in shown.stdout
    assert "【依据】" in shown.stdout and "依据：绍兴金融监管分局 2024 年公开报道" in shown.stdout
    assert ".txt" not in shown.stdout
    edai = zhixin("show", "zhuanjingtexin-edai", tmp=tmp_path)
    assert "【风险模型】" in edai.stdout and "模型：zjtx-edai" in edai.stdout
    assert "绿色通道（快速审批）须模型评分达到门槛：最低 55 分" in edai.stdout
    as_json = zhixin("show", "luzhidai", "--json", tmp=tmp_path)
    body = json.loads(as_json.stdout)
    assert body["sha256"] == loader.load_shipped("luzhidai").sha256
    assert body["pricing"]["floor"] == "2.73"
    missing = zhixin("show", "nope", tmp=tmp_path)
    assert missing.returncode == 1 and "未找到产品或文件 'nope'" in missing.stderr


def test_validate_reports_every_error_with_its_path(tmp_path: Path) -> None:
    ok = zhixin("validate", "zhichanzhixin", tmp=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "zhichanzhixin（知产质信贷）2025.1 有效" in ok.stdout
    text = resources.files(loader.DATA_PACKAGE).joinpath("luzhidai.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    data["pricing"]["discounts"][0]["when"] = {"class_in": ["Ⅳ类"]}
    data["eligibility"]["titles_any"] = ["小巨人企业"]
    data["term_months"] = {"min": 0, "max": 36}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    failed = zhixin("validate", str(bad), tmp=tmp_path)
    assert failed.returncode == 1
    # the schema error stops cross-reference checks; fix it and the other two show
    assert "term_months.min:" in failed.stderr and "共 1 处错误" in failed.stderr
    data["term_months"] = {"min": 1, "max": 36}
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    failed = zhixin("validate", str(bad), tmp=tmp_path)
    assert failed.returncode == 1
    assert "pricing.discounts[0].when.class_in[0]: 未知的等级 'Ⅳ类'" in failed.stderr
    assert "eligibility.titles_any[0]: '小巨人企业' 不是称号类别" in failed.stderr
    assert "共 2 处错误" in failed.stderr


def test_schema_prints_the_published_json_schema(tmp_path: Path) -> None:
    done = zhixin("schema", tmp=tmp_path)
    assert done.returncode == 0
    assert done.stdout == loader.json_schema()
    assert json.loads(done.stdout)["$id"] == "https://zhixin.example/product.schema.json"
