"""Consent rules (pure): scopes, expiry limits, and when a grant is in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from zhixin.consent import rules


@dataclass
class G:
    scope: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


T0 = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)


def test_expiry_holds_through_the_last_day_in_beijing_time() -> None:
    end = rules.end_of(date(2026, 3, 1))
    assert end == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 +08:00
    assert rules.expiry_day(end) == date(2026, 3, 1)
    g = G("records", T0, end)
    assert rules.is_active(g, end - timedelta(seconds=1))
    assert not rules.is_active(g, end)
    assert rules.state(g, end).code == "expired"


def test_revoked_and_not_yet_granted() -> None:
    g = G("records", T0, T0 + timedelta(days=30), revoked_at=T0 + timedelta(days=1))
    assert rules.is_active(g, T0 + timedelta(hours=1))
    assert rules.state(g, T0 + timedelta(days=2)) == rules.State("revoked", "已撤销")
    assert rules.state(g, T0 - timedelta(days=1)).code == "pending"
    naive = G("records", T0.replace(tzinfo=None), (T0 + timedelta(days=1)).replace(tzinfo=None))
    assert rules.is_active(naive, T0 + timedelta(hours=1))


def test_scopes_cover() -> None:
    assert rules.covers(G("records", T0, T0), "records")
    assert not rules.covers(G("records", T0, T0), "portrait")
    assert rules.covers(G("records+portrait", T0, T0), "portrait")
    assert not rules.covers(G("bogus", T0, T0), "records")


def test_grant_limits() -> None:
    today = date(2024, 2, 29)
    assert rules.default_expiry(today) == date(2025, 2, 28)
    rules.check_grant(scope="records", today=today, expires_on=date(2027, 2, 28))
    with pytest.raises(rules.ConsentRefused, match="最长 3 年"):
        rules.check_grant(scope="records", today=today, expires_on=date(2027, 3, 1))
    with pytest.raises(rules.ConsentRefused, match="晚于今天"):
        rules.check_grant(scope="records", today=today, expires_on=today)
    with pytest.raises(rules.ConsentRefused, match="未知的授权范围"):
        rules.check_grant(scope="everything", today=today, expires_on=date(2025, 1, 1))


def test_reading_note_says_what_a_revocation_means_for_the_bank() -> None:
    revoked = rules.reading_note(
        mode="granted",
        state="revoked",
        bank="甲银行",
        changed_on=date(2026, 3, 1),
        records_readable=False,
    )
    assert revoked.startswith("企业已于 2026-03-01 撤销授权：甲银行不能再查看")
    assert "另有" not in revoked
    again = rules.reading_note(
        mode="granted", state="revoked", bank="甲银行", changed_on=None, records_readable=True
    )
    assert again.startswith("企业已撤销授权") and again.endswith("本行目前仍可查看记录明细")
    assert "可以查看" in rules.reading_note(
        mode="granted", state="active", bank="甲银行", changed_on=None, records_readable=True
    )
    assert "截止 2026-03-01" in rules.reading_note(
        mode="granted",
        state="expired",
        bank="甲银行",
        changed_on=date(2026, 3, 1),
        records_readable=False,
    )
    assert "签章授权书" in rules.reading_note(
        mode="attested", state="attested", bank="甲银行", changed_on=None, records_readable=False
    )


def test_day_of_is_the_beijing_day() -> None:
    assert rules.day_of(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert rules.day_of(datetime(2026, 3, 1, 15, 59)) == date(2026, 3, 1)  # naive = UTC
