"""Finding 8, access log of data taken: exports (``data.export``), portrait PDF downloads
(``portrait.pdf``), the bank feed's pages (``feed.read``) and reads of record details
(``record.read``) each leave one entry in the audit log — who, what, how many rows — never one
per row; the auditor finds them by action (or its prefix), actor and date, on the page and API.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.security import world as seed
from tests.support.cli import invoke
from tests.support.web import login
from zhixin.audit.models import AuditEvent
from zhixin.config import Settings
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work


def _events(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _last(factory: sessionmaker[Session]) -> AuditEvent:
    with unit_of_work(factory) as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        s.expunge(event)
        return event


def test_access_log_of_data_taken(
    app: FastAPI, factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    w = seed.build(factory)
    seed.application(w, "owner")  # grants the bank records and portrait evidence
    run, a = w.ids["run2"], w.a
    taken: list[tuple[str, str, str, int]] = []  # user, url, action, rows
    with TestClient(app) as bank, TestClient(app) as regulator:
        login(bank, "officer")
        login(regulator, "regulator")

        served: dict[str, object] = {}

        def take(client: TestClient, user: str, url: str, action: str) -> AuditEvent:
            before = _events(factory)
            resp = client.get(url)
            if resp.headers["content-type"].startswith("application/json"):
                served[url] = resp.json()
            assert resp.status_code == 200, (url, resp.text[:200])
            assert _events(factory) == before + 1, f"{url}: not exactly one audit entry"
            event = _last(factory)
            assert (event.action, event.actor, event.outcome) == (action, user, "success")
            taken.append((user, url, action, int(event.detail["rows"])))  # type: ignore[call-overload]
            return event

        url = "/api/v1/whitelist/versions/1/entries"
        entries = take(bank, "officer", url, "feed.read")
        items = served[url]["items"]  # type: ignore[index]
        assert entries.detail["rows"] == len(items) >= 2  # one entry for the page, not per row
        changes = take(bank, "officer", "/api/v1/whitelist/changes", "feed.read")
        changed = served["/api/v1/whitelist/changes"]["items"]  # type: ignore[index]
        assert changes.detail["rows"] == len(changed) >= 1
        records = take(bank, "officer", f"/api/v1/enterprises/{a}/records", "record.read")
        assert records.detail["rows"] == 5 and records.object_id == str(a)
        take(bank, "officer", f"/enterprises/{a}", "record.read")
        explained = take(
            bank, "officer", f"/api/v1/evaluation/runs/{run}/enterprises/{a}", "record.read"
        )
        assert explained.detail["rows"] >= 3 and explained.detail["what"] == "explanation"
        pdf = take(bank, "officer", f"/api/v1/enterprises/{a}/portrait.pdf", "portrait.pdf")
        assert pdf.detail["evidence"] is True and pdf.detail["rows"] >= 3
        export = take(bank, "officer", f"/evaluation/runs/{run}/export.xlsx", "data.export")
        assert export.detail["rows"] == 3 and export.object_id == str(run)
        take(
            regulator,
            "regulator",
            f"/whitelist/publications/{w.ids['pub1']}/export.xlsx",
            "data.export",
        )
        diff = take(
            regulator,
            "regulator",
            f"/whitelist/diff/export.xlsx?old={w.ids['pub1']}&new={w.ids['pub2']}",
            "data.export",
        )
        assert diff.detail["rows"] >= 1
        # a page of grades without record details is not a record read
        before = _events(factory)
        assert bank.get(f"/evaluation/runs/{run}/enterprises/{a}/radar.svg").status_code == 200
        assert _events(factory) == before
    # the operator's console export is logged too, as the system actor
    xlsx = tmp_path / "run.xlsx"
    done = invoke(
        ["evaluation", "export", str(run), "--xlsx", str(xlsx)],
        env={"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"},
    )
    assert done.exit_code == 0, done.output
    cli_export = _last(factory)
    assert (cli_export.action, cli_export.actor, cli_export.detail["rows"]) == (
        "data.export",
        "cli",
        3,
    )

    # the auditor finds them: by action prefix, by actor, by day (Beijing time)
    today = clock.today()
    with TestClient(app) as auditor:
        login(auditor, "auditor")
        api = "/api/v1/audit/events"
        exports = auditor.get(api, params={"action": "data."}).json()
        assert [e["action"] for e in exports] == ["data.export"] * 4
        assert {e["actor"] for e in exports} == {"officer", "regulator", "cli"}
        mine = auditor.get(api, params={"actor": "officer", "action": "feed.read"}).json()
        assert [e["detail"]["rows"] for e in mine] == [len(changed), len(items)]
        reads = auditor.get(
            api,
            params={
                "action": "record.read",
                "since": today.isoformat(),
                "until": today.isoformat(),
            },
        ).json()
        assert len(reads) == 3 and {e["actor"] for e in reads} == {"officer"}
        earlier = (today - timedelta(days=1)).isoformat()
        assert auditor.get(api, params={"action": "record.read", "until": earlier}).json() == []
        page = auditor.get("/audit", params={"action": "portrait.pdf", "actor": "officer"})
        assert page.status_code == 200
        assert page.text.count("<td>portrait.pdf</td>") == 1
        assert f"<td>{pdf.detail['rows']}</td>" in page.text
        bad = auditor.get("/audit", params={"since": "2025-13-01"})
        assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    # nobody else reads the log
    with TestClient(app) as bank:
        login(bank, "officer")
        assert bank.get("/api/v1/audit/events", params={"action": "data."}).status_code == 403
