"""提升等级能省多少: the grade lever of a Ⅱ类 firm equals what the quote service prices for a
firm identical but for its Ⅰ类 class; the rate shown is the firm's own quote; an unmet discount
is named with its condition."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import principal
from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.demand import levers
from zhixin.enterprises.models import Enterprise
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.products import service as products
from zhixin.quotes import service as quotes


def test_grade_lever_equals_the_quote_one_class_up(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        twins = [
            Enterprise(
                uscc=uscc,
                name=name,
                kind="企业",
                status="存续",
                size_class="小",
                region_code="350206",
                established_on=date(2015, 3, 1),
            )
            for uscc, name in (
                ("91350200MA2Y00770J", "厦门二类有限公司"),
                ("91110000600037341L", "厦门一类有限公司"),
            )
        ]
        s.add_all(twins)
        s.flush()
        two, one = twins[0].id, twins[1].id
    same = {"credit": "II"}  # the lever changes the overall class only: dimensions alike
    publish_grades(
        factory, catalog="xiamen", grades={two: Grade("II", same), one: Grade("I", same)}
    )
    owner = principal(factory, make_user(factory, "owner", Role.enterprise, enterprise_id=two))
    with unit_of_work(factory) as s:
        out = levers.price_levers(s, actor=owner, enterprise_id=two)
        assert out.grade == "Ⅱ类" and out.products
        assert [p.rate for p in out.products] == sorted(p.rate for p in out.products)
        graded = 0
        for p in out.products:
            _row, product = products.current(s, p.product_code)
            request = levers.request_for(product, clock.today())
            mine = quotes.quote(
                s,
                actor=quotes.SYSTEM,
                product_code=p.product_code,
                enterprise_id=two,
                request=request,
                store=False,
            )
            better = quotes.quote(
                s,
                actor=quotes.SYSTEM,
                product_code=p.product_code,
                enterprise_id=one,
                request=request,
                store=False,
            )
            assert (p.rate, p.limit) == (mine.rate, mine.limit)
            for lever in p.levers:
                if lever.kind == "grade":
                    graded += 1
                    assert lever.exact and lever.label == "总体等级提升至Ⅰ类"
                    assert lever.rate_change == better.rate - mine.rate
                    assert lever.limit_change == better.limit - mine.limit
                else:
                    unmet = {c.label for c in mine.rate_components if c.value == "未适用"}
                    assert lever.label in unmet and not lever.exact
                    # not a grade discount: those are in the grade lever (or no lever at all)
                    assert "总体等级" not in lever.text
        assert graded >= 1
