"""Webhook secrets are encrypted at rest (issue 15, "Low"): the database holds a Fernet token
made with ``ZHIXIN_DATA_KEY``, never the secret; keys rotate as a list (encrypt with the first,
decrypt with any) and ``zhixin webhooks reencrypt`` moves every secret to the newest key; a
secret stored in the clear before this change keeps working and is encrypted by that command;
production refuses to start without a data key of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.app import create_app
from zhixin.audit.models import AuditEvent
from zhixin.config import DEV_DATA_KEY, ConfigError, Mode, Settings, get_settings
from zhixin.kit.crypto import DataKeyError
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.webhooks import rules, service
from zhixin.webhooks.models import WebhookEndpoint

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def data_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def use(value: str) -> None:
        monkeypatch.setenv("ZHIXIN_DATA_KEY", value)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def _bank(factory: sessionmaker[Session]) -> Principal:
    uid = make_user(factory, "bank", Role.bank_officer, tenant_code="bank-a")
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        return accounts.principal_for(s, user)


def _stored(factory: sessionmaker[Session], endpoint_id: int) -> tuple[str, str | None]:
    with factory() as s:
        row = s.execute(
            select(WebhookEndpoint.secret, WebhookEndpoint.previous_secret).where(
                WebhookEndpoint.id == endpoint_id
            )
        ).one()
        return row[0], row[1]


def _signing(factory: sessionmaker[Session], endpoint_id: int) -> tuple[str, ...]:
    with factory() as s:
        endpoint = s.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        return service.signing_secrets(endpoint, now=utcnow())


def test_the_secret_is_stored_encrypted_and_keys_rotate(
    factory: sessionmaker[Session], data_key: object
) -> None:
    use = data_key
    use(OLD)  # type: ignore[operator]
    bank = _bank(factory)
    with unit_of_work(factory) as s:
        issued = service.register(s, actor=bank, url="https://bank.example/hooks")
        endpoint_id = issued.endpoint.id
    secret = issued.secret
    stored, _ = _stored(factory, endpoint_id)
    assert secret.startswith("whsec_") and secret not in stored
    assert secret.removeprefix("whsec_") not in stored and not stored.startswith("whsec_")
    assert Fernet(OLD.encode()).decrypt(stored.encode()).decode() == secret
    assert _signing(factory, endpoint_id) == (secret,)

    # a rotation of the secret: both stored encrypted, both sign during the overlap
    with unit_of_work(factory) as s:
        rotated = service.rotate(s, actor=bank, endpoint_id=endpoint_id).secret
    now_stored, before = _stored(factory, endpoint_id)
    assert rotated not in now_stored and before is not None and secret not in before
    assert _signing(factory, endpoint_id) == (rotated, secret)

    # a rotation of the data key: the new key first, the old one still decrypts
    use(f"{NEW},{OLD}")  # type: ignore[operator]
    assert _signing(factory, endpoint_id) == (rotated, secret)
    with unit_of_work(factory) as s:
        done = service.reencrypt(s)
    assert (done.endpoints, done.values) == (1, 2)
    current, previous = _stored(factory, endpoint_id)
    assert Fernet(NEW.encode()).decrypt(current.encode()).decode() == rotated
    assert previous is not None
    assert Fernet(NEW.encode()).decrypt(previous.encode()).decode() == secret
    with unit_of_work(factory) as s:
        assert service.reencrypt(s).values == 0  # idempotent
    use(NEW)  # type: ignore[operator]  # the old key removed: everything still reads
    assert _signing(factory, endpoint_id) == (rotated, secret)
    use(OLD)  # type: ignore[operator]  # a wrong key is said plainly, never signs with garbage
    with pytest.raises(DataKeyError, match="无法用已配置的数据加密密钥"):
        _signing(factory, endpoint_id)
    with factory() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions.count("webhook.reencrypt") == 2


def test_a_secret_stored_in_the_clear_keeps_working_and_gets_encrypted(
    factory: sessionmaker[Session], data_key: object
) -> None:
    data_key(NEW)  # type: ignore[operator]
    bank = _bank(factory)
    with unit_of_work(factory) as s:
        endpoint_id = service.register(s, actor=bank, url="https://bank.example/h").endpoint.id
    legacy = rules.new_secret()
    with unit_of_work(factory) as s:  # as a row written before encryption at rest
        s.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(secret=legacy)
        )
    assert _signing(factory, endpoint_id) == (legacy,)
    with unit_of_work(factory) as s:
        assert service.reencrypt(s).values == 1
    stored, _ = _stored(factory, endpoint_id)
    assert legacy not in stored and _signing(factory, endpoint_id) == (legacy,)


def test_production_refuses_to_start_without_its_own_data_key(engine: Engine) -> None:
    base = Settings(
        mode=Mode.production,
        secret_key="s" * 48,
        audit_key="a" * 48,  # the other production key, so only the data key is missing
        database_url=engine.url.render_as_string(hide_password=False),
    )
    for bad in ("", DEV_DATA_KEY, "not-a-key", f"{NEW},{DEV_DATA_KEY}"):
        with pytest.raises(ConfigError, match="ZHIXIN_DATA_KEY"):
            create_app(base.model_copy(update={"data_key": bad}))
    create_app(base.model_copy(update={"data_key": f"{NEW},{OLD}"}))
    worker = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "worker", "--once"],
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "ZHIXIN_MODE": "production",
            "ZHIXIN_DATABASE_URL": base.database_url,
            "ZHIXIN_DATA_KEY": "",
            "ZHIXIN_AUDIT_KEY": "a" * 48,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 1 and "未配置数据加密密钥" in worker.stderr
