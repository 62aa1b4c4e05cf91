"""Names of the national codes a page shows: administrative divisions (GB/T 2260) and industries
(GB/T 4754—2017 门类 and 大类), from the dated extracts in ``kit/data`` (each file names its
source and date). A code outside the extract is shown as it is."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data"


@cache
def _table(name: str) -> dict[str, str]:
    with (_DATA / name).open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["code"]: r["name"] for r in rows}


def region_name(code: str | None) -> str:
    """``350203`` → 厦门市思明区; a 2- or 4-digit prefix (``3502``) → 厦门市; unknown → the code."""
    if not code:
        return ""
    code = code.strip()
    key = code.ljust(6, "0") if code.isdigit() and len(code) in (2, 4) else code
    return _table("gbt2260.csv").get(key, code)


def industry_name(code: str | None) -> str:
    """``C`` → 制造业; ``C39`` (or ``C391``, ``39``) → its 大类 计算机、通信和其他电子设备制造业;
    a 大类 outside the extract falls back to its 门类; unknown → the code."""
    if not code:
        return ""
    code = code.strip().upper()
    table = _table("gbt4754.csv")
    section, digits = (code[0], code[1:]) if code[:1].isalpha() else ("", code)
    if len(digits) >= 2 and digits[:2] in table:
        return table[digits[:2]]
    if section and section in table:
        return table[section]
    return code
