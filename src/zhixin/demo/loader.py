"""The demo region: synthetic enterprises and records plus one login for every actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zhixin.accounts import service as accounts
from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work

DEMO_PASSWORD = "Demo-Account-2025"  # noqa: S105 - printed for the demo, never used outside it
DEMO_REGION = "3502"  # 厦门市: the demo regulator's jurisdiction (every demo enterprise is there)

# (tenant code, tenant name, kind, [(username, display name, roles)])
DEMO_TENANTS: list[tuple[str, str, TenantKind, list[tuple[str, str, list[Role]]]]] = [
    (
        "platform",
        "质信平台运维（演示）",
        TenantKind.platform,
        [
            ("sysadmin", "系统管理员", [Role.sysadmin]),
            ("security", "安全管理员", [Role.security_officer]),
            ("auditor", "审计员", [Role.auditor]),
        ],
    ),
    (
        "amr-xm",
        "厦门市市场监督管理局（演示）",
        TenantKind.regulator,
        [
            ("regulator", "王监管", [Role.regulator]),
            ("regulator2", "李复核", [Role.regulator]),
        ],
    ),
    (
        "amr-zj",
        "浙江省市场监督管理局（演示）",
        TenantKind.regulator,
        [
            ("regulator-zj", "钱监管", [Role.regulator]),
            ("regulator-zj2", "孙复核", [Role.regulator]),
        ],
    ),
    (
        "amr-sd",
        "山东省市场监督管理局（演示）",
        TenantKind.regulator,
        [
            ("regulator-sd", "赵监管", [Role.regulator]),
            ("regulator-sd2", "刘复核", [Role.regulator]),
        ],
    ),
    (
        "bank-xmrcb",
        "厦门农商银行（演示）",
        TenantKind.bank,
        [
            ("xmrcb-officer", "陈客户经理", [Role.bank_officer]),
            ("xmrcb-approver", "林审批", [Role.bank_approver]),
        ],
    ),
    (
        "bank-icbc-xm",
        "工商银行厦门分行（演示）",
        TenantKind.bank,
        [
            ("icbc-officer", "黄客户经理", [Role.bank_officer]),
            ("icbc-approver", "周审批", [Role.bank_approver]),
        ],
    ),
    (
        "guarantor-xm",
        "厦门市融资担保公司（演示）",
        TenantKind.guarantor,
        [("guarantor", "吴担保", [Role.guarantor])],
    ),
    (
        "finance-xm",
        "厦门市财政局（演示）",
        TenantKind.finance,
        [
            ("finance", "郑财政", [Role.finance_bureau]),
            ("finance2", "王复核", [Role.finance_bureau]),  # the fund's second pair of eyes
        ],
    ),
    (
        "taskforce-xm",
        "融资协调工作专班（演示）",
        TenantKind.taskforce,
        [("taskforce", "许专班", [Role.task_force])],
    ),
]
ENTERPRISE_LOGINS = 3
# each regulator's jurisdiction (辖区): Xiamen's reads Xiamen, the provinces' their province
REGULATOR_REGIONS = {"amr-xm": DEMO_REGION, "amr-zj": "33", "amr-sd": "37"}
# the catalogs graded besides Xiamen's, on the firms of zhixin.demo.elsewhere, and who drafts
# and who publishes each list (maker-checker)
OTHER_CATALOGS = (
    ("ningbo", "regulator-zj", "regulator-zj2"),
    ("shandong", "regulator-sd", "regulator-sd2"),
)


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    enterprises: int
    records: int
    logins: list[tuple[str, str]]


def _logins(session: Session) -> list[tuple[str, str]]:
    from zhixin.accounts.rules import ROLE_LABELS

    rows: list[tuple[str, str]] = []
    for user, tenant, roles in accounts.list_users_unchecked(session):
        if user.is_service:
            continue
        labels = "、".join(ROLE_LABELS[Role(r)] for r in roles)
        rows.append((f"{labels} · {tenant.name}", user.username))
    return rows


def load_demo(
    factory: sessionmaker[Session],
    *,
    enterprises: int = 3000,
    seed: int = 20251,
    progress: Callable[[int, int], None] | None = None,
    voucher_dir: Path | None = None,
    voucher_max_bytes: int | None = None,
) -> DemoResult:
    """Load the demo region once; a second call only lists the logins. The demo loans'
    voucher files go to ``voucher_dir`` (default: the settings')."""
    from zhixin.demo.synth import load_into_database

    with unit_of_work(factory) as session:
        if accounts.tenant_by_code(session, "amr-xm") is not None:
            return DemoResult(False, 0, 0, _logins(session))
        summary = load_into_database(session, enterprises, seed=seed, progress=progress)
        policy = PasswordPolicy()
        for code, name, kind, people in DEMO_TENANTS:
            region = REGULATOR_REGIONS.get(code) if kind == TenantKind.regulator else None
            tenant = accounts.create_tenant(
                session, code=code, name=name, kind=kind, region_code=region
            )
            for username, display, roles in people:
                accounts.create_user(
                    session,
                    tenant=tenant,
                    username=username,
                    display_name=display,
                    password=DEMO_PASSWORD,
                    roles=roles,
                    policy=policy,
                )
        audit.record(
            session,
            actor=Actor.system("demo"),
            action="demo.load",
            detail={"enterprises": summary.enterprises, "records": summary.records},
        )
        # A first evaluation of the Fujian region, so the regulator's pages and the radar charts
        # have something; then the firms elsewhere, graded on their province's catalog, so every
        # product has an eligible case. Xiamen's list is published last: the version in force
        # that the whitelist pages show.
        from zhixin.catalog import service as catalogs
        from zhixin.demo import elsewhere
        from zhixin.demo.synth import AS_OF
        from zhixin.evaluation import service as evaluation

        fujian = elsewhere.load(session, as_of=AS_OF, catalogs=("xiamen",))
        run = evaluation.evaluate_database(session, loaded=catalogs.get("xiamen"), as_of=AS_OF)
        xiamen = _draft_whitelist(session, run.id, "regulator")  # publication #1
        others = elsewhere.load(session, as_of=AS_OF, catalogs=tuple(c for c, *_ in OTHER_CATALOGS))
        for catalog, maker, checker in OTHER_CATALOGS:
            other = evaluation.evaluate_database(
                session,
                loaded=catalogs.get(catalog),
                as_of=AS_OF,
                enterprise_ids=others.ids[catalog],
            )
            _review_whitelist(session, _draft_whitelist(session, other.id, maker), checker)
        _review_whitelist(session, xiamen, "regulator2")
        _confirm_lpr(session)
        _enterprise_logins(session, policy)
        firms = summary.enterprises + len(elsewhere.FIRMS)
        records = summary.records + fujian.records + others.records
        result = DemoResult(True, firms, records, _logins(session))
    _demo_applications(factory)
    _demo_loans(factory, voucher_dir, voucher_max_bytes)
    _demo_demand(factory)
    _demo_visits(factory)
    _demo_preapproval(factory)
    _demo_reports(factory)
    _demo_support(factory)
    _demo_linkage(factory)
    return result


def _demo_reports(factory: sessionmaker[Session]) -> None:
    """The last week's daily reports, delivered to the task force and each bank."""
    from zhixin.reports import demo as reports_demo

    with unit_of_work(factory) as session:
        reports_demo.load(session)


def _confirm_lpr(session: Session) -> None:
    """A fresh demo shows no stale-LPR alarm: it states the rates it ships as confirmed to the
    most recent publication day (an operator's row with the same rates, its note saying so), as
    an operator does after checking an unchanged month. A demo only: real rates are entered
    from the announcement (zhixin lpr set)."""
    from zhixin.kit import clock
    from zhixin.lpr import rules as lpr_rules
    from zhixin.lpr import service as lpr

    today = clock.today()
    latest = lpr.history(session)
    if not latest or not lpr_rules.is_stale(latest, today):
        return
    day = lpr_rules.last_publication_day(today)
    shipped = lpr.rates_on(session, day)
    lpr.set_rate_as_operator(
        session,
        effective_on=day,
        one_year=shipped.one_year,
        five_year=shipped.five_year,
        note=f"演示环境：沿用随软件发布的最新公告利率（{latest[-1].effective_on.isoformat()}），"
        f"确认至 {day.isoformat()}；非真实公告",
        on=today,
    )


def _draft_whitelist(session: Session, run_id: int, drafter: str) -> int:
    """A whitelist draft from a run by one demo regulator (its publication id)."""
    from zhixin.whitelist import service as whitelist

    maker = accounts.user_by_username(session, drafter)
    assert maker is not None  # created above
    actor = accounts.principal_for(session, maker)
    return whitelist.draft_from_run(session, actor=actor, run_id=run_id, note="演示数据").id


def _review_whitelist(session: Session, publication_id: int, reviewer: str) -> None:
    """Another demo regulator approves the draft, and it is published — so banks see published
    grades and the listed enterprises can be quoted (a quote reads the grade of its catalog's
    version in force, never an unpublished run)."""
    from zhixin.whitelist import service as whitelist

    checker = accounts.user_by_username(session, reviewer)
    assert checker is not None  # created above
    actor = accounts.principal_for(session, checker)
    whitelist.review(session, actor=actor, publication_id=publication_id, approve=True)


def _eligible(session: Session, enterprise_id: int, product: str) -> Decimal | None:
    """The limit of a 12-month quote of ``product`` when the enterprise is eligible, else None
    (a quote not stored: the demo's choice of firms, not a quote anyone asked for)."""
    from zhixin.errors import ZhixinError
    from zhixin.quotes import service as quotes
    from zhixin.quotes.schemas import QuoteIn

    body = QuoteIn.model_validate(
        {
            "product": product,
            "enterprise_id": enterprise_id,
            "amount": "1000000",
            "term_months": 12,
            "method": "随借随还",
            "annual_sales": "20000000",
        }
    )
    try:
        q = quotes.quote(
            session,
            actor=quotes.SYSTEM,
            product_code=product,
            enterprise_id=enterprise_id,
            request=quotes.request_of(body),
            store=False,
        )
    except ZhixinError:
        return None
    return q.limit if q.eligible else None


def _enterprise_logins(session: Session, policy: PasswordPolicy) -> None:
    """One login each for the first Xiamen firms a 鹭质贷 quote finds eligible — the demo's
    applications are theirs, so the first one is a sensible case: enterprise1 small or
    medium-sized with a limit of at least 200万 (it applies for 200万), enterprise2 any
    eligible firm (150万), enterprise3 one without the 专精特新 title (its 专精特新e贷
    application is refused and goes to the joint consultation). Falls back to the first firms
    when the region holds too few (a tiny demo)."""
    candidates = session.scalars(
        select(Enterprise)
        .where(
            Enterprise.kind == "企业",
            Enterprise.region_code.like(DEMO_REGION + "%"),
            Enterprise.status == "存续",
        )
        .order_by(Enterprise.id)
        .limit(400)
    ).all()
    wants: list[Callable[[Enterprise, Decimal], bool]] = [
        lambda e, limit: e.size_class in ("中", "小") and limit >= Decimal(2_000_000),
        lambda e, limit: True,
        lambda e, limit: _eligible(session, e.id, "zhuanjingtexin-edai") is None,
    ]
    chosen: list[Enterprise] = []
    for firm in candidates:
        if len(chosen) == len(wants):
            break
        limit = _eligible(session, firm.id, "luzhidai")
        if limit is not None and wants[len(chosen)](firm, limit):
            chosen.append(firm)
    if len(chosen) < ENTERPRISE_LOGINS:
        taken = {f.id for f in chosen}
        rest = session.scalars(
            select(Enterprise).where(Enterprise.kind == "企业").order_by(Enterprise.id).limit(10)
        ).all()
        chosen += [f for f in rest if f.id not in taken][: ENTERPRISE_LOGINS - len(chosen)]
    for i, firm in enumerate(chosen, start=1):
        tenant = accounts.create_tenant(
            session,
            code=f"ent-{firm.uscc}",
            name=firm.name,
            kind=TenantKind.enterprise,
            enterprise_id=firm.id,
        )
        accounts.create_user(
            session,
            tenant=tenant,
            username=f"enterprise{i}",
            display_name=firm.name,
            password=DEMO_PASSWORD,
            roles=[Role.enterprise],
            policy=policy,
        )


def _demo_applications(factory: sessionmaker[Session]) -> None:
    """A few loan applications in different states (submitted, under review, refused and in
    the consultation queue); the demo region works without them if the data does not allow."""
    from zhixin.applications import demo as applications_demo
    from zhixin.errors import ZhixinError

    try:
        with unit_of_work(factory) as session:
            applications_demo.load(session)
    except ZhixinError:
        return


def _demo_demand(factory: sessionmaker[Session]) -> None:
    """Financing needs in each state and ledger rows (the demand side's pages)."""
    from zhixin.demand import demo as demand_demo
    from zhixin.errors import ZhixinError

    try:
        with unit_of_work(factory) as session:
            ids = session.scalars(
                select(Enterprise.id)
                .where(Enterprise.kind == "企业")
                .order_by(Enterprise.id)
                .limit(20)
            ).all()
            demand_demo.load(session, enterprise_ids=list(ids))
    except ZhixinError:
        return


def _demo_visits(factory: sessionmaker[Session]) -> None:
    """A visit campaign, its teams and visits, one matching event (the task force's pages)."""
    from zhixin.errors import ZhixinError
    from zhixin.visits import demo as visits_demo

    try:
        with unit_of_work(factory) as session:
            ids = session.scalars(
                select(Enterprise.id)
                .where(Enterprise.kind == "企业")
                .order_by(Enterprise.id.desc())
                .limit(40)
            ).all()
            visits_demo.load(session, enterprise_ids=list(ids))
    except ZhixinError:
        return


def _demo_preapproval(factory: sessionmaker[Session]) -> None:
    """鹭质贷's pre-approved list over the whitelist in force, pushed by 厦门农商银行's officer
    (the bank's 预授信 pages, the ledger's ``preapproved`` rows, the listed firms' offers)."""
    from zhixin.demand import preapprove
    from zhixin.errors import ZhixinError

    try:
        with unit_of_work(factory) as session:
            header, _batch = preapprove.create_list(session, product_code="luzhidai")
            officer = accounts.user_by_username(session, "xmrcb-officer")
            if officer is not None:
                who = accounts.principal_for(session, officer)
                preapprove.push(session, actor=who, list_id=header.id)
    except ZhixinError:
        return


def _demo_loans(
    factory: sessionmaker[Session], voucher_dir: Path | None, max_bytes: int | None
) -> None:
    """A few signed 鹭质贷 contracts with drawdowns, payees, vouchers and payments (the loan
    book's pages); the enterprises with demo logins are tried first."""
    from zhixin.config import get_settings
    from zhixin.errors import ZhixinError
    from zhixin.evidence import demo as evidence_demo
    from zhixin.loans import demo as loans_demo

    if voucher_dir is None or max_bytes is None:
        settings = get_settings()
        voucher_dir = voucher_dir or settings.voucher_dir
        max_bytes = max_bytes or settings.voucher_max_bytes
    try:
        with unit_of_work(factory) as session:
            ids = session.scalars(
                select(Enterprise.id)
                .where(Enterprise.kind == "企业")
                .order_by(Enterprise.id)
                .limit(60)
            ).all()
            loans_demo.load(
                session,
                enterprise_ids=list(ids),
                store_dir=voucher_dir,
                max_bytes=max_bytes,
            )
            evidence_demo.load(session)
    except ZhixinError:
        return


def _demo_support(factory: sessionmaker[Session]) -> None:
    """Guarantees on the demo loans, the risk-compensation fund with a paid claim and one
    awaiting review, and the quarter's subsidy (support/demo.py); skipped without demo loans."""
    from zhixin.errors import ZhixinError
    from zhixin.loans import reads as book
    from zhixin.support import demo as support_demo

    try:
        with unit_of_work(factory) as session:
            bank = accounts.tenant_by_code(session, "bank-xmrcb")
            if bank is None or support_demo.loaded(session):
                return
            ids = book.contract_ids_of_bank(session, bank.id)
            if ids:
                support_demo.load(session, contract_ids=ids)
    except ZhixinError:
        return


def _demo_linkage(factory: sessionmaker[Session]) -> None:
    """A penalty imported for the first demo loan's enterprise, frozen by one linkage cycle,
    and the last closed quarter's covenant check (the linkage sections and the bank's queue)."""
    from zhixin.errors import ZhixinError
    from zhixin.linkage import demo as linkage_demo

    def uscc_of(enterprise_id: int) -> str | None:
        with factory() as session:
            ent = session.get(Enterprise, enterprise_id)
            return ent.uscc if ent is not None else None

    try:
        linkage_demo.load(factory, uscc_of=uscc_of)
    except ZhixinError:
        return
