"""A product told in Chinese, section by section (pure): the product page and ``products show``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from zhixin.products import text
from zhixin.products.pricing import compute_rate
from zhixin.products.schema import (
    ALLOCATION_LABELS,
    CHANNEL_LABELS,
    FEE_BALANCE_LABELS,
    FEE_BASE_LABELS,
    FEE_PERIOD_LABELS,
    HOLIDAY_LABELS,
    RATE_TYPE_LABELS,
    RISK_USE_LABELS,
    TENOR_LABELS,
    Base,
    Fee,
    Offer,
    Product,
)
from zhixin.products.terms import Facts, Method, QuoteRequest

TITLE_ALL = frozenset(
    {"专精特新中小企业", "专精特新小巨人", "高新技术企业", "科技型中小企业", "区域品牌"}
)


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    lines: list[str] = field(default_factory=list)


def amount_range(product: Product) -> str:
    return f"{text.wan_short(product.amount.min)}–{text.wan_short(product.amount.max)}"


def term_range(product: Product) -> str:
    t = product.term_months
    return f"{t.min}–{t.max} 个月"


def _base(product: Product, base: Base) -> str:
    if base.kind == "sales":
        return f"基础额度 = 上年度销售收入 × {text.pct(base.sales_ratio or Decimal(0))}"
    if base.kind == "fixed":
        return f"基础额度 = 固定 {text.wan_short(base.amount or Decimal(0))}"
    tiers = "；".join(
        f"{text.class_name(product, t.level)} {text.wan_short(t.amount)}" for t in base.tiers
    )
    return f"基础额度按等级分档：{tiers}"


def _eligibility(p: Product) -> list[str]:
    e = p.eligibility
    lines = ["须列入质量信誉经营主体白名单" if e.whitelisted else "不要求列入白名单"]
    if e.grade is not None:
        wants = []
        if e.grade.overall is not None:
            wants.append(f"总体等级不低于{text.class_name(p, e.grade.overall)}")
        for d in e.grade.dimensions:
            wants.append(
                f"{text.dimension_name(d.dimension)}维度不低于{text.class_name(p, d.level)}"
            )
        if wants:
            lines.append("等级：" + "，或".join(wants))
    if e.size_classes:
        lines.append("企业规模：" + text.joined([text.SIZE_LABELS[s] for s in e.size_classes]))
    lines.append(
        "注册地：" + text.joined([f"{r.name}（{r.prefix}）" for r in e.regions])
        if e.regions
        else "注册地：不限"
    )
    if e.min_age_months is not None:
        lines.append(f"成立满 {e.min_age_months} 个月")
    if e.max_quality_penalties_2y is not None:
        n = e.max_quality_penalties_2y
        lines.append("近两年无质量类行政处罚" if n == 0 else f"近两年质量类行政处罚不超过 {n} 次")
    if e.titles_any:
        lines.append("须持有称号：" + "或".join(e.titles_any))
    return lines


def _limit(p: Product) -> list[str]:
    lim = p.limit
    lines = []
    if lim.base is not None:
        lines.append(_base(p, lim.base))
    if lim.coefficients:
        lines.append(
            "额度核定系数："
            + "；".join(
                f"{text.class_name(p, c.level)} ×{text.plain(c.factor)}" for c in lim.coefficients
            )
        )
    for pledge in lim.collateral:
        line = f"{pledge.kind.value}：评估价值 × 抵质押率 {text.pct(pledge.rate)}"
        for raised in pledge.raised:
            line += f"；{text.condition(p, raised.when)}时提高到 {text.pct(raised.rate)}"
        lines.append(line)
    if lim.collateral and (lim.base is not None or len(lim.collateral) > 1):
        lines.append("各部分相加（组合核定），并列示每部分占合计的比例")
    cap = lim.cap if lim.cap is not None else p.amount.max
    lines.append(f"基础授信上限 {text.wan_short(cap)}；单户最高 {text.wan_short(p.amount.max)}")
    if p.tranches:
        lines.append("达成里程碑后另加动态增信额度（见“动态增信”）")
    return lines


def _pricing(p: Product) -> list[str]:
    pr = p.pricing
    lines = [f"基准：{TENOR_LABELS[pr.lpr_tenor]}", f"加点：{text.bp(pr.spread_bp)}"]
    for d in pr.discounts:
        lines.append(f"优惠「{d.label}」：{text.condition(p, d.when)} → 减 {d.bp}bp")
    if pr.discounts:
        lines.append(
            "叠加规则："
            + ("各项优惠累加" if pr.stacking == "sum" else "多项优惠不叠加，取最大一项")
        )
    if pr.max_discount_bp is not None:
        lines.append(f"优惠合计（含动态增信降息）不超过 {pr.max_discount_bp}bp")
    if pr.floor is not None:
        lines.append(f"最低执行利率 {text.pct4(pr.floor)}")
    if pr.cap is not None:
        lines.append(f"最高执行利率 {text.pct4(pr.cap)}")
    return lines


def _tranches(p: Product) -> list[str]:
    return [
        f"{p.milestone_label(t.milestone)}（{t.milestone}）：增加额度 {text.wan_short(t.amount)}"
        + (f"，降息 {t.rate_cut_bp}bp" if t.rate_cut_bp else "")
        for t in p.tranches
    ]


def _support(p: Product) -> list[str]:
    s = p.support
    lines = []
    if s.guarantee is not None:
        g = s.guarantee
        base = FEE_BASE_LABELS[g.fee_base]
        if g.fee_base == "guaranteed":
            base += f"（贷款金额 × {text.pct(g.coverage)}）"
        lines.append(
            f"担保：{g.guarantor}，担保比例 {text.pct(g.coverage)}，"
            f"担保费率 {text.pct(g.fee_rate)}/年（借款人承担），按{base}的"
            f"{FEE_BALANCE_LABELS[g.fee_balance]}计，{FEE_PERIOD_LABELS[g.fee_period]}"
        )
    if s.subsidy is not None:
        sub = s.subsidy
        line = f"贴息：{text.plain(sub.points)} 个百分点/年"
        if sub.months:
            line += f"，贴息期 {sub.months} 个月"
        if sub.cap is not None:
            line += f"，总额不超过 {text.wan_short(sub.cap)}"
        if sub.payer:
            line += f"，由{sub.payer}支付"
        if sub.condition:
            line += f"；前提：{sub.condition}"
        lines.append(line)
    if s.fee_waivers:
        lines.append("费用减免：" + text.joined(s.fee_waivers))
    if s.risk_compensation:
        lines.append("风险补偿：" + s.risk_compensation)
    return lines


def _service(p: Product) -> list[str]:
    s = p.service
    lines = [f"办理渠道：{CHANNEL_LABELS[s.channel]}"]
    if s.fast_lane_days is not None:
        who = "白名单企业"
        if s.fast_lane_min_class is not None:
            who = f"{text.class_name(p, s.fast_lane_min_class)}及以上的白名单企业"
        lines.append(f"绿色通道：{who} {s.fast_lane_days} 个工作日内完成审批放款")
    if s.covenant is not None:
        lines.append("资金用途约定：" + text.covenant(s.covenant))
    lines.append(f"还款日规则：{HOLIDAY_LABELS[s.holiday_rule]}")
    return lines


def _fee(fee: Fee) -> str:
    if fee.basis == "fixed":
        return f"{fee.label}：放款时收取 {text.wan_short(fee.amount or Decimal(0))}"
    when = "放款时一次" if fee.basis == "once" else "每年（实际天数/360）"
    return f"{fee.label}：贷款金额的 {text.pct(fee.rate or Decimal(0))}，{when}收取"


def _offer(p: Product) -> list[str]:
    o: Offer | None = p.offer
    if o is None:
        return []
    lines = [f"利率类型：{RATE_TYPE_LABELS[o.rate_type]}"]
    if o.repricing is not None:
        r = o.repricing
        day = "放款日在每个周期的对应日" if r.anchor == "anniversary" else "每年 1 月 1 日"
        lines.append(
            f"重定价：每 {r.cycle_months} 个月，重定价日为{day}，执行当日适用的 LPR + 合同加点"
            "（合同加点 = 放款时执行利率 − 放款时 LPR，合同期内不变）"
        )
    lines += [
        "计息：等额本息、等额本金按月利率（年利率 ÷ 12）× 期初本金；按月付息到期还本、"
        "随借随还、逾期及不足整月的期间按日利率（年利率 ÷ 360）× 实际天数",
        f"逾期罚息：执行利率上浮 {text.pct(o.overdue.markup)}"
        + ("；不能按期支付的利息按罚息利率计收复利" if o.overdue.compound else "；不计复利"),
    ]
    pre = o.prepayment
    if not pre.allowed:
        lines.append("提前还款：不允许")
    else:
        fee = "不收违约金" if pre.fee_rate == 0 else f"违约金 {text.pct(pre.fee_rate)}"
        if pre.fee_rate and pre.fee_free_after_months:
            fee += f"（放款满 {pre.fee_free_after_months} 个月后免收）"
        lines.append(f"提前还款：允许，提前 {pre.notice_days} 个工作日申请，{fee}")
    lines.append(
        "其他费用：" + ("；".join(_fee(f) for f in o.fees) if o.fees else "不收取其他费用")
    )
    if o.expected_utilisation is not None:
        lines.append(f"随借随还按预计平均使用率 {text.pct(o.expected_utilisation)} 测算利息")
    lines.append(f"测算结果有效期：{o.validity_days} 天；测算结果不构成要约")
    return lines


def _loan(p: Product) -> list[str]:
    """贷后条款, frozen onto the contract at signing (the loan book)."""
    loan = p.loan
    if loan is None:
        return [
            "产品未载明贷后条款：不可续贷；一律受托支付；还款冲抵顺序 罚息 → 复利 → 利息 → 本金"
        ]
    order = " → ".join(ALLOCATION_LABELS[x] for x in loan.allocation_order)
    months = f"自签约日起 {loan.line_months} 个月" if loan.line_months else "与贷款期限相同"
    return [
        f"授信额度：{'循环使用（还款后额度恢复）' if loan.revolving else '不循环'}；有效期{months}",
        f"无还本续贷：{'可办理' if loan.renewal_allowed else '不可办理'}",
        f"还款冲抵顺序：{order}",
        f"自主支付：单笔不超过 {text.wan(loan.self_payment.max_amount)}，其余受托支付给"
        f"经银行核准的收款人（依据：{loan.self_payment.source}）",
        *_notch(p),
    ]


def _notch(p: Product) -> list[str]:
    """续贷升档: what earns it — a raised grade and/or named milestones verified from records."""
    spec = p.linkage.renewal_notch if p.linkage is not None else None
    if spec is None or p.linkage is None:
        return []
    causes = ["续贷日的总体等级较贷款时上调"] if spec.on_grade_raised else []
    for code in spec.milestones:
        proofs = "或".join(m.label for m in p.linkage.milestones if m.milestone == code)
        causes.append(f"贷款期间达成里程碑「{p.milestone_label(code)}」（经记录核验：{proofs}）")
    then = f"续贷按高 {spec.notches} 档的利率与额度执行"
    return [f"续贷升档（{spec.label}）：{'，或'.join(causes)}的，{then}"]


def _raroc(p: Product) -> list[str]:
    r = p.raroc
    if r is None:
        return []
    pds = "；".join(f"{name} {text.pct(pd)}" for name, pd in zip(p.levels, r.pd, strict=False))
    return [
        f"违约概率 PD：{pds}；无等级 {text.pct(r.pd_unrated)}",
        f"违约损失率 LGD {text.pct(r.lgd)}，资金成本 {text.pct(r.funding_cost)}，"
        f"运营成本 {text.pct(r.operating_cost)}，经济资本占用 {text.pct(r.capital_ratio)}，"
        f"门槛收益率 {text.pct(r.hurdle)}",
    ]


def _risk_model(p: Product) -> list[str]:
    m = p.risk_model
    if m is None:
        return []
    lines = [
        f"模型：{m.code}（测算时以其在用版本评分，记录所用版本；企业可见扣分原因，不见违约概率）"
    ]
    for use in m.use_for:
        line = RISK_USE_LABELS[use]
        if use == "auto_decision" and m.fast_lane_min_score is not None:
            line += f"：最低 {m.fast_lane_min_score} 分"
        lines.append(f"用途：{line}")
    lines.append("模型无在用版本时按等级违约概率表测算并注明；银行未获企业授权时不能测算")
    return lines


def sections(p: Product) -> list[Section]:
    """Everything the product says, in Chinese, grouped for the page (empty groups left out)."""
    basics = [
        f"银行：{p.bank_name}（{p.bank_code}）",
        f"产品类型：{p.kind}",
        f"采信等级：{p.catalog} 指标目录（{text.joined(p.levels)}）",
        f"版本：{p.version}",
    ]
    terms = [
        f"金额：{amount_range(p)}",
        f"期限：{term_range(p)}",
        "还款方式：" + text.joined([m.value for m in p.methods]),
    ]
    auto = [
        f"{r.label}：{text.condition(p, r.when)} → 等级上调 {r.raise_notches} 级"
        for r in p.auto_rules
    ]
    found = [
        Section("basics", "基本信息", basics),
        Section("eligibility", "准入条件", _eligibility(p)),
        Section("terms", "金额、期限与还款方式", terms),
        Section("limit", "额度核定", _limit(p)),
        Section("pricing", "定价", _pricing(p)),
        Section("tranches", "动态增信（基础授信 + 动态增信）", _tranches(p)),
        Section("support", "政策支持", _support(p)),
        Section("service", "服务", _service(p)),
        Section("auto_rules", "自动规则", auto),
        Section("offer", "报价条款", _offer(p)),
        Section("loan", "贷后条款", _loan(p)),
        Section("raroc", "RAROC 测算参数（银行内部）", _raroc(p)),
        Section("risk_model", "风险模型", _risk_model(p)),
    ]
    return [s for s in found if s.lines]


def best_rate(product: Product, lpr: dict[str, Decimal], on: date) -> Decimal:
    """The lowest rate the product gives on these LPRs: the best class, every discount's
    condition met, every milestone reached, at the shortest term."""
    awards = {a for d in product.pricing.discounts for a in d.when.award_any}
    titles = set(TITLE_ALL) | {t for d in product.pricing.discounts for t in d.when.title_any}
    facts = Facts(
        enterprise_id=0,
        uscc="",
        name="",
        size_class=None,
        region_code=None,
        established_on=None,
        on=on,
        listed=True,
        whitelist_version=None,
        evaluation_run_id=None,
        catalog_name=product.catalog,
        overall_class=product.level_name(1),
        class_rank=1,
        total_score=Decimal(100),
        valid_invention_patents=1000,
        titles=frozenset(titles),
        awards=frozenset(awards),
    )
    request = QuoteRequest(
        amount=product.amount.min,
        term_months=product.term_months.min,
        method=product.methods[0] if product.methods else Method.equal_instalment,
        on=on,
        milestones_met=frozenset(m.code for m in product.milestones),
        invoicing_growth=Decimal(1000),
    )
    return compute_rate(product, facts, request, 1, lpr).rate


# The public documents the products cite, by the file they were collected in: what a reader is
# shown instead of the file's name (publisher or subject, and when).
CITATIONS = {
    "000_3611da9a294dc055.txt": (
        "国家市场监督管理总局全国质量融资增信典型案例（福建省入选案例）2024 年公开报道"
    ),
    "001_bf896c3d6e27e6f1.txt": (
        "《关于进一步开展质量融资增信工作更好帮扶中小微企业的通知》及银行落地研究 2024—2025 年"
    ),
    "002_d6c3a0240390453d.txt": "质量融资增信公开资料",
    "003_7e05ccee1bf2e179.txt": "绍兴金融监管分局 2024 年公开报道",
    "004_3ad08a26a4b63a78.txt": "厦门金融监管局指导下厦门工行普惠金融 2024 年公开报道",
}


def citation(file: str) -> str:
    """``依据：…``'s source as people read it; never the collected file's name."""
    return CITATIONS.get(file, "公开资料")


def as_text(p: Product, *, sha256: str | None = None) -> str:
    """The product for a terminal: a heading, every section, the seeds and the proposals."""
    lines = [f"{p.name}（{p.code}）· {p.bank_name}", p.summary, ""]
    for s in sections(p):
        lines.append(f"【{s.title}】")
        lines += [f"  {line}" for line in s.lines]
    lines.append("【依据】")
    lines += [f"  依据：{citation(s.file)}：{s.says}" for s in p.seeds]
    if p.proposals:
        lines.append("【本项目的建议（非来自公开资料）】")
        lines += [f"  {item}" for item in p.proposals]
    if p.notes:
        lines.append("【说明】")
        lines.append(f"  {p.notes}")
    if sha256:
        lines.append(f"sha256：{sha256}")
    return "\n".join(lines)
