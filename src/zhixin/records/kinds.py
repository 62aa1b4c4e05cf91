"""The kinds of quality record (质量要素记录) and their fields, declared once.

Import templates, row validation, the API schema and the record pages all read this table.
Each field either lands in a shared column of ``quality_record`` (so the evaluation engine can
filter on it) or in the record's ``extra`` JSON (see :mod:`zhixin.records.fields`).
"""

from __future__ import annotations

from zhixin.records.fields import (
    CERT_STATUS,
    Field,
    FieldType,
    RecordKind,
    issuer_field,
    level_field,
    ref_field,
    valid_from_field,
    valid_to_field,
)

CERTIFICATION = RecordKind(
    "certification",
    "管理体系认证",
    (
        Field(
            "subtype",
            "认证类型",
            FieldType.choice,
            True,
            (
                "ISO9001",
                "ISO14001",
                "ISO45001",
                "IATF16949",
                "GB/T29490",
                "测量管理体系A",
                "测量管理体系AA",
                "测量管理体系AAA",
            ),
            aliases={
                "ISO 9001": "ISO9001",
                "GB/T19001": "ISO9001",
                "质量管理体系": "ISO9001",
                "ISO 14001": "ISO14001",
                "环境管理体系": "ISO14001",
                "ISO 45001": "ISO45001",
                "职业健康安全管理体系": "ISO45001",
                "IATF 16949": "IATF16949",
                "GB/T 29490": "GB/T29490",
                "知识产权管理体系": "GB/T29490",
                "测量管理体系A级": "测量管理体系A",
                "测量管理体系AA级": "测量管理体系AA",
                "测量管理体系AAA级": "测量管理体系AAA",
            },
            column="subtype",
            example="ISO9001",
        ),
        ref_field("证书编号", "00123Q45678R0M"),
        issuer_field("认证机构", True, "中国质量认证中心"),
        valid_from_field(),
        valid_to_field(),
        Field(
            "status",
            "证书状态",
            FieldType.choice,
            True,
            CERT_STATUS,
            column="status",
            example="有效",
        ),
    ),
    key_fields=("ref",),
    description="ISO 9001 / 14001 / 45001、IATF 16949、GB/T 29490、测量管理体系",
)

PRODUCT_CERTIFICATION = RecordKind(
    "product_certification",
    "产品和服务认证",
    (
        Field(
            "subtype",
            "认证类型",
            FieldType.choice,
            True,
            ("CCC", "绿色产品", "节能", "环保", "有机产品", "售后服务", "其他自愿性认证"),
            aliases={"3C": "CCC", "强制性产品认证": "CCC", "有机": "有机产品"},
            column="subtype",
            example="CCC",
        ),
        ref_field("证书编号", "2023010101234567"),
        Field("title", "产品或服务名称", required=True, column="title", example="电动自行车"),
        issuer_field("认证机构", False, "中国质量认证中心"),
        valid_from_field(),
        valid_to_field(),
        Field("status", "证书状态", FieldType.choice, True, CERT_STATUS, column="status"),
    ),
    key_fields=("ref",),
    description="CCC 强制性认证；绿色、节能、有机、售后服务等自愿性认证",
)

ACCREDITATION = RecordKind(
    "accreditation",
    "实验室认可与资质认定",
    (
        Field(
            "subtype",
            "类型",
            FieldType.choice,
            True,
            ("CNAS", "CMA"),
            aliases={"实验室认可": "CNAS", "资质认定": "CMA", "检验检测机构资质认定": "CMA"},
            column="subtype",
            example="CNAS",
        ),
        ref_field("证书编号", "CNAS L12345"),
        issuer_field("发证机关", False, "中国合格评定国家认可委员会"),
        valid_from_field(),
        valid_to_field(),
        Field("status", "状态", FieldType.choice, True, CERT_STATUS, column="status"),
    ),
    key_fields=("ref",),
)

AWARD = RecordKind(
    "award",
    "荣誉奖项",
    (
        Field(
            "subtype",
            "奖项类别",
            FieldType.choice,
            True,
            ("中国质量奖", "政府质量奖", "标准创新贡献奖", "专利奖", "其他质量荣誉"),
            aliases={
                "质量奖": "政府质量奖",
                "市长质量奖": "政府质量奖",
                "省长质量奖": "政府质量奖",
            },
            column="subtype",
            example="政府质量奖",
        ),
        Field("title", "奖项名称", required=True, column="title", example="厦门市市长质量奖"),
        level_field(),
        Field("year", "获奖年度", FieldType.year, True, column="year", example="2024"),
        Field(
            "rank", "名次或等次", FieldType.text, False, column=None, max_len=32, example="提名奖"
        ),
        issuer_field("授予机关", False, "厦门市人民政府"),
    ),
    key_fields=("title", "year"),
)

TITLE = RecordKind(
    "title",
    "称号认定",
    (
        Field(
            "subtype",
            "称号",
            FieldType.choice,
            True,
            (
                "专精特新中小企业",
                "专精特新小巨人",
                "高新技术企业",
                "科技型中小企业",
                "质量强国建设领军企业",
                "质量强国建设培育企业",
                "首席质量官",
                "放心消费承诺单位",
                "计量伙伴计划",
                "区域品牌",
                "驰名商标",
                "老字号",
                "地理标志",
            ),
            aliases={
                "专精特新": "专精特新中小企业",
                '专精特新"小巨人"': "专精特新小巨人",
                "专精特新“小巨人”": "专精特新小巨人",
                "小巨人": "专精特新小巨人",
                "高企": "高新技术企业",
                "中华老字号": "老字号",
            },
            column="subtype",
            example="专精特新中小企业",
        ),
        Field("title", "称号名称", required=False, column="title", example="品字标浙江制造"),
        level_field(),
        Field("ref", "证书或文号", column="ref", max_len=128, example="GR202335000123"),
        valid_from_field("认定日期"),
        valid_to_field("有效期至", required=False),
        issuer_field("认定机关", False, "福建省工业和信息化厅"),
    ),
    key_fields=("subtype", "title", "valid_from"),
    description="专精特新、小巨人、高新技术企业、首席质量官、区域品牌（品字标、好品山东、鹭品…）等",
)

STANDARD = RecordKind(
    "standard",
    "主导或参与制定标准",
    (
        ref_field("标准编号", "GB/T 12345-2024"),
        Field("title", "标准名称", required=True, column="title", example="电动自行车用锂电池"),
        Field(
            "level",
            "标准层级",
            FieldType.choice,
            True,
            ("国际标准", "国家标准", "行业标准", "地方标准", "团体标准", "企业标准"),
            aliases={
                "国际": "国际标准",
                "国家": "国家标准",
                "行业": "行业标准",
                "地方": "地方标准",
                "团体": "团体标准",
                "企业": "企业标准",
            },
            column="level",
            example="国家标准",
        ),
        Field(
            "subtype",
            "参与角色",
            FieldType.choice,
            True,
            ("主导", "参与"),
            aliases={"牵头": "主导", "主要起草": "主导", "参与起草": "参与"},
            column="subtype",
            example="主导",
        ),
        Field("rank", "起草排名", FieldType.int, False, column="rank", example="1"),
        Field(
            "event_date",
            "发布日期",
            FieldType.date,
            True,
            column="event_date",
            example="2024-05-01",
        ),
    ),
    key_fields=("ref",),
)

PATENT = RecordKind(
    "patent",
    "专利",
    (
        ref_field("专利号", "ZL202310123456.7"),
        Field(
            "subtype",
            "专利类型",
            FieldType.choice,
            True,
            ("发明", "实用新型", "外观设计"),
            aliases={"发明专利": "发明", "实用新型专利": "实用新型", "外观设计专利": "外观设计"},
            column="subtype",
            example="发明",
        ),
        Field("title", "专利名称", column="title", example="一种检测装置"),
        Field(
            "status",
            "法律状态",
            FieldType.choice,
            True,
            ("有效", "失效"),
            aliases={"授权": "有效", "专利权维持": "有效", "终止": "失效", "无效": "失效"},
            column="status",
            example="有效",
        ),
        Field(
            "event_date",
            "授权日期",
            FieldType.date,
            True,
            column="event_date",
            example="2023-08-15",
        ),
        Field("flag", "是否质押", FieldType.bool, False, column="flag", example="否"),
        # the patent years (and the annual fees' due days) run from the filing date
        Field(
            "valid_from", "申请日", FieldType.date, False, column="valid_from", example="2021-03-15"
        ),
    ),
    key_fields=("ref",),
)

CONTRACT_CREDIT = RecordKind(
    "contract_credit",
    "守合同重信用公示",
    (
        Field("year", "公示年度", FieldType.year, True, column="year", example="2024"),
        level_field("公示级别"),
        issuer_field("公示机关", False, "福建省市场监督管理局"),
    ),
    key_fields=("year", "level"),
    description="“守合同重信用”企业公示",
)

SPOT_CHECK = RecordKind(
    "spot_check",
    "监督抽查",
    (
        ref_field("抽查编号", "CC2024-0012"),
        Field(
            "event_date",
            "抽查日期",
            FieldType.date,
            True,
            column="event_date",
            example="2024-09-10",
        ),
        Field("title", "产品名称", required=True, column="title", example="电线电缆"),
        level_field("抽查级别"),
        Field(
            "passed",
            "抽查结果",
            FieldType.bool,
            True,
            column="passed",
            example="合格",
            true_words=("合格", "通过", "是"),
        ),
        issuer_field("组织机关", False, "厦门市市场监督管理局"),
    ),
    key_fields=("ref",),
    negative=True,
)

PENALTY = RecordKind(
    "penalty",
    "行政处罚",
    (
        ref_field("处罚决定书文号", "厦市监处罚〔2024〕12号"),
        Field(
            "event_date",
            "处罚日期",
            FieldType.date,
            True,
            column="event_date",
            example="2024-03-18",
        ),
        issuer_field("处罚机关", True, "厦门市市场监督管理局"),
        Field(
            "subtype",
            "违法类别",
            FieldType.choice,
            True,
            (
                "产品质量",
                "计量",
                "标准化",
                "认证认可",
                "特种设备",
                "食品安全",
                "广告",
                "价格",
                "其他",
            ),
            aliases={"质量": "产品质量", "产品质量类": "产品质量"},
            column="subtype",
            example="产品质量",
        ),
        Field("amount", "罚没金额（元）", FieldType.money, False, column="amount", example="20000"),
        Field(
            "level",
            "严重程度",
            FieldType.choice,
            True,
            ("一般", "较重", "严重"),
            aliases={"轻微": "一般", "较大": "较重", "重大": "严重"},
            column="level",
            example="一般",
        ),
    ),
    key_fields=("ref",),
    negative=True,
)

LIST_ENTRY = RecordKind(
    "list_entry",
    "名录名单",
    (
        Field(
            "subtype",
            "名录类型",
            FieldType.choice,
            True,
            ("经营异常名录", "严重违法失信名单", "失信被执行人"),
            aliases={"异常名录": "经营异常名录", "严重违法失信企业名单": "严重违法失信名单"},
            column="subtype",
            example="经营异常名录",
        ),
        valid_from_field("列入日期"),
        valid_to_field("移出日期", required=False),
        Field("title", "列入原因", required=True, column="title", example="未按规定报送年度报告"),
        issuer_field("作出决定机关", False, "厦门市市场监督管理局"),
    ),
    key_fields=("subtype", "valid_from"),
    negative=True,
)

RECORD_KINDS: dict[str, RecordKind] = {
    k.code: k
    for k in (
        CERTIFICATION,
        PRODUCT_CERTIFICATION,
        ACCREDITATION,
        AWARD,
        TITLE,
        STANDARD,
        PATENT,
        CONTRACT_CREDIT,
        SPOT_CHECK,
        PENALTY,
        LIST_ENTRY,
    )
}
