"""Each catalog's whitelist in force (issue 21 item 2): the demo publishes Ningbo's (version 1),
Shandong's (2) and Xiamen's (3) lists. The whitelist page reads the version in force of one
catalog — by default the reader's own (the catalog of its jurisdiction), another by the
selector — and a firm's radar reads the catalog that lists it, not the newest version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.catalog import service as catalogs
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.whitelist.models import WhitelistEntry, WhitelistPublication

pytestmark = pytest.mark.slow
Listed = dict[str, list[str]]  # catalog → the names of the firms its version in force lists


@pytest.fixture
def listed(factory: sessionmaker[Session], tmp_path: Path) -> Listed:
    assert load_demo(factory, enterprises=150, voucher_dir=tmp_path).loaded
    out: Listed = {}
    with unit_of_work(factory) as s:
        for pub in s.scalars(
            select(WhitelistPublication).where(WhitelistPublication.status == "published")
        ):
            out[pub.catalog_name] = sorted(
                set(
                    s.scalars(
                        select(Enterprise.name)
                        .join(WhitelistEntry, WhitelistEntry.enterprise_id == Enterprise.id)
                        .where(WhitelistEntry.publication_id == pub.id)
                    )
                )
            )
    assert set(out) == {"ningbo", "shandong", "xiamen"}
    assert all(out.values())
    return out


def _listed_names(page: str) -> set[str]:
    body = page[page.index('id="entries"') :]
    return set(re.findall(r'<a href="/enterprises/\d+">([^<]+)</a>', body))


def test_the_zhejiang_regulator_reads_ningbos_list(app: FastAPI, listed: Listed) -> None:
    with TestClient(app) as client:
        login(client, "regulator-zj", DEMO_PASSWORD)
        page = client.get("/whitelist").text
        ningbo = catalogs.catalog_title("ningbo")
        assert f"现行白名单 · {ningbo}" in page
        shown = _listed_names(page)
        assert shown == set(listed["ningbo"]), shown  # every Ningbo firm, by name
        assert all(re.search(r"[\u4e00-\u9fff]", n) for n in shown)  # Chinese names
        assert not shown & set(listed["xiamen"])  # no Xiamen firm
        # the selector offers every catalog with a published version, by its Chinese title
        choice = page[page.index('id="catalog-choice"') :]
        choice = choice[: choice.index("</form>")]
        for name in ("ningbo", "shandong", "xiamen"):
            assert catalogs.catalog_title(name) in choice
        assert re.search(r'<option value="ningbo" selected>', choice)
        # ... and switches to Shandong's
        sd = client.get("/whitelist", params={"catalog": "shandong"}).text
        assert "现行白名单 · 山东" in sd
        assert _listed_names(sd) == set(listed["shandong"])
        # a search keeps the catalog
        first = listed["shandong"][0]
        found = client.get("/whitelist", params={"catalog": "shandong", "q": first}).text
        assert first in _listed_names(found)
        assert '<input type="hidden" name="catalog" value="shandong">' in found
        # an unknown catalog falls back to the reader's own; a malformed one is refused
        assert f"现行白名单 · {ningbo}" in client.get("/whitelist?catalog=nosuch").text
        assert client.get("/whitelist", params={"catalog": "宁波"}).status_code == 422


def test_the_shandong_and_xiamen_regulators_read_their_own(app: FastAPI, listed: Listed) -> None:
    with TestClient(app) as client:
        login(client, "regulator-sd", DEMO_PASSWORD)
        page = client.get("/whitelist").text
        assert f"现行白名单 · {catalogs.catalog_title('shandong')}" in page
        assert _listed_names(page) == set(listed["shandong"])
    with TestClient(app) as client:
        login(client, "regulator", DEMO_PASSWORD)
        page = client.get("/whitelist").text
        assert f"现行白名单 · {catalogs.catalog_title('xiamen')}" in page
        shown = _listed_names(page)
        assert shown and shown <= set(listed["xiamen"])
        assert not shown & set(listed["ningbo"])


def test_a_ningbo_firms_radar_reads_ningbos_catalog(
    app: FastAPI, factory: sessionmaker[Session], listed: Listed
) -> None:
    ningbo = catalogs.get("ningbo").catalog
    dims = [d.name for d in ningbo.dimensions]
    with unit_of_work(factory) as s:
        eid = s.scalar(select(Enterprise.id).where(Enterprise.name == listed["ningbo"][0]))
    with TestClient(app) as client:
        login(client, "regulator-zj", DEMO_PASSWORD)
        page = client.get(f"/enterprises/{eid}/portrait")
        assert page.status_code == 200
        radar = page.text[page.text.index('id="radar"') : page.text.index('id="grade"')]
        for name in dims:
            assert name in radar, name
        levels = page.text[page.text.index('id="levels"') :]
        assert "一级" in levels or "二级" in levels or "三级" in levels or "四级" in levels
    with TestClient(app) as client:
        login(client, "xmrcb-officer", DEMO_PASSWORD)
        # the API reads the catalog that lists the firm (Ningbo's version 1, not Xiamen's 3)
        got = client.get(f"/api/v1/whitelist/enterprises/{eid}/radar")
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["catalog_name"] == "ningbo"
        assert [d["name"] for d in body["dimensions"]] == dims
        assert any(d["listed"] for d in body["dimensions"])
        # named: the same; another catalog does not list it
        named = client.get(f"/api/v1/whitelist/enterprises/{eid}/radar?catalog=ningbo")
        assert named.json()["version"] == body["version"]
        other = client.get(f"/api/v1/whitelist/enterprises/{eid}/radar?catalog=xiamen")
        assert other.status_code == 404


def test_refresh_of_a_catalog_regrades_only_its_firms(
    factory: sessionmaker[Session], listed: Listed
) -> None:
    """Xiamen's version (3) is the newest, yet Ningbo's regulator refreshes Ningbo's list
    against Ningbo's version 1; a record that arrives for a Xiamen firm is not re-graded on
    Ningbo's catalog (nor a Ningbo firm's on Xiamen's)."""
    from datetime import date

    from zhixin.accounts import service as accounts
    from zhixin.kit.db import utcnow
    from zhixin.records.models import QualityRecord
    from zhixin.whitelist import service as whitelist

    with unit_of_work(factory) as s:
        ids = {
            c: s.scalar(select(Enterprise.id).where(Enterprise.name == listed[c][0]))
            for c in ("ningbo", "xiamen")
        }
        for eid in ids.values():  # one record of each firm becomes known now
            rec = s.scalars(
                select(QualityRecord).where(QualityRecord.enterprise_id == eid).limit(1)
            ).one()
            rec.known_at = utcnow()
    with unit_of_work(factory) as s:
        zj = accounts.principal_for(s, accounts.user_by_username(s, "regulator-zj"))  # type: ignore[arg-type]
        out = whitelist.refresh(s, actor=zj, catalog_name="ningbo", as_of=date(2025, 6, 30))
        assert out.publication is not None, out.message
        assert out.publication.catalog_name == "ningbo"
        base = s.get(WhitelistPublication, out.publication.base_id)
        assert base is not None and (base.catalog_name, base.version) == ("ningbo", 1)
        assert _graded(s, out.publication.run_id) == {ids["ningbo"]}
    with unit_of_work(factory) as s:
        xm = accounts.principal_for(s, accounts.user_by_username(s, "regulator"))  # type: ignore[arg-type]
        out = whitelist.refresh(s, actor=xm, catalog_name="xiamen", as_of=date(2025, 6, 30))
        assert out.publication is not None, out.message
        graded = _graded(s, out.publication.run_id)
        assert ids["xiamen"] in graded and ids["ningbo"] not in graded
        # only Fujian firms: the Ningbo and Shandong firms loaded after Xiamen's run are not
        regions = s.scalars(select(Enterprise.region_code).where(Enterprise.id.in_(graded)))
        assert all((r or "").startswith("35") for r in regions)


def _graded(s: Session, run_id: int) -> set[int]:
    from zhixin.evaluation.models import EvaluationResult

    return set(
        s.scalars(select(EvaluationResult.enterprise_id).where(EvaluationResult.run_id == run_id))
    )
