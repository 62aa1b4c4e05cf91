"""Every element and gate name that states a number or a period agrees with its rule.

A regulator reads the name; the engine reads the rule. A name that says 近三年 must have a
three-year window, 连续两次 a streak of two, ≥5 件 Ⅱ类 a tier at 5 for Ⅱ类, and so on. A name
that states a number this test cannot read fails, so a new wording is checked, not skipped.
"""

from __future__ import annotations

import re

import pytest

from zhixin.catalog.loader import bundled_names, load
from zhixin.catalog.schema import Catalog, Rule

NUMERALS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "十": 10}
NUM = r"(\d+|[一两二三四五六十])"
# words that carry no count or period (standards, grades of a certificate, …)
INERT = re.compile(r"ISO \d+|IATF \d+|GB/T \d+|AAA|[Ⅰ-Ⅻ]类|[一二三四五]级")
STATES_A_NUMBER = re.compile(r"\d|[一两二三四五六十](?=[年次件项个])|≥|年度")


def _n(text: str) -> int:
    return int(text) if text.isdigit() else NUMERALS[text]


def _window_years(rule: Rule) -> float | None:
    w = rule.window
    if w is None:
        return None
    if w.years is not None:
        return float(w.years)
    return (w.days or 0) / 365


def _claims(name: str, rule: Rule, catalog: Catalog, tiers: list[tuple[int, str]]) -> list[str]:
    """What the name states that the rule does not do (empty: they agree); every stated
    number must be consumed by a pattern."""
    problems: list[str] = []
    rest = name
    if "上一年度" in rest:
        problems.append("“上一年度”是上一个日历年度，规则没有这种窗口（应写“近一年”）")
        rest = rest.replace("上一年度", "")
    for m in list(re.finditer(rf"(?:近|){NUM} ?年(?:内)?(?:（(\d+) 天）内)?", rest)):
        years = _n(m.group(1))
        got = _window_years(rule)
        if m.group(2) is not None:
            if rule.window is None or rule.window.days != int(m.group(2)):
                problems.append(f"名称说 {m.group(2)} 天，规则窗口为 {rule.window}")
        elif got != years:
            problems.append(f"名称说 {years} 年，规则窗口为 {got} 年")
        rest = rest.replace(m.group(0), "", 1)
    for m in list(re.finditer(rf"连续{NUM}[次年]", rest)):
        if rule.streak is None or rule.streak.consecutive != _n(m.group(1)):
            problems.append(f"名称说连续 {_n(m.group(1))} 次，规则为 {rule.streak}")
        rest = rest.replace(m.group(0), "", 1)
    for m in list(re.finditer(rf"{NUM}次及以上", rest)):
        if rule.min_count != _n(m.group(1)):
            problems.append(f"名称说 {_n(m.group(1))} 次及以上，规则 min_count 为 {rule.min_count}")
        rest = rest.replace(m.group(0), "", 1)
    # tiers: "≥5 件 Ⅱ类", "5–9 件 三级", "1 件 五级" (the lower bound is the tier's min_count)
    stated: list[tuple[int, str]] = []
    for m in list(re.finditer(r"(?:≥(\d+)|(\d+)(?:–\d+)?) 件 (\S+?类|\S级)", rest)):
        stated.append((int(m.group(1) or m.group(2)), m.group(3)))
        rest = rest.replace(m.group(0), "", 1)
    if stated or tiers:
        named = [(n, catalog.level_name(level)) for n, level in tiers]
        if sorted(stated) != sorted(named):
            problems.append(f"名称中的分级 {stated} 与 tiers {named} 不符")
    rest = INERT.sub("", rest)
    if STATES_A_NUMBER.search(rest):
        problems.append(f"名称中有本测试读不懂的数量或期间：{rest!r}")
    return problems


@pytest.mark.parametrize("name", bundled_names())
def test_every_name_that_states_a_number_or_a_period_agrees_with_its_rule(name: str) -> None:
    catalog = load(name).catalog
    problems: list[str] = []
    for e in catalog.elements:
        tiers = [(t.min_count, t.level) for t in e.tiers]
        for p in _claims(e.name, e.rule, catalog, tiers):
            problems.append(f"{e.code} {e.name}：{p}")
    for g in catalog.gates:
        for p in _claims(g.name, g.rule, catalog, []):
            problems.append(f"{g.code} {g.name}：{p}")
    assert not problems, "\n".join(problems)


def test_the_check_catches_the_wordings_the_issue_named() -> None:
    xiamen = load("xiamen").catalog
    qc04 = xiamen.element("QC-04")
    assert _claims("上一年度各级质量监督抽查无不合格记录", qc04.rule, xiamen, [])
    qi01 = load("ningbo").catalog.element("QI-01")
    tiers = [(t.min_count, t.level) for t in qi01.tiers]
    assert _claims(
        "有效发明专利（≥5 件 Ⅱ类，1–4 件 Ⅲ类）", qi01.rule, load("ningbo").catalog, tiers
    )
    assert _claims("近五年被公示", qc04.rule, xiamen, [])
    assert not _claims("近一年（365 天）内监督抽查合格且无不合格记录", qc04.rule, xiamen, [])
