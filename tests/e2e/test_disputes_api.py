"""异议 over HTTP (issue 18 item 12): an enterprise disputes its record with evidence, banks
see a pending dispute on the portrait, two regulators resolve it and the record is corrected;
the enterprise sees which bank took its data under which consent."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import run, seed
from tests.support.people import make_user
from tests.support.web import login
from tests.unit.test_portrait_rules import pdf_checks
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord
from zhixin.workdays import service as workdays

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_dispute_journey(app: FastAPI, factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = seed(factory)
    firm = w["firm"]
    run(factory, clock.today())
    make_user(factory, "regulator2", Role.regulator)
    with (
        TestClient(app) as owner,
        TestClient(app) as bank,
        TestClient(app) as maker,
        TestClient(app) as checker,
        TestClient(app) as stranger,
    ):
        o_csrf = login(owner, "owner")
        login(bank, "bank")
        m_csrf = login(maker, "regulator")
        c_csrf = login(checker, "regulator2")
        s_csrf = login(stranger, "stranger")
        granted = owner.post(
            f"/api/v1/enterprises/{firm}/consents",
            json={"tenant_id": w["bank_tenant"], "scope": "records+portrait"},
            headers={"X-CSRF-Token": o_csrf},
        ).json()
        assert bank.get(f"/api/v1/enterprises/{firm}/records").status_code == 200

        def file(client: TestClient, csrf: str, evidence: bytes, **data: str) -> object:
            return client.post(
                "/api/v1/disputes",
                data=data,
                files={"evidence": ("证明.png", evidence, "image/png")},
                headers={"X-CSRF-Token": csrf},
            )

        statement = "该证书已于上月续期，平台记录的有效期不正确，附新证书扫描件。"
        soon = str(w["soon"])
        bad = file(owner, o_csrf, b"MZ\x90\x00binary", record_id=soon, statement=statement)
        assert bad.status_code == 422 and "PDF、PNG、JPEG" in bad.json()["error"]
        short = file(owner, o_csrf, PNG, record_id=soon, statement="不对")
        assert short.status_code == 422 and "至少 10 个字" in short.json()["error"]
        other = file(stranger, s_csrf, PNG, record_id=soon, statement=statement)
        assert other.status_code == 404  # 乙公司's user: not its record
        filed = file(owner, o_csrf, PNG, record_id=soon, statement=statement)
        assert filed.status_code == 201, filed.text
        d = filed.json()
        with unit_of_work(factory) as s:
            due = workdays.compute_deadline(s, start=clock.today(), days=15).deadline
        assert (d["status"], d["status_label"], d["due_on"]) == ("pending", "待处理", str(due))
        again = file(owner, o_csrf, PNG, record_id=soon, statement=statement)
        assert again.status_code == 409

        portrait = bank.get(f"/api/v1/enterprises/{firm}/portrait").json()
        assert portrait["disputes_open"] == 1
        assert "1 件异议正在处理中" in bank.get(f"/enterprises/{firm}/portrait").text
        pdf = bank.get(f"/api/v1/enterprises/{firm}/portrait.pdf")
        assert "1 件异议正在处理中" in pdf_checks(pdf.content, tmp_path)
        assert bank.get(f"/api/v1/disputes/{d['id']}").status_code == 403

        evidence = maker.get(f"/api/v1/disputes/{d['id']}/evidence")
        assert evidence.status_code == 200 and evidence.content == PNG
        proposal = maker.post(
            f"/api/v1/disputes/{d['id']}/proposal",
            json={
                "decision": "uphold",
                "note": "核实续期",
                "correction": {"valid_to": "2029-12-31"},
            },
            headers={"X-CSRF-Token": m_csrf},
        )
        assert proposal.status_code == 200 and proposal.json()["status"] == "proposed"
        own = maker.post(
            f"/api/v1/disputes/{d['id']}/decision",
            json={"approve": True},
            headers={"X-CSRF-Token": m_csrf},
        )
        assert own.status_code == 422 and "双人复核" in own.json()["error"]
        done = checker.post(
            f"/api/v1/disputes/{d['id']}/decision",
            json={"approve": True, "note": "同意"},
            headers={"X-CSRF-Token": c_csrf},
        )
        assert done.status_code == 200, done.text
        body = done.json()
        assert (body["status"], body["status_label"], body["rerun_due"]) == (
            "upheld",
            "异议成立",
            True,
        )
        with unit_of_work(factory) as s:
            new = s.get(QualityRecord, body["corrected_record_id"])
            old = s.get(QualityRecord, w["soon"])
            assert new is not None and old is not None
            assert (new.version, str(new.valid_to), new.source_system) == (
                2,
                "2029-12-31",
                f"dispute:{d['id']}",
            )
            assert old.superseded_by_id == new.id
            actions = {
                a
                for (a,) in s.execute(
                    select(AuditEvent.action).where(AuditEvent.action.like("dispute.%"))
                )
            }
            assert actions == {
                "dispute.file",
                "dispute.propose",
                "dispute.decide",
                "dispute.evidence",
            }
            assert s.scalar(select(func.count()).where(AuditEvent.action == "record.correct")) == 1
        assert bank.get(f"/api/v1/enterprises/{firm}/portrait").json()["disputes_open"] == 0
        run(factory, clock.today())  # the next evaluation run knows the correction
        assert owner.get(f"/api/v1/disputes/{d['id']}").json()["rerun_due"] is False

        log = owner.get("/api/v1/disputes/access-log")
        assert log.status_code == 200
        rows = [r for r in log.json() if r["consent_id"] is not None]
        assert rows and {r["consent_id"] for r in rows} == {granted["id"]}
        assert {r["action"] for r in rows} <= {"record.read", "portrait.pdf"}
        assert all(r["organisation"] for r in rows)
        page = owner.get("/disputes")
        assert page.status_code == 200 and "谁查看了本企业的数据" in page.text
        assert "异议成立" in page.text and f"授权 {granted['id']}" in page.text
        assert bank.get("/api/v1/disputes/access-log").status_code == 403


def test_dispute_pages(app: FastAPI, factory: sessionmaker[Session]) -> None:
    w = seed(factory)
    make_user(factory, "regulator2", Role.regulator)
    with TestClient(app) as owner, TestClient(app) as maker, TestClient(app) as checker:
        o_csrf = login(owner, "owner")
        m_csrf = login(maker, "regulator")
        c_csrf = login(checker, "regulator2")
        assert 'id="disputes-link"' in owner.get("/").text
        assert f"/disputes?record_id={w['late']}" in owner.get(f"/enterprises/{w['firm']}").text
        form = owner.get(f"/disputes?record_id={w['late']}")
        assert form.status_code == 200 and f'value="{w["late"]}"' in form.text
        sent = owner.post(
            "/disputes",
            data={"record_id": str(w["late"]), "statement": "证书状态应为暂停，附认证机构通知。"},
            files={"evidence": ("通知.txt", "认证机构通知：暂停".encode(), "text/plain")},
            headers={"X-CSRF-Token": o_csrf},
            follow_redirects=True,
        )
        assert sent.status_code == 200 and "待处理" in sent.text
        listed = maker.get("/api/v1/disputes?status=open").json()
        assert [d["record_id"] for d in listed] == [w["late"]]
        dispute_id = listed[0]["id"]
        page = maker.get("/disputes")
        assert "提出处理意见" in page.text and "谁查看了本企业的数据" not in page.text
        maker.post(
            f"/disputes/{dispute_id}/proposal",
            data={"decision": "uphold", "note": "核实", "correction": '{"status": "暂停"}'},
            headers={"X-CSRF-Token": m_csrf},
        )
        assert "复核通过" in checker.get("/disputes").text
        checker.post(
            f"/disputes/{dispute_id}/decision",
            data={"approve": "true"},
            headers={"X-CSRF-Token": c_csrf},
        )
        mine = owner.get("/disputes")
        assert "异议成立" in mine.text and "待重新评价" in mine.text
        with unit_of_work(factory) as s:
            live = s.scalars(
                select(QualityRecord).where(
                    QualityRecord.natural_key.endswith("|E-LATE"),
                    QualityRecord.superseded_at.is_(None),
                )
            ).one()
            assert (live.version, live.status) == (2, "暂停")
