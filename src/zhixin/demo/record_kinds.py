"""One generator per quality-record kind (certification, award, patent, spot check, ...):
each fills the value columns of its records for a block of enterprises."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.demo.arrays import _choice, _digits, _join, _take, _uniform_days
from zhixin.demo.layout import _D_AS_OF, _D_REC_LO, I64, Cols, _Block
from zhixin.demo.reference import (
    _BUREAU_BY_LEVEL,
    _CERT_BODIES,
    _GOV_BY_LEVEL,
    _PATENT_OBJECTS,
    _PATENT_TAILS,
    _PRODUCTS,
    _render,
)
from zhixin.records.fields import CERT_STATUS, LEVELS_GOV
from zhixin.records.kinds import RECORD_KINDS


def _choices(kind: str, key: str) -> pa.Array:
    return pa.array(list(RECORD_KINDS[kind].field_by_key(key).choices))


@dataclass
class _Ctx:
    rng: np.random.Generator
    owner: I64
    ordinal: I64
    blk: _Block

    @property
    def n(self) -> int:
        return len(self.owner)

    def region(self) -> I64:
        return self.blk.region[self.owner]

    def date_lo(self) -> I64:
        return np.maximum(self.blk.established[self.owner], _D_REC_LO)

    def tmpl(self, rendered: tuple[pa.Array, int], t: I64) -> pa.Array:
        arr, nr = rendered
        return _take(arr, t * nr + self.region())


_BUREAUS = _render(_BUREAU_BY_LEVEL)
_GOVS = _render(_GOV_BY_LEVEL)
_CERT_STATUS = pa.array(list(CERT_STATUS))
_LEVELS = pa.array(list(LEVELS_GOV))


def _cert_status(rng: np.random.Generator, valid_to: I64) -> I64:
    n = len(valid_to)
    expired = valid_to < _D_AS_OF
    live = _choice(rng, [0.92, 0.05, 0.03, 0.0, 0.0], n)  # 有效 暂停 撤销
    dead = np.where(rng.random(n) < 0.85, 4, 3)  # 过期 / 注销
    return np.where(expired, dead, live)


def _add_years(days: I64, years: int) -> I64:
    return days + round(365.25 * years) - 1


def _gen_certification(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.45, 0.2, 0.17, 0.04, 0.06, 0.04, 0.03, 0.01], n)
    body = rng.integers(0, len(_CERT_BODIES), n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = _add_years(vf, 3)
    letters = pa.array(list("QESQIMMM"))
    ref = _join(
        _digits(body * 1000 + rng.integers(0, 1000, n), 5),
        _take(letters, sub),
        _digits(rng.integers(0, 100, n), 2),
        _digits(c.ordinal, 3),
        "R",
        _digits(rng.integers(0, 10, n), 1),
        "M",
    )
    return {
        "subtype": (_choices("certification", "subtype"), sub),
        "ref": ref,
        "issuer": _take(pa.array(list(_CERT_BODIES)), body),
        "valid_from": vf,
        "valid_to": vt,
        "status": (_CERT_STATUS, _cert_status(rng, vt)),
    }


def _gen_product_certification(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.45, 0.1, 0.12, 0.1, 0.03, 0.1, 0.1], n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = np.where(sub == 0, _add_years(vf, 5), _add_years(vf, 3))
    yy = (vf // 365 + 70) % 100
    body = rng.integers(0, len(_CERT_BODIES), n)
    ref = _join("20", _digits(yy, 2), _digits(rng.integers(0, 10**9, n), 9), _digits(c.ordinal, 3))
    return {
        "subtype": (_choices("product_certification", "subtype"), sub),
        "ref": ref,
        "title": _take(pa.array(list(_PRODUCTS)), rng.integers(0, len(_PRODUCTS), n)),
        "issuer": _take(pa.array(list(_CERT_BODIES)), body),
        "valid_from": vf,
        "valid_to": vt,
        "status": (_CERT_STATUS, _cert_status(rng, vt)),
    }


def _gen_accreditation(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = rng.integers(0, 2, n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = _add_years(vf, 6)
    cnas = _join("CNAS L", _digits(rng.integers(0, 100, n), 2), _digits(c.ordinal, 3))
    cma = _join(
        _digits((vf // 365 + 70) % 100, 2),
        "13",
        _digits(rng.integers(0, 10**5, n), 5),
        _digits(c.ordinal, 3),
    )
    issuer = pa.array(["中国合格评定国家认可委员会", "福建省市场监督管理局"])
    return {
        "subtype": (_choices("accreditation", "subtype"), sub),
        "ref": pc.if_else(pa.array(sub == 0), cnas, cma),
        "issuer": _take(issuer, sub),
        "valid_from": vf,
        "valid_to": vt,
        "status": (_CERT_STATUS, _cert_status(rng, vt)),
    }


# award titles by (subtype, level); "" = combination not drawn
_AWARD_TITLES = (
    ("中国质量奖", "", "", ""),
    ("", "福建省政府质量奖", "{city}市长质量奖", "{district}政府质量奖"),
    ("中国标准创新贡献奖", "福建省标准贡献奖", "{city}标准化贡献奖", ""),
    ("中国专利奖", "福建省专利奖", "{city}专利奖", ""),
    (
        "全国质量诚信标杆企业",
        "福建省质量诚信企业",
        "{city}质量诚信示范企业",
        "{district}质量信得过企业",
    ),
)
_AWARD_LEVEL_P = (
    (1, 0, 0, 0),
    (0, 0.15, 0.45, 0.4),
    (0.3, 0.4, 0.3, 0),
    (0.1, 0.4, 0.5, 0),
    (0.1, 0.3, 0.4, 0.2),
)
_AWARD_RENDER = _render([t for row in _AWARD_TITLES for t in row])


def _level_given(rng: np.random.Generator, sub: I64, table: Sequence[Sequence[float]]) -> I64:
    p = np.asarray(table, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    cum = np.cumsum(p[sub], axis=1)
    level: I64 = np.minimum((rng.random(len(sub))[:, None] >= cum).sum(axis=1), p.shape[1] - 1)
    return level


def _gen_award(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.01, 0.35, 0.05, 0.2, 0.39], n)
    lvl = _level_given(rng, sub, _AWARD_LEVEL_P)
    lo_year = np.maximum(c.date_lo() // 365 + 1970, 2015)
    year = lo_year + (rng.random(n) * (2026 - lo_year + 1)).astype(np.int64)
    year = np.minimum(year, 2025)
    return {
        "subtype": (_choices("award", "subtype"), sub),
        "title": c.tmpl(_AWARD_RENDER, sub * 4 + lvl),
        "level": (_LEVELS, lvl),
        "year": year,
        "issuer": c.tmpl(_GOVS, lvl),
        "_key": ((sub * 4 + lvl) * 100 + (year - 2000)),
    }


# title kind: subtype weights, level, years valid (0 = open), issuer template, ref prefix
_TITLE_SPEC: tuple[tuple[float, int, int, str, str], ...] = (
    (0.25, 1, 3, "福建省工业和信息化厅", "ZJTX"),
    (0.04, 0, 3, "工业和信息化部", "XJR"),
    (0.25, 0, 3, "福建省科学技术厅", "GR"),
    (0.2, 1, 1, "福建省科学技术厅", "KJX"),
    (0.005, 0, 3, "国家市场监督管理总局", "ZLQG"),
    (0.02, 1, 3, "福建省市场监督管理局", "ZLPY"),
    (0.06, 2, 0, "{city}市场监督管理局", "SXZLG"),
    (0.08, 3, 3, "{county}市场监督管理局", "FXXF"),
    (0.02, 2, 3, "{city}市场监督管理局", "JLHB"),
    (0.03, 1, 3, "福建省市场监督管理局", "QYPP"),
    (0.01, 0, 0, "国家知识产权局", "CM"),
    (0.01, 1, 0, "福建省商务厅", "LZH"),
    (0.005, 0, 0, "国家知识产权局", "DLBZ"),
)
_TITLE_ISSUERS = _render([s[3] for s in _TITLE_SPEC])
_TITLE_NAMES = pa.array(["鹭品", "品字标福建制造", "福建老字号"])


def _gen_title(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [s[0] for s in _TITLE_SPEC], n)
    lvl = np.array([s[1] for s in _TITLE_SPEC])[sub]
    years = np.array([s[2] for s in _TITLE_SPEC])[sub]
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = vf + np.round(years * 365.25).astype(np.int64) - 1
    name_idx = np.where(sub == 9, rng.integers(0, 2, n), np.where(sub == 11, 2, -1))
    title_mask = name_idx < 0
    prefixes = pa.array([s[4] for s in _TITLE_SPEC])
    ref = _join(
        _take(prefixes, sub),
        _digits(vf // 365 + 1970, 4),
        "35",
        _digits(rng.integers(0, 10**4, n), 4),
        _digits(c.ordinal, 3),
    )
    return {
        "subtype": (_choices("title", "subtype"), sub),
        "title": _take(_TITLE_NAMES, np.maximum(name_idx, 0), title_mask),
        "level": (_LEVELS, lvl),
        "ref": ref,
        "valid_from": vf,
        "valid_to": (vt, years == 0),
        "issuer": c.tmpl(_TITLE_ISSUERS, sub),
        "_key": (sub * 4 + name_idx + 1) * 100_000 + vf,
    }


_STD_PREFIX = pa.array(["ISO ", "GB/T ", "QB/T ", "DB35/T ", "T/FJZL ", "Q/XM "])
_STD_TAILS = pa.array(["技术规范", "通用技术条件", "检测方法", "评价规范", "安全要求"])


def _gen_standard(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    lvl = _choice(rng, [0.01, 0.12, 0.15, 0.1, 0.37, 0.25], n)
    sub = (rng.random(n) >= 0.35).astype(np.int64)  # 0 主导, 1 参与
    rank = np.where(sub == 0, 1, rng.integers(2, 16, n))
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    ref = _join(
        _take(_STD_PREFIX, lvl),
        _digits(rng.integers(1, 100, n), 2),
        _digits(c.ordinal, 3),
        "-",
        _digits(ev // 365 + 1970, 4),
    )
    title = _join(
        _take(pa.array(list(_PRODUCTS)), rng.integers(0, len(_PRODUCTS), n)),
        _take(_STD_TAILS, rng.integers(0, 5, n)),
    )
    return {
        "ref": ref,
        "title": title,
        "level": (_choices("standard", "level"), lvl),
        "subtype": (_choices("standard", "subtype"), sub),
        "rank": rank,
        "event_date": ev,
    }


def _gen_patent(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.25, 0.55, 0.2], n)
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    filed_year = np.maximum(ev // 365 + 1970 - rng.integers(0, 3, n), 2010)
    ref = _join(
        "ZL",
        _digits(filed_year, 4),
        _digits(sub + 1, 1),
        _digits(rng.integers(0, 10**4, n), 4),
        _digits(c.ordinal, 3),
        ".",
        _digits(rng.integers(0, 10, n), 1),
    )
    obj = _take(pa.array(list(_PATENT_OBJECTS)), rng.integers(0, len(_PATENT_OBJECTS), n))
    tail = _take(pa.array(list(_PATENT_TAILS)), rng.integers(0, len(_PATENT_TAILS), n))
    title = pc.if_else(pa.array(sub == 2), obj, _join("一种", obj, tail))
    age = (_D_AS_OF - ev) / 3650.0
    lapsed = rng.random(n) < 0.05 + 0.5 * age
    return {
        "ref": ref,
        "subtype": (_choices("patent", "subtype"), sub),
        "title": title,
        "status": (_choices("patent", "status"), lapsed.astype(np.int64)),
        "event_date": ev,
        "flag": rng.random(n) < 0.04,
    }


def _gen_spot_check(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    lvl = _choice(rng, [0.15, 0.35, 0.35, 0.15], n)
    ref = _join(
        "CC",
        _digits(ev // 365 + 1970, 4),
        "-",
        _digits(rng.integers(0, 100, n), 2),
        _digits(c.ordinal, 3),
    )
    return {
        "ref": ref,
        "event_date": ev,
        "title": _take(pa.array(list(_PRODUCTS)), rng.integers(0, len(_PRODUCTS), n)),
        "level": (_LEVELS, lvl),
        "passed": rng.random(n) < 0.93,
        "issuer": c.tmpl(_BUREAUS, lvl),
    }


_PENALTY_REF = _render(["{abbr}市监处罚〔", "{abbr}市监罚字〔"])


def _gen_penalty(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    ev = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    lvl_issuer = 2 + rng.integers(0, 2, n)
    sub = _choice(rng, [0.3, 0.08, 0.05, 0.05, 0.1, 0.15, 0.12, 0.05, 0.1], n)
    ref = _join(
        c.tmpl(_PENALTY_REF, rng.integers(0, 2, n)),
        _digits(ev // 365 + 1970, 4),
        "〕",
        pc.cast(pa.array(1 + rng.integers(0, 400, n) + 400 * c.ordinal), pa.string()),
        "号",
    )
    amount = np.round(np.exp(rng.normal(np.log(20_000), 1.2, n)) / 100) * 10_000
    return {
        "ref": ref,
        "event_date": ev,
        "issuer": c.tmpl(_BUREAUS, lvl_issuer),
        "subtype": (_choices("penalty", "subtype"), sub),
        "amount": (amount.astype(np.int64), rng.random(n) < 0.05),
        "level": (_choices("penalty", "level"), _choice(rng, [0.75, 0.2, 0.05], n)),
    }


_LIST_REASONS = pa.array(
    [
        "未按规定报送年度报告",
        "通过登记的住所或者经营场所无法联系",
        "公示企业信息隐瞒真实情况、弄虚作假",
        "被列入经营异常名录届满3年仍未履行相关义务",
        "提交虚假材料取得登记",
        "有履行能力而拒不履行生效法律文书确定义务",
    ]
)
_LIST_ISSUERS = _render(["{city}市场监督管理局", "{district}人民法院"])


def _gen_list_entry(c: _Ctx) -> Cols:
    rng, n = c.rng, c.n
    sub = _choice(rng, [0.8, 0.08, 0.12], n)
    vf = _uniform_days(rng, c.date_lo(), _D_AS_OF)
    vt = vf + rng.integers(30, 700, n)
    removed = (rng.random(n) < np.array([0.6, 0.2, 0.4])[sub]) & (vt <= _D_AS_OF)
    reason = np.where(
        sub == 0, _choice(rng, [0.6, 0.3, 0.1], n), np.where(sub == 1, 3 + rng.integers(0, 2, n), 5)
    )
    return {
        "subtype": (_choices("list_entry", "subtype"), sub),
        "valid_from": vf,
        "valid_to": (vt, ~removed),
        "title": _take(_LIST_REASONS, reason),
        "issuer": c.tmpl(_LIST_ISSUERS, (sub == 2).astype(np.int64)),
        "_key": sub * 100_000 + vf,
    }


def _gen_contract_credit(c: _Ctx) -> Cols:
    """Runs of yearly 守合同重信用 announcements; ``ordinal`` is the position in the run."""
    rng = c.rng
    first = c.ordinal == 0
    # per-owner draws live on the run's first row and are spread along it
    run_id = np.cumsum(first) - 1
    n_runs = int(first.sum())
    run_len = np.bincount(run_id, minlength=n_runs)
    est_year = c.blk.established[c.owner[first]] // 365 + 1970
    lo = np.maximum(est_year + 1, 2015)
    step = np.where(rng.random(n_runs) < 0.8, 1, 2)
    hi = np.maximum(2025 - (run_len - 1) * step, lo)
    start = lo + (rng.random(n_runs) * (hi - lo + 1)).astype(np.int64)
    lvl_run = _choice(rng, [0.05, 0.3, 0.35, 0.3], n_runs)
    year = start[run_id] + c.ordinal * step[run_id]
    lvl = lvl_run[run_id]
    return {
        "year": year,
        "level": (_LEVELS, lvl),
        "issuer": c.tmpl(_BUREAUS, lvl),
        "_key": year * 10 + lvl,
        "_drop": year > 2025,
    }


_GENERATORS: dict[str, Callable[[_Ctx], Cols]] = {
    "certification": _gen_certification,
    "product_certification": _gen_product_certification,
    "accreditation": _gen_accreditation,
    "award": _gen_award,
    "title": _gen_title,
    "standard": _gen_standard,
    "patent": _gen_patent,
    "contract_credit": _gen_contract_credit,
    "spot_check": _gen_spot_check,
    "penalty": _gen_penalty,
    "list_entry": _gen_list_entry,
}
