"""What comes with a product beside the loan itself: government support (guarantees, risk
compensation, subsidies), the borrower's covenants as shown, how it is served, its automatic
rules, the RAROC check and the risk model it uses. Re-exported by ``products.schema``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from zhixin.products.fields import (
    Cadence,
    Channel,
    ClassRef,
    Code,
    Condition,
    FeeBalance,
    FeeBase,
    FeePeriod,
    HolidayRule,
    Money,
    Percent,
    Rate,
    _Model,
)

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
