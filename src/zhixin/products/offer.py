"""What a bank's quote must state (the offer: interest basis, repricing, overdue, prepayment,
fees) and what the contract carries into the loan book after approval (allocation order,
self-payment, renewal). Re-exported by ``products.schema``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from zhixin.products.fields import Code, Money, Percent, RateType, _Model

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
