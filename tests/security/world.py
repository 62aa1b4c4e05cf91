"""A small region for the security tests, built through the real services.

厦门泄露探针科技 (firm ``a``) holds quality records whose identifying fields carry markers
(``LEAK…``): a certificate, an invention patent, two 守合同重信用 years and a product-quality
penalty that became known only after the first evaluation. The penalty bars the firm in the
second run, so the diff from whitelist version 1 to 2 removes it "by a gate" with the penalty
as the reason. Another firm of Xiamen (``b``) and one of Ningbo (``n``) have records too.

People: two regulators (maker and checker), two banks (厦门农商行, whose product 鹭质贷 is
applied for, and another), a guarantor, a finance bureau, the task force, the owners of ``a``
and ``b``, and the three platform duties. A quote, a webhook endpoint of the bank, and (by the
tests' phases) applications and a consent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.applications import service as applications
from zhixin.applications import workflow
from zhixin.applications.rules import Action
from zhixin.applications.schemas import ApplicationIn
from zhixin.applications.workflow import Inputs
from zhixin.catalog.service import get as catalog
from zhixin.consent import service as consents
from zhixin.enterprises.models import Enterprise
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Method
from zhixin.quotes import service as quotes
from zhixin.quotes.schemas import QuoteIn
from zhixin.records.models import QualityRecord
from zhixin.risk import service as risk
from zhixin.risk import valuation
from zhixin.risk.schemas import PatentIn
from zhixin.webhooks import service as webhooks
from zhixin.whitelist import service as whitelist

BANK, OTHER_BANK = "bank-xmrcb", "bank-other"
KNOWN = datetime(2024, 1, 1, tzinfo=UTC)
PENALTY_KNOWN = datetime(2025, 1, 1, tzinfo=UTC)  # after run 1's known-at
RUN1_KNOWN_AT = datetime(2024, 6, 1, tzinfo=UTC)

# Every identifying field of firm a's records carries one of these.
MARKERS = (
    "LEAKCERT7431",
    "LEAKCTTL7432",
    "LEAKCISS7433",
    "ZLLEAK20990002",
    "LEAKPTTL0003",
    "LEAKCC0004",
    "LEAKPEN0005",
    "LEAKPENT0006",
    "LEAKPISS0007",
)
NINGBO_MARKER = "LEAKNB0099"

# username → role, tenant code
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "regulator": (Role.regulator, "amr"),
    "regulator2": (Role.regulator, "amr"),
    "officer": (Role.bank_officer, BANK),
    "approver": (Role.bank_approver, BANK),
    "other-officer": (Role.bank_officer, OTHER_BANK),
    "guarantor": (Role.guarantor, "gu"),
    "finance": (Role.finance_bureau, "fin"),
    "taskforce": (Role.task_force, "tf"),
    "auditor": (Role.auditor, "platform"),
    "sysadmin": (Role.sysadmin, "platform"),
    "security": (Role.security_officer, "platform"),
}


@dataclass
class World:
    factory: sessionmaker[Session]
    a: int
    b: int
    n: int
    ids: dict[str, int] = field(default_factory=dict)

    def who(self, username: str) -> Principal:
        with unit_of_work(self.factory) as s:
            user = accounts_repo.user_by_username(s, username)
            assert user is not None
            return accounts.principal_for(s, user)


def _rec(firm: int, uscc: str, kind: str, key: str, **fields: object) -> QualityRecord:
    fields.setdefault("known_at", KNOWN)
    return QualityRecord(
        enterprise_id=firm,
        kind=kind,
        natural_key=f"{uscc}|{key}",
        content_hash=key.rjust(32, "0")[:32],
        source_system="test",
        **fields,
    )


def _firms(s: Session, today: date) -> tuple[int, int, int]:
    a = Enterprise(
        uscc="91350200MA2Y00770J",
        name="厦门泄露探针科技有限公司",
        kind="企业",
        status="存续",
        size_class="小",
        region_code="350206",
        established_on=date(2015, 3, 1),
        created_at=KNOWN,  # registered before either run knew anything
    )
    b = Enterprise(
        uscc="91110000600037341L",
        name="厦门乙方材料有限公司",
        kind="企业",
        status="存续",
        region_code="350203",
        established_on=date(2016, 3, 1),
        created_at=KNOWN,  # registered before either run knew anything
    )
    n = Enterprise(
        uscc="91330200MA2AAAAA1X",
        name="宁波甬江精密有限公司",
        kind="企业",
        status="存续",
        region_code="330203",
        established_on=date(2014, 3, 1),
        created_at=KNOWN,  # registered before either run knew anything
    )
    s.add_all([a, b, n])
    s.flush()
    ua, ub, un = a.uscc, b.uscc, n.uscc
    s.add_all(
        [
            _rec(
                a.id,
                ua,
                "certification",
                "C1",
                subtype="ISO9001",
                ref="LEAKCERT7431",
                title="LEAKCTTL7432",
                issuer="LEAKCISS7433",
                status="有效",
                valid_from=date(2023, 1, 1),
                valid_to=today + timedelta(days=60),
            ),
            _rec(
                a.id,
                ua,
                "patent",
                "P1",
                subtype="发明",
                ref="ZLLEAK20990002",
                title="LEAKPTTL0003",
                status="有效",
                event_date=date(2022, 5, 1),
            ),
            _rec(a.id, ua, "contract_credit", "2023", year=today.year - 2, level="市级"),
            _rec(
                a.id,
                ua,
                "contract_credit",
                "2024",
                year=today.year - 1,
                level="市级",
                ref="LEAKCC0004",
            ),
            _rec(
                a.id,
                ua,
                "penalty",
                "PEN1",
                subtype="产品质量",
                ref="LEAKPEN0005",
                title="LEAKPENT0006",
                issuer="LEAKPISS0007",
                level="一般",
                event_date=today - timedelta(days=60),
                known_at=PENALTY_KNOWN,
            ),
            _rec(b.id, ub, "contract_credit", "2023", year=today.year - 2, level="市级"),
            _rec(b.id, ub, "contract_credit", "2024", year=today.year - 1, level="市级"),
            _rec(
                n.id,
                un,
                "certification",
                "NB1",
                subtype="ISO9001",
                ref=NINGBO_MARKER,
                status="有效",
                valid_from=date(2023, 1, 1),
                valid_to=today + timedelta(days=300),
            ),
            _rec(n.id, un, "contract_credit", "2023", year=today.year - 2, level="市级"),
            _rec(n.id, un, "contract_credit", "2024", year=today.year - 1, level="市级"),
        ]
    )
    s.flush()
    return a.id, b.id, n.id


def _publish(w: World, run_id: int) -> int:
    with unit_of_work(w.factory) as s:
        pub = whitelist.draft_from_run(s, actor=w.who("regulator"), run_id=run_id, note="测试")
        pub_id = pub.id
    with unit_of_work(w.factory) as s:
        whitelist.review(s, actor=w.who("regulator2"), publication_id=pub_id, approve=True)
    return pub_id


def build(factory: sessionmaker[Session]) -> World:
    today = clock.today()
    with unit_of_work(factory) as s:
        a, b, n = _firms(s, today)
    w = World(factory, a, b, n)
    for username, (role, tenant) in PEOPLE.items():
        w.ids[username] = make_user(factory, username, role, tenant_code=tenant)
    w.ids["owner"] = make_user(factory, "owner", Role.enterprise, enterprise_id=a)
    w.ids["owner-b"] = make_user(factory, "owner-b", Role.enterprise, enterprise_id=b)
    with unit_of_work(factory) as s:
        tenant = accounts_repo.tenant_by_code(s, BANK)
        assert tenant is not None
        w.ids["bank_tenant"] = tenant.id
        w.ids["endpoint"] = webhooks.register(
            s, actor=w.who("officer"), url="https://bank.example.com/hooks", description="测试"
        ).endpoint.id
    with unit_of_work(factory) as s:
        w.ids["run1"] = evaluation.evaluate_database(
            s, loaded=catalog("xiamen"), as_of=today, known_at=RUN1_KNOWN_AT
        ).id
    w.ids["pub1"] = _publish(w, w.ids["run1"])
    with unit_of_work(factory) as s:
        w.ids["run2"] = evaluation.evaluate_database(s, loaded=catalog("xiamen"), as_of=today).id
    w.ids["pub2"] = _publish(w, w.ids["run2"])
    with unit_of_work(factory) as s:
        body = QuoteIn(
            product="luzhidai",
            enterprise_id=a,
            amount=Decimal("1000000.00"),
            term_months=12,
            method=Method.revolving,
        )
        w.ids["quote"] = quotes.quote(
            s,
            actor=w.who("officer"),
            product_code=body.product,
            enterprise_id=a,
            request=quotes.request_of(body),
        ).id
    with unit_of_work(factory) as s:
        # a risk model and a patent valuation of firm a, so the walk reaches their pages
        w.ids["model"] = risk.register_expert(s, actor=w.who("regulator"), spec_code="zjtx-edai").id
        w.ids["valuation"] = valuation.value_patent(
            s,
            actor=w.who("officer"),
            body=PatentIn(
                enterprise_id=a,
                patent_no="ZL202310123456.7",
                kind="发明",
                filing_date=today - timedelta(days=700),
                status="有效",
                revenue=Decimal("2000000.00"),
            ),
        ).id
    return w


def application(w: World, username: str, *, scope: str = "records+portrait") -> int:
    """An application for 鹭质贷 by firm a: the owner's grants the bank a consent, an
    officer's attests the signed authorisation instead."""
    form = ApplicationIn.model_validate(
        {
            "product_code": "luzhidai",
            "enterprise_id": w.a,
            "amount": Decimal("1000000.00"),
            "term_months": 12,
            "method": Method.revolving,
            "purpose": "购置检测设备",
            "use_of_funds": "支付设备采购合同款",
            "consent_scope": scope,
            "authorisation_attested": username != "owner",
            "materials": ["licence", "financials", "use_proof", "legal_rep_id", "premises", "tax"],
        }
    )
    with unit_of_work(w.factory) as s:
        return applications.submit(s, actor=w.who(username), form=form).id


def consent_of(w: World) -> int:
    """The id of firm a's newest consent to the bank."""
    with unit_of_work(w.factory) as s:
        rows = consents.list_for_enterprise(s, actor=w.who("owner"), enterprise_id=w.a)
        return next(c.id for c in rows if c.tenant_id == w.ids["bank_tenant"])


def revoke(w: World) -> None:
    consent_id = consent_of(w)
    with unit_of_work(w.factory) as s:
        consents.revoke(s, actor=w.who("owner"), consent_id=consent_id)


def withdraw(w: World, application_id: int, username: str = "officer") -> None:
    with unit_of_work(w.factory) as s:
        workflow.move(
            s,
            Action.withdraw,
            actor=w.who(username),
            application_id=application_id,
            inputs=Inputs(note="测试"),
        )
