"""Browser journey: a regulator uploads a file with three bad rows, reads the row-level report,
fixes the rows, re-uploads without duplicates, and opens an enterprise to see its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support.people import PASSWORD, make_user
from zhixin.accounts.rules import Role
from zhixin.enterprises.rules import make_uscc
from zhixin.intake.service import run_import

pytestmark = pytest.mark.browser

FIRMS = [make_uscc(f"91350200MA2Y{n:04d}0") for n in range(1, 6)]  # five valid codes
NAMES = [
    "厦门鹭岛精工有限公司",
    "厦门海沧材料有限公司",
    "厦门同安电子有限公司",
    "厦门集美食品有限公司",
    "厦门翔安光电有限公司",
]
HEADER = "统一社会信用代码,认证类型,证书编号,认证机构,发证日期,有效期至,证书状态"


def _good(i: int) -> str:
    return (
        f"{FIRMS[i % 5]},ISO9001,CERT-{i:03d},中国质量认证中心,2024-01-0{1 + i % 9},2027-01-01,有效"
    )


def _files(tmp: Path) -> tuple[Path, Path, Path]:
    enterprises = tmp / "enterprises.csv"
    enterprises.write_text(
        "统一社会信用代码,名称,主体类型,企业规模,行政区划代码,行业代码,成立日期,注册资本（元）,登记状态\n"
        + "\n".join(
            f"{u},{n},企业,小,350206,C39,2015-03-01,5000000,存续"
            for u, n in zip(FIRMS, NAMES, strict=True)
        )
        + "\n",
        encoding="utf-8",
    )
    good = [_good(i) for i in range(5)]
    bad = [
        FIRMS[0][:-1]
        + ("0" if FIRMS[0][-1] != "0" else "1")
        + ",ISO14001,CERT-101,中国质量认证中心,2024-02-01,2027-02-01,有效",  # check character
        f"{FIRMS[1]},ISO14001,CERT-102,中国质量认证中心,2024-13-45,2027-02-01,有效",  # no such date
        f"{FIRMS[2]},ISO14001,CERT-103,中国质量认证中心,2024-02-01,2027-02-01,作废",  # bad status
    ]
    fixed = [
        f"{FIRMS[0]},ISO14001,CERT-101,中国质量认证中心,2024-02-01,2027-02-01,有效",
        f"{FIRMS[1]},ISO14001,CERT-102,中国质量认证中心,2024/2/1,2027-02-01,有效",
        f"{FIRMS[2]},ISO14001,CERT-103,中国质量认证中心,2024年2月1日,2027-02-01,暂停",
    ]
    # Bad rows sit on lines 3, 5 and 7 of the file (line 1 is the header).
    first = [good[0], bad[0], good[1], bad[1], good[2], bad[2], good[3], good[4]]
    second = [good[0], fixed[0], good[1], fixed[1], good[2], fixed[2], good[3], good[4]]
    broken, repaired = tmp / "certs.csv", tmp / "certs-fixed.csv"
    broken.write_text(HEADER + "\n" + "\n".join(first) + "\n", encoding="utf-8-sig")
    repaired.write_text(HEADER + "\n" + "\n".join(second) + "\n", encoding="gb18030")
    return enterprises, broken, repaired


def test_regulator_upload_fix_reupload_and_read_records(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    enterprises, broken, repaired = _files(tmp_path)
    with live_server(tmp_path) as server:
        make_user(server.factory, "regulator", Role.regulator)
        loaded = run_import(
            server.factory, kind="enterprise", path=enterprises, filename=enterprises.name
        )
        assert loaded.inserted == 5
        with chromium_page() as page:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "regulator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("text=数据导入")

            page.select_option("select[name=kind]", "certification")
            page.set_input_files("input[name=file]", str(broken))
            page.click("text=上传并导入")
            page.wait_for_selector("#row-errors")
            assert page.inner_text("#inserted") == "5"
            assert page.inner_text("#rejected") == "3"
            rows = page.locator("#row-errors tbody tr")
            assert rows.count() == 3
            report = [rows.nth(i).inner_text().split("\t") for i in range(3)]
            assert [r[0] for r in report] == ["3", "5", "7"]
            assert report[0][1] == "统一社会信用代码" and "校验位" in report[0][2]
            assert report[1][1] == "发证日期"
            assert report[2][1] == "证书状态" and "有效" in report[2][2]

            page.click("text=返回数据导入")
            page.select_option("select[name=kind]", "certification")
            page.set_input_files("input[name=file]", str(repaired))
            page.click("text=上传并导入")
            page.wait_for_selector("#batch-status")
            assert page.inner_text("#inserted") == "3"
            assert page.inner_text("#duplicates") == "5"
            assert page.inner_text("#rejected") == "0"

            page.click("text=经营主体")
            page.fill("input[name=q]", "海沧")
            page.click("button:has-text('查询')")
            page.click("text=厦门海沧材料有限公司")
            section = page.locator("#kind-certification")
            text = section.inner_text()
            assert "管理体系认证（2）" in text
            assert "CERT-001" in text and "CERT-102" in text
            assert "2024-02-01" in text  # 2024/1/5-style dates were normalised
            page.screenshot(path=str(tmp_path / "enterprise.png"))
