"""Read, validate and fingerprint product files.

Every problem is reported with its path in the file, e.g.
``pricing.discounts[1].when.class_at_least: 未知的等级 'Ⅳ类'（…）``. A product is checked against
the catalog it names (level names and ranks, dimensions), the record kinds (title and award
subtypes) and itself (milestones, kinds, ranges). Validation is pure (no database).

The version of a product is the sha256 of its validated body (canonical JSON), so an edited file
is a new version and an unchanged one keeps its version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zhixin.catalog import loader as catalogs
from zhixin.catalog.schema import Catalog
from zhixin.products.schema import MILESTONE_RECORD_KINDS, ClassRef, Condition, Product
from zhixin.products.terms import Method
from zhixin.records.kinds import AWARD, RECORD_KINDS, TITLE
from zhixin.risk import spec as risk_specs

DATA_PACKAGE = "zhixin.products.data"
GUARANTEE_BASIS_MISSING = {
    "fee_base": "须写明担保费的计费金额：loan 贷款全额 / guaranteed 担保责任部分",
    "fee_balance": "须写明担保费按 original 原始金额 / outstanding 未偿本金 计收",
    "fee_period": "须写明担保费 yearly 每年预收 / upfront 放款时一次收取",
}
SCHEMA_FILE = "product.schema.json"


class ProductInvalid(ValueError):
    """A product file that does not validate: every error, each with its path."""

    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.source = source
        self.errors = errors


@dataclass(frozen=True)
class LoadedProduct:
    product: Product
    sha256: str
    body: dict[str, Any]  # the validated product as plain JSON data (levels filled in)


def _choices(kind: Any) -> tuple[str, ...]:
    for f in kind.fields:
        if f.column == "subtype":
            return tuple(f.choices)
    return ()  # pragma: no cover - both kinds have a subtype


TITLE_CHOICES = _choices(TITLE)
AWARD_CHOICES = _choices(AWARD)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(根)"


@lru_cache(maxsize=16)
def _catalog(name: str) -> Catalog | None:
    if name not in catalogs.bundled_names():
        return None
    return catalogs.load_bundled(name).catalog


class _Checker:
    """Cross-reference checks the schema alone cannot express; collects every error."""

    def __init__(self, product: Product, catalog: Catalog | None) -> None:
        self.p = product
        self.catalog = catalog
        self.errors: list[str] = []
        self.names = list(product.levels)

    def err(self, at: str, message: str) -> None:
        self.errors.append(f"{at}: {message}")

    def ref(self, ref: ClassRef | None, at: str) -> None:
        if ref is None or self.catalog is None:
            return
        n = len(self.names)
        if isinstance(ref, int):
            if not 1 <= ref <= n:
                self.err(
                    at,
                    f"等级名次 {ref} 超出范围"
                    f"（目录「{self.catalog.name}」共 {n} 个等级，1 为最高）",
                )
        elif ref not in self.names:
            self.err(
                at,
                f"未知的等级 '{ref}'（目录「{self.catalog.name}」的等级：{'、'.join(self.names)}；"
                f"也可写名次 1–{n}）",
            )

    def covers(self, refs: list[ClassRef], at: str, what: str) -> None:
        if self.catalog is None:
            return
        ranks = [self.p.rank_of(r) for r in refs]
        known = [r for r in ranks if r is not None]
        if len(set(known)) != len(known):
            self.err(at, f"{what}中有重复的等级")
        missing = [self.names[i] for i in range(len(self.names)) if i + 1 not in known]
        if missing:
            self.err(at, f"{what}须覆盖目录的全部等级，缺少：{'、'.join(missing)}")

    def unique(self, codes: list[str], at: str, what: str) -> None:
        seen: set[str] = set()
        for i, c in enumerate(codes):
            if c in seen:
                self.err(f"{at}[{i}]", f"{what} '{c}' 重复")
            seen.add(c)

    def subtypes(self, values: list[str], allowed: tuple[str, ...], at: str, what: str) -> None:
        for i, v in enumerate(values):
            if v not in allowed:
                self.err(f"{at}[{i}]", f"'{v}' 不是{what}（可选：{'、'.join(allowed)}）")

    def condition(self, c: Condition, at: str) -> None:
        self.ref(c.class_at_least, f"{at}.class_at_least")
        for i, r in enumerate(c.class_in):
            self.ref(r, f"{at}.class_in[{i}]")
        self.subtypes(c.award_any, AWARD_CHOICES, f"{at}.award_any", "奖项类别")
        self.subtypes(c.title_any, TITLE_CHOICES, f"{at}.title_any", "称号类别")
        if c.milestone is not None and c.milestone not in self.milestones:
            self.err(f"{at}.milestone", self._unknown_milestone(c.milestone))
        if c.total_score_above is not None and self.catalog is not None:
            top = self.catalog.reachable_total()
            if c.total_score_above >= top:
                self.err(
                    f"{at}.total_score_above",
                    f"总分高于 {c.total_score_above} 分不可达：目录「{self.catalog.name}」的总分"
                    f"满分为 {top} 分（本目录自己的分数，非百分制；见 zhixin catalog show）",
                )

    @property
    def milestones(self) -> list[str]:
        return [m.code for m in self.p.milestones]

    def _unknown_milestone(self, code: str) -> str:
        known = "、".join(self.milestones) or "（未定义任何里程碑）"
        return f"未定义的里程碑 '{code}'（在 milestones 中定义；已有：{known}）"

    def run(self) -> list[str]:
        p = self.p
        if self.catalog is None:
            self.err(
                "catalog",
                f"未知的指标目录 '{p.catalog}'（可选：{'、'.join(catalogs.bundled_names())}）",
            )
        self.unique(self.milestones, "milestones", "里程碑代码")
        self._eligibility()
        if p.amount.min > p.amount.max:
            self.err("amount", "起贷金额不能高于单户最高金额")
        if p.term_months.min > p.term_months.max:
            self.err("term_months", "最短期限不能长于最长期限")
        self.unique([m.value for m in p.methods], "methods", "还款方式")
        self._limit()
        self._pricing()
        self._tranches()
        self._support_service()
        self._offer()
        self.unique([r.code for r in p.auto_rules], "auto_rules", "规则代码")
        for i, rule in enumerate(p.auto_rules):
            self.condition(rule.when, f"auto_rules[{i}].when")
            if self.catalog is not None and rule.raise_notches >= len(self.names):
                self.err(f"auto_rules[{i}].raise_notches", f"目录只有 {len(self.names)} 个等级")
        if p.raroc is not None and self.catalog is not None and len(p.raroc.pd) != len(self.names):
            self.err(
                "raroc.pd",
                f"须按等级由高到低给出 {len(self.names)} 个违约概率（{'、'.join(self.names)}）",
            )
        self._risk_model()
        self._linkage()
        return self.errors

    def _risk_model(self) -> None:
        m = self.p.risk_model
        if m is None:
            return
        known = risk_specs.shipped()
        if m.code not in known:
            self.err("risk_model.code", f"未知的模型规格 '{m.code}'（可选：{'、'.join(known)}）")
        self.unique(list(m.use_for), "risk_model.use_for", "用途")
        if "raroc" in m.use_for and self.p.raroc is None:
            self.err(
                "risk_model.use_for", "用于 RAROC 须同时给出 raroc 测算参数（LGD、资金成本等）"
            )
        if "auto_decision" in m.use_for:
            if m.fast_lane_min_score is None:
                self.err(
                    "risk_model.fast_lane_min_score",
                    "用于 auto_decision 须给出走绿色通道的最低模型评分",
                )
            if self.p.service.fast_lane_days is None:
                self.err(
                    "risk_model.use_for",
                    "用于 auto_decision 须设绿色通道时限（service.fast_lane_days）",
                )
        elif m.fast_lane_min_score is not None:
            self.err("risk_model.fast_lane_min_score", "只在 use_for 含 auto_decision 时使用")

    def _eligibility(self) -> None:
        e = self.p.eligibility
        if e.grade is not None:
            self.ref(e.grade.overall, "eligibility.grade.overall")
            dims = [d.code for d in self.catalog.dimensions] if self.catalog else []
            for i, d in enumerate(e.grade.dimensions):
                at = f"eligibility.grade.dimensions[{i}]"
                if self.catalog is not None and d.dimension not in dims:
                    self.err(
                        f"{at}.dimension", f"未知的维度 '{d.dimension}'（可选：{'、'.join(dims)}）"
                    )
                self.ref(d.level, f"{at}.level")
        self.unique(list(e.size_classes), "eligibility.size_classes", "企业规模")
        self.unique([r.prefix for r in e.regions], "eligibility.regions", "区划前缀")
        self.subtypes(e.titles_any, TITLE_CHOICES, "eligibility.titles_any", "称号类别")

    def _limit(self) -> None:
        p, lim = self.p, self.p.limit
        base = lim.base
        if base is not None:
            if base.kind == "sales" and not base.sales_ratio:
                self.err(
                    "limit.base.sales_ratio", "按销售收入核定（kind: sales）须给出大于 0 的比例"
                )
            if base.kind == "fixed" and not base.amount:
                self.err("limit.base.amount", "固定额度（kind: fixed）须给出大于 0 的金额")
            if base.kind == "tier":
                for i, t in enumerate(base.tiers):
                    self.ref(t.level, f"limit.base.tiers[{i}].level")
                self.covers([t.level for t in base.tiers], "limit.base.tiers", "分档额度")
            elif base.tiers:
                self.err("limit.base.tiers", "只有分档额度（kind: tier）才给出 tiers")
            if base.kind != "sales" and base.sales_ratio is not None:
                self.err("limit.base.sales_ratio", "只有按销售收入核定（kind: sales）才给出比例")
            if base.kind != "fixed" and base.amount is not None:
                self.err("limit.base.amount", "只有固定额度（kind: fixed）才给出 amount")
        if lim.coefficients:
            if base is None:
                self.err("limit.coefficients", "没有基础额度（limit.base）时不能设额度核定系数")
            for i, c in enumerate(lim.coefficients):
                self.ref(c.level, f"limit.coefficients[{i}].level")
            self.covers([c.level for c in lim.coefficients], "limit.coefficients", "额度核定系数")
        if lim.cap is not None and lim.cap > p.amount.max:
            self.err("limit.cap", "基础授信上限不能高于单户最高金额（amount.max）")
        self.unique([c.kind.value for c in lim.collateral], "limit.collateral", "押品类别")
        for i, pledge in enumerate(lim.collateral):
            for j, raised in enumerate(pledge.raised):
                at = f"limit.collateral[{i}].raised[{j}]"
                if raised.rate <= pledge.rate:
                    self.err(f"{at}.rate", "提高后的质押率须高于常规质押率")
                self.condition(raised.when, f"{at}.when")
        parts = len(lim.collateral) + (1 if base is not None else 0)
        if p.kind == "纯信用":
            if base is None:
                self.err("limit.base", "纯信用产品须给出基础额度")
            if lim.collateral:
                self.err("limit.collateral", "纯信用产品不接受押品")
        elif p.kind == "质押" and not lim.collateral:
            self.err("limit.collateral", "质押类产品须列出接受的押品及质押率")
        elif p.kind == "保证担保":
            if base is None:
                self.err("limit.base", "保证担保类产品须给出基础额度")
            if p.support.guarantee is None:
                self.err("support.guarantee", "保证担保类产品须给出担保机构、担保比例与担保费率")
        elif p.kind == "组合" and parts < 2:
            self.err("limit", "组合贷款至少由两部分组成（信用额度与押品，或两类以上押品）")
        if p.support.guarantee is not None and p.kind not in ("保证担保", "组合"):
            self.err("support.guarantee", "只有保证担保或组合类产品可设担保")

    def _pricing(self) -> None:
        pr = self.p.pricing
        self.unique([d.code for d in pr.discounts], "pricing.discounts", "优惠代码")
        for i, d in enumerate(pr.discounts):
            self.condition(d.when, f"pricing.discounts[{i}].when")
        if pr.floor is not None and pr.cap is not None and pr.floor > pr.cap:
            self.err("pricing.floor", "最低执行利率不能高于最高执行利率")

    def _linkage(self) -> None:
        """Covenant codes unique; triggers name record kinds (and their subtypes/levels) that
        exist; a milestone's evidence names a defined milestone."""
        self.unique([c.code for c in self.p.covenants], "covenants", "约定代码")
        link = self.p.linkage
        if link is None:
            return
        triggers = [(f"linkage.freeze_on[{i}]", t) for i, t in enumerate(link.freeze_on)]
        triggers += [(f"linkage.milestones[{i}]", t) for i, t in enumerate(link.milestones)]
        for at, t in triggers:
            kind = RECORD_KINDS.get(t.record_kind)
            if kind is None:
                self.err(f"{at}.record_kind", f"未知的记录类别 '{t.record_kind}'")
                continue
            for name, values in (("subtype", t.subtype_in), ("level", t.level_in)):
                field = next((f for f in kind.fields if f.column == name), None)
                allowed = set(field.choices) if field is not None and field.choices else None
                for v in values:
                    if allowed is not None and v not in allowed:
                        self.err(f"{at}.{name}_in", f"{kind.label}没有{name} '{v}'")
        kinds = {m.code: m.kind for m in self.p.milestones}
        for i, m in enumerate(link.milestones):
            if m.milestone not in self.milestones:
                self.err(f"linkage.milestones[{i}].milestone", self._unknown_milestone(m.milestone))
                continue
            named = kinds[m.milestone]
            if named is not None and m.record_kind not in MILESTONE_RECORD_KINDS[named]:
                may = "、".join(sorted(MILESTONE_RECORD_KINDS[named]))
                self.err(
                    f"linkage.milestones[{i}].record_kind",
                    f"里程碑 '{m.milestone}' 的类别为 {named}，只能由这些记录核验：{may}",
                )
        notch = link.renewal_notch
        if notch is not None:
            evidenced = {m.milestone for m in link.milestones}
            for i, code in enumerate(notch.milestones):
                if code not in self.milestones:
                    self.err(
                        f"linkage.renewal_notch.milestones[{i}]", self._unknown_milestone(code)
                    )
                elif code not in evidenced:
                    self.err(
                        f"linkage.renewal_notch.milestones[{i}]",
                        f"里程碑 '{code}' 未在 linkage.milestones 中写明由哪类记录核验",
                    )
            if not notch.on_grade_raised and not notch.milestones:
                self.err("linkage.renewal_notch", "续贷升档须由等级上调或具名里程碑触发，至少一项")
        if link.renewal_notch is not None and not (
            self.p.loan is not None and self.p.loan.renewal_allowed
        ):
            self.err(
                "linkage.renewal_notch", "续贷升档须产品允许续贷（loan.renewal_allowed: true）"
            )

    def _tranches(self) -> None:
        tranches = self.p.tranches
        self.unique([t.milestone for t in tranches], "tranches", "里程碑")
        for i, t in enumerate(tranches):
            if t.milestone not in self.milestones:
                self.err(f"tranches[{i}].milestone", self._unknown_milestone(t.milestone))
            if t.amount <= 0 and t.rate_cut_bp == 0:
                self.err(f"tranches[{i}]", "动态增信须增加额度或降低利率")

    def _support_service(self) -> None:
        s = self.p.service
        self.ref(s.fast_lane_min_class, "service.fast_lane_min_class")
        if s.fast_lane_min_class is not None and s.fast_lane_days is None:
            self.err("service.fast_lane_min_class", "未设绿色通道时限（fast_lane_days）")
        self.unique(self.p.support.fee_waivers, "support.fee_waivers", "减免项目")
        g = self.p.support.guarantee
        if g is not None:
            for name in ("fee_base", "fee_balance", "fee_period"):
                if name not in g.model_fields_set:
                    self.err(f"support.guarantee.{name}", GUARANTEE_BASIS_MISSING[name])

    def _offer(self) -> None:
        p, o = self.p, self.p.offer
        if o is None:
            self.err(
                "offer",
                "须给出报价条款：利率类型、重定价、计息规则、逾期罚息、提前还款、其他费用、"
                "报价有效期（随借随还产品另给预计使用率）",
            )
            return
        if o.rate_type == "floating" and o.repricing is None:
            self.err("offer.repricing", "浮动利率须给出重定价周期与重定价日")
        if o.rate_type == "fixed" and o.repricing is not None:
            self.err("offer.repricing", "固定利率不重定价，请删去 repricing")
        r = o.repricing
        if r is not None and r.anchor == "january_1" and r.cycle_months != 12:
            self.err("offer.repricing.cycle_months", "每年 1 月 1 日重定价须配合 12 个月的周期")
        revolving = Method.revolving in p.methods
        if revolving and o.expected_utilisation is None:
            self.err("offer.expected_utilisation", "提供随借随还的产品须给出预计平均使用率（%）")
        if not revolving and o.expected_utilisation is not None:
            self.err("offer.expected_utilisation", "只有提供随借随还的产品才给出预计使用率")
        self.unique([f.code for f in o.fees], "offer.fees", "费用代码")
        for i, fee in enumerate(o.fees):
            at = f"offer.fees[{i}]"
            if fee.basis == "fixed":
                if not fee.amount or fee.rate is not None:
                    self.err(at, "固定金额的费用（basis: fixed）只给出大于 0 的 amount")
            elif not fee.rate or fee.amount is not None:
                self.err(at, "按比例收取的费用（basis: once / yearly）只给出大于 0 的 rate")


def check(product: Product) -> list[str]:
    """Every cross-reference error of ``product`` (its levels already filled in)."""
    return _Checker(product, _catalog(product.catalog)).run()


def parse(data: object, source: str = "<product>") -> LoadedProduct:
    """Validate plain data (from YAML or JSON); raise :class:`ProductInvalid` with every error."""
    try:
        product = Product.model_validate(data)
    except ValidationError as exc:
        raise ProductInvalid(
            source, [f"{_path(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from None
    catalog = _catalog(product.catalog)
    errors: list[str] = []
    if catalog is not None:
        names = [lv.name for lv in catalog.levels]
        if product.levels and product.levels != names:
            errors.append(
                f"levels: 与目录「{catalog.name}」的等级不一致（应为 {'、'.join(names)}，"
                "或省略由校验程序填入）"
            )
        product = product.model_copy(update={"levels": names})
    errors += check(product)
    if errors:
        raise ProductInvalid(source, errors)
    body = product.model_dump(mode="json")
    return LoadedProduct(product, catalogs.content_hash(body), body)


@lru_cache(maxsize=64)
def _parse_text(text: str, source: str) -> LoadedProduct:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProductInvalid(source, [f"(文件): YAML 格式错误：{exc}"]) from None
    return parse(data, source)


def from_body(body: dict[str, Any], source: str = "<stored>") -> Product:
    """A stored version back as a :class:`Product` (schema only: old versions stay readable)."""
    try:
        return Product.model_validate(body)
    except ValidationError as exc:
        errors = [f"{_path(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ProductInvalid(source, errors) from None


def shipped() -> list[str]:
    """The codes of the products shipped with the package (``data/<code>.yaml``)."""
    files = resources.files(DATA_PACKAGE)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".yaml"))


def load_shipped(code: str) -> LoadedProduct:
    res = resources.files(DATA_PACKAGE).joinpath(f"{code}.yaml")
    if not res.is_file():
        raise KeyError(code)
    loaded = _parse_text(res.read_text(encoding="utf-8"), f"{code}.yaml")
    if loaded.product.code != code:
        raise ProductInvalid(
            f"{code}.yaml",
            [f"code: 产品代码 '{loaded.product.code}' 与文件名 '{code}.yaml' 不一致"],
        )
    return loaded


def load_full(name_or_path: str | Path) -> LoadedProduct:
    """A shipped product by code, or a YAML file by path; ``KeyError`` when neither exists."""
    if isinstance(name_or_path, str) and name_or_path in shipped():
        return load_shipped(name_or_path)
    path = Path(name_or_path)
    if path.is_file():
        return _parse_text(path.read_text(encoding="utf-8"), str(path))
    raise KeyError(str(name_or_path))


def load(name_or_path: str | Path) -> Product:
    """The validated product; raises :class:`ProductInvalid` with every error and its path."""
    return load_full(name_or_path).product


def json_schema() -> str:
    schema = Product.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://zhixin.example/product.schema.json"
    schema["title"] = "质量贷产品配置 / zhixin product"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
