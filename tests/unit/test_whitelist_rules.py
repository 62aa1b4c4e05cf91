"""Whitelist rules without a database: maker-checker, versions, diffs, reasons, cursors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhixin.whitelist import rules
from zhixin.whitelist.rules import Change, Reason


def test_maker_checker() -> None:
    with pytest.raises(rules.Refused, match="起草人不能复核"):
        rules.check_review(status="draft", drafted_by_id=7, reviewer_id=7)
    rules.check_review(status="draft", drafted_by_id=7, reviewer_id=8)
    with pytest.raises(rules.Refused, match="已发布"):
        rules.check_review(status="published", drafted_by_id=7, reviewer_id=8)
    with pytest.raises(rules.Refused, match="只有已复核通过"):
        rules.check_publish(status="draft")
    rules.check_publish(status="approved")


def test_versions_are_consecutive() -> None:
    assert [rules.next_version(n) for n in (0, 1, 41)] == [1, 2, 42]
    with pytest.raises(ValueError):
        rules.next_version(-1)


def test_classify_and_diff() -> None:
    assert rules.classify(None, 1) is Change.added
    assert rules.classify(2, None) is Change.removed
    assert rules.classify(2, 0) is Change.upgraded
    assert rules.classify(0, 2) is Change.downgraded
    assert rules.classify(1, 1) is None
    old = {(1, "credit"): 0, (1, "brand"): 2, (2, "credit"): 1, (3, "brand"): 1}
    new = {(1, "credit"): 1, (1, "brand"): 0, (2, "credit"): 1, (4, "credit"): 2}
    got = [(c.enterprise_id, c.dimension, c.change) for c in rules.diff_entries(old, new)]
    assert got == [
        (1, "brand", Change.upgraded),
        (1, "credit", Change.downgraded),
        (3, "brand", Change.removed),
        (4, "credit", Change.added),
    ]


keys = st.tuples(st.integers(1, 30), st.sampled_from(["credit", "brand", "innovation"]))
entry_sets = st.dictionaries(keys, st.integers(0, 2), max_size=40)


@given(entry_sets, entry_sets)
def test_applying_the_diff_gives_the_new_set(
    old: dict[tuple[int, str], int], new: dict[tuple[int, str], int]
) -> None:
    result = dict(old)
    for c in rules.diff_entries(old, new):
        if c.change is Change.removed:
            del result[(c.enterprise_id, c.dimension)]
        else:
            assert c.new_rank is not None
            result[(c.enterprise_id, c.dimension)] = c.new_rank
    assert result == new


def test_removal_reasons_most_decisive_first() -> None:
    assert rules.removal_reason(gated=True, lost_element=True, evaluated=True) is Reason.gate
    assert rules.removal_reason(gated=False, lost_element=True, evaluated=False) is Reason.absent
    assert rules.removal_reason(gated=False, lost_element=True, evaluated=True) is Reason.expired
    assert rules.removal_reason(gated=False, lost_element=False, evaluated=True) is Reason.below
    text = rules.reason_text("gate", gates=[("三年内受到产品质量行政处罚", [12, 15])])
    assert text == "触发否决项：三年内受到产品质量行政处罚（记录 #12, #15）"
    assert rules.reason_text("expired", lost=["ISO9001 认证"]) == "要素到期或失效：ISO9001 认证"
    assert rules.reason_text(None) == ""


def test_only_gate_removals() -> None:
    assert rules.only_gate_removals({"gate": 2, "added": 0})
    assert not rules.only_gate_removals({"gate": 2, "expired": 1})
    assert not rules.only_gate_removals({"gate": 0})


def test_cursors_round_trip_and_refuse_tampering() -> None:
    assert rules.change_seq(rules.change_cursor(1234)) == 1234
    assert rules.change_seq(None) == 0
    c = rules.entry_cursor(3, 99, "credit")
    assert rules.entry_key(c, version=3) == (99, "credit")
    with pytest.raises(rules.BadCursor):
        rules.entry_key(c, version=4)  # another version's cursor
    with pytest.raises(rules.BadCursor):
        rules.change_seq(c)  # an entries cursor is not a feed cursor
    for bad in ("%%%", "YQ", rules.encode_cursor("c", "-1")):
        with pytest.raises(rules.BadCursor):
            rules.change_seq(bad)
