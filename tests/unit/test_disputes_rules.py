"""Pure rules of 异议 (disputes.rules): subject, evidence by content, proposals, deadlines,
maker-checker and the consent that covered a read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zhixin.disputes import rules
from zhixin.disputes.rules import DisputeRefused, Grant


def test_exactly_one_subject() -> None:
    assert rules.check_subject(5, None) is None
    assert rules.check_subject(None, " qc-04 ") == "QC-04"
    for record_id, code in ((None, None), (5, "QC-04"), (None, "")):
        with pytest.raises(DisputeRefused, match="二选一"):
            rules.check_subject(record_id, code)
    with pytest.raises(DisputeRefused, match="要素编号"):
        rules.check_subject(None, "<script>")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\nxxxx", "image/png"),
        (b"\xff\xd8\xff\xe0xxxx", "image/jpeg"),
        ("续期证书编号 Q-1\r\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_evidence_is_judged_by_its_content(data: bytes, kind: str) -> None:
    assert rules.evidence_type(data) == kind


@pytest.mark.parametrize(
    "data", [b"MZ\x90\x00", b"PK\x03\x04zip", b"\x00\x01binary", "文本".encode("gbk") + b"\x00"]
)
def test_other_content_is_refused(data: bytes) -> None:
    with pytest.raises(DisputeRefused, match="PDF、PNG、JPEG"):
        rules.evidence_type(data)


def test_evidence_size_bounds() -> None:
    with pytest.raises(DisputeRefused, match="为空"):
        rules.evidence_type(b"")
    with pytest.raises(DisputeRefused, match="4 MB"):
        rules.evidence_type(b"%PDF-" + b"0" * rules.EVIDENCE_MAX_BYTES)


def test_proposals() -> None:
    fix = rules.check_proposal("uphold", "核实", {"valid_to": "2029-12-31"}, is_record=True)
    assert fix == {"valid_to": "2029-12-31"}
    assert rules.check_proposal("uphold", "核实", {"remove": True}, is_record=True) == {
        "remove": True
    }
    assert rules.check_proposal("reject", "证据不足", None, is_record=True) is None
    assert rules.check_proposal("uphold", "要素口径有误", None, is_record=False) is None
    cases = [
        ("maybe", "x", None, True, "uphold"),
        ("reject", " ", None, True, "理由"),
        ("uphold", "x", None, True, "如何更正"),
        ("uphold", "x", {"enterprise_id": 2}, True, "不能更正的字段"),
        ("uphold", "x", {"valid_to": "明年"}, True, "应为日期"),
        ("uphold", "x", {"passed": "是"}, True, "true 或 false"),
        ("reject", "x", {"status": "撤销"}, True, "只有"),
        ("uphold", "x", {"remove": True, "status": "撤销"}, True, "删除记录时"),
    ]
    for decision, note, correction, is_record, said in cases:
        with pytest.raises(DisputeRefused, match=said):
            rules.check_proposal(decision, note, correction, is_record=is_record)


def test_maker_is_not_the_checker() -> None:
    with pytest.raises(DisputeRefused, match="双人复核"):
        rules.check_decision(proposer_id=3, decider_id=3, note="", approve=True)
    with pytest.raises(DisputeRefused, match="退回"):
        rules.check_decision(proposer_id=3, decider_id=4, note=" ", approve=False)
    rules.check_decision(proposer_id=3, decider_id=4, note="", approve=True)
    assert (rules.outcome("uphold"), rules.outcome("reject")) == ("upheld", "rejected")


def test_deadline_helpers() -> None:
    # Friday 2027-01-01 + 3 weekdays: Mon 4, Tue 5, Wed 6
    assert rules.add_weekdays(date(2027, 1, 1), 3) == date(2027, 1, 6)
    assert rules.overdue(date(2026, 12, 1), date(2026, 12, 2), "pending")
    assert not rules.overdue(date(2026, 12, 1), date(2026, 12, 1), "proposed")
    assert not rules.overdue(date(2026, 12, 1), date(2026, 12, 9), "upheld")


def _t(day: int) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC)


def test_the_consent_in_force_at_a_read() -> None:
    grants = [
        Grant(1, 7, "records", _t(1), _t(20), _t(10)),  # revoked on the 10th
        Grant(2, 7, "records", _t(15), _t(28), None),
        Grant(3, 8, "records", _t(1), _t(28), None),  # another bank
    ]
    assert rules.grant_at(grants, 7, _t(5)) == grants[0]
    assert rules.grant_at(grants, 7, _t(12)) is None  # after the revocation, before the next
    assert rules.grant_at(grants, 7, _t(16)) == grants[1]
    assert rules.grant_at(grants, 7, _t(28)) is None  # expired
    assert rules.grant_at(grants, 9, _t(5)) is None
