"""Demo enterprises written out by hand (演示数据): a few firms in Ningbo, Shaoxing and Quzhou
(graded on the Ningbo catalog) and in Shandong (the Shandong catalog), so every shipped product
has an eligible case in the demo — 甬质贷, 兴保贷 and the Quzhou combination loan read the Ningbo
catalog's whitelist, 鲁质贷 Shandong's — and two in Fujian, so 专精特新e贷 and Fuzhou's two
products have one in a demo of any size. Written out by hand, not drawn: a handful of firms whose
records (ISO 9001, 守合同重信用 two years running, invention patents, a passed spot check, a
高新技术企业 title, a city quality award) give each a listed grade; a regulator of the province
drafts and another publishes each list (``zhixin.demo.loader``). Never commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.demo.layout import SOURCE_SYSTEM
from zhixin.enterprises.models import Enterprise
from zhixin.intake.rows import content_hash, make_natural_key
from zhixin.intake.specs import get_spec
from zhixin.records.models import QualityRecord

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc(region: str, body8: str) -> str:
    """A 统一社会信用代码 with valid check characters (GB 11714, GB 32100) for an enterprise
    (登记管理部门 9, 类别 1) registered in ``region``."""
    org = 11 - sum(int(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    org_char = "0" if org == 11 else ("X" if org == 10 else str(org))
    first17 = "91" + region + body8 + org_char
    total = sum(_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class Firm:
    catalog: str  # the catalog its province's regulator grades it on
    region: str
    body8: str  # the organisation code's eight digits
    name: str
    industry: str
    size: str
    established: date
    capital_wan: int
    patents: int  # valid invention patents
    city: str  # 宁波市 …: the issuer of the city-level records

    @property
    def uscc(self) -> str:
        return uscc(self.region, self.body8)


# fmt: off
FIRMS: tuple[Firm, ...] = (
    # Fujian, graded with the region on Xiamen's catalog: a 专精特新 firm in Xiamen (专精特新e贷)
    # and a Fuzhou firm of long standing (科创贷, 科创E贷), whatever the size of the drawn demo
    Firm("xiamen", "350206", "74106235", "厦门鹭芯微电子股份有限公司", "C39", "中",
         date(2013, 10, 16), 5000, 6, "厦门市"),
    Firm("xiamen", "350102", "69523718", "福州闽创智能科技有限公司", "M73", "小",
         date(2014, 2, 25), 1000, 3, "福州市"),
    Firm("ningbo", "330212", "71520836", "宁波甬辰精密机械有限公司", "C34", "小",
         date(2012, 4, 18), 2000, 3, "宁波市"),
    Firm("ningbo", "330203", "68340117", "宁波港晟电子科技有限公司", "C39", "中",
         date(2015, 9, 2), 5000, 6, "宁波市"),
    Firm("ningbo", "330602", "73918452", "绍兴越新纺织印染有限公司", "C17", "小",
         date(2010, 3, 11), 1500, 2, "绍兴市"),
    Firm("ningbo", "330603", "59027364", "绍兴柯美服饰有限公司", "C18", "小",
         date(2016, 6, 28), 800, 1, "绍兴市"),
    Firm("ningbo", "330802", "66213849", "衢州衢达新材料有限公司", "C26", "小",
         date(2014, 11, 5), 3000, 4, "衢州市"),
    Firm("ningbo", "330803", "70485921", "衢州江源智能装备有限公司", "C35", "中",
         date(2011, 8, 19), 6000, 7, "衢州市"),
    Firm("shandong", "371102", "61738205", "日照岚港食品有限公司", "C14", "小",
         date(2013, 5, 20), 1200, 2, "日照市"),
    Firm("shandong", "370102", "72649013", "济南泉润软件有限公司", "I65", "小",
         date(2016, 1, 12), 1000, 5, "济南市"),
    Firm("shandong", "370202", "58371946", "青岛海岳机电有限公司", "C34", "中",
         date(2009, 7, 30), 5000, 8, "青岛市"),
)
# fmt: on

_PROVINCE = {"xiamen": "福建省", "ningbo": "浙江省", "shandong": "山东省"}


def _records(firm: Firm, as_of: date) -> list[tuple[str, dict[str, Any]]]:
    """(kind, values) of one firm's records, all dated on or before ``as_of``."""
    province = _PROVINCE[firm.catalog]
    n = int(firm.body8[:4])
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "certification",
            {
                "subtype": "ISO9001",
                "ref": f"00123Q{n:05d}R1M",
                "issuer": "中国质量认证中心",
                "valid_from": as_of - timedelta(days=400),
                "valid_to": as_of + timedelta(days=695),
                "status": "有效",
            },
        ),
        *(
            (
                "contract_credit",
                {"year": year, "level": "省级", "issuer": f"{province}市场监督管理局"},
            )
            for year in (as_of.year - 2, as_of.year - 1)
        ),
        (
            "spot_check",
            {
                "ref": f"CC{as_of.year}{n:04d}",
                "title": "主导产品",
                "level": "省级",
                "issuer": f"{province}市场监督管理局",
                "event_date": as_of - timedelta(days=120),
                "passed": True,
            },
        ),
        (
            "title",
            {
                "subtype": "高新技术企业",
                "title": "高新技术企业",
                "level": "国家级",
                "ref": f"GR{as_of.year - 1}{n:08d}",
                "valid_from": date(as_of.year - 1, 12, 1),
                "valid_to": date(as_of.year + 2, 11, 30),
                "issuer": f"{province}科学技术厅",
            },
        ),
    ]
    if firm.catalog == "xiamen" and firm.size == "中":
        rows.append(
            (
                "title",
                {
                    "subtype": "专精特新中小企业",
                    "title": "专精特新中小企业",
                    "level": "省级",
                    "ref": f"ZJTX{as_of.year - 1}{n:04d}",
                    "valid_from": date(as_of.year - 1, 9, 1),
                    "valid_to": date(as_of.year + 2, 8, 31),
                    "issuer": f"{province}工业和信息化厅",
                },
            )
        )
    for i in range(firm.patents):
        rows.append(
            (
                "patent",
                {
                    "ref": f"ZL20{18 + i % 6}1{n:04d}{i:03d}.{(n + i) % 10}",
                    "subtype": "发明",
                    "title": f"一种{firm.name[2:-4]}生产用检测装置（{i + 1}）",
                    "status": "有效",
                    "event_date": date(2019 + i % 6, 3 + i % 9, 10),
                },
            )
        )
    if firm.size == "中":
        rows.append(
            (
                "award",
                {
                    "subtype": "政府质量奖",
                    "title": f"{firm.city}政府质量奖",
                    "level": "市级",
                    "year": as_of.year - 1,
                    "issuer": f"{firm.city}人民政府",
                },
            )
        )
    return rows


def _fill(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The record's columns from the kind's fields (what the intake writes)."""
    spec = get_spec(kind)
    columns = {f.column: values.get(f.key) for f in spec.fields if f.column and f.key != "uscc"}
    return {k: v for k, v in columns.items() if k is not None}


@dataclass(frozen=True)
class Loaded:
    ids: dict[str, list[int]]  # the enterprise ids per catalog
    records: int


def load(session: Session, *, as_of: date, catalogs: tuple[str, ...]) -> Loaded:
    """Insert the firms graded on ``catalogs`` and their records."""
    ids: dict[str, list[int]] = {}
    records = 0
    for firm in (f for f in FIRMS if f.catalog in catalogs):
        code = firm.uscc
        ent = Enterprise(
            uscc=code,
            name=firm.name,
            kind="企业",
            size_class=firm.size,
            region_code=firm.region,
            industry_code=firm.industry,
            established_on=firm.established,
            registered_capital=Decimal(firm.capital_wan * 10_000),
            status="存续",
            content_hash=hashlib.md5(code.encode(), usedforsecurity=False).hexdigest(),
            source_system=SOURCE_SYSTEM,
        )
        session.add(ent)
        session.flush()
        ids.setdefault(firm.catalog, []).append(ent.id)
        for kind, values in _records(firm, as_of):
            records += 1
            spec = get_spec(kind)
            keyed = {"uscc": code, **values}
            parts = [str(values[k]) for k in spec.key_fields]
            session.add(
                QualityRecord(
                    enterprise_id=ent.id,
                    kind=kind,
                    natural_key=make_natural_key(code, parts),
                    version=1,
                    content_hash=content_hash(spec, keyed),
                    source_system=SOURCE_SYSTEM,
                    extra={},
                    **_fill(kind, values),
                )
            )
    session.flush()
    return Loaded(ids, records)
