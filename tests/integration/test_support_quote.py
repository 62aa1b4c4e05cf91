"""A quote's support section reads the registered guarantee products and subsidy policies that
name the loan product (one source of truth); without any, the product file's estimate stands."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_quotes_service import _quote, _req, world  # noqa: F401 - fixture
from tests.support.people import make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.rules import Role
from zhixin.kit.db import unit_of_work
from zhixin.quotes import service
from zhixin.support import guarantees, subsidies

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
