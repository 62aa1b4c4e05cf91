"""A quote's support section reads the registered guarantee products and subsidy policies that
name the loan product (one source of truth); without any, the product file's estimate stands."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_quotes_service import _quote, _req, world  # noqa: F401 - fixture
from tests.support.people import make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.rules import Role
from zhixin.kit.db import unit_of_work
from zhixin.quotes import service
from zhixin.support import guarantees, rules, subsidies
from zhixin.support.models import GuaranteeProduct

D = Decimal


def test_the_quote_uses_the_registered_guarantee_and_subsidy(
    factory: sessionmaker[Session],
    world: dict[str, int],  # noqa: F811 - the fixture imported above
) -> None:
    before = _quote(factory, service.SYSTEM, "xingbaodai", world["sx"], _req("1000000", term=36))
    assert before.costs is not None and before.costs.guarantee_fees[0].amount == D("5069.44")
    make_user(factory, "fin", Role.finance_bureau, tenant_code="fin")
    with unit_of_work(factory) as s:
        who = {
            name: accounts.principal_for(s, u)
            for name in ("guarantor", "fin")
            if (u := accounts_repo.user_by_username(s, name)) is not None
        }
        guarantees.add_guarantee_product(
            s, actor=who["guarantor"], code="SXDB", name="绍兴担保·兴保", terms={
                "coverage": "70", "fee_rate": "1.0", "fee_subsidy_points": "0.4",
                "products": ["xingbaodai"],
            },
        )  # fmt: skip
        subsidies.add_policy(
            s, actor=who["fin"], code="SXTX", name="绍兴市质量贷贴息", terms={
                "kind": "points", "points": "1.2", "cap_per_enterprise_year": "30000",
                "products": ["xingbaodai"],
            },
        )  # fmt: skip
    q = _quote(factory, service.SYSTEM, "xingbaodai", world["sx"], _req("1000000", term=36))
    assert q.costs is not None
    # the borrower pays 1.0 − 0.4 = 0.6 % a year: 1,000,000 × 0.6 % × 365 / 360
    assert q.costs.guarantee_fees[0].amount == D("6083.33")
    assert q.support.guarantee_fee_rate == D("0.6")
    assert (q.support.guarantor, q.support.guarantee_coverage) == ("测试guarantor", D("70"))
    assert q.support.subsidy_rate == D("1.2") and q.costs.subsidy > 0
    assert q.support.subsidy_payer == "测试finance"
    assert any("绍兴市质量贷贴息" in n for n in q.notes)
    assert any("每户每年不超过 30000.00 元" in n for n in q.notes)
    # another product's quote is untouched
    other = _quote(factory, service.SYSTEM, "luzhidai", world["xm1"], _req("1000000"))
    assert other.support.guarantor is None and other.support.subsidy_rate == 0


def test_the_quote_charges_the_guarantee_fee_on_the_basis_the_registered_product_declares(
    factory: sessionmaker[Session],
    world: dict[str, int],  # noqa: F811 - the fixture imported above
) -> None:
    """Two guarantee products at the same rates (1.0 % less 0.4 points of fee subsidy, 70 %
    coverage) but different bases: on the loan amount each guarantee year in advance, and on
    the guaranteed part once upfront for the whole term. The quote of the same loan (1,000,000,
    36 months from 2025-07-15 to 2028-07-15: 365 + 365 + 366 = 1,096 days) charges each on
    its own basis — not the product file's (loan amount, yearly)."""
    common = {"coverage": "70", "fee_rate": "1.0", "fee_subsidy_points": "0.4"}
    yearly = common | {"fee_base": "loan", "fee_balance": "original", "fee_period": "yearly"}
    upfront = common | {"fee_base": "guaranteed", "fee_period": "upfront"}
    with unit_of_work(factory) as s:
        u = accounts_repo.user_by_username(s, "guarantor")
        assert u is not None
        gu = accounts.principal_for(s, u)
        guarantees.add_guarantee_product(
            s, actor=gu, code="SXDB-Y", name="按年", terms=yearly | {"products": ["xingbaodai"]}
        )
    q = _quote(factory, service.SYSTEM, "xingbaodai", world["sx"], _req("1000000", term=36))
    assert q.costs is not None
    # 1,000,000 × 0.6 % × 365 / 360 = 6,083.333…; again; × 366 / 360 = 6,100.00
    assert [(p.on.isoformat(), p.amount) for p in q.costs.guarantee_fees] == [
        ("2025-07-15", D("6083.33")), ("2026-07-15", D("6083.33")), ("2027-07-15", D("6100.00")),
    ]  # fmt: skip
    assert q.costs.guarantee_fee == D("18266.66")
    with unit_of_work(factory) as s:  # the yearly product no longer names the loan product
        s.execute(
            update(GuaranteeProduct)
            .where(GuaranteeProduct.code == "SXDB-Y")
            .values(terms=yearly | {"products": []})
        )
        guarantees.add_guarantee_product(
            s, actor=gu, code="SXDB-U", name="一次", terms=upfront | {"products": ["xingbaodai"]}
        )
    q = _quote(factory, service.SYSTEM, "xingbaodai", world["sx"], _req("1000000", term=36))
    assert q.costs is not None
    # 1,000,000 × 70 % = 700,000 × 0.6 % × 1,096 / 360 = 12,786.666… → 12,786.67, once
    assert [(p.on.isoformat(), p.amount) for p in q.costs.guarantee_fees] == [
        ("2025-07-15", D("12786.67"))
    ]
    assert q.costs.guarantee_fee == D("12786.67")
    (why,) = [f.reason for f in q.costs.factors if f.code == "guarantee_fee"]
    assert "担保责任部分（贷款金额 × 70%）" in why and "一次收取" in why, why
    assert rules.guarantee_product(upfront).basis == rules.FeeBasis(
        "guaranteed", "original", "upfront"
    )
