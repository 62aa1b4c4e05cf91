"""知识产权估值: a patent's value as the basis of a pledge (pure, Decimal).

The method is the project's proposal — an *income approach* (relief from royalty, 收益法 as in
《专利资产评估指导意见》), adjusted for the patent's legal and technical standing:

1. **Annual benefit** B = licensing income actually received (年许可收入) + the annual revenue of
   the products that use the patent (相关产品年销售收入) × the industry's royalty rate
   (:data:`ROYALTY_RATES`, by GB/T 4754 class; proposal).
2. **Remaining life** n = the statutory term left on the valuation date (发明 20 years from
   filing; 实用新型 10; 外观设计 15 when filed on or after 2021-06-01, else 10 — 专利法 2020
   art. 42), in years of 365 days, to 2 decimals (rounded down), at most
   :data:`MAX_YEARS` (10): a bank does not lend on income further out.
3. **Present value** PV = Σₜ₌₁..⌊n⌋ B / (1 + r)ᵗ + (n − ⌊n⌋) · B / (1 + r)^(⌊n⌋+1): the whole years,
   then the part of the last year, discounted at r = :data:`DISCOUNT_RATE` (12 %: a small
   firm's cost of equity plus the risk of a single patent; proposal).
4. **Legal factor** (法律状态): in force 1.0; an invalidation request pending (无效宣告请求审查中)
   0.5; lapsed or already pledged elsewhere 0 — not a pledge basis (the reason is given).
5. **Technical factors** (技术状态): citations received 1 + 0.02 per citation up to 10
   (at most ×1.20); family 1 + 0.05 per further country or region up to 4 (at most ×1.20); patent
   type 发明 1.00, 实用新型 0.70, 外观设计 0.50 (the latter two are granted without substantive
   examination, so they are more often invalidated).
6. **Value** = PV × legal × citations × family × type, rounded half-up to the fen once, here.

Every input and every factor is returned with the value (:class:`Valuation`), so an officer sees
how it was reached; an officer may override the value with a reason (the service records both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
YEAR_DAYS = Decimal(365)
MAX_YEARS = Decimal(10)
DISCOUNT_RATE = Decimal("0.12")
CITATION_STEP, CITATION_CAP = Decimal("0.02"), 10
FAMILY_STEP, FAMILY_CAP = Decimal("0.05"), 4
DESIGN_TERM_CHANGE = date(2021, 6, 1)  # 专利法 2020 修正: design patents filed from then, 15 years

KINDS = {"发明": 20, "实用新型": 10, "外观设计": 15}
KIND_FACTORS = {"发明": Decimal("1.00"), "实用新型": Decimal("0.70"), "外观设计": Decimal("0.50")}
STATUSES = ("有效", "无效宣告请求审查中", "已质押", "失效")
LEGAL_FACTORS = {
    "有效": Decimal("1.0"),
    "无效宣告请求审查中": Decimal("0.5"),
    "已质押": Decimal(0),
    "失效": Decimal(0),
}


@dataclass(frozen=True)
class Industry:
    code: str  # GB/T 4754-2017 门类 or 大类
    name: str
    royalty_rate: Decimal  # share of the products' revenue a licensee would pay


ROYALTY_RATES: dict[str, Industry] = {
    i.code: i
    for i in (
        Industry("C27", "医药制造业", Decimal("0.05")),
        Industry("C39", "计算机、通信和其他电子设备制造业", Decimal("0.04")),
        Industry("C40", "仪器仪表制造业", Decimal("0.04")),
        Industry("C38", "电气机械和器材制造业", Decimal("0.035")),
        Industry("C34", "通用设备制造业", Decimal("0.03")),
        Industry("C35", "专用设备制造业", Decimal("0.03")),
        Industry("C36", "汽车制造业", Decimal("0.03")),
        Industry("C26", "化学原料和化学制品制造业", Decimal("0.03")),
        Industry("C", "制造业（其他大类）", Decimal("0.025")),
        Industry("I", "信息传输、软件和信息技术服务业", Decimal("0.05")),
        Industry("M", "科学研究和技术服务业", Decimal("0.04")),
        Industry("*", "其他行业", Decimal("0.02")),
    )
}


class ValuationRefused(ValueError):
    """Inputs the method cannot value (Chinese message)."""


def industry_of(code: str) -> Industry:
    """The royalty row of a GB/T 4754 code: the 大类 (C39) if listed, else its 门类 (C), else
    the default row."""
    code = code.strip().upper()
    return ROYALTY_RATES.get(code) or ROYALTY_RATES.get(code[:1]) or ROYALTY_RATES["*"]


@dataclass(frozen=True)
class PatentInputs:
    patent_no: str
    kind: str  # 发明 / 实用新型 / 外观设计
    filing_date: date
    status: str  # :data:`STATUSES`
    industry: str  # GB/T 4754 code, e.g. C39
    revenue: Decimal  # 相关产品年销售收入 (yuan)
    licensing_income: Decimal  # 年许可收入 (yuan)
    citations: int  # 被引次数
    family_size: int  # 同族国家/地区数（含中国）
    valuation_date: date


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    value: Decimal
    shown: str
    reason: str


@dataclass(frozen=True)
class Valuation:
    inputs: PatentInputs
    factors: tuple[Factor, ...]
    value: Decimal  # yuan, to the fen
    pledgeable: bool
    refusal: str | None  # why it is no pledge basis (legal factor 0, no life left)

    def factor(self, code: str) -> Factor:
        return next(f for f in self.factors if f.code == code)


def check(p: PatentInputs) -> None:
    problems = []
    if p.kind not in KINDS:
        problems.append(f"专利类型应为 {'、'.join(KINDS)} 之一")
    if p.status not in STATUSES:
        problems.append(f"法律状态应为 {'、'.join(STATUSES)} 之一")
    if p.revenue < 0 or p.licensing_income < 0:
        problems.append("收入不能为负数")
    if p.citations < 0 or p.family_size < 1:
        problems.append("被引次数不能为负，同族国家/地区数至少为 1（中国）")
    if p.filing_date > p.valuation_date:
        problems.append("申请日不能晚于评估基准日")
    if problems:
        raise ValuationRefused("；".join(problems))


def term_years(kind: str, filing_date: date) -> int:
    if kind == "外观设计" and filing_date < DESIGN_TERM_CHANGE:
        return 10
    return KINDS[kind]


def expiry(kind: str, filing_date: date) -> date:
    years = term_years(kind, filing_date)
    try:
        return filing_date.replace(year=filing_date.year + years)
    except ValueError:  # 29 February
        return filing_date.replace(year=filing_date.year + years, day=28)


def remaining_years(kind: str, filing_date: date, on: date) -> Decimal:
    days = max((expiry(kind, filing_date) - on).days, 0)
    return (Decimal(days) / YEAR_DAYS).quantize(FEN, rounding=ROUND_DOWN)


def present_value(benefit: Decimal, years: Decimal, rate: Decimal = DISCOUNT_RATE) -> Decimal:
    """Σ over whole years of benefit / (1+r)^t, plus the fraction of the last year (unrounded)."""
    whole = int(years)
    pv = sum((benefit / (1 + rate) ** t for t in range(1, whole + 1)), Decimal(0))
    part = years - whole
    if part:
        pv += part * benefit / (1 + rate) ** (whole + 1)
    return pv


def _pct(x: Decimal) -> str:
    return f"{(x * 100).normalize():f}%"


def _yuan(x: Decimal) -> str:
    return f"{x.quantize(FEN, rounding=ROUND_HALF_UP):,.2f} 元"


def value(p: PatentInputs) -> Valuation:
    check(p)
    ind = industry_of(p.industry)
    benefit = p.licensing_income + p.revenue * ind.royalty_rate
    left = remaining_years(p.kind, p.filing_date, p.valuation_date)
    years = min(left, MAX_YEARS)
    pv = present_value(benefit, years)
    legal = LEGAL_FACTORS[p.status]
    cited = 1 + CITATION_STEP * min(p.citations, CITATION_CAP)
    family = 1 + FAMILY_STEP * min(p.family_size - 1, FAMILY_CAP)
    kind = KIND_FACTORS[p.kind]
    amount = (pv * legal * cited * family * kind).quantize(FEN, rounding=ROUND_HALF_UP)
    refusal = None
    if legal == 0:
        refusal = f"法律状态为“{p.status}”，不能作为质押物"
    elif years == 0:
        refusal = "专利保护期已届满，不能作为质押物"
    factors = (
        Factor(
            "royalty_rate",
            "行业提成率",
            ind.royalty_rate,
            _pct(ind.royalty_rate),
            f"{ind.code} {ind.name}（本项目提议的提成率表）",
        ),
        Factor(
            "benefit",
            "年收益额",
            benefit,
            _yuan(benefit),
            f"年许可收入 {_yuan(p.licensing_income)} + 相关产品年销售收入 {_yuan(p.revenue)}"
            f" × {_pct(ind.royalty_rate)}",
        ),
        Factor(
            "remaining_years",
            "收益年限",
            years,
            f"{years} 年",
            f"法定保护期剩余 {left} 年（{p.kind}保护期 {term_years(p.kind, p.filing_date)} 年，"
            f"至 {expiry(p.kind, p.filing_date).isoformat()}），最多计 {MAX_YEARS} 年",
        ),
        Factor(
            "discount_rate",
            "折现率",
            DISCOUNT_RATE,
            _pct(DISCOUNT_RATE),
            "小微企业权益成本加单项专利风险（本项目提议）",
        ),
        Factor("present_value", "收益现值", pv, _yuan(pv), "各年收益额按折现率折现后求和"),
        Factor("legal", "法律状态系数", legal, f"×{legal}", f"法律状态：{p.status}"),
        Factor(
            "citations",
            "被引系数",
            cited,
            f"×{cited}",
            f"被引 {p.citations} 次（每次 +2%，至多 10 次）",
        ),
        Factor(
            "family",
            "同族系数",
            family,
            f"×{family}",
            f"同族覆盖 {p.family_size} 个国家/地区（每多一个 +5%，至多 4 个）",
        ),
        Factor("kind", "专利类型系数", kind, f"×{kind}", f"{p.kind}"),
    )
    return Valuation(
        inputs=p, factors=factors, value=amount, pledgeable=refusal is None, refusal=refusal
    )


METHOD = (
    "收益法（提成率法）：评估价值 = Σ 年收益额 ÷ (1 + 折现率)^t × 法律状态系数 × 被引系数 × "
    "同族系数 × 专利类型系数；年收益额 = 年许可收入 + 相关产品年销售收入 × 行业提成率；"
    "收益年限为法定保护期剩余年数（至多 10 年），不足一年的部分按比例计入；结果四舍五入到分。"
    "提成率表、折现率 12%、各调整系数为本项目的提议。"
)
