"""Header matching and row validation: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhixin.enterprises.rules import make_uscc
from zhixin.intake.headers import HeaderError, HeaderMap, match_headers
from zhixin.intake.rows import ParsedRow, RowError, parse_money, parse_row
from zhixin.intake.specs import ENTERPRISE, example_value, get_spec, import_kinds
from zhixin.intake.templates import example_row, headers
from zhixin.records.kinds import RECORD_KINDS

USCC = make_uscc("91350200MA2Y0QXC0")
CERT_HEADERS = [
    "统一社会信用代码",
    "认证类型",
    "证书编号",
    "认证机构",
    "发证日期",
    "有效期至",
    "证书状态",
]


def cert_map() -> HeaderMap:
    return match_headers("certification", CERT_HEADERS)


def cert_row(**over: object) -> list[object]:
    row: dict[str, object] = {
        "uscc": USCC,
        "subtype": "ISO9001",
        "ref": "00123Q45678R0M",
        "issuer": "中国质量认证中心",
        "valid_from": "2023-03-01",
        "valid_to": "2026-02-28",
        "status": "有效",
    }
    row.update(over)
    return list(row.values())


def ok(result: ParsedRow | list[RowError] | None) -> ParsedRow:
    assert isinstance(result, ParsedRow), result
    return result


def errs(result: ParsedRow | list[RowError] | None) -> dict[str, str]:
    assert isinstance(result, list), result
    return {e.field: e.reason for e in result}


# ------------------------------------------------------------------ headers


def test_import_kinds_lists_enterprise_and_every_record_kind() -> None:
    kinds = dict(import_kinds())
    assert kinds[ENTERPRISE] == "经营主体"
    assert set(kinds) == {ENTERPRISE, *RECORD_KINDS}
    assert kinds["certification"] == "管理体系认证"


def test_headers_match_in_any_order_with_markers_and_full_width() -> None:
    cells = [
        "证书状态",
        "*统一社会信用代码",
        "认证类型（必填）",
        " 证书编号 ",
        "认证机构*",
        "发证日期",
    ]
    cells += ["有效期至"]
    hm = match_headers("certification", cells)
    assert dict(hm.columns)["uscc"] == 1
    assert dict(hm.columns)["status"] == 0
    ent = match_headers(ENTERPRISE, ["统一社会信用代码", "名称", "注册资本(元)"])
    assert dict(ent.columns)["registered_capital"] == 2


def test_wrong_header_names_the_template() -> None:
    with pytest.raises(HeaderError) as exc:
        match_headers("certification", ["姓名", "电话"])
    assert "第一行不是「管理体系认证」的表头" in exc.value.message
    assert "导入模板" in exc.value.message


def test_missing_and_extra_columns_are_listed() -> None:
    with pytest.raises(HeaderError) as exc:
        match_headers("certification", ["统一社会信用代码", "认证类型", "证书编号", "备注"])
    msg = exc.value.message
    assert "缺少的列：认证机构、发证日期、有效期至、证书状态" in msg
    assert "无法识别的列：第 D 列「备注」" in msg
    assert exc.value.missing == ["认证机构", "发证日期", "有效期至", "证书状态"]
    assert exc.value.unknown == ["第 D 列「备注」"]


def test_optional_column_may_be_absent() -> None:
    hm = match_headers(
        "product_certification",
        [*CERT_HEADERS[:3], "产品或服务名称", "发证日期", "有效期至", "证书状态"],
    )
    row = ["91350200MA2Y0QXC02", "3C", "X", "电动自行车", "2023-01-01", "2024-01-01", "有效"]
    parsed = ok(parse_row("product_certification", hm, row, 2))
    assert parsed.values["subtype"] == "CCC"
    assert parsed.values["issuer"] is None


def test_duplicate_column_is_refused() -> None:
    with pytest.raises(HeaderError, match="重复的列：证书编号"):
        match_headers("certification", [*CERT_HEADERS, "证书编号"])


def test_template_headers_are_accepted_unchanged() -> None:
    for code, _ in import_kinds():
        hm = match_headers(code, headers(code))
        assert ok(parse_row(code, hm, example_row(code), 2)).uscc == USCC


# ------------------------------------------------------------------ a good row


def test_good_certification_row() -> None:
    p = ok(parse_row("certification", cert_map(), cert_row(), 7))
    assert p.line == 7
    assert p.uscc == USCC
    assert p.natural_key == f"{USCC}|00123Q45678R0M"
    assert len(p.content_hash) == 32
    assert p.values["kind"] == "certification"
    assert p.values["valid_from"] == date(2023, 3, 1)
    assert p.values["extra"] == {}


def test_full_width_and_stray_spaces_are_cleaned() -> None:
    row = cert_row(subtype="ＩＳＯ９００１", status="　有效 ", ref=" ００１２３Q45678R0M ")
    p = ok(parse_row("certification", cert_map(), row, 2))
    assert p.values["subtype"] == "ISO9001"
    assert p.values["status"] == "有效"
    assert p.values["ref"] == "00123Q45678R0M"
    assert p.content_hash == ok(parse_row("certification", cert_map(), cert_row(), 2)).content_hash


@pytest.mark.parametrize(
    "text", ["ISO 9001", "iso9001", "质量管理体系", "GB/T19001", "ｉｓｏ ９００１"]
)
def test_choice_aliases_case_and_spaces(text: str) -> None:
    p = ok(parse_row("certification", cert_map(), cert_row(subtype=text), 2))
    assert p.values["subtype"] == "ISO9001"


@pytest.mark.parametrize(
    "value", ["2024-01-05", "2024/1/5", "2024年1月5日", "45296", 45296, 45296.0]
)
def test_date_forms(value: object) -> None:
    row = cert_row(valid_from=value, valid_to="2030-01-01")
    assert ok(parse_row("certification", cert_map(), row, 2)).values["valid_from"] == date(
        2024, 1, 5
    )


def test_date_objects_from_excel() -> None:
    from datetime import datetime

    row = cert_row(valid_from=datetime(2024, 1, 5, 0, 0), valid_to=date(2025, 1, 5))
    p = ok(parse_row("certification", cert_map(), row, 2))
    assert (p.values["valid_from"], p.values["valid_to"]) == (date(2024, 1, 5), date(2025, 1, 5))


# ------------------------------------------------------------------ bad rows


def test_every_bad_field_is_reported_without_echoing_values() -> None:
    bad_uscc = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    row = cert_row(uscc=bad_uscc, subtype="ISO9999", ref="", valid_from="2024-13-45", status="x")
    result = parse_row("certification", cert_map(), row, 5)
    e = errs(result)
    assert e == {
        "统一社会信用代码": "统一社会信用代码校验位错误",
        "认证类型": "取值应为：ISO9001、ISO14001、ISO45001、IATF16949、GB/T29490、测量管理体系A、"
        "测量管理体系AA、测量管理体系AAA",
        "证书编号": "必填项不能为空",
        "发证日期": "日期不存在（月或日超出范围）",
        "证书状态": "取值应为：有效、暂停、撤销、注销、过期",
    }
    assert isinstance(result, list)
    assert all(err.line == 5 for err in result)
    for err in result:
        assert bad_uscc not in err.reason and "2024-13-45" not in err.reason


def test_bad_date_text_and_order() -> None:
    e = errs(parse_row("certification", cert_map(), cert_row(valid_from="去年"), 2))
    assert e["发证日期"].startswith("日期格式无法识别")
    e = errs(parse_row("certification", cert_map(), cert_row(valid_to="2020-01-01"), 2))
    assert e == {"有效期至": "有效期至早于发证日期"}


def test_uscc_length_and_format() -> None:
    assert errs(parse_row("certification", cert_map(), cert_row(uscc="123"), 2)) == {
        "统一社会信用代码": "统一社会信用代码应为 18 位"
    }


def test_text_too_long() -> None:
    e = errs(parse_row("certification", cert_map(), cert_row(ref="A" * 129), 2))
    assert e == {"证书编号": "长度超过 128 个字符"}


def test_blank_rows_are_skipped() -> None:
    assert parse_row("certification", cert_map(), [], 2) is None
    assert parse_row("certification", cert_map(), ["", None, " ", "\u3000"], 2) is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("20000", Decimal("20000.00")),
        ("1,234.50", Decimal("1234.50")),
        ("1234元", Decimal("1234.00")),
        ("１２３４．５", Decimal("1234.50")),
        ("￥99", Decimal("99.00")),
        ("1.5万", Decimal("15000.00")),
        ("0.125", Decimal("0.13")),  # half-up to the fen
        ("0.124", Decimal("0.12")),
    ],
)
def test_money_good(text: str, amount: Decimal) -> None:
    assert parse_money(text.replace("１２３４．５", "1234.5").replace("￥", "¥")) == amount
    hm = match_headers("penalty", headers("penalty"))
    row = example_row("penalty")
    row[5] = text
    assert ok(parse_row("penalty", hm, row, 2)).values["amount"] == amount


@pytest.mark.parametrize("text", ["abc", "-5", "1.2.3", "1e999999999", "NaN", "1e20"])
def test_money_bad(text: str) -> None:
    hm = match_headers("penalty", headers("penalty"))
    row = example_row("penalty")
    row[5] = text
    e = errs(parse_row("penalty", hm, row, 2))
    assert set(e) == {"罚没金额（元）"}
    assert e["罚没金额（元）"].startswith("金额")


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("是", True),
        ("已质押", True),
        ("Y", True),
        ("否", False),
        ("未质押", False),
        ("N", False),
        ("0", False),
        ("", None),
    ],
)
def test_bool_good(text: str, flag: bool | None) -> None:
    hm = match_headers("patent", headers("patent"))
    row = example_row("patent")
    row[6] = text
    assert ok(parse_row("patent", hm, row, 2)).values["flag"] is flag


def test_bool_bad_and_spot_check_words() -> None:
    hm = match_headers("patent", headers("patent"))
    row = example_row("patent")
    row[6] = "也许"
    assert errs(parse_row("patent", hm, row, 2))["是否质押"].startswith("取值应为")
    sc = match_headers("spot_check", headers("spot_check"))
    row = example_row("spot_check")
    row[5] = "不合格"
    assert ok(parse_row("spot_check", sc, row, 2)).values["passed"] is False
    row[5] = "合格"
    assert ok(parse_row("spot_check", sc, row, 2)).values["passed"] is True


def test_int_and_year() -> None:
    hm = match_headers("standard", headers("standard"))
    row = example_row("standard")
    row[5] = "3.0"
    assert ok(parse_row("standard", hm, row, 2)).values["rank"] == 3
    row[5] = "第一"
    assert errs(parse_row("standard", hm, row, 2)) == {"起草排名": "应为整数"}
    aw = match_headers("award", headers("award"))
    row = example_row("award")
    row[4] = "２０２４年"
    assert ok(parse_row("award", aw, row, 2)).values["year"] == 2024
    row[4] = "24"
    assert errs(parse_row("award", aw, row, 2)) == {"获奖年度": "年度应为四位数字，如 2024"}


def test_extra_fields_are_json_safe() -> None:
    hm = match_headers("award", headers("award"))
    p = ok(parse_row("award", hm, example_row("award"), 2))
    assert p.values["extra"] == {"rank": "提名奖"}
    assert p.natural_key == f"{USCC}|厦门市市长质量奖|2024"


def test_long_natural_key_is_hashed_to_fit() -> None:
    hm = match_headers("title", headers("title"))
    row = example_row("title")
    row[2] = "名" * 200
    p = ok(parse_row("title", hm, row, 2))
    assert len(p.natural_key) <= 191
    assert p.natural_key.startswith(USCC + "|")


def test_enterprise_row() -> None:
    hm = match_headers(ENTERPRISE, headers(ENTERPRISE))
    p = ok(parse_row(ENTERPRISE, hm, example_row(ENTERPRISE), 2))
    assert p.values["registered_capital"] == Decimal("5000000.00")
    assert p.values["kind"] == "企业" and p.values["status"] == "存续"
    assert p.values["content_hash"] == p.content_hash
    row = example_row(ENTERPRISE)
    row[2], row[3], row[4], row[5] = "", "小型", "35020", "c38"
    bad = parse_row(ENTERPRISE, hm, row, 3)
    assert errs(bad) == {"行政区划代码": "行政区划代码应为 6 位数字"}
    row[4] = "350203"
    good = ok(parse_row(ENTERPRISE, hm, row, 3))
    assert (good.values["size_class"], good.values["industry_code"]) == ("小", "C38")
    sole = make_uscc("92350200MA2Y0QXC0")
    row[0] = sole
    assert ok(parse_row(ENTERPRISE, hm, row, 3)).values["kind"] == "个体工商户"


def test_example_values_cover_every_field() -> None:
    for code, _ in import_kinds():
        assert all(example_value(f) for f in get_spec(code).fields)


# ------------------------------------------------------------------ properties

_KINDS = [code for code, _ in import_kinds()]
_cell = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(_KINDS), cells=st.lists(_cell, max_size=12), line=st.integers(2, 10**6))
def test_parse_row_never_raises(kind: str, cells: list[object], line: int) -> None:
    hm = match_headers(kind, headers(kind))
    result = parse_row(kind, hm, cells, line)
    assert (
        result is None
        or isinstance(result, ParsedRow)
        or (result and all(isinstance(e, RowError) and e.line == line and e.reason for e in result))
    )


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(_KINDS),
    body=st.from_regex(r"9[12]35[0-9]{4}[0-9A-HJ-NP-RTUW-Y]{9}", fullmatch=True),
    pad=st.sampled_from(["", " ", "\u3000"]),
)
def test_valid_rows_round_trip(kind: str, body: str, pad: str) -> None:
    """A valid row parses; its values, written back as text, parse to the same row."""
    spec = get_spec(kind)
    hm = match_headers(kind, headers(kind))
    row = example_row(kind)
    row[0] = pad + make_uscc(body) + pad
    first = ok(parse_row(kind, hm, row, 2))
    again: list[object] = [first.uscc]
    for f in spec.fields[1:]:
        v = first.values.get(f.target) if f.column or kind == ENTERPRISE else None
        if f.column is None and kind != ENTERPRISE:
            v = first.values["extra"].get(f.key)
        if isinstance(v, bool):
            v = "是" if v else "否"
        again.append("" if v is None else str(v))
    second = ok(parse_row(kind, hm, again, 2))
    assert second.content_hash == first.content_hash
    assert second.natural_key == first.natural_key
