"""The five standards (五项标准) of 应贷尽贷, each a named check with its evidence (pure).

合规持续经营 and 信用状况良好 are decided from the platform's records where they allow it
(registration status, date of establishment, 经营异常名录 / 严重违法失信名单 / 失信被执行人 list
entries); 固定经营场所 and 真实融资需求 need the officer's attestation with a note; 贷款用途合法合规
fails at once when the stated use names a prohibited use, and is attested otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    passed = "passed"
    failed = "failed"
    pending = "pending"


STATUS_LABELS = {Status.passed: "通过", Status.failed: "未通过", Status.pending: "待核实"}


class Source(StrEnum):
    auto = "auto"
    attested = "attested"


SOURCE_LABELS = {Source.auto: "系统核验", Source.attested: "客户经理核实"}

STANDARDS: dict[str, str] = {
    "compliant_operation": "合规持续经营",
    "fixed_premises": "固定经营场所",
    "real_need": "真实融资需求",
    "good_credit": "信用状况良好",
    "lawful_use": "贷款用途合法合规",
}
MIN_OPERATING_MONTHS = 12
LIVE_STATUS = "存续"

# Uses a loan may not fund (流动资金贷款管理办法 and the banks' own rules): the word found, and
# what it falls under.
PROHIBITED_USES: dict[str, str] = {
    "股票": "证券投资",
    "炒股": "证券投资",
    "证券投资": "证券投资",
    "期货": "期货及金融衍生品投资",
    "衍生品": "期货及金融衍生品投资",
    "理财": "购买理财产品",
    "股权投资": "股本权益性投资",
    "房地产开发": "房地产投资",
    "购房": "房地产投资",
    "买房": "房地产投资",
    "民间借贷": "借贷或转贷",
    "转贷": "借贷或转贷",
    "放贷": "借贷或转贷",
    "虚拟货币": "虚拟货币交易",
    "彩票": "国家禁止的用途",
    "赌": "国家禁止的用途",
}


class AttestRefused(ValueError):
    pass


@dataclass(frozen=True)
class ListEntry:
    """A 名录名单 record: 经营异常名录, 严重违法失信名单 or 失信被执行人."""

    subtype: str
    listed_on: date | None
    removed_on: date | None = None
    reason: str | None = None
    repaired_on: date | None = None

    def in_force(self, on: date) -> bool:
        if self.listed_on is not None and on < self.listed_on:
            return False
        if self.removed_on is not None and on > self.removed_on:
            return False
        return not (self.repaired_on is not None and on >= self.repaired_on)


@dataclass(frozen=True)
class Penalty:
    on: date | None
    level: str | None  # 一般 / 较重 / 严重
    subtype: str | None


@dataclass(frozen=True)
class Subject:
    """What the platform knows of the applicant on the check date."""

    status: str
    established_on: date | None
    list_entries: tuple[ListEntry, ...] = ()
    penalties: tuple[Penalty, ...] = ()


@dataclass(frozen=True)
class Need:
    """What the application says about the money."""

    amount: Decimal
    purpose: str
    use_of_funds: str
    annual_sales: Decimal | None = None
    use_proof_provided: bool = False
    premises_proof_provided: bool = False


@dataclass(frozen=True)
class CheckResult:
    code: str
    label: str
    status: Status
    source: Source
    evidence: tuple[str, ...]
    note: str = ""


def months_between(start: date, on: date) -> int:
    months = (on.year - start.year) * 12 + on.month - start.month
    return months - (1 if on.day < start.day else 0)


def _yuan(v: Decimal) -> str:
    return f"{v:,.2f} 元"


def _listed(subject: Subject, subtype: str, on: date) -> list[ListEntry]:
    return [e for e in subject.list_entries if e.subtype == subtype and e.in_force(on)]


def _entry_line(e: ListEntry) -> str:
    since = e.listed_on.isoformat() if e.listed_on else "日期不详"
    why = f"，原因：{e.reason}" if e.reason else ""
    return f"{since} 列入{e.subtype}{why}"


def compliant_operation(
    subject: Subject, on: date, min_months: int = MIN_OPERATING_MONTHS
) -> CheckResult:
    """存续, not on 经营异常名录 on ``on``, and operating for at least ``min_months``."""
    code = "compliant_operation"
    evidence: list[str] = []
    failed = False
    if subject.status != LIVE_STATUS:
        evidence.append(f"登记状态为「{subject.status}」，不是「存续」")
        failed = True
    else:
        evidence.append("登记状态：存续")
    abnormal = _listed(subject, "经营异常名录", on)
    if abnormal:
        evidence.extend(_entry_line(e) for e in abnormal)
        failed = True
    else:
        evidence.append("未列入经营异常名录")
    if subject.established_on is None:
        evidence.append("登记信息缺少成立日期，经营年限须人工核实")
        status = Status.failed if failed else Status.pending
        return CheckResult(code, STANDARDS[code], status, Source.auto, tuple(evidence))
    months = months_between(subject.established_on, on)
    line = f"成立于 {subject.established_on.isoformat()}，已经营 {months} 个月"
    if months < min_months:
        evidence.append(f"{line}，不足 {min_months} 个月")
        failed = True
    else:
        evidence.append(f"{line}（要求不少于 {min_months} 个月）")
    status = Status.failed if failed else Status.passed
    return CheckResult(code, STANDARDS[code], status, Source.auto, tuple(evidence))


def fixed_premises(need: Need) -> CheckResult:
    code = "fixed_premises"
    evidence = ["平台无经营场所数据，须客户经理实地走访或核验产权证明、租赁合同"]
    if need.premises_proof_provided:
        evidence.append("企业已提交经营场所证明")
    else:
        evidence.append("企业尚未提交经营场所证明")
    return CheckResult(code, STANDARDS[code], Status.pending, Source.auto, tuple(evidence))


def real_need(need: Need) -> CheckResult:
    code = "real_need"
    evidence = [
        f"申请金额 {_yuan(need.amount)}",
        f"借款用途：{need.purpose}",
        f"资金使用计划：{need.use_of_funds}",
    ]
    if need.annual_sales is not None and need.annual_sales > 0:
        share = (need.amount / need.annual_sales * 100).quantize(Decimal("0.1"))
        evidence.append(f"上年度销售收入 {_yuan(need.annual_sales)}，申请金额为其 {share}%")
        if need.amount > need.annual_sales:
            evidence.append("申请金额超过上年度销售收入，请重点核实融资需求")
    evidence.append("已提交用途证明" if need.use_proof_provided else "尚未提交用途证明")
    return CheckResult(code, STANDARDS[code], Status.pending, Source.auto, tuple(evidence))


def good_credit(subject: Subject, on: date) -> CheckResult:
    """No 严重违法失信名单 / 失信被执行人 entry in force; a serious penalty within two years needs
    the officer's judgement."""
    code = "good_credit"
    evidence: list[str] = []
    failed = False
    for subtype in ("严重违法失信名单", "失信被执行人"):
        hits = _listed(subject, subtype, on)
        if hits:
            evidence.extend(_entry_line(e) for e in hits)
            failed = True
        else:
            evidence.append(f"未列入{subtype}")
    since = (
        on.replace(year=on.year - 2)
        if not (on.month == 2 and on.day == 29)
        else date(on.year - 2, 2, 28)
    )
    recent = [p for p in subject.penalties if p.on is not None and since < p.on <= on]
    serious = [p for p in recent if p.level == "严重"]
    evidence.append(
        f"近两年行政处罚 {len(recent)} 起" + (f"，其中严重 {len(serious)} 起" if serious else "")
    )
    if failed:
        status = Status.failed
    elif serious:
        evidence.append("存在严重行政处罚，须客户经理结合征信报告核实")
        status = Status.pending
    else:
        status = Status.passed
    return CheckResult(code, STANDARDS[code], status, Source.auto, tuple(evidence))


def prohibited_uses(*texts: str) -> list[tuple[str, str]]:
    """(word, category) for each prohibited use named in ``texts``."""
    joined = " ".join(texts)
    return [(w, cat) for w, cat in PROHIBITED_USES.items() if w in joined]


def lawful_use(need: Need) -> CheckResult:
    code = "lawful_use"
    hits = prohibited_uses(need.purpose, need.use_of_funds)
    if hits:
        evidence = tuple(f"用途中出现「{w}」：贷款资金不得用于{cat}" for w, cat in hits)
        return CheckResult(code, STANDARDS[code], Status.failed, Source.auto, evidence)
    evidence = (
        "用途未出现禁止性用途",
        "须客户经理核实用途证明与资金使用计划一致，并确认不属于国家禁止的生产经营领域",
    )
    return CheckResult(code, STANDARDS[code], Status.pending, Source.auto, evidence)


def run_all(
    subject: Subject, need: Need, on: date, min_months: int = MIN_OPERATING_MONTHS
) -> list[CheckResult]:
    return [
        compliant_operation(subject, on, min_months),
        fixed_premises(need),
        real_need(need),
        good_credit(subject, on),
        lawful_use(need),
    ]


def attest(check: CheckResult, *, passed: bool, note: str) -> CheckResult:
    """The officer decides a check the records could not: pass or fail, with a note.

    A check the records decided (passed or failed automatically) stands: the officer cannot
    overrule it, only have it run again once the records change.
    """
    if check.source == Source.auto and check.status != Status.pending:
        raise AttestRefused(
            f"「{check.label}」已由系统根据登记和名录数据核验为「{STATUS_LABELS[check.status]}」，"
            "不能人工改判；如数据已更新，请「重新核验」"
        )
    if not note.strip():
        raise AttestRefused(f"核实「{check.label}」须填写说明（核实方式与结论依据）")
    if len(note) > 1000:
        raise AttestRefused("核实说明不能超过 1000 字")
    return replace(
        check,
        status=Status.passed if passed else Status.failed,
        source=Source.attested,
        note=note.strip(),
    )


def merge_rerun(old: Sequence[CheckResult], new: Iterable[CheckResult]) -> list[CheckResult]:
    """A re-run replaces what the records decide; an officer's attestation of a check the
    records still cannot decide is kept."""
    kept = {c.code: c for c in old if c.source == Source.attested}
    out = []
    for c in new:
        prior = kept.get(c.code)
        out.append(prior if prior is not None and c.status == Status.pending else c)
    return out


def labels_with(checks: Iterable[CheckResult], status: Status) -> list[str]:
    return [c.label for c in checks if c.status == status]
