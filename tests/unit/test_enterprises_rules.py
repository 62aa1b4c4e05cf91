"""A regulator's jurisdiction (pure): region prefixes and who lies inside one."""

from __future__ import annotations

import pytest

from zhixin.enterprises.rules import BadRegion, in_region, normalise_region_prefix


@pytest.mark.parametrize(
    ("given", "prefix"),
    [
        ("35", "35"),
        ("3502", "3502"),
        ("350206", "350206"),
        ("350200", "3502"),  # a city's own code names the city
        ("350000", "35"),  # a province's own code names the province
        (" 3502 ", "3502"),
        ("", None),
        ("   ", None),
    ],
)
def test_a_jurisdiction_is_a_province_city_or_county_prefix(given: str, prefix: str | None) -> None:
    assert normalise_region_prefix(given) == prefix


@pytest.mark.parametrize("bad", ["3", "350", "35020", "3502061", "95", "0502", "35a2", "厦门"])
def test_anything_else_is_refused_in_chinese(bad: str) -> None:
    with pytest.raises(BadRegion, match="行政区划代码"):
        normalise_region_prefix(bad)


def test_who_lies_inside() -> None:
    assert in_region(None, None) and in_region(None, "330203")  # no region: everywhere
    assert in_region("35", "350206") and in_region("3502", "350206")
    assert not in_region("3502", "330203") and not in_region("3502", "350106")
    assert not in_region("3502", None)  # no region code: in no jurisdiction
