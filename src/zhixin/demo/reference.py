"""Reference lists of the synthetic region (演示数据): regions, industries, words for names,
products, certification bodies, issuers; and the templates that render issuer names per
region."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

# ----------------------------------------------------------------------------- reference lists

# code, county (for 个体 names / county-level issuers), name prefix for 企业, city, weight
_REGIONS: tuple[tuple[str, str, str, str, float], ...] = (
    ("350203", "厦门市思明区", "厦门", "厦门市", 0.16),
    ("350205", "厦门市海沧区", "厦门", "厦门市", 0.08),
    ("350206", "厦门市湖里区", "厦门", "厦门市", 0.14),
    ("350211", "厦门市集美区", "厦门", "厦门市", 0.10),
    ("350212", "厦门市同安区", "厦门", "厦门市", 0.08),
    ("350213", "厦门市翔安区", "厦门", "厦门市", 0.06),
    ("350102", "福州市鼓楼区", "福州", "福州市", 0.07),
    ("350104", "福州市仓山区", "福州", "福州市", 0.06),
    ("350502", "泉州市鲤城区", "泉州", "泉州市", 0.05),
    ("350582", "晋江市", "晋江", "泉州市", 0.10),
    ("350602", "漳州市芗城区", "漳州", "漳州市", 0.05),
    ("350302", "莆田市城厢区", "莆田", "莆田市", 0.05),
)
_PREFIXES = tuple(dict.fromkeys(r[2] for r in _REGIONS))
_REGION_PREFIX = np.array([_PREFIXES.index(r[2]) for r in _REGIONS], dtype=np.int64)
_CITY_ABBR = {"厦门市": "厦", "福州市": "榕", "泉州市": "泉", "漳州市": "漳", "莆田市": "莆"}
_PROVINCE = "福建省"

# GB/T 4754 division, weight among 企业, name words (no word is a suffix of another)
_INDUSTRIES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("C13", 4, ("农产品", "粮油")),
    ("C14", 4, ("食品", "食品工业")),
    ("C15", 2, ("饮品",)),
    ("C17", 4, ("纺织",)),
    ("C18", 6, ("服饰", "制衣")),
    ("C19", 5, ("鞋业", "鞋材")),
    ("C21", 3, ("家具",)),
    ("C22", 1, ("纸业",)),
    ("C23", 2, ("印务", "包装印刷")),
    ("C24", 3, ("文体用品", "工艺")),
    ("C26", 3, ("化工",)),
    ("C27", 2, ("药业", "生物医药")),
    ("C29", 5, ("塑胶", "橡塑")),
    ("C30", 4, ("建材", "陶瓷")),
    ("C31", 1, ("钢铁",)),
    ("C32", 1, ("金属材料",)),
    ("C33", 5, ("五金", "金属制品")),
    ("C34", 7, ("机械", "机电")),
    ("C35", 4, ("设备", "智能装备")),
    ("C36", 3, ("汽车配件",)),
    ("C37", 1, ("船舶",)),
    ("C38", 6, ("电气", "照明")),
    ("C39", 7, ("电子", "光电")),
    ("C40", 2, ("仪器仪表",)),
    ("C41", 1, ("工艺品",)),
    ("C43", 1, ("设备维修",)),
    ("F51", 6, ("贸易", "进出口")),
    ("F52", 3, ("商贸",)),
    ("I63", 1, ("通信",)),
    ("I64", 2, ("互联网",)),
    ("I65", 4, ("软件", "信息技术")),
    ("M73", 2, ("科技",)),
    ("M74", 2, ("检测技术", "工程设计")),
    ("M75", 2, ("技术服务",)),
)
# 个体工商户: goods word, industry
_SHOP_GOODS: tuple[tuple[str, str], ...] = (
    ("五金", "F52"),
    ("建材", "F52"),
    ("日用百货", "F52"),
    ("食杂", "F52"),
    ("服装", "F52"),
    ("家电", "F52"),
    ("茶叶", "F52"),
    ("水产", "F52"),
    ("家具", "F52"),
    ("文具", "F52"),
    ("烟酒", "F52"),
    ("通讯器材", "F52"),
    ("汽车用品", "F52"),
    ("灯饰", "F52"),
    ("图文", "C23"),
    ("服装加工", "C18"),
    ("糕点", "C14"),
    ("电子产品", "F51"),
)
_SHOP_SUFFIX = ("店", "经营部", "商行")
_CO_SUFFIX = ("有限公司", "股份有限公司")
_CHARS = (
    "鑫达宏远华信盛德恒泰瑞嘉兴源通利安永昌隆丰诚创新益金银海鹭闽天中东南万福祥和康佳美优卓凯锦"
    "富荣辉光明星宇博智力腾航顺合众联云峰君友正大成立元亨吉庆鸿运升晟弘毅志宁春晖晨阳扬帆百汇"
    "豪威勤俊宝鼎乾坤铭浩然思捷聚伟特尚雅轩悦驰骏晋亿万兆达鑫森林溪泉岩石青山碧波江河湾厦鹏飞"
)
_CHARS = "".join(dict.fromkeys(_CHARS))
_NC = len(_CHARS)

_PRODUCTS = (
    "电线电缆",
    "电动自行车",
    "家用电器",
    "照明灯具",
    "儿童玩具",
    "陶瓷卫浴",
    "塑料制品",
    "食品包装材料",
    "服装",
    "鞋类",
    "家具",
    "五金工具",
    "电子元器件",
    "汽车零部件",
    "建筑材料",
    "茶叶",
    "预包装食品",
    "化肥",
    "安全帽",
    "锂离子电池",
)
_PATENT_OBJECTS = (
    "电池",
    "阀门",
    "电机",
    "传感器",
    "模具",
    "包装盒",
    "灯具",
    "陶瓷坯体",
    "纺织面料",
    "鞋底",
    "切割机",
    "输送装置",
    "控制电路",
    "过滤器",
)
_PATENT_TAILS = (
    "检测装置",
    "制备方法",
    "固定结构",
    "控制系统",
    "加工工艺",
    "散热结构",
    "自动化生产线",
)

_CERT_BODIES = (
    "中国质量认证中心",
    "方圆标志认证集团有限公司",
    "中国船级社质量认证有限公司",
    "北京世标认证中心有限公司",
    "华夏认证中心有限公司",
    "中联认证中心（北京）有限公司",
    "必维认证（北京）有限公司",
    "上海质量体系审核中心",
)

# Templates may use {city} 厦门市, {county} 厦门市思明区, {district} 思明区 / 晋江市, {abbr} 厦.
_BUREAU_BY_LEVEL = (
    "国家市场监督管理总局",
    "福建省市场监督管理局",
    "{city}市场监督管理局",
    "{county}市场监督管理局",
)
_GOV_BY_LEVEL = ("国务院", "福建省人民政府", "{city}人民政府", "{county}人民政府")


def _district(county: str) -> str:
    return county[3:] if len(county) > 3 else county


def _render(templates: Sequence[str]) -> tuple[pa.Array, int]:
    """Every template for every region: index = template * n_regions + region."""
    out: list[str] = []
    for t in templates:
        for _code, county, _prefix, city, _w in _REGIONS:
            out.append(
                t.format(
                    city=city, county=county, district=_district(county), abbr=_CITY_ABBR[city]
                )
            )
    return pa.array(out, pa.string()), len(_REGIONS)
