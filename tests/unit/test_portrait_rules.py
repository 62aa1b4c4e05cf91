"""Portrait warnings (pure) and the one-page PDF drawn from a portrait without a database."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from zhixin.evaluation.schemas import (
    AdviceOut,
    DimensionOut,
    ElementOut,
    ExplanationOut,
    RecordBrief,
)
from zhixin.portrait import pdf, rules
from zhixin.portrait.service import DimensionLevel, Identity, Portrait, TrendPoint

TODAY = date(2026, 6, 1)


def fact(i: int, kind: str, **kw: object) -> rules.Fact:
    base: dict[str, object] = {
        "id": i,
        "kind": kind,
        "kind_label": kind,
        "name": f"n{i}",
        "valid_to": None,
        "event_date": None,
        "repaired_on": None,
    }
    base.update(kw)
    return rules.Fact(**base)  # type: ignore[arg-type]


def test_expiring_within_90_days_only() -> None:
    facts = [
        fact(1, "certification", valid_to=TODAY + timedelta(days=30)),
        fact(2, "certification", valid_to=TODAY + timedelta(days=200)),
        fact(3, "title", valid_to=TODAY + timedelta(days=90)),
        fact(4, "certification", valid_to=TODAY - timedelta(days=1)),  # already lapsed
        fact(5, "patent", valid_to=TODAY + timedelta(days=5)),  # not a certificate/title
    ]
    alerts = rules.expiring(facts, TODAY)
    assert [a.record_id for a in alerts] == [1, 3]
    assert "还有 30 天" in alerts[0].text and alerts[0].day == TODAY + timedelta(days=30)


def test_recent_negative_skips_old_and_repaired() -> None:
    facts = [
        fact(1, "penalty", event_date=TODAY - timedelta(days=10)),
        fact(2, "spot_check", event_date=TODAY - timedelta(days=364)),
        fact(3, "penalty", event_date=TODAY - timedelta(days=366)),
        fact(4, "penalty", event_date=TODAY - timedelta(days=5), repaired_on=TODAY),
        fact(5, "certification", event_date=TODAY),
    ]
    assert [a.record_id for a in rules.recent_negative(facts, TODAY)] == [1, 2]
    assert [a.code for a in rules.repair_pending([7])] == ["repair"]


def test_wrap_counts_full_width() -> None:
    assert pdf.wrap("质量" * 10, 8) == ["质量质量质量质量", "质量质量质量质量", "质量质量"]
    assert pdf.wrap("ab" * 8, 4) == ["abababab", "abababab"]
    lines = pdf._budget([f"第{i}项" for i in range(20)], 30, 5)
    assert len(lines) == 5 and lines[-1].startswith("……另有 16 项")


def _portrait(n_elements: int = 3) -> Portrait:
    names = [("credit", "质量信用"), ("management", "质量管理"), ("brand", "质量品牌")]
    dims = [
        DimensionOut(
            code=c,
            name=n,
            weight=20,
            level="I" if i == 0 else None,
            level_name="Ⅰ类" if i == 0 else "无",
            points=40 - 10 * i,
            listed=i == 0,
            elements=[
                ElementOut(
                    code=f"{c}{k}",
                    name=f"{n}要素{k}",
                    level="I",
                    level_name="Ⅰ类",
                    points=10,
                    measure=1,
                    record_ids=[k],
                    records=[
                        RecordBrief(id=k, kind="certification", subtype="ISO9001", ref=f"Q-{k}")
                    ],
                )
                for k in range(n_elements)
            ],
            advice=None
            if i == 0
            else AdviceOut(
                from_level=None, to_level="III", needed=1, options=[], text=f"{n}：再取得一项认证"
            ),
        )
        for i, (c, n) in enumerate(names)
    ]
    ex = ExplanationOut(
        enterprise_id=1,
        run_id=1,
        catalog_name="xiamen",
        catalog_version="2025.1",
        as_of=TODAY,
        total_score=Decimal("66.50"),
        overall_level="II",
        overall_level_name="Ⅱ类",
        listed=True,
        entries=1,
        dimensions=dims,
        gates=[],
        summary=[],
    )
    return Portrait(
        identity=Identity(
            1,
            "厦门矽创微电子有限公司",
            "91350200MA2Y00770J",
            "企业",
            "小",
            "350206",
            None,
            "存续",
            None,
        ),
        today=TODAY,
        result=ex,
        dimensions=[
            DimensionLevel(d.code, d.name, d.level, d.level_name, d.points, 100, d.listed)
            for d in dims
        ],
        trend=[TrendPoint(1, TODAY, "xiamen", Decimal("66.50"), "II", "Ⅱ类", True)],
        evidence=True,
        warnings=[
            rules.Alert("expiring", "管理体系认证「ISO9001」将于 2026-07-01 到期（还有 30 天）")
        ],
        advice=[d.advice.text for d in dims if d.advice],
    )


def pdf_checks(data: bytes, tmp: Path) -> str:
    """One page; the text extracted by pdftotext; the page rendered is not blank."""
    path = tmp / "p.pdf"
    path.write_bytes(data)
    assert data.startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
        assert "(A4)" in info.stdout
    else:
        assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip(
            "poppler-utils (pdftotext, pdftoppm) not installed: apt-get install poppler-utils"
        )
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-singlefile", str(path), str(tmp / "page")], check=True
    )
    from PIL import Image

    with Image.open(tmp / "page.png") as img:
        grey = img.convert("L")
        dark = sum(grey.histogram()[:200])  # pixels darker than light grey
        assert abs(grey.size[0] - 413) <= 1 and abs(grey.size[1] - 585) <= 1  # A4 at 50 dpi
        assert dark > 3000, dark  # text and the radar chart, not a blank page
    return text


def test_pdf_is_one_page_with_extractable_chinese(tmp_path: Path) -> None:
    text = pdf_checks(pdf.render(_portrait()), tmp_path)
    for needle in (
        "厦门矽创微电子有限公司",
        "质量画像",
        "质量信用",
        "Ⅰ类",
        "66.50",
        "ISO9001",
        "还有 30 天",
        "再取得一项认证",
    ):
        assert needle in text, needle


def test_pdf_stays_one_page_with_many_elements(tmp_path: Path) -> None:
    text = pdf_checks(pdf.render(_portrait(n_elements=40)), tmp_path)
    assert "另有" in text


def test_font_found_when_matplotlibs_cache_predates_the_font_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """matplotlib caches its font list on first use; fonts-noto-cjk installed afterwards must
    still be found (CI installs the package on a machine where matplotlib may already have run)."""
    from matplotlib import font_manager

    if not pdf._cjk_font_files():
        pytest.skip("fonts-noto-cjk not installed: apt-get install fonts-noto-cjk")
    stale = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    pdf.cjk_font.cache_clear()
    try:
        assert pdf.cjk_font() == "Noto Sans CJK SC"
    finally:
        pdf.cjk_font.cache_clear()
