"""Finding 11, regulators see their jurisdiction: a regulator tenant with a region (a prefix of
the administrative division code) reads only the enterprises registered there — lists, detail,
records, evaluation results and explanations, portraits, applications — and answers anything
else exactly as a missing enterprise (404). A provincial regulator sees the province; a
regulator tenant without a region sees every enterprise. The region is set when the tenant is
created (``zhixin users create … --region``) or by the security officer on the admin page.
"""

from __future__ import annotations

import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.security import world as seed
from tests.support.cli import invoke
from tests.support.people import PASSWORD, make_user
from tests.support.web import login, same_answer
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts.rules import Role
from zhixin.applications import service as applications
from zhixin.applications.schemas import ApplicationIn
from zhixin.audit.models import AuditEvent
from zhixin.config import Settings
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Method
from zhixin.records.models import QualityRecord


def _cli_regulator(settings: Settings, username: str, tenant: str, region: str) -> str:
    """Create a regulator (and its tenant, with a region) as the operator does."""
    result = invoke(
        [
            "users",
            "create",
            username,
            "--tenant",
            tenant,
            "--tenant-kind",
            "regulator",
            "--tenant-name",
            f"{tenant} 市场监督管理局",
            "--role",
            "regulator",
            "--region",
            region,
            "--password-env",
            "NEW_PASSWORD",
        ],
        env={
            "ZHIXIN_DATABASE_URL": settings.database_url,
            "ZHIXIN_MODE": "development",
            "NEW_PASSWORD": PASSWORD,
        },
    )
    assert result.exit_code == 0, result.output
    return result.output


def _ningbo_application(w: seed.World) -> int:
    form = ApplicationIn.model_validate(
        {
            "product_code": "luzhidai",
            "enterprise_id": w.n,
            "amount": "500000.00",
            "term_months": 12,
            "method": Method.revolving,
            "purpose": "购置设备",
            "use_of_funds": "支付设备款",
            "authorisation_attested": True,
        }
    )
    with unit_of_work(w.factory) as s:
        return applications.submit(s, actor=w.who("officer"), form=form).id


def _ids(items: list[dict[str, object]]) -> set[object]:
    return {i["enterprise_id"] if "enterprise_id" in i else i["id"] for i in items}


def test_regulators_see_their_jurisdiction(
    app: FastAPI, factory: sessionmaker[Session], settings: Settings
) -> None:
    w = seed.build(factory)
    ningbo_app = _ningbo_application(w)
    xiamen_app = seed.application(w, "officer")
    with unit_of_work(factory) as s:
        nb_record = s.scalar(
            select(QualityRecord.id).where(QualityRecord.ref == seed.NINGBO_MARKER)
        )
    out = _cli_regulator(settings, "xm-reg", "amr-xm", "3502")
    assert "3502" in out
    _cli_regulator(settings, "fj-reg", "amr-fj", "350000")  # a full code: the province
    with unit_of_work(factory) as s:
        fj = accounts_repo.tenant_by_code(s, "amr-fj")
        assert fj is not None and fj.region_code == "35"
    run = w.ids["run2"]
    with TestClient(app) as xm:
        csrf = login(xm, "xm-reg")
        # the Ningbo enterprise does not exist for Xiamen, exactly as a missing one
        missing = xm.get("/api/v1/enterprises/999999")
        assert missing.status_code == 404
        for path in (
            f"/api/v1/enterprises/{w.n}",
            f"/api/v1/enterprises/{w.n}/records",
            f"/api/v1/records/{nb_record}/history",
            f"/api/v1/evaluation/runs/{run}/enterprises/{w.n}",
            f"/api/v1/enterprises/{w.n}/portrait",
            f"/api/v1/enterprises/{w.n}/portrait.pdf",
            f"/api/v1/applications/{ningbo_app}",
        ):
            got = xm.get(path)
            assert got.status_code == 404, (path, got.status_code)
        assert same_answer(xm.get(f"/api/v1/enterprises/{w.n}")) == same_answer(missing)
        for path in (
            f"/enterprises/{w.n}",
            f"/enterprises/{w.n}/portrait",
            f"/evaluation/runs/{run}/enterprises/{w.n}",
            f"/applications/{ningbo_app}",
        ):
            assert xm.get(path).status_code == 404, path
        evaluate = xm.post(
            f"/api/v1/evaluation/enterprises/{w.n}/evaluate",
            json={"catalog": "xiamen", "as_of": "2025-06-30"},
            headers={"X-CSRF-Token": csrf},
        )
        assert evaluate.status_code == 404
        # nor can it register one outside its jurisdiction
        outside = xm.post(
            "/api/v1/enterprises",
            json={"uscc": "91330200MA2BBBBB2Y", "name": "宁波新登记", "region_code": "330203"},
            headers={"X-CSRF-Token": csrf},
        )
        assert outside.status_code == 422 and "3502" in outside.json()["detail"]["region_code"]
        # its own region reads as before
        assert xm.get(f"/api/v1/enterprises/{w.a}/records").status_code == 200
        assert xm.get(f"/api/v1/applications/{xiamen_app}").status_code == 200
        # lists and exports hold the jurisdiction only
        assert _ids(xm.get("/api/v1/enterprises").json()["items"]) == {w.a, w.b}
        results = xm.get(f"/api/v1/evaluation/runs/{run}/results").json()
        assert _ids(results["items"]) == {w.a, w.b} and results["total"] == 2
        assert {a["id"] for a in xm.get("/api/v1/applications").json()["items"]} == {xiamen_app}
        book = load_workbook(io.BytesIO(xm.get(f"/evaluation/runs/{run}/export.xlsx").content))
        exported = {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}
        assert exported == {w.a, w.b}
        assert "宁波甬江精密" not in xm.get("/enterprises").text
    with TestClient(app) as fj_client:  # the province: both Xiamen firms, not Ningbo's
        login(fj_client, "fj-reg")
        assert _ids(fj_client.get("/api/v1/enterprises").json()["items"]) == {w.a, w.b}
        assert fj_client.get(f"/api/v1/enterprises/{w.n}/records").status_code == 404
    with TestClient(app) as everywhere:  # a regulator tenant without a region: everything
        login(everywhere, "regulator")
        assert _ids(everywhere.get("/api/v1/enterprises").json()["items"]) == {w.a, w.b, w.n}
        assert everywhere.get(f"/api/v1/enterprises/{w.n}/records").status_code == 200


def test_the_security_officer_sets_a_jurisdiction_on_the_admin_page(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "nb-reg", Role.regulator, tenant_code="amr-nb")
    make_user(factory, "security", Role.security_officer, tenant_code="platform")
    make_user(factory, "sysadmin", Role.sysadmin, tenant_code="platform")
    with unit_of_work(factory) as s:
        tenant = accounts_repo.tenant_by_code(s, "amr-nb")
        assert tenant is not None and tenant.region_code is None
        tenant_id = tenant.id
    with TestClient(app) as admin:
        csrf = login(admin, "sysadmin")
        refused = admin.post(
            f"/admin/tenants/{tenant_id}/region",
            data={"region_code": "3302", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert refused.status_code == 403  # 三权分立: an access decision, not an account's
    with TestClient(app) as officer:
        csrf = login(officer, "security")
        page = officer.get("/admin/users")
        assert 'id="region-amr-nb"' in page.text and "不限（全部经营主体）" in page.text
        bad = officer.post(
            f"/admin/tenants/{tenant_id}/region",
            data={"region_code": "33x", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert bad.status_code == 422 and "行政区划代码" in bad.text
        done = officer.post(
            f"/admin/tenants/{tenant_id}/region",
            data={"region_code": "3302", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
    with unit_of_work(factory) as s:
        tenant = accounts_repo.tenant_by_code(s, "amr-nb")
        assert tenant is not None and tenant.region_code == "3302"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.region")).one()
        assert event.detail == {"from": None, "to": "3302"} and event.actor == "security"
