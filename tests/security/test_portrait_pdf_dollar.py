"""A ``$`` in a name neither breaks the portrait PDF nor turns it into math text (issue 15,
"Low"): names and record references render literally."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.unit.test_portrait_rules import _portrait, pdf_checks
from zhixin.portrait import pdf

NAMES = (
    "厦门$x^2$科技有限公司",  # balanced: matplotlib set it as maths, the dollars vanished
    "厦门$\\frac$美元有限公司",  # balanced and invalid mathtext: savefig raised (a 500)
    "厦门 $5 与 $6 公司",
)


@pytest.mark.parametrize("name", NAMES)
def test_a_dollar_in_the_name_renders_literally(name: str, tmp_path: Path) -> None:
    p = _portrait()
    p = dataclasses.replace(p, identity=dataclasses.replace(p.identity, name=name))
    text = pdf_checks(pdf.render(p), tmp_path)
    assert f"{name} · 质量画像" in text
