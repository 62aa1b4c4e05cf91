"""What each role may do: the one table the service layer consults (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from zhixin.accounts.rules import Role, TenantKind


class Permission(StrEnum):
    enterprise_read = "enterprise:read"  # identity of enterprises (own only, for an enterprise)
    enterprise_write = "enterprise:write"
    record_read = "record:read"  # detailed quality records
    record_write = "record:write"  # import, correct, remove
    repair_request = "repair:request"
    repair_review = "repair:review"
    audit_read = "audit:read"
    user_manage = "user:manage"
    role_grant = "role:grant"
    token_manage = "token:manage"  # noqa: S105 - mint/revoke service accounts' API tokens
    login_unlock = "login:unlock"  # see and clear the login throttle (security officer)
    evaluation_run = "evaluation:run"  # run evaluations (batch or on demand)
    evaluation_read = "evaluation:read"  # runs, results, explanations (own only, for an enterprise)
    whitelist_draft = "whitelist:draft"  # draft a publication, refresh (regulator)
    whitelist_approve = "whitelist:approve"  # approve/reject another regulator's draft
    whitelist_read = "whitelist:read"  # published versions, diffs, change feed, radar data
    consent_manage = "consent:manage"  # grant/revoke a bank's access to own records (enterprise)
    portrait_read = "portrait:read"  # 质量画像 (own only, for an enterprise; evidence by consent)
    # a bank's (or an enterprise's) own webhook endpoints, secrets, deliveries
    webhook_manage = "webhook:manage"
    calendar_manage = "calendar:manage"  # enter a year's official holidays and make-up workdays
    lpr_manage = "lpr:manage"  # maintain the dated LPR table
    product_read = "product:read"  # products, the LPR table, the working-day calendar
    quote_run = "quote:run"  # 测算/报价 (an enterprise for itself; others on its behalf)
    application_submit = "application:submit"  # 贷款申请 (an enterprise, or an officer for it)
    application_read = "application:read"  # own applications (enterprise), own bank's (bank)
    application_review = "application:review"  # accept, check, review (bank officer)
    application_approve = "application:approve"  # approve / reject (bank approver)
    consultation_manage = "consultation:manage"  # 联合会诊 queue and plans (task force)
    model_read = "model:read"  # the risk-model registry: versions, metrics, calibration, drift
    model_manage = "model:manage"  # train/register model versions, run PSI (maker)
    model_approve = "model:approve"  # promote a challenger to champion (checker, not the trainer)
    risk_score = "risk:score"  # score an enterprise (a bank under consent; an enterprise itself)
    risk_data_load = "risk_data:load"  # load financials, invoicing/tax, bank statements
    dispute_file = "dispute:file"  # 异议: an enterprise disputes its own record or element
    dispute_review = "dispute:review"  # propose / approve a dispute's resolution (two regulators)
    access_log_read = "access_log:read"  # an enterprise sees who took its portrait and records
    patent_value = "patent:value"  # 知识产权估值 and the officer's override
    loan_read = "loan:read"  # the loan book: own bank's, own (enterprise), jurisdiction (regulator)
    loan_manage = "loan:manage"  # contracts, disbursement, milestones, payments (bank officer)
    loan_approve = "loan:approve"  # approve drawdowns and payees (bank approver, not the maker)
    payment_submit = "payment:submit"  # request drawdowns, payees, vouchers, payments (enterprise)
    need_post = "need:post"  # 融资需求: an enterprise its own; the task force for an enterprise
    need_take = "need:take"  # take a need and answer it on the clock (bank officer)
    need_manage = "need:manage"  # escalations, assign a need to a bank (task force)
    ledger_report = "ledger:report"  # 对接办贷台账: record and import outcomes (bank officer)
    ledger_read = "ledger:read"  # the ledger and its conversion (own bank's; all for the rest)
    report_read = "report:read"  # 日晾晒/周例会/月调度 and the dashboard (bank: own rows)
    visit_read = "visit:read"  # 千企万户大走访 and 对接会 (bank: visits assigned to it)
    visit_manage = "visit:manage"  # campaigns, teams, visit sheets, assignment, 对接会 (task force)
    # a visit's follow-up outcome: the bank assigned to it (not once final), the task force
    visit_follow_up = "visit:follow_up"
    support_read = "support:read"  # guarantees, compensation claims, subsidies (own side of each)
    guarantee_decide = "guarantee:decide"  # products, approve/reject guarantees (guarantor)
    compensation_file = "compensation:file"  # request guarantees, file claims, recoveries (bank)
    fund_manage = "fund:manage"  # contributions, review/approve (two people) and pay claims
    subsidy_manage = "subsidy:manage"  # policies, compute, approve and pay 贴息 (finance bureau)
    evidence_read = "evidence:read"  # the whole evidence log and its signed heads (regulator)
    evidence_confirm = "evidence:confirm"  # sign evidence entries for one's side (bank, regulator)


R = Role
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    R.regulator: frozenset(
        {
            Permission.enterprise_read,
            Permission.enterprise_write,
            Permission.record_read,
            Permission.record_write,
            Permission.repair_request,
            Permission.repair_review,
            Permission.dispute_review,
            Permission.evaluation_run,
            Permission.evaluation_read,
            Permission.whitelist_draft,
            Permission.whitelist_approve,
            Permission.whitelist_read,
            Permission.portrait_read,
            Permission.calendar_manage,
            Permission.lpr_manage,
            Permission.product_read,
            Permission.application_read,
            Permission.model_read,
            Permission.model_manage,
            Permission.model_approve,
            Permission.risk_data_load,
            Permission.loan_read,
            Permission.ledger_read,
            Permission.report_read,
            Permission.visit_read,
            Permission.evidence_read,
            Permission.evidence_confirm,
        }
    ),
    # Banks read identity, grades and portraits; detailed records (record:read) only where the
    # enterprise has authorised the bank (授权, consent.service.bank_may_read_records): without an
    # active consent the records answer 404, as for a missing enterprise.
    R.bank_officer: frozenset(
        {
            Permission.enterprise_read,
            Permission.record_read,
            Permission.evaluation_read,
            Permission.whitelist_read,
            Permission.portrait_read,
            Permission.webhook_manage,
            Permission.product_read,
            Permission.quote_run,
            Permission.application_submit,
            Permission.application_read,
            Permission.application_review,
            Permission.model_read,
            Permission.risk_score,
            Permission.patent_value,
            Permission.loan_read,
            Permission.loan_manage,
            Permission.need_take,
            Permission.ledger_report,
            Permission.ledger_read,
            Permission.report_read,
            Permission.visit_read,
            Permission.visit_follow_up,
            Permission.support_read,
            Permission.compensation_file,
        }
    ),
    R.bank_approver: frozenset(
        {
            Permission.enterprise_read,
            Permission.record_read,
            Permission.evaluation_read,
            Permission.whitelist_read,
            Permission.portrait_read,
            Permission.webhook_manage,
            Permission.product_read,
            Permission.quote_run,
            Permission.application_read,
            Permission.application_approve,
            Permission.model_read,
            Permission.risk_score,
            Permission.patent_value,
            Permission.loan_read,
            Permission.loan_approve,
            Permission.ledger_read,
            Permission.report_read,
            Permission.visit_read,
            Permission.support_read,
            Permission.evidence_confirm,
        }
    ),
    R.enterprise: frozenset(
        {
            Permission.enterprise_read,
            Permission.record_read,
            Permission.repair_request,
            Permission.dispute_file,
            Permission.access_log_read,
            Permission.evaluation_read,
            Permission.consent_manage,
            Permission.portrait_read,
            Permission.product_read,
            Permission.quote_run,
            Permission.application_submit,
            Permission.application_read,
            Permission.risk_score,
            Permission.loan_read,
            Permission.payment_submit,
            Permission.need_post,
            Permission.support_read,
            # the linkage events of its own lines (freeze, unfreeze, breach, notch) by webhook
            Permission.webhook_manage,
        }
    ),
    R.guarantor: frozenset(
        {
            Permission.enterprise_read,
            Permission.evaluation_read,
            Permission.whitelist_read,
            Permission.portrait_read,
            Permission.product_read,
            Permission.support_read,
            Permission.guarantee_decide,
        }
    ),
    R.finance_bureau: frozenset(
        {
            Permission.enterprise_read,
            Permission.evaluation_read,
            Permission.whitelist_read,
            Permission.portrait_read,
            Permission.product_read,
            Permission.support_read,
            Permission.fund_manage,
            Permission.subsidy_manage,
        }
    ),
    R.task_force: frozenset(
        {
            Permission.enterprise_read,
            Permission.record_read,
            Permission.evaluation_read,
            Permission.whitelist_read,
            Permission.portrait_read,
            Permission.product_read,
            Permission.quote_run,
            Permission.application_read,
            Permission.consultation_manage,
            Permission.need_post,
            Permission.need_manage,
            Permission.ledger_read,
            Permission.report_read,
            Permission.visit_read,
            Permission.visit_manage,
            Permission.visit_follow_up,
        }
    ),
    R.auditor: frozenset({Permission.audit_read}),
    # 三权分立: the administrator manages accounts but neither reads the audit log, grants roles
    # nor mints API tokens; the security officer grants roles, mints service accounts' tokens
    # and lifts login throttles; the auditor reads the log.
    R.sysadmin: frozenset({Permission.user_manage}),
    R.security_officer: frozenset(
        {Permission.role_grant, Permission.token_manage, Permission.login_unlock}
    ),
}

# Scopes a bank system's API token may carry.
TOKEN_SCOPES: dict[str, str] = {
    "enterprise:read": "读取经营主体基本信息",
    "record:read": "读取质量要素记录（须企业授权）",
    "record:write": "导入质量要素记录",
    "evaluation:read": "读取质量信誉评价结果与解释",
    "whitelist:read": "读取白名单版本、条目、变更流与雷达图数据",
    "portrait:read": "读取质量画像（证据部分须企业授权）",
    "webhook:manage": "管理本机构（银行、企业）的 Webhook 推送端点、密钥与投递记录",
    "product:read": "读取产品配置、LPR 与工作日历",
    "quote:run": "为企业测算额度、利率与还款计划",
    "application:submit": "代企业提交贷款申请",
    "application:read": "读取本行的贷款申请与审批结论",
    "model:read": "读取风险模型注册表（版本、指标、校准、稳定性）",
    "risk:score": "为企业计算模型评分、违约概率与原因（须企业授权）",
    "patent:value": "专利估值及客户经理调整",
    "loan:read": "读取本行的贷款合同、用信、还款计划与支付",
    "loan:manage": "签订合同、放款、核验里程碑、登记受托支付",
    "need:take": "查看本行可承接的融资需求、接单并登记办理进度",
    "ledger:report": "报送对接办贷台账（登记或导入对接结果）",
    "ledger:read": "读取本行的对接办贷台账与转化情况",
    "visit:read": "读取分派给本行的走访记录（千企万户大走访）与本行参加的银企对接会",
    "visit:follow_up": "登记分派给本行的走访的跟进结果",
}


def scopes_beyond(roles: frozenset[Role], scopes: Iterable[str]) -> list[str]:
    """The scopes that none of ``roles`` grants (a token carrying them would be refused)."""
    granted = {p.value for r in roles for p in ROLE_PERMISSIONS[r]}
    return sorted(s for s in set(scopes) if s not in granted)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user through a browser session, or a system through an API token."""

    user_id: int
    username: str
    display_name: str
    tenant_id: int
    tenant_kind: TenantKind
    enterprise_id: int | None
    roles: frozenset[Role]
    scopes: frozenset[str] | None = None  # None: a browser session (no scope limit)
    via: str = "session"
    ip: str | None = None
    # a privileged user's password past its maximum age: only changing it is allowed
    password_expired: bool = False

    def can(self, permission: Permission) -> bool:
        if self.scopes is not None and permission.value not in self.scopes:
            return False
        return any(permission in ROLE_PERMISSIONS[r] for r in self.roles)

    def sees_enterprise(self, enterprise_id: int) -> bool:
        """An enterprise user sees only its own enterprise; other tenants see all identities."""
        if self.tenant_kind == TenantKind.enterprise:
            return self.enterprise_id == enterprise_id
        return True
