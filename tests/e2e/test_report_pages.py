"""The report pages as the task force, a bank and a regulator see them: every number with a list
behind it links to that list, and the list holds exactly that many rows (or that sum); the XLSX
download is audited; a bank sees its own rows, a regulator its jurisdiction and the areas below."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.report_book import TODAY, build
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.kit import clock

LINK = re.compile(r'<a href="(/reports/list\?[^"]+)">([^<]+)</a>')


@pytest.fixture
def world(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    with factory() as session:
        build(session)
        session.commit()
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    make_user(factory, "zhuanban", Role.task_force, tenant_code="taskforce")
    make_user(factory, "yi-officer", Role.bank_officer, tenant_code="bank-b")
    make_user(factory, "huli", Role.regulator, tenant_code="reg-huli")
    make_user(factory, "danbao", Role.guarantor, tenant_code="guarantor-x")
    with factory() as session:
        session.execute(text("UPDATE tenant SET region_code = '350206' WHERE code = 'reg-huli'"))
        session.commit()


def _figure(shown: str) -> Decimal:
    return Decimal(shown.replace(",", "").rstrip("%"))


def _column(html: str, header: str) -> list[str]:
    """The cells of one column of the drill-down list."""
    table = html.split('id="drill-list"', 1)[1]
    headers = re.findall(r"<th>(.*?)</th>", table)
    k = headers.index(header)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows]
    return [re.sub(r"<[^>]+>", "", c[k]) for c in cells if len(c) == len(headers)]


def _tile(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}"><a href="[^"]+">([^<]+)</a>', html)
    assert found is not None
    return found.group(1)


def test_every_linked_number_opens_its_list(client: TestClient, world: None) -> None:
    login(client, "zhuanban")
    page = client.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    assert "月调度 · 2026年11月" in page.text and "甲银行" in page.text
    links = LINK.findall(page.text)
    assert len(links) > 30
    for href, shown in links:
        listing = client.get(unescape(href))
        assert listing.status_code == 200, href
        count = int(re.search(r'id="drill-count">(\d+)<', listing.text).group(1))  # type: ignore[union-attr]
        if "." in shown:  # a sum of money: the balances listed add up to it
            assert sum(map(_figure, _column(listing.text, "余额（元）"))) == _figure(shown), href
        else:
            assert count == _figure(shown), href


def test_xlsx_download_is_audited(
    client: TestClient, world: None, factory: sessionmaker[Session]
) -> None:
    login(client, "zhuanban")
    resp = client.get("/reports/export.xlsx?kind=weekly&key=2026-W47")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "zhixin-report-weekly-2026-W47.xlsx" in resp.headers["content-disposition"]
    with factory() as session:
        found = (
            session.execute(
                text(
                    "SELECT object_id FROM audit_event "
                    "WHERE action = 'data.export' AND object_type = 'report'"
                )
            )
            .scalars()
            .all()
        )
    assert found == ["weekly:2026-W47"]


def test_a_bank_sees_its_own_rows(client: TestClient, world: None) -> None:
    login(client, "yi-officer")
    page = client.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    assert "乙银行" in page.text and "甲银行" not in page.text
    assert client.get("/reports/monthly?month=2026-11&bank=bank-a").status_code == 404


def test_a_regulator_sees_its_area_and_below(client: TestClient, world: None) -> None:
    login(client, "huli")
    page = client.get("/reports?start=2026-11-01&end=2026-11-30")
    assert page.status_code == 200
    assert "辖区" in page.text
    assert _tile(page.text, "t-received") == "4"
    assert client.get("/reports?start=2026-11-01&end=2026-11-30&region=3501").status_code == 403
    assert client.get("/reports/monthly?month=2026-11&region=35020601").status_code == 422


def test_dashboard_filters_and_charts(client: TestClient, world: None) -> None:
    login(client, "zhuanban")
    page = client.get("/reports?start=2026-11-01&end=2026-11-30")
    assert page.status_code == 200
    assert page.text.count("<svg") == 3 and "银行晾晒排名" in page.text
    assert "<script" not in page.text.split("<main", 1)[-1]
    only = client.get("/reports?start=2026-11-01&end=2026-11-30&product=xingbaodai")
    assert _tile(only.text, "t-received") == "3"
    assert "product=xingbaodai" in only.text.split('id="t-received"', 1)[1].split("</a>", 1)[0]


def test_others_are_refused(client: TestClient, world: None) -> None:
    login(client, "danbao")
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/daily").status_code == 403


def test_a_bank_downloads_its_delivered_report(
    client: TestClient, world: None, factory: sessionmaker[Session]
) -> None:
    from zhixin.reports import delivery

    with factory() as session:
        assert delivery.deliver_daily(session, TODAY.replace(day=6)) == 3
        session.commit()
        ids = dict(
            session.execute(text("SELECT audience_code, id FROM report_delivery")).tuples().all()
        )
    login(client, "yi-officer")
    page = client.get("/reports/deliveries")
    assert page.status_code == 200
    assert "2026-12-06" in page.text and "乙银行" in page.text and "甲银行" not in page.text
    own = client.get(f"/reports/deliveries/{ids['bank-b']}/file")
    assert own.status_code == 200 and own.content[:2] == b"PK"
    assert client.get(f"/reports/deliveries/{ids['bank-a']}/file").status_code == 404
    assert client.get(f"/reports/deliveries/{ids['*']}/file").status_code == 404
