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
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from zhixin.lending.dates import HOLIDAY_RULE_LABELS
from zhixin.products.terms import CollateralKind, Method

# -- value types -------------------------------------------------------------------------------

_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_MONEY = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|亿)?\s*元?\s*$")


def _parse_money(value: Any) -> Any:
    """``5000000`` / ``"500万"`` / ``"5亿元"`` / ``"1,200.50"`` → yuan; anything else unchanged."""
    if isinstance(value, str):
        found = _MONEY.match(value)
        if found is None:
            return value  # the Decimal validator reports it
        try:
            number = Decimal(found.group(1).replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return value
        unit = found.group(2)
        amount = number * _UNITS[unit] if unit else number
        # one spelling per amount: 5000000, 1234.56 (never 1234.560000 or 5E+6)
        return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount.normalize()
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    Field(ge=0, decimal_places=2, description="金额（元）；文件中也可写作 “500万”“5亿”"),
]
Rate = Annotated[
    Decimal, Field(ge=0, le=36, decimal_places=4, description="年利率（%），如 2.73 即 2.73%")
]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4, description="百分比（%）")]
Bp = Annotated[int, Field(ge=0, le=2000, description="基点（bp，1bp = 0.01%）")]
ClassRef = Annotated[
    int | str,
    Field(description="等级：名次（1 为最高）或所读指标目录中的等级名称，如 Ⅰ类、一级"),
]
Code = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_-]*$")]

SIZE_CLASSES = ("大", "中", "小", "微")
Kind = Literal["纯信用", "质押", "保证担保", "组合"]
Channel = Literal["online", "branch", "both"]
Tenor = Literal["1y", "5y", "auto"]
Cadence = Literal["monthly", "quarterly", "semiannual", "annual"]
HolidayRule = Literal["following", "preceding"]  # a due date never stays on a non-working day
RateType = Literal["fixed", "floating"]
FeeBase = Literal["loan", "guaranteed"]
FeeBalance = Literal["original", "outstanding"]
FeePeriod = Literal["yearly", "upfront"]

CHANNEL_LABELS: dict[str, str] = {"online": "线上", "branch": "线下网点", "both": "线上及线下网点"}
CADENCE_LABELS: dict[str, str] = {
    "monthly": "按月",
    "quarterly": "按季",
    "semiannual": "按半年",
    "annual": "按年",
}
HOLIDAY_LABELS: dict[str, str] = HOLIDAY_RULE_LABELS
RATE_TYPE_LABELS: dict[str, str] = {"fixed": "固定利率", "floating": "浮动利率"}
FEE_BASE_LABELS: dict[str, str] = {"loan": "贷款金额", "guaranteed": "担保责任部分"}
FEE_BALANCE_LABELS: dict[str, str] = {"original": "原始金额", "outstanding": "未偿本金"}
FEE_PERIOD_LABELS: dict[str, str] = {
    "yearly": "每个担保年度初按该年度实际天数/360 预收",
    "upfront": "放款时按全期实际天数/360 一次收取",
}
TENOR_LABELS: dict[str, str] = {
    "1y": "1年期 LPR",
    "5y": "5年期以上 LPR",
    "auto": "按期限：5 年以内用 1 年期 LPR，超过 5 年用 5 年期以上 LPR",
}
AUTO_TENOR_MONTHS = 60  # a term over 60 months prices on the 5-year LPR


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


# -- conditions --------------------------------------------------------------------------------


class Condition(_Model):
    """触发条件：所给各项须同时满足（至少给出一项）。"""

    class_at_least: ClassRef | None = Field(None, description="总体等级不低于此级")
    class_in: list[ClassRef] = Field(default_factory=list, description="总体等级为其中之一")
    whitelisted: bool | None = Field(None, description="true：须已列入白名单")
    award_any: list[str] = Field(
        default_factory=list, description="获以下奖项类别之一（近五年），如 政府质量奖"
    )
    title_any: list[str] = Field(
        default_factory=list, description="持有以下称号之一，如 专精特新小巨人"
    )
    milestone: str | None = Field(None, description="已达成的里程碑代码")
    total_score_above: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        description=(
            "质量信誉总分高于此值（不含），按所读目录自己的分数（满分见目录的 total_max，"
            "非百分制）；不可达（≥ 满分）时校验报错"
        ),
    )
    min_invention_patents: int | None = Field(None, ge=1, description="有效发明专利不少于几件")
    quality_penalties_at_most: int | None = Field(
        None, ge=0, description="近两年质量类行政处罚不超过几次（0 即无处罚）"
    )
    invoicing_growth_above: Decimal | None = Field(
        None, description="季度开票额同比增长高于此百分比（不含）"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_dump(exclude_defaults=True):
            raise ValueError("触发条件至少给出一项")
        return self


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


# -- support, service, automation, risk ---------------------------------------------------------


class Guarantee(_Model):
    """担保及担保费。担保费 = 费率 × 计费基数 × 实际天数 / 360（基数四舍五入到分）；计费基数与
    收取方式由下列三项说明（产品文件须写明；缺省值只为读取早期版本）。"""

    guarantor: str = Field(min_length=1, description="担保机构")
    coverage: Percent = Field(description="担保责任比例（%）")
    fee_rate: Rate = Field(description="担保费率（% / 年），由借款人承担")
    fee_base: FeeBase = Field(
        "loan",
        description="计费金额：loan 贷款全额；guaranteed 仅担保责任部分（金额 × coverage）",
    )
    fee_balance: FeeBalance = Field(
        "original",
        description="original 按原始贷款金额；outstanding 按每个担保年度初的未偿本金",
    )
    fee_period: FeePeriod = Field(
        "yearly",
        description=(
            "yearly 每个担保年度（自放款日起每 12 个月，最后一年至到期日）初按该年度实际天数预收；"
            "upfront 放款时按全期实际天数一次收取"
        ),
    )


class Subsidy(_Model):
    points: Decimal = Field(gt=0, le=10, decimal_places=4, description="贴息（百分点 / 年）")
    cap: Money | None = Field(None, description="贴息总额上限（元）")
    months: int | None = Field(None, ge=1, le=120, description="贴息期限（月）")
    payer: str = Field("", description="出资方，如 宁波市财政局")
    condition: str = Field("", description="前提，如 按季核查资金用途达标")


class Support(_Model):
    guarantee: Guarantee | None = None
    subsidy: Subsidy | None = None
    fee_waivers: list[str] = Field(default_factory=list, description="减免的费用")
    risk_compensation: str = Field("", description="风险补偿安排（说明）")


class Covenant(_Model):
    use: str = Field(min_length=1, description="资金用途，如 质量提升（设备更新、检验检测、认证）")
    share: Percent = Field(description="不低于贷款金额的百分比")
    cadence: Cadence = Field(description="检查频率")


# -- covenants and quality linkage after the loan (贷后约定 · 动态联动) ----------------------------

Purpose = Literal[
    "certification", "testing", "equipment", "rnd", "standards", "brand", "working_capital"
]
CovenantKind = Literal["quality_use_share", "whitelisted", "no_serious_penalty"]
ConsequenceKind = Literal["rate_step_up", "subsidy_withheld", "freeze", "notify"]


class Consequence(_Model):
    """违约后果：rate_step_up 自下一计息期起加点 bp；subsidy_withheld 暂停贴息；freeze 冻结额度；
    notify 仅通知。"""

    kind: ConsequenceKind
    bp: Bp = Field(0, description="加点（bp），仅 rate_step_up")

    @model_validator(mode="after")
    def _bp_for_step_up(self) -> Consequence:
        if self.kind == "rate_step_up" and self.bp <= 0:
            raise ValueError("rate_step_up 须写明加点 bp（大于 0）")
        return self


class CovenantSpec(_Model):
    """一项贷后约定：检查什么、按什么周期、违约后果。"""

    code: Code
    label: str = Field(min_length=1, description="如 不低于 30% 的贷款资金用于质量升级")
    kind: CovenantKind = Field(
        description=(
            "quality_use_share 质量用途支付占已放款金额的比例；whitelisted 仍在质量白名单上；"
            "no_serious_penalty 期内无严重行政处罚"
        )
    )
    period: Cadence = Field("quarterly", description="检查周期")
    purposes: list[Purpose] = Field(
        default_factory=list, description="计入质量用途的支付用途（quality_use_share）"
    )
    min_share: Percent | None = Field(None, description="最低占比（%）（quality_use_share）")
    consequence: Consequence

    @model_validator(mode="after")
    def _share_needs(self) -> CovenantSpec:
        if self.kind == "quality_use_share" and (not self.purposes or self.min_share is None):
            raise ValueError("quality_use_share 须写明 purposes 与 min_share")
        return self


class RecordTrigger(_Model):
    """一类质量要素记录：负面联动（冻结）或里程碑核验的依据。"""

    record_kind: str = Field(min_length=1, description="记录类别代码，如 penalty / spot_check")
    label: str = Field(min_length=1, description="如 产品质量类行政处罚")
    subtype_in: list[str] = Field(default_factory=list, description="限于这些类型；空为不限")
    level_in: list[str] = Field(default_factory=list, description="限于这些级别；空为不限")
    failed_only: bool = Field(False, description="仅不合格的（监督抽查）")


class MilestoneEvidence(RecordTrigger):
    """里程碑由哪类记录核验，核验后解锁增信额度和 / 或自下一计息期起降息。"""

    milestone: str = Field(min_length=1, description="里程碑代码")
    unlock: bool = Field(True, description="解锁该里程碑对应的增信额度")
    rate_cut_bp: Bp = Field(0, description="自下一计息期起降息（bp）")


class RenewalNotch(_Model):
    """正向联动·续贷升档：贷款以来企业的总体等级上调的，续贷合同按高若干档（等级）的利率与额度。"""

    label: str = Field(min_length=1, description="如 等级上调，续贷升一档")
    notches: int = Field(1, ge=1, le=4, description="升几档（按目录等级，至最高一档为止）")
    source: str = Field(min_length=1, description="依据（来源原文或本项目建议）")
    on_grade_raised: bool = Field(
        True, description="续贷日的总体等级较贷款时上调即升档（false：只由具名里程碑触发）"
    )
    milestones: list[str] = Field(
        default_factory=list,
        description=(
            "具名里程碑（产品 milestones 的代码）：自贷款起始日至续贷日，经记录核验其中之一"
            "（核验的记录类别见 linkage.milestones，如新取得产品认证、发明专利授权、标准发布）"
            "即升档，等级未上调时亦然；续贷合同与联动措施写明所据的里程碑与记录"
        ),
    )


class Linkage(_Model):
    """动态联动：哪些新记录冻结额度，哪些记录核验里程碑，续贷时是否随等级升档。"""

    freeze_on: list[RecordTrigger] = Field(default_factory=list, description="负面联动：冻结")
    freeze_on_whitelist_removal: bool = Field(False, description="移出质量白名单即冻结")
    milestones: list[MilestoneEvidence] = Field(default_factory=list, description="正向联动")
    renewal_notch: RenewalNotch | None = Field(
        None, description="正向联动：续贷时等级较贷款时上调的，续贷条款升档"
    )


class Service(_Model):
    fast_lane_days: int | None = Field(
        None, ge=1, le=60, description="白名单企业绿色通道：审批放款时限（工作日）"
    )
    fast_lane_min_class: ClassRef | None = Field(
        None, description="绿色通道仅限此等级及以上；缺省为全部白名单企业"
    )
    channel: Channel = Field("branch", description="online 线上 / branch 线下 / both")
    covenant: Covenant | None = None
    holiday_rule: HolidayRule = Field(
        "following",
        description=(
            "还款日遇非工作日：following 顺延至下一工作日 / preceding 提前至上一工作日。"
            "按国家法定节假日与调休安排判断；尚未公布节假日安排的年份只避开周末，测算结果注明"
        ),
    )


class AutoRule(_Model):
    """自动规则：条件满足时把定价所用等级上调若干级。"""

    code: Code
    label: str = Field(min_length=1)
    when: Condition
    raise_notches: int = Field(1, ge=1, le=4, description="上调几级")


class Raroc(_Model):
    """RAROC 测算参数（风险调整后资本收益率），均为百分比。"""

    pd: list[Percent] = Field(
        min_length=2, description="各等级一年违约概率（由高到低，与目录等级一一对应）"
    )
    pd_unrated: Percent = Field(description="无等级时的违约概率")
    lgd: Percent = Field(description="违约损失率")
    funding_cost: Rate = Field(description="资金成本（% / 年）")
    operating_cost: Rate = Field(description="运营成本（% / 年）")
    capital_ratio: Percent = Field(gt=0, description="经济资本占用（%）")
    hurdle: Percent = Field(description="门槛收益率（%）")

    def pd_for(self, class_rank: int | None) -> Decimal:
        """The PD of a class rank (1 = best); the unrated PD for none or an unknown rank."""
        if class_rank is None or not 1 <= class_rank <= len(self.pd):
            return self.pd_unrated
        return self.pd[class_rank - 1]


RiskUse = Literal["raroc", "auto_decision"]
RISK_USE_LABELS: dict[str, str] = {
    "raroc": "RAROC 测算以模型违约概率代替按等级的违约概率表",
    "auto_decision": "绿色通道（快速审批）须模型评分达到门槛",
}


class RiskModelUse(_Model):
    """产品采用的风险模型（zhixin.risk 的模型规格代码）及其用途。

    ``raroc``：测算时按企业授权读取其明细数据、以该模型在用版本（champion）评分，RAROC 用模型
    违约概率代替按等级的违约概率表；模型无在用版本时仍按等级表测算并注明。``auto_decision``：
    绿色通道（``service.fast_lane_days``）只给模型评分不低于 ``fast_lane_min_score`` 的申请；
    未能评分（无在用版本、未授权、非银行或企业本人测算）时不走绿色通道。"""

    code: str = Field(
        min_length=1,
        max_length=48,
        description="模型规格代码：enterprise（企业评分卡）或 zjtx-edai（专精特新e贷评分卡）",
    )
    use_for: list[RiskUse] = Field(
        min_length=1,
        description="用途：raroc 模型违约概率用于 RAROC；auto_decision 绿色通道须模型评分达标",
    )
    fast_lane_min_score: Decimal | None = Field(
        None,
        ge=0,
        le=1000,
        decimal_places=2,
        description="auto_decision：走绿色通道所需的最低模型评分（含本数）",
    )


# -- the offer: what a bank's quote must state --------------------------------------------------


class InterestBasis(_Model):
    """计息规则（还款计划按此计算，测算结果逐条列明）。"""

    amortising: Literal["monthly_rate"] = Field(
        description=(
            "等额本息、等额本金：每期利息 = 期初本金 × 月利率（年利率 ÷ 12），与当月天数无关；"
            "还款日遇节假日调整只改变日期，不改变当期利息，故每期还款额相等（末期含分位尾差）"
        )
    )
    daily: Literal["act_360"] = Field(
        description=(
            "按月付息到期还本、随借随还、逾期罚息与复利、不足整月的期间："
            "利息 = 本金 × 年利率 ÷ 360 × 实际天数（算头不算尾）"
        )
    )


class Repricing(_Model):
    """浮动利率的重定价：重定价日起执行 重定价日适用的 LPR（最近一次公布）+ 合同加点；合同加点 =
    放款时执行利率 − 放款时 LPR，在合同期内固定不变。"""

    cycle_months: Literal[1, 3, 6, 12] = Field(description="重定价周期（月）")
    anchor: Literal["anniversary", "january_1"] = Field(
        description=(
            "重定价日：anniversary 放款日在每个周期的对应日；january_1 每年 1 月 1 日"
            "（须配合 12 个月的周期）"
        )
    )


class Overdue(_Model):
    """逾期：罚息与复利（按日利率，实际天数 / 360）。"""

    markup: Annotated[Decimal, Field(ge=30, le=50, decimal_places=4)] = Field(
        description="罚息利率 = 执行利率 × (1 + 上浮比例)；上浮比例（%），30–50"
    )
    compound: bool = Field(
        description="true：对不能按期支付的利息按罚息利率计收复利（人民银行《人民币利率管理规定》）"
    )


class Prepayment(_Model):
    """提前还款。"""

    allowed: bool = Field(description="是否允许提前还款")
    notice_days: int = Field(ge=0, le=90, description="须提前几个工作日申请")
    fee_rate: Percent = Field(description="提前还款违约金：占提前偿还本金的百分比（%）；0 为不收")
    fee_free_after_months: int | None = Field(
        None, ge=1, le=360, description="放款满几个月后提前还款不收违约金；缺省为按 fee_rate 收取"
    )


class Fee(_Model):
    """除利息、担保费外由借款人承担的一项费用（计入年化利率）。"""

    code: Code
    label: str = Field(min_length=1, description="如 账户管理费")
    basis: Literal["once", "yearly", "fixed"] = Field(
        description=(
            "once 放款时按贷款金额的百分比一次收取；"
            "yearly 每年初按 贷款金额 × 费率 × 实际天数 / 360 收取；fixed 放款时收取固定金额"
        )
    )
    rate: Percent | None = Field(None, description="basis 为 once / yearly 时的费率（%）")
    amount: Money | None = Field(None, description="basis 为 fixed 时的金额（元）")


class Offer(_Model):
    """报价条款：银行报价须向借款人列明的条款，测算结果逐条展示（产品文件须写明；缺省只为读取早期版本）。"""

    rate_type: RateType = Field(description="fixed 固定利率 / floating 浮动利率（按 LPR 重定价）")
    repricing: Repricing | None = Field(None, description="浮动利率的重定价周期与重定价日")
    interest: InterestBasis
    overdue: Overdue
    prepayment: Prepayment
    fees: list[Fee] = Field(
        description="其他费用（除利息与担保费外由借款人承担的费用）；不收取任何其他费用时写 []"
    )
    validity_days: int = Field(ge=1, le=90, description="测算结果的有效期（自测算日起的自然日）")
    expected_utilisation: Percent | None = Field(
        None,
        gt=0,
        description=(
            "随借随还：预计平均使用率（%）。测算按 额度 × 使用率 的平均占用全期按日计息；"
            "产品提供随借随还时必填"
        ),
    )


# -- the loan book: what the contract carries after approval ------------------------------------

AllocationItem = Literal["penalty", "compound", "interest", "principal"]
ALLOCATION_LABELS: dict[str, str] = {
    "penalty": "罚息",
    "compound": "复利",
    "interest": "利息",
    "principal": "本金",
}
DEFAULT_ALLOCATION: tuple[AllocationItem, ...] = ("penalty", "compound", "interest", "principal")


class SelfPayment(_Model):
    """自主支付：单笔支付不超过阈值时，借款人可自主支付（其余须受托支付给经核准的收款人）。"""

    max_amount: Money = Field(description="单笔自主支付的上限（元）；0 为一律受托支付")
    source: str = Field(min_length=1, description="阈值的依据（制度条款或本项目建议）")


class LoanTerms(_Model):
    """贷后条款：合同签订时冻结到合同上，贷后台账按此执行。"""

    revolving: bool = Field(False, description="true：循环授信额度（还款后额度恢复）")
    line_months: int | None = Field(
        None, ge=1, le=120, description="授信额度有效期（月，自签约日起）；缺省为贷款期限"
    )
    renewal_allowed: bool = Field(description="是否可办理无还本续贷")
    allocation_order: list[AllocationItem] = Field(
        default_factory=lambda: list(DEFAULT_ALLOCATION),
        min_length=4,
        max_length=4,
        description="还款冲抵顺序；缺省 罚息 → 复利 → 利息 → 本金",
    )
    self_payment: SelfPayment

    @model_validator(mode="after")
    def _each_once(self) -> LoanTerms:
        if sorted(self.allocation_order) != sorted(DEFAULT_ALLOCATION):
            raise ValueError("还款冲抵顺序须恰好列出 罚息、复利、利息、本金 各一次")
        return self


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
