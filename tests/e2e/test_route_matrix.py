"""Every API route × every role, against a declared matrix.

The matrix is written here by hand, independently of the code: a route added without an entry
fails the test, and so does a route whose guard drifts from what the matrix says.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work

R = Role
ALL = frozenset(Role)
READ_ENTERPRISES = frozenset(
    {
        R.regulator,
        R.bank_officer,
        R.bank_approver,
        R.enterprise,
        R.guarantor,
        R.finance_bureau,
        R.task_force,
    }
)
# Banks hold record:read, but an enterprise's records answer 404 unless it authorised the bank.
READ_RECORDS = frozenset({R.regulator, R.enterprise, R.task_force, R.bank_officer, R.bank_approver})
# 质量画像: all who read grades (an enterprise its own only; evidence by consent).
READ_PORTRAIT = frozenset(
    {
        R.regulator,
        R.bank_officer,
        R.bank_approver,
        R.enterprise,
        R.guarantor,
        R.finance_bureau,
        R.task_force,
    }
)
MANAGE_CONSENTS = frozenset({R.enterprise})
READ_EVALUATIONS = READ_ENTERPRISES
# The whitelist feed: regulators and the financial side; an enterprise user sees its own grade
# through the evaluation routes (and later its own view), not the whole list.
READ_WHITELIST = READ_ENTERPRISES - {R.enterprise}
# A bank manages its own tenant's webhook endpoints; an enterprise its own (its loans' events).
MANAGE_WEBHOOKS = frozenset({R.bank_officer, R.bank_approver, R.enterprise})
# Products, the LPR table and the working-day calendar: everyone on the business side.
READ_PRODUCTS = READ_ENTERPRISES
RUN_QUOTES = frozenset({R.bank_officer, R.bank_approver, R.enterprise, R.task_force})
SUBMIT_APPLICATIONS = frozenset({R.bank_officer, R.enterprise})
READ_APPLICATIONS = frozenset(
    {R.regulator, R.bank_officer, R.bank_approver, R.enterprise, R.task_force}
)
# Risk models: the registry is read by regulators and bank risk users; regulators train and
# approve (maker-checker); banks score under consent, an enterprise itself; banks value patents.
READ_MODELS = frozenset({R.regulator, R.bank_officer, R.bank_approver})
SCORE_RISK = frozenset({R.bank_officer, R.bank_approver, R.enterprise})
VALUE_PATENTS = frozenset({R.bank_officer, R.bank_approver})
# The loan book: a bank its own loans, an enterprise its own, a regulator its jurisdiction's;
# the enterprise (or the bank officer for it) requests drawdowns, proposes payees, uploads
# vouchers and pays; the officer disburses and verifies milestones; the approver approves.
READ_LOANS = frozenset({R.regulator, R.bank_officer, R.bank_approver, R.enterprise})
LOAN_CUSTOMER = frozenset({R.bank_officer, R.enterprise})
MANAGE_LOANS = frozenset({R.bank_officer})
APPROVE_LOANS = frozenset({R.bank_approver})
# 融资需求: an enterprise posts its own (the task force for one); a bank officer takes and
# answers; the task force manages escalations and assigns. 对接办贷台账: the bank officer
# reports; banks, the task force and regulators read it and its conversion.
NEEDS = frozenset({R.enterprise, R.bank_officer, R.task_force})
POST_NEEDS = frozenset({R.enterprise, R.task_force})
TAKE_NEEDS = frozenset({R.bank_officer})
MANAGE_NEEDS = frozenset({R.task_force})
REPORT_LEDGER = frozenset({R.bank_officer})
READ_LEDGER = frozenset({R.regulator, R.bank_officer, R.bank_approver, R.task_force})
# Public support: each party reads its own side (a bank its loans', an enterprise its own, a
# guarantor its guarantees, the finance bureau all); the bank officer requests guarantees, files
# claims and records recoveries; the guarantor decides guarantees; the finance bureau keeps the
# funds (two people review and approve a claim) and computes, approves and pays subsidies.
READ_SUPPORT = frozenset(
    {R.bank_officer, R.bank_approver, R.enterprise, R.guarantor, R.finance_bureau}
)
FILE_SUPPORT = frozenset({R.bank_officer})
DECIDE_GUARANTEES = frozenset({R.guarantor})
MANAGE_FUNDS = frozenset({R.finance_bureau})
BANK_LOANS = frozenset({R.bank_officer, R.bank_approver})  # a bank's linkage queue
# The evidence log (链上存证): the loan book's readers see their loans' entries and proofs (a
# regulator also the whole log); the bank's approver and the regulator sign confirmations.
CONFIRM_EVIDENCE = frozenset({R.bank_approver, R.regulator})
# 日晾晒 · 周例会 · 月调度: the task force, regulators and banks (report:read)
READ_REPORTS = frozenset({R.regulator, R.bank_officer, R.bank_approver, R.task_force})
# 千企万户大走访: the task force enters and assigns visits; the assigned bank's officer (and the
# task force) records the outcome; regulators (jurisdiction), banks (assigned) and the task
# force read them
READ_VISITS = frozenset({R.regulator, R.bank_officer, R.bank_approver, R.task_force})
MANAGE_VISITS = frozenset({R.task_force})
FOLLOW_UP_VISITS = frozenset({R.bank_officer, R.task_force})

MATRIX: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/api/v1/me"): ALL,
    ("GET", "/api/v1/users"): frozenset({R.sysadmin, R.security_officer}),
    ("POST", "/api/v1/users/{user_id}/roles"): frozenset({R.security_officer}),
    # 三权分立: the security officer mints and revokes service accounts' tokens, never the sysadmin
    ("GET", "/api/v1/tokens"): frozenset({R.security_officer}),
    ("POST", "/api/v1/tokens"): frozenset({R.security_officer}),
    ("DELETE", "/api/v1/tokens/{token_id}"): frozenset({R.security_officer}),
    ("POST", "/api/v1/me/password"): ALL,
    ("GET", "/api/v1/login-throttles"): frozenset({R.security_officer}),
    ("DELETE", "/api/v1/login-throttles/{throttle_id}"): frozenset({R.security_officer}),
    ("POST", "/api/v1/users/{user_id}/unlock"): frozenset({R.security_officer}),
    ("GET", "/api/v1/audit/events"): frozenset({R.auditor}),
    ("GET", "/api/v1/audit/verify"): frozenset({R.auditor}),
    ("GET", "/api/v1/enterprises"): READ_ENTERPRISES,
    ("GET", "/api/v1/enterprises/{enterprise_id}"): READ_ENTERPRISES,
    ("POST", "/api/v1/enterprises"): frozenset({R.regulator}),
    ("GET", "/api/v1/enterprises/{enterprise_id}/records"): READ_RECORDS,
    ("GET", "/api/v1/records/{record_id}/history"): READ_RECORDS,
    ("POST", "/api/v1/records/{record_id}/remove"): frozenset({R.regulator}),
    ("POST", "/api/v1/records/{record_id}/repairs"): frozenset({R.regulator, R.enterprise}),
    ("GET", "/api/v1/repairs"): frozenset({R.regulator, R.enterprise}),
    ("POST", "/api/v1/repairs/{repair_id}/review"): frozenset({R.regulator}),
    ("GET", "/api/v1/imports/kinds"): frozenset({R.regulator}),
    ("GET", "/api/v1/imports/templates/{kind}"): frozenset({R.regulator}),
    ("POST", "/api/v1/imports/{kind}"): frozenset({R.regulator}),
    ("GET", "/api/v1/imports/{batch_id}"): frozenset({R.regulator}),
    ("GET", "/api/v1/imports/{batch_id}/errors.xlsx"): frozenset({R.regulator}),
    ("GET", "/api/v1/evaluation/runs"): READ_EVALUATIONS,
    ("GET", "/api/v1/evaluation/runs/{run_id}"): READ_EVALUATIONS,
    ("GET", "/api/v1/evaluation/runs/{run_id}/results"): READ_EVALUATIONS,
    ("GET", "/api/v1/evaluation/runs/{run_id}/enterprises/{enterprise_id}"): READ_EVALUATIONS,
    ("POST", "/api/v1/evaluation/enterprises/{enterprise_id}/evaluate"): frozenset({R.regulator}),
    ("GET", "/api/v1/whitelist/versions"): READ_WHITELIST,
    ("GET", "/api/v1/whitelist/versions/{version}/entries"): READ_WHITELIST,
    ("GET", "/api/v1/whitelist/changes"): READ_WHITELIST,
    ("GET", "/api/v1/whitelist/enterprises/{enterprise_id}/radar"): READ_WHITELIST,
    ("GET", "/api/v1/consents/banks"): MANAGE_CONSENTS,
    ("GET", "/api/v1/enterprises/{enterprise_id}/consents"): MANAGE_CONSENTS,
    ("POST", "/api/v1/enterprises/{enterprise_id}/consents"): MANAGE_CONSENTS,
    ("POST", "/api/v1/consents/{consent_id}/revoke"): MANAGE_CONSENTS,
    ("GET", "/api/v1/enterprises/{enterprise_id}/portrait"): READ_PORTRAIT,
    ("GET", "/api/v1/enterprises/{enterprise_id}/portrait.pdf"): READ_PORTRAIT,
    ("GET", "/api/v1/webhooks/endpoints"): MANAGE_WEBHOOKS,
    ("POST", "/api/v1/webhooks/endpoints"): MANAGE_WEBHOOKS,
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/rotate"): MANAGE_WEBHOOKS,
    ("GET", "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries"): MANAGE_WEBHOOKS,
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/resend"): MANAGE_WEBHOOKS,
    # -- working-day calendar (workdays) --
    ("GET", "/api/v1/calendar/deadline"): READ_PRODUCTS,
    ("GET", "/api/v1/calendar/{year}"): READ_PRODUCTS,
    ("PUT", "/api/v1/calendar/{year}"): frozenset({R.regulator}),
    # -- LPR (lpr) --
    ("GET", "/api/v1/lpr"): READ_PRODUCTS,
    ("GET", "/api/v1/lpr/on/{day}"): READ_PRODUCTS,
    ("PUT", "/api/v1/lpr/{day}"): frozenset({R.regulator}),
    ("DELETE", "/api/v1/lpr/{day}"): frozenset({R.regulator}),
    # -- products (products) --
    ("GET", "/api/v1/products"): READ_PRODUCTS,
    ("GET", "/api/v1/products/{code}"): READ_PRODUCTS,
    # -- quotes (quotes) --
    ("POST", "/api/v1/quotes"): RUN_QUOTES,
    ("GET", "/api/v1/quotes/{quote_id}"): RUN_QUOTES,
    # -- applications and consultations (applications) --
    ("GET", "/api/v1/applications"): READ_APPLICATIONS,
    ("POST", "/api/v1/applications"): SUBMIT_APPLICATIONS,
    ("GET", "/api/v1/applications/{application_id}"): READ_APPLICATIONS,
    ("POST", "/api/v1/applications/{application_id}/accept"): frozenset({R.bank_officer}),
    ("POST", "/api/v1/applications/{application_id}/materials/request"): frozenset(
        {R.bank_officer}
    ),
    ("POST", "/api/v1/applications/{application_id}/materials/respond"): SUBMIT_APPLICATIONS,
    ("POST", "/api/v1/applications/{application_id}/review/start"): frozenset({R.bank_officer}),
    ("POST", "/api/v1/applications/{application_id}/checks/attest"): frozenset({R.bank_officer}),
    ("POST", "/api/v1/applications/{application_id}/checks/rerun"): frozenset({R.bank_officer}),
    ("POST", "/api/v1/applications/{application_id}/review"): frozenset({R.bank_officer}),
    ("POST", "/api/v1/applications/{application_id}/approve"): frozenset({R.bank_approver}),
    ("POST", "/api/v1/applications/{application_id}/reject"): frozenset({R.bank_approver}),
    ("POST", "/api/v1/applications/{application_id}/return"): frozenset({R.bank_approver}),
    ("POST", "/api/v1/applications/{application_id}/withdraw"): SUBMIT_APPLICATIONS,
    ("POST", "/api/v1/applications/{application_id}/contract"): frozenset({R.bank_officer}),
    ("GET", "/api/v1/consultations"): frozenset({R.task_force}),
    ("GET", "/api/v1/consultations/{consultation_id}"): frozenset({R.task_force}),
    ("POST", "/api/v1/consultations/{consultation_id}/plan"): frozenset({R.task_force}),
    ("POST", "/api/v1/consultations/{consultation_id}/recompute"): frozenset({R.task_force}),
    ("POST", "/api/v1/consultations/{consultation_id}/close"): frozenset({R.task_force}),
    # -- the loan book (loans) --
    ("GET", "/api/v1/loans/contracts"): READ_LOANS,
    ("GET", "/api/v1/loans/contracts/{contract_id}"): READ_LOANS,
    ("GET", "/api/v1/loans/contracts/{contract_id}/line"): READ_LOANS,
    ("POST", "/api/v1/loans/contracts/{contract_id}/line/frozen"): APPROVE_LOANS,
    ("POST", "/api/v1/loans/contracts/{contract_id}/drawdowns"): LOAN_CUSTOMER,
    ("GET", "/api/v1/loans/drawdowns/{drawdown_id}"): READ_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/approve"): APPROVE_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/reject"): APPROVE_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/disburse"): MANAGE_LOANS,
    ("POST", "/api/v1/loans/contracts/{contract_id}/milestones/{milestone}/verify"): MANAGE_LOANS,
    ("POST", "/api/v1/loans/contracts/{contract_id}/payees"): LOAN_CUSTOMER,
    ("POST", "/api/v1/loans/payees/{payee_id}/approve"): APPROVE_LOANS,
    ("POST", "/api/v1/loans/payees/{payee_id}/reject"): APPROVE_LOANS,
    ("POST", "/api/v1/loans/contracts/{contract_id}/vouchers"): LOAN_CUSTOMER,
    ("GET", "/api/v1/loans/vouchers/{voucher_id}/file"): READ_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/payments"): LOAN_CUSTOMER,
    # -- risk models (risk) --
    ("GET", "/api/v1/risk/models"): READ_MODELS,
    ("GET", "/api/v1/risk/models/{model_id}"): READ_MODELS,
    ("POST", "/api/v1/risk/models/{model_id}/promote"): frozenset({R.regulator}),
    ("POST", "/api/v1/risk/score"): SCORE_RISK,
    ("POST", "/api/v1/risk/patents/valuations"): VALUE_PATENTS,
    ("GET", "/api/v1/risk/patents/valuations/{valuation_id}"): VALUE_PATENTS,
    ("POST", "/api/v1/risk/patents/valuations/{valuation_id}/override"): VALUE_PATENTS,
    # 异议: an enterprise files on its own records/elements; two regulators resolve it
    ("POST", "/api/v1/disputes"): frozenset({R.enterprise}),
    ("GET", "/api/v1/disputes"): frozenset({R.enterprise, R.regulator}),
    ("GET", "/api/v1/disputes/access-log"): frozenset({R.enterprise}),
    ("GET", "/api/v1/disputes/{dispute_id}"): frozenset({R.enterprise, R.regulator}),
    ("GET", "/api/v1/disputes/{dispute_id}/evidence"): frozenset({R.enterprise, R.regulator}),
    ("POST", "/api/v1/disputes/{dispute_id}/proposal"): frozenset({R.regulator}),
    ("POST", "/api/v1/disputes/{dispute_id}/decision"): frozenset({R.regulator}),
    # -- servicing (loans): the book's readers see repayments and classes; the lending bank's
    # officer enters repayments and classifies --
    ("GET", "/api/v1/loans/npl"): frozenset({R.regulator, R.bank_officer, R.bank_approver}),
    ("GET", "/api/v1/loans/drawdowns/{drawdown_id}/repayments"): READ_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/repayments"): MANAGE_LOANS,
    ("GET", "/api/v1/loans/drawdowns/{drawdown_id}/classification"): READ_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/classification"): MANAGE_LOANS,
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/restructuring"): MANAGE_LOANS,
    ("POST", "/api/v1/loans/{contract_id}/renewal"): MANAGE_LOANS,
    # -- the demand side --
    ("GET", "/api/v1/demand/options"): NEEDS,
    ("GET", "/api/v1/enterprises/{enterprise_id}/price-levers"): RUN_QUOTES,
    ("GET", "/api/v1/enterprises/{enterprise_id}/preapproved-offers"): RUN_QUOTES,
    ("GET", "/api/v1/preapprovals"): READ_LEDGER,
    ("GET", "/api/v1/preapprovals/{list_id}"): READ_LEDGER,
    ("POST", "/api/v1/preapprovals/{list_id}/push"): REPORT_LEDGER,
    ("POST", "/api/v1/needs"): POST_NEEDS,
    ("GET", "/api/v1/needs"): NEEDS,
    ("GET", "/api/v1/needs/{need_id}"): NEEDS,
    ("POST", "/api/v1/needs/{need_id}/take"): TAKE_NEEDS,
    ("POST", "/api/v1/needs/{need_id}/steps"): TAKE_NEEDS,
    ("POST", "/api/v1/needs/{need_id}/assign"): MANAGE_NEEDS,
    ("POST", "/api/v1/needs/{need_id}/release"): MANAGE_NEEDS,
    ("POST", "/api/v1/needs/{need_id}/withdraw"): POST_NEEDS,
    ("POST", "/api/v1/needs/escalations"): MANAGE_NEEDS,
    ("GET", "/api/v1/ledger"): READ_LEDGER,
    ("POST", "/api/v1/ledger"): REPORT_LEDGER,
    ("POST", "/api/v1/ledger/imports"): REPORT_LEDGER,
    ("GET", "/api/v1/ledger/imports/{import_id}"): REPORT_LEDGER,
    ("GET", "/api/v1/ledger/template.xlsx"): REPORT_LEDGER,
    ("GET", "/api/v1/ledger/conversion"): READ_LEDGER,
    ("GET", "/api/v1/ledger/conversion.xlsx"): READ_LEDGER,
    # -- public support (担保 · 风险补偿 · 贴息) --
    ("GET", "/api/v1/support/guarantees"): READ_SUPPORT,
    ("GET", "/api/v1/enterprises/{enterprise_id}/policies"): READ_SUPPORT,
    ("POST", "/api/v1/support/guarantees"): FILE_SUPPORT,
    ("POST", "/api/v1/support/guarantees/{guarantee_id}/decision"): DECIDE_GUARANTEES,
    ("POST", "/api/v1/support/guarantee-batches"): FILE_SUPPORT,
    ("GET", "/api/v1/support/guarantee-batches/{batch_id}"): READ_SUPPORT,
    ("POST", "/api/v1/support/guarantee-batches/{batch_id}/decision"): DECIDE_GUARANTEES,
    ("GET", "/api/v1/support/claims"): READ_SUPPORT,
    ("POST", "/api/v1/support/claims"): FILE_SUPPORT,
    ("GET", "/api/v1/support/claims/{claim_id}"): READ_SUPPORT,
    ("GET", "/api/v1/support/claims/{claim_id}/recoveries"): READ_SUPPORT,
    ("POST", "/api/v1/support/claims/{claim_id}/review"): MANAGE_FUNDS,
    ("POST", "/api/v1/support/claims/{claim_id}/approve"): MANAGE_FUNDS,
    ("POST", "/api/v1/support/claims/{claim_id}/reject"): MANAGE_FUNDS,
    ("POST", "/api/v1/support/claims/{claim_id}/payment"): MANAGE_FUNDS,
    ("POST", "/api/v1/support/claims/{claim_id}/recoveries"): FILE_SUPPORT,
    ("GET", "/api/v1/support/funds"): MANAGE_FUNDS,
    ("POST", "/api/v1/support/funds/{fund_id}/contributions"): MANAGE_FUNDS,
    ("GET", "/api/v1/support/subsidies"): READ_SUPPORT,
    ("POST", "/api/v1/support/subsidies"): MANAGE_FUNDS,
    ("GET", "/api/v1/support/subsidies/{subsidy_claim_id}/lines"): READ_SUPPORT,
    ("POST", "/api/v1/support/subsidies/{subsidy_claim_id}/approve"): MANAGE_FUNDS,
    ("POST", "/api/v1/support/subsidies/{subsidy_claim_id}/payment"): MANAGE_FUNDS,
    ("GET", "/api/v1/linkage/loans/{contract_id}"): READ_LOANS,
    ("GET", "/api/v1/linkage/enterprises/{enterprise_id}"): READ_LOANS,
    ("GET", "/api/v1/linkage/queue"): BANK_LOANS,
    ("POST", "/api/v1/linkage/actions/{action_id}/reversal"): MANAGE_LOANS,
    ("POST", "/api/v1/linkage/reversals/{reversal_id}/approve"): APPROVE_LOANS,
    ("POST", "/api/v1/linkage/reversals/{reversal_id}/reject"): APPROVE_LOANS,
    # -- the evidence log (evidence) --
    ("GET", "/api/v1/evidence/contracts/{contract_id}/entries"): READ_LOANS,
    ("POST", "/api/v1/evidence/confirmations"): CONFIRM_EVIDENCE,
    ("POST", "/api/v1/evidence/keys"): CONFIRM_EVIDENCE,
    ("POST", "/api/v1/evidence/keys/{key_id}/approve"): CONFIRM_EVIDENCE,
    ("POST", "/api/v1/evidence/keys/{key_id}/reject"): CONFIRM_EVIDENCE,
    ("POST", "/api/v1/evidence/signatures"): CONFIRM_EVIDENCE,
    ("GET", "/api/v1/evidence/entries/{seq}/proof"): READ_LOANS,
    ("GET", "/api/v1/evidence/heads"): READ_LOANS,
    # -- the task force's reports (a bank its own rows, a regulator its jurisdiction) --
    ("GET", "/api/v1/reports/daily"): READ_REPORTS,
    ("GET", "/api/v1/reports/weekly"): READ_REPORTS,
    ("GET", "/api/v1/reports/monthly"): READ_REPORTS,
    ("GET", "/api/v1/reports/dashboard"): READ_REPORTS,
    # -- the visits (千企万户大走访 · 银企对接会) --
    ("GET", "/api/v1/visits"): READ_VISITS,
    ("POST", "/api/v1/visits"): MANAGE_VISITS,
    ("GET", "/api/v1/visits/campaigns"): READ_VISITS,
    ("GET", "/api/v1/visits/events"): READ_VISITS,
    ("GET", "/api/v1/visits/areas"): READ_VISITS,
    ("GET", "/api/v1/visits/{visit_id}"): READ_VISITS,
    ("POST", "/api/v1/visits/{visit_id}/outcome"): FOLLOW_UP_VISITS,
    ("POST", "/api/v1/visits/{visit_id}/assign"): MANAGE_VISITS,
}
PUBLIC: set[tuple[str, str]] = set()


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every API operation, read from the OpenAPI document the app publishes."""
    found = set()
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            found.add((method.upper(), path))
    assert found, "no API routes found: the route walk is broken"
    return found


def test_every_api_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = api_routes(app)
    missing = routes - set(MATRIX) - PUBLIC
    stale = set(MATRIX) - routes
    assert not missing, f"routes missing from the role matrix: {sorted(missing)}"
    assert not stale, f"matrix entries with no route: {sorted(stale)}"


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "certification" if m.group(1) == "kind" else "1", path)


def test_every_role_gets_exactly_what_the_matrix_says(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91110000600037341L", name="甲公司", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        firm_id = firm.id
    for role in Role:
        make_user(
            factory,
            f"u-{role.value}",
            role,
            enterprise_id=firm_id if role == Role.enterprise else None,
        )
    failures = []
    for role in Role:
        with TestClient(app) as client:
            csrf = login(client, f"u-{role.value}")
            for (method, path), allowed in sorted(MATRIX.items()):
                resp = client.request(method, _fill(path), headers={"X-CSRF-Token": csrf}, json={})
                if role in allowed and resp.status_code in (401, 403):
                    failures.append(f"{role.value} refused {method} {path}: {resp.status_code}")
                if role not in allowed and resp.status_code != 403:
                    failures.append(f"{role.value} let through {method} {path}: {resp.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_anonymous_gets_401(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, _fill(path), json={}).status_code == 401
