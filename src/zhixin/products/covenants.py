"""A product's covenants and quality linkage after the loan (贷后约定 · 动态联动): what the
borrower undertakes, the consequence of a breach, the records that freeze a line, verify a
milestone or notch the rate at renewal. Re-exported by ``products.schema``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from zhixin.products.fields import Bp, Cadence, Code, Percent, _Model

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
