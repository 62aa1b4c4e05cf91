"""A bank's 质量贷 product as a pydantic model: the file format, validated and published.

A product is data owned by a bank (``bank_code`` is the bank's tenant code): who may borrow
(eligibility), how much (limit), at what price (pricing), what extra credit milestones unlock
(tranches), what the government adds (support), how it is served (service), the automatic rules
it carries and an optional RAROC check. It names the indicator catalog whose grade it reads and
refers to that catalog's classes by rank (``1`` = the best level) or by the level's name (``Ⅰ类``,
``一级``). Cross-references (catalog, levels, dimensions, title and award subtypes, milestones)
are checked by :mod:`.loader`; decisions over a product are in :mod:`.rules`.

Money is ``Decimal`` yuan (``"500万"`` / ``"5亿"`` are accepted in files), rates are annual
percentages with up to 4 decimals, spreads and discounts integer basis points.

The product, its eligibility, limit, pricing and tranches are here; the parts split off by
concept are re-exported, so ``schema.X`` names every part: ``fields`` (value types,
vocabularies, the base model, Condition), ``support`` (support, service, automatic rules,
RAROC, the risk model), ``covenants`` (covenants and linkage after the loan), ``offer`` (the
quote's offer terms, the loan book's contract terms).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

# The modules split off by concept, named here too: callers write ``schema.X``.
from zhixin.products.covenants import (
    Consequence,
    ConsequenceKind,
    CovenantKind,
    CovenantSpec,
    Linkage,
    MilestoneEvidence,
    Purpose,
    RecordTrigger,
    RenewalNotch,
)
from zhixin.products.fields import (
    AUTO_TENOR_MONTHS,
    CADENCE_LABELS,
    CHANNEL_LABELS,
    FEE_BALANCE_LABELS,
    FEE_BASE_LABELS,
    FEE_PERIOD_LABELS,
    HOLIDAY_LABELS,
    RATE_TYPE_LABELS,
    SIZE_CLASSES,
    TENOR_LABELS,
    Bp,
    Cadence,
    Channel,
    ClassRef,
    Code,
    Condition,
    FeeBalance,
    FeeBase,
    FeePeriod,
    HolidayRule,
    Kind,
    Money,
    Percent,
    Rate,
    RateType,
    Tenor,
    _Model,
)
from zhixin.products.offer import (
    ALLOCATION_LABELS,
    DEFAULT_ALLOCATION,
    AllocationItem,
    Fee,
    InterestBasis,
    LoanTerms,
    Offer,
    Overdue,
    Prepayment,
    Repricing,
    SelfPayment,
)
from zhixin.products.support import (
    RISK_USE_LABELS,
    AutoRule,
    Covenant,
    Guarantee,
    Raroc,
    RiskModelUse,
    RiskUse,
    Service,
    Subsidy,
    Support,
)
from zhixin.products.terms import CollateralKind, Method

__all__ = [
    "ALLOCATION_LABELS",
    "AUTO_TENOR_MONTHS",
    "CADENCE_LABELS",
    "CHANNEL_LABELS",
    "DEFAULT_ALLOCATION",
    "FEE_BALANCE_LABELS",
    "FEE_BASE_LABELS",
    "FEE_PERIOD_LABELS",
    "HOLIDAY_LABELS",
    "MILESTONE_RECORD_KINDS",
    "RATE_TYPE_LABELS",
    "RISK_USE_LABELS",
    "SIZE_CLASSES",
    "TENOR_LABELS",
    "AllocationItem",
    "AmountRange",
    "AutoRule",
    "Base",
    "Bp",
    "Cadence",
    "Channel",
    "ClassAmount",
    "ClassFactor",
    "ClassRef",
    "Code",
    "Condition",
    "Consequence",
    "ConsequenceKind",
    "Covenant",
    "CovenantKind",
    "CovenantSpec",
    "DimensionLevel",
    "Discount",
    "Eligibility",
    "Fee",
    "FeeBalance",
    "FeeBase",
    "FeePeriod",
    "Grade",
    "Guarantee",
    "HolidayRule",
    "InterestBasis",
    "Kind",
    "Limit",
    "Linkage",
    "LoanTerms",
    "Milestone",
    "MilestoneEvidence",
    "MilestoneKind",
    "Money",
    "Offer",
    "Overdue",
    "Percent",
    "Pledge",
    "Prepayment",
    "Pricing",
    "Product",
    "Purpose",
    "RaisedRate",
    "Raroc",
    "Rate",
    "RateType",
    "RecordTrigger",
    "Region",
    "RenewalNotch",
    "Repricing",
    "RiskModelUse",
    "RiskUse",
    "Seed",
    "SelfPayment",
    "Service",
    "Subsidy",
    "Support",
    "Tenor",
    "TermRange",
    "TrancheSpec",
]


# -- provenance --------------------------------------------------------------------------------


class Seed(_Model):
    """One citation: which seed document, and what it says that this product relies on."""

    file: str = Field(pattern=r"^\d{3}_[0-9a-f]{16}\.txt$", description="种子文件名，如 000_….txt")
    says: str = Field(min_length=1, description="该文件说了什么（摘录或概述）")


MilestoneKind = Literal["certification", "patent", "standard", "award", "title"]
# the record kinds (records.kinds) that may verify a milestone of each kind
MILESTONE_RECORD_KINDS: dict[str, frozenset[str]] = {
    "certification": frozenset({"certification", "product_certification", "accreditation"}),
    "patent": frozenset({"patent"}),
    "standard": frozenset({"standard"}),
    "award": frozenset({"award"}),
    "title": frozenset({"title"}),
}


class Milestone(_Model):
    """A named target the enterprise can reach (动态增信 / 成长型利率): unlocks a tranche or cut."""

    code: Code
    label: str = Field(min_length=1, description="如 核心产品检测精度由92%提升至98%以上")
    kind: MilestoneKind | None = Field(
        None,
        description=(
            "里程碑类别：certification 新取得认证（管理体系、产品和服务认证或实验室认可）、"
            "patent 专利授权、standard 主导或参与制定的标准发布、award 获奖、title 获评称号；"
            "写明时 linkage.milestones 中核验它的记录须属该类别（如 patent 只能由专利记录核验）；"
            "缺省为不限类别的综合里程碑（如 技术突破 由认证或专利核验）"
        ),
    )


# -- eligibility -------------------------------------------------------------------------------


class Region(_Model):
    prefix: str = Field(pattern=r"^[0-9]{2,6}$", description="行政区划代码前缀，如 3502")
    name: str = Field(min_length=1, description="如 厦门市")


class DimensionLevel(_Model):
    dimension: str = Field(min_length=1, description="维度代码，如 credit、innovation")
    level: ClassRef


class Grade(_Model):
    """等级要求：总体等级不低于 ``overall``，或任一所列维度达到其等级。"""

    overall: ClassRef | None = Field(None, description="总体等级不低于此级")
    dimensions: list[DimensionLevel] = Field(
        default_factory=list, description="或：任一所列维度的等级不低于所给等级"
    )


class Eligibility(_Model):
    whitelisted: bool = Field(True, description="须列入质量信誉经营主体白名单")
    grade: Grade | None = Field(None, description="等级要求；缺省为不限")
    size_classes: list[Literal["大", "中", "小", "微"]] = Field(
        default_factory=list, description="企业规模（大/中/小/微）；空为不限"
    )
    regions: list[Region] = Field(default_factory=list, description="注册地区划；空为不限")
    min_age_months: int | None = Field(None, ge=0, le=600, description="成立满几个月")
    max_quality_penalties_2y: int | None = Field(
        None, ge=0, description="近两年质量类行政处罚不超过几次"
    )
    titles_any: list[str] = Field(
        default_factory=list, description="须持有以下称号之一（称号认定的类别）；空为不限"
    )


class AmountRange(_Model):
    min: Money = Field(description="起贷金额（元）")
    max: Money = Field(description="单户最高金额（元），含动态增信")


class TermRange(_Model):
    min: int = Field(ge=1, le=360, description="最短期限（月）")
    max: int = Field(ge=1, le=360, description="最长期限（月）")


# -- limit -------------------------------------------------------------------------------------


class ClassAmount(_Model):
    level: ClassRef
    amount: Money


class ClassFactor(_Model):
    level: ClassRef
    factor: Decimal = Field(gt=0, le=10, decimal_places=4, description="额度核定系数，如 1.2")


class Base(_Model):
    """基础额度：上年度销售收入 × 比例、固定金额，或按等级分档。"""

    kind: Literal["sales", "fixed", "tier"]
    sales_ratio: Percent | None = Field(None, description="kind=sales：销售收入的百分比")
    amount: Money | None = Field(None, description="kind=fixed：固定金额（元）")
    tiers: list[ClassAmount] = Field(
        default_factory=list, description="kind=tier：每个等级的额度（须覆盖目录的全部等级）"
    )


class RaisedRate(_Model):
    rate: Percent = Field(description="满足条件时的质押率（%）")
    when: Condition


class Pledge(_Model):
    """一种押品的抵质押率；``raised`` 自上而下第一条满足的条件生效。"""

    kind: CollateralKind = Field(description="押品类别")
    rate: Percent = Field(description="常规抵质押率（%）")
    raised: list[RaisedRate] = Field(default_factory=list, description="有条件的更高质押率")


class Limit(_Model):
    """额度 = min(基础额度 × 等级系数 + Σ 押品价值 × 抵质押率, 上限) + 已解锁的动态增信额度。"""

    base: Base | None = Field(None, description="信用部分；质押类产品可不设")
    coefficients: list[ClassFactor] = Field(
        default_factory=list, description="额度核定系数（须覆盖目录的全部等级）；空为 ×1"
    )
    cap: Money | None = Field(None, description="基础授信上限（元）；缺省为单户最高金额")
    collateral: list[Pledge] = Field(default_factory=list, description="接受的押品及抵质押率")


# -- pricing -----------------------------------------------------------------------------------


class Discount(_Model):
    code: Code
    label: str = Field(min_length=1)
    when: Condition
    bp: Bp = Field(description="优惠（bp）")


class Pricing(_Model):
    """执行利率 = LPR + 加点 − 优惠（按叠加规则，合计不超过上限），不低于下限、不高于上限。"""

    lpr_tenor: Tenor = Field("1y", description="1y / 5y / auto（按期限）")
    spread_bp: int = Field(ge=-1000, le=2000, description="在 LPR 基础上的加点（bp，可为负）")
    discounts: list[Discount] = Field(default_factory=list)
    stacking: Literal["sum", "max"] = Field("sum", description="sum 累加 / max 取最大一项")
    max_discount_bp: Bp | None = Field(None, description="优惠合计上限（bp，含动态增信降息）")
    floor: Rate | None = Field(None, description="最低执行利率（%）")
    cap: Rate | None = Field(None, description="最高执行利率（%）")


class TrancheSpec(_Model):
    """基础授信 + 动态增信：达成里程碑后增加的额度与降息。"""

    milestone: str = Field(min_length=1, description="里程碑代码")
    amount: Money = Field(description="增信额度（元）")
    rate_cut_bp: Bp = Field(0, description="配套降息（bp）")


# -- the product -------------------------------------------------------------------------------


class Product(_Model):
    """一款质量贷产品的一个版本。"""

    code: Code = Field(description="产品代码（ASCII），如 luzhidai")
    name: str = Field(min_length=1, max_length=100, description="产品名称，如 鹭质贷")
    bank_code: str = Field(
        pattern=r"^[a-z][a-z0-9-]*$", max_length=64, description="银行的机构（租户）代码"
    )
    bank_name: str = Field(min_length=1, description="银行名称")
    version: str = Field(min_length=1, max_length=32, description="版本号，如 2025.1")
    kind: Kind = Field(description="纯信用 / 质押 / 保证担保 / 组合")
    summary: str = Field(min_length=1, description="一句话介绍")
    catalog: str = Field(description="采信哪套指标目录的等级，如 xiamen")
    levels: list[str] = Field(
        default_factory=list,
        description="该目录的等级名称（由高到低）；缺省时校验程序从目录填入，给出时须与目录一致",
    )
    seeds: list[Seed] = Field(min_length=1, description="依据的种子文件")
    proposals: list[str] = Field(
        default_factory=list, description="哪些是本项目的建议（非来自公开资料）"
    )
    notes: str = Field("", description="其他说明")
    milestones: list[Milestone] = Field(default_factory=list)
    eligibility: Eligibility
    amount: AmountRange
    term_months: TermRange
    methods: list[Method] = Field(min_length=1, description="可选还款方式")
    limit: Limit
    pricing: Pricing
    tranches: list[TrancheSpec] = Field(default_factory=list, description="动态增信")
    support: Support = Field(default_factory=Support)
    service: Service = Field(default_factory=Service)
    auto_rules: list[AutoRule] = Field(default_factory=list)
    offer: Offer | None = Field(
        None, description="报价条款（产品文件必填；校验程序要求给出，缺省只为读取早期版本）"
    )
    raroc: Raroc | None = Field(None, description="RAROC 测算参数（银行内部，不向企业展示）")
    risk_model: RiskModelUse | None = Field(
        None, description="采用的风险模型（模型违约概率与评分的用途）；缺省不用模型"
    )
    covenants: list[CovenantSpec] = Field(default_factory=list, description="贷后约定")
    linkage: Linkage | None = Field(None, description="动态联动（负面冻结、正向解锁与降息）")
    loan: LoanTerms | None = Field(
        None,
        description=(
            "贷后条款（合同、授信额度、受托支付）；缺省：不可续贷、一律受托支付、默认冲抵顺序"
        ),
    )

    def rank_of(self, ref: int | str) -> int | None:
        """The rank (1 = best) a class reference means, or None when it names no level."""
        if isinstance(ref, int):
            return ref if 1 <= ref <= len(self.levels) else None
        if ref in self.levels:
            return self.levels.index(ref) + 1
        return None

    def level_name(self, rank: int | None) -> str | None:
        if rank is None or not 1 <= rank <= len(self.levels):
            return None
        return self.levels[rank - 1]

    def milestone_label(self, code: str) -> str:
        for m in self.milestones:
            if m.code == code:
                return m.label
        return code

    def priced_milestones(self) -> set[str]:
        """The milestones a quote reads: those a tranche or a pricing condition names.
        Milestones declared only for linkage after the loan (众商贷's notch at renewal) change
        nothing in a quote, so the quote form does not offer them."""
        found: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "milestone" and isinstance(value, str):
                        found.add(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        body = self.model_dump(mode="json")
        walk({k: v for k, v in body.items() if k not in ("milestones", "linkage")})
        return found
