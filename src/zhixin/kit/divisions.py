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


@cache
def _streets() -> dict[str, tuple[str, str, str, bool]]:
    """code → (name, parent code, level, demo) of the streets and communities (kit/data)."""
    with (_DATA / "streets.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["code"]: (r["name"], r["parent"], r["level"], r["demo"] == "1") for r in rows}


LEVELS = {"district": "区县", "street": "街道（乡镇）", "community": "社区（村居）"}


def place_name(code: str | None) -> str:
    """A district (6 digits), street (9) or community (12) code → its full name, the levels
    joined: ``350206001001`` → 厦门市湖里区湖里街道海天社区; unknown → the code."""
    if not code:
        return ""
    code = code.strip()
    if len(code) <= 6:
        return region_name(code)
    found = _streets().get(code)
    if found is None:
        return code
    return place_name(found[1]) + found[0]


def short_name(code: str | None) -> str:
    """The code's own name only (海天社区); unknown → the code."""
    if not code:
        return ""
    found = _streets().get(code.strip())
    return found[0] if found else region_name(code)


def level_of(code: str) -> str:
    """district / street / community by the code's length (6 / 9 / 12 digits)."""
    return {6: "district", 9: "street", 12: "community"}.get(len(code.strip()), "")


def below(code: str) -> list[tuple[str, str]]:
    """The streets of a district, or the communities of a street: (code, name), by code."""
    return sorted((c, v[0]) for c, v in _streets().items() if v[1] == code.strip())


def known_place(code: str) -> bool:
    """A division of the extract (2, 4 or 6 digits) or a listed street or community."""
    code = code.strip()
    key = code.ljust(6, "0") if code.isdigit() and len(code) in (2, 4) else code
    return code in _streets() or key in _table("gbt2260.csv")


def is_demo(code: str) -> bool:
    found = _streets().get(code.strip())
    return bool(found and found[3])


def place_by_name(name: str) -> str | None:
    """The code of the street or community with this name (the first by code), or None."""
    found = sorted(c for c, v in _streets().items() if v[0] == name.strip())
    return found[0] if found else None


def streets() -> list[tuple[str, str]]:
    """Every listed street (乡镇街道): (code, full name), by code."""
    return sorted((c, place_name(c)) for c, v in _streets().items() if v[2] == "street")


# -- the area roll-up: province → city → county → street → community -------------------------

# an area code's length → its level: 省 (2 digits), 市 (4), 区县 (6), 街道 (9), 社区 (12)
AREA_SIZES = (2, 4, 6, 9, 12)
AREA_LEVELS = {2: "省", 4: "市", 6: "区县", 9: "街道（乡镇）", 12: "社区（村居）"}


def is_area_code(code: str) -> bool:
    """A province, city, county, street or community code (2, 4, 6, 9 or 12 digits)."""
    code = code.strip()
    return code.isdigit() and len(code) in AREA_SIZES


def child_size(prefix: str | None) -> int:
    """The length of the codes one level below ``prefix``: the cities under the whole
    platform or a province, then counties, streets, communities (a community has none)."""
    size = len(prefix) if prefix else 0
    return next((s for s in AREA_SIZES[1:] if s > size), AREA_SIZES[-1])


def area_below(code: str | None, prefix: str | None) -> str | None:
    """The area one level below ``prefix`` holding the place ``code``; None when ``code`` does
    not reach that level (a visit known only to its county, read by street) or lies outside
    ``prefix`` (a firm of the jurisdiction visited at a place recorded elsewhere)."""
    size = child_size(prefix)
    if not code or len(code) < size or (prefix and not code.startswith(prefix)):
        return None
    return code[:size]


def area_name(code: str | None) -> str:
    """An area's full name at any level (``3502`` 厦门市, ``350206001`` …湖里街道)."""
    if not code:
        return ""
    return place_name(code) if len(code.strip()) > 6 else region_name(code)


def areas_above(code: str, top: str | None) -> list[str]:
    """The chain of areas from below ``top`` (exclusive) down to ``code`` (inclusive):
    ``areas_above("350206001", "35")`` → ``["3502", "350206", "350206001"]``."""
    start = len(top) if top else 0
    return [code[:s] for s in AREA_SIZES if start < s <= len(code)]
