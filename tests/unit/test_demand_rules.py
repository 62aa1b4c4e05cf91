"""The demand side's pure rules: a need's checks and steps, the clock's escalations, which
product serves a need, the ledger's consistency, the ledger file's rows, and the conversion
recomputed by hand from rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhixin.demand import ledger_rows, rules
from zhixin.demand.rules import LedgerRow, NeedInput, NeedRefused, Outcome, ProductScope


def need(**kw: object) -> NeedInput:
    base: dict[str, object] = dict(
        amount=Decimal("3000000"),
        term_months=12,
        purpose="quality_upgrade",
        collateral="none",
        contact_consent=True,
        contact_name="王经理",
        contact_phone="0592-5550123",
    )
    base.update(kw)
    return NeedInput(**base)  # type: ignore[arg-type]


def test_a_need_is_checked_and_stored_to_the_fen() -> None:
    assert rules.check_need(need(amount=Decimal("123456.789"))).amount == Decimal("123456.79")
    cases: list[tuple[dict[str, object], str]] = [
        (dict(amount=Decimal("5000")), "1 万元至 1 亿元"),
        (dict(term_months=0), "期限"),
        (dict(purpose="gambling"), "资金用途"),
        (dict(collateral="gold"), "担保方式"),
        (dict(contact_consent=False), "须同意银行"),
        (dict(contact_phone="abc"), "联系电话"),
        (dict(contact_name=" "), "联系人"),
    ]
    for bad, says in cases:
        with pytest.raises(NeedRefused, match=says):
            rules.check_need(need(**bad))


def test_quality_purposes_come_first() -> None:
    order = list(rules.PURPOSES)
    assert set(order[: len(rules.QUALITY_PURPOSES)]) == rules.QUALITY_PURPOSES


def test_steps_follow_the_order_and_a_refusal_names_its_reason() -> None:
    rules.check_step("taken", "contacted", None)
    rules.check_step("contacted", "onsite", None)
    rules.check_step("onsite", "applied", None)
    rules.check_step("contacted", "refused", "R02")
    with pytest.raises(NeedRefused, match="不能登记「已受理贷款申请」"):
        rules.check_step("contacted", "applied", None)
    with pytest.raises(NeedRefused, match="不能登记"):
        rules.check_step("open", "contacted", None)
    with pytest.raises(NeedRefused, match="原因代码"):
        rules.check_step("taken", "refused", None)
    with pytest.raises(NeedRefused, match="不能登记"):
        rules.check_step("refused", "refused", "R01")


def test_escalation_after_the_clock_and_only_once() -> None:
    due = date(2026, 10, 9)
    assert rules.escalation_due("open", False, due, due, None) is None  # the last day itself
    assert rules.escalation_due("open", False, date(2026, 10, 10), due, None) == "untaken"
    assert rules.escalation_due("open", True, date(2026, 10, 10), due, None) is None
    assert rules.escalation_due("contacted", False, date(2026, 10, 12), due, due) == "overdue"
    assert rules.escalation_due("applied", False, date(2026, 10, 12), due, due) is None


def test_a_product_serves_a_need_in_its_region_amount_and_term() -> None:
    p = ProductScope(
        "luzhidai", "鹭质贷", "bank-xmrcb", ("3502",), Decimal(100000), Decimal(7000000), 1, 36
    )
    assert rules.serves(p, "350206", Decimal(3000000), 12)
    assert not rules.serves(p, "330203", Decimal(3000000), 12)  # 宁波
    assert not rules.serves(p, None, Decimal(3000000), 12)
    assert not rules.serves(p, "350206", Decimal(8000000), 12)
    assert not rules.serves(p, "350206", Decimal(3000000), 48)
    anywhere = ProductScope("x", "x", "b", (), Decimal(1), Decimal(10**9), 1, 120)
    assert rules.serves(anywhere, None, Decimal(5), 1)


def test_an_outcome_must_hang_together() -> None:
    ok = Outcome(
        contacted_on=date(2026, 7, 1),
        granted_on=date(2026, 7, 5),
        granted_amount=Decimal(100),
        granted_rate=Decimal("3.45"),
        disbursed_on=date(2026, 7, 6),
        disbursed_amount=Decimal(100),
    )
    assert rules.check_outcome(ok) == []
    fields = {
        f
        for f, _ in rules.check_outcome(
            Outcome(
                disbursed_on=date(2026, 7, 1),
                disbursed_amount=Decimal(5),
                refused_on=date(2026, 7, 1),
            )
        )
    }
    assert fields == {"disbursed_on", "refusal_code"}
    over = Outcome(
        granted_on=date(2026, 7, 5),
        granted_amount=Decimal(100),
        granted_rate=Decimal(4),
        disbursed_on=date(2026, 7, 4),
        disbursed_amount=Decimal(101),
    )
    assert {f for f, _ in rules.check_outcome(over)} == {"disbursed_on", "disbursed_amount"}
    early = Outcome(contacted_on=date(2026, 6, 1))
    assert rules.check_outcome(early, pushed_on=date(2026, 6, 2))[0][0] == "contacted_on"


def test_ledger_file_rows_parse_or_name_line_column_and_reason() -> None:
    header = list(ledger_rows.COLUMNS.values())
    cols, missing = ledger_rows.header_map(header)
    assert missing == []
    good, bad = ledger_rows.template_rows()[1:]
    parsed = ledger_rows.parse_row(2, good, cols)
    assert isinstance(parsed, ledger_rows.Parsed)
    assert (parsed.source, parsed.source_ref) == ("need", "12")
    assert parsed.outcome.granted_amount == Decimal("3000000.00")
    assert parsed.outcome.first_loan and parsed.outcome.credit
    assert isinstance(ledger_rows.parse_row(3, bad, cols), ledger_rows.Parsed)
    broken = list(good)
    broken[0] = "91350200MA2Y00770X"  # wrong check digit
    broken[5] = "三百万"
    broken[12] = "也许"
    errs = ledger_rows.parse_row(4, broken, cols)
    assert isinstance(errs, list)
    assert {f for f, _ in errs} == {"统一社会信用代码", "授信金额（元）", "首贷户"}
    _, missing = ledger_rows.header_map(["来源", "授信日期"])
    assert missing == ["统一社会信用代码"]


def by_hand(rows: list[LedgerRow], key: str) -> dict[str, dict[str, int]]:
    """The conversion counted the plain way: for each group, each stage's distinct firms."""
    ways: dict[str, Callable[[LedgerRow], str]] = {
        "bank": lambda r: r.bank_code,
        "product": lambda r: r.product_code or rules.NO_PRODUCT,
        "region": lambda r: (r.region_code or "")[:4] or rules.NO_REGION,
    }
    of = ways[key]
    out: dict[str, dict[str, int]] = {}
    for group in {of(r) for r in rows}:
        mine = [r for r in rows if of(r) == group]
        out[group] = {
            s: len({r.enterprise_id for r in mine if getattr(r, s)}) for s, _ in rules.STAGES
        }
    return out


rows_strategy = st.lists(
    st.builds(
        LedgerRow,
        enterprise_id=st.integers(1, 6),
        bank_code=st.sampled_from(["bank-a", "bank-b"]),
        product_code=st.sampled_from([None, "luzhidai", "kechuangdai"]),
        region_code=st.sampled_from([None, "350206", "350211", "330203"]),
        listed=st.booleans(),
        needed=st.booleans(),
        taken=st.booleans(),
        granted=st.booleans(),
        disbursed=st.booleans(),
        granted_amount=st.decimals(0, 10**7, places=2),
        disbursed_amount=st.decimals(0, 10**7, places=2),
        first_loan=st.booleans(),
        credit=st.booleans(),
    ),
    max_size=25,
)


@settings(deadline=None)  # a shared, loaded machine: no per-example time limit
@given(rows_strategy)
def test_conversion_recomputed_from_the_rows(rows: list[LedgerRow]) -> None:
    for key in rules.GROUPINGS:
        funnels = rules.conversion(rows, key)
        assert {f.key: f.counts for f in funnels} == by_hand(rows, key)
        for f in funnels:
            mine = [r for r in rows if rules.GROUPINGS[key](r) == f.key]
            assert f.granted_amount == sum(
                (r.granted_amount for r in mine if r.granted), Decimal(0)
            )
            assert f.first_loan == len(
                {r.enterprise_id for r in mine if r.granted and r.first_loan}
            )


def test_conversion_rates_and_shares() -> None:
    def row(eid: int, upto: str) -> LedgerRow:
        """A firm that reached every stage up to ``upto``."""
        keys = [k for k, _ in rules.STAGES]
        listed, needed, taken, granted, disbursed = (
            k in keys[: keys.index(upto) + 1] for k in keys
        )
        return LedgerRow(
            eid,
            "bank-a",
            "luzhidai",
            "350206",
            listed,
            needed,
            taken,
            granted,
            disbursed,
            first_loan=eid == 1,
            credit=eid < 3,
        )

    rows = [row(1, "disbursed"), row(2, "granted"), row(3, "taken"), row(4, "listed")]
    (f,) = rules.conversion(rows, "bank")
    assert f.counts == {"listed": 4, "needed": 3, "taken": 3, "granted": 2, "disbursed": 1}
    assert f.rate("listed") is None
    assert f.rate("needed") == Decimal("75.00")
    assert f.rate("granted") == Decimal("66.67")
    assert f.rate("disbursed") == Decimal("50.00")
    assert (f.share(f.first_loan), f.share(f.credit)) == (Decimal("50.00"), Decimal("100.00"))
