"""Quality linkage's pages and API over HTTP (the browser journey's steps without a browser):
after a penalty froze the line, the enterprise reads the freeze and its reason on its own page,
the loan page and the API (no record reference: the reason names the kind and date); a drawdown
form is refused with the reason; the officer asks to lift it from the queue, the same officer
may not approve, the approver does, and the loan is free again."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import build_world
from tests.integration.test_linkage import _cycle, _import
from tests.integration.test_loans import _drawn, signed_contract
from tests.support.web import login

REASON = "新增产品质量类行政处罚：行政处罚（2025-02-28）"


def test_the_freeze_and_its_reason_on_every_page_and_the_maker_checker_lift(
    factory: sessionmaker[Session], client: TestClient, tmp_path: Path
) -> None:
    w = build_world(factory)
    cid = signed_contract(w)
    _drawn(w, cid, "1000000.00", on=date(2025, 2, 10))
    _cycle(w)
    _import(
        w,
        tmp_path,
        "penalty",
        {
            "处罚决定书文号": "厦市监处罚〔2025〕7号",
            "处罚日期": "2025-02-28",
            "处罚机关": "厦门市市场监督管理局",
            "违法类别": "产品质量",
            "严重程度": "较重",
        },
    )
    assert _cycle(w).freezes == 1

    csrf = login(client, "owner-a")
    me = client.get("/me").text
    assert 'id="enterprise-frozen"' in me and REASON in me and f"#{cid}" in me
    loan = client.get(f"/loans/{cid}").text
    assert 'id="line-blocked"' in loan and REASON in loan
    assert "厦市监处罚" not in loan
    api = client.get(f"/api/v1/linkage/loans/{cid}").json()
    assert api["frozen"] is True and REASON in api["blocked_reason"]
    (freeze,) = [a for a in api["actions"] if a["kind"] == "freeze"]
    assert freeze["rule"] == "luzhidai:linkage.freeze_on:penalty"
    assert freeze["record_id"] is not None  # the enterprise reads its own records
    refused = client.post(
        f"/api/v1/loans/contracts/{cid}/drawdowns",
        json={"amount": "100000.00"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "line_frozen"
    assert REASON in refused.json()["message"]
    client.post("/logout", data={"csrf_token": csrf})

    csrf = login(client, "officer")
    queue = client.get("/linkage").text
    assert REASON in queue and f'id="freeze-{freeze["id"]}"' in queue
    asked = client.post(
        f"/linkage/actions/{freeze['id']}/reversal",
        data={"csrf_token": csrf, "reason": "企业已完成整改，复查合格"},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    pending = client.get("/api/v1/linkage/queue").json()["reversals"]
    assert [r["status"] for r in pending] == ["pending"]
    own = client.post(
        f"/api/v1/linkage/reversals/{pending[0]['id']}/approve",
        json={},
        headers={"X-CSRF-Token": csrf},
    )
    assert own.status_code == 403  # the officer holds no loan:approve, and asked itself
    client.post("/logout", data={"csrf_token": csrf})

    csrf = login(client, "approver")
    done = client.post(
        f"/linkage/reversals/{pending[0]['id']}/approve",
        data={"csrf_token": csrf, "back": f"/loans/{cid}"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/loans/{cid}")
    loan = client.get(f"/loans/{cid}").text
    assert 'id="line-blocked"' not in loan and "解除冻结" in loan
    # another origin is never a redirect target
    again = client.post(
        f"/linkage/reversals/{pending[0]['id']}/approve",
        data={"csrf_token": csrf, "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert again.status_code == 409 or not re.match(r"//", again.headers.get("location", ""))
