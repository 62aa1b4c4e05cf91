"""Settings: the only reader of environment variables (prefix ``ZHIXIN_``)."""

from __future__ import annotations

import base64
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"  # noqa: S105 - the sentinel that production refuses
# The data key of demo, development and test modes: published here, so refused in production.
DEV_DATA_KEY = "Qdn8UwGf2Don1g8T9q_BtfU_AIuFueOXm6s7CM84gKs="
# The audit chain's HMAC key outside production when none is configured: public, so a chain
# keyed with it proves nothing against a database writer; production refuses to start with it.
DEMO_AUDIT_KEY = "zhixin-demo-audit-key-not-for-production"


class Mode(StrEnum):
    demo = "demo"
    development = "development"
    test = "test"
    production = "production"


class ConfigError(Exception):
    """Raised at start when the settings cannot run the platform safely."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIXIN_", env_file=".env", extra="ignore")

    mode: Mode = Mode.production
    database_url: str = "sqlite:///zhixin.sqlite3"
    secret_key: str = DEFAULT_SECRET
    # Sessions
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    https: bool = False  # set true behind TLS: cookies get Secure and the __Host- prefix
    # Request handlers that touch the database run in at most this many threads per process;
    # more requests wait their turn. Python runs one thread at a time, so more threads only
    # slow the one holding SQLite's write turn (figures: docs/performance.md). Two, not one, so
    # that one slow request (a PDF, an export) does not stop every other request of its process.
    request_threads: int = Field(default=2, ge=1, le=256)
    # Database connections each server process keeps; at most this many requests hold a
    # session at once, the others wait for one without holding a thread (web/deps.get_db).
    db_connections: int = Field(default=15, ge=1, le=1000)
    # Password policy: at least ``password_min_length`` characters of ``password_min_classes``
    # classes, or a passphrase of ``password_passphrase_length`` characters in any classes; never
    # a common password or one containing the platform's, the tenant's or the user's name.
    password_min_length: int = Field(default=12, ge=8)
    password_min_classes: int = Field(default=3, ge=1, le=4)
    password_passphrase_length: int = Field(default=20, ge=12, le=64)
    # 等保 level 3 asks privileged accounts to change passwords periodically: sysadmin, security
    # officer, auditor, regulator and bank approver must change theirs at login after this many
    # days (0: never expires).
    password_max_age_days: int = Field(default=90, ge=0, le=3650)
    # Login throttle (no hard lockout): after ``lockout_threshold`` failures for one account (from
    # browsers it has not signed in on) each further attempt waits twice as long as the last,
    # from 30 seconds up to ``lockout_minutes``; a client address gets ``login_address_threshold``
    # failures before its delays start. Counts restart a day after the last failure.
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    login_address_threshold: int = Field(default=20, ge=1)
    # Intake
    import_batch_size: int = Field(default=20000, ge=100)
    upload_dir: Path = Path("var/uploads")
    # The loan book's payment vouchers (合同/发票): stored by SHA-256 under this directory, which
    # must lie outside anything the web server serves; one file at most voucher_max_bytes (413).
    voucher_dir: Path = Path("var/vouchers")
    voucher_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Uploads and imports (docs/architecture.md, "Abuse limits"): a request body's bytes,
    # counted while it streams (413); what an .xlsx may expand to, read from its zip directory
    # before it is opened (zip bombs); data rows per file, counted before anything is written;
    # a running import whose process is gone, or whose heartbeat is older, is "interrupted".
    upload_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    xlsx_max_uncompressed_bytes: int = Field(default=512 * 1024 * 1024, ge=1 << 20)
    xlsx_max_shared_strings_bytes: int = Field(default=64 * 1024 * 1024, ge=1 << 16)
    xlsx_max_ratio: int = Field(default=200, ge=10)
    import_max_rows: int = Field(default=2_000_000, ge=1)
    import_stale_minutes: int = Field(default=10, ge=1)
    # 异议: working days a regulator has to resolve an enterprise's dispute (zhixin.workdays)
    dispute_workdays: int = Field(default=15, ge=1, le=60)
    # 融资需求: working days for a bank to take a posted need, and for each step once taken
    # (contacted → on-site → application or refusal); past either, the need goes to the task force
    demand_take_workdays: int = Field(default=3, ge=1, le=30)
    demand_response_workdays: int = Field(default=3, ge=1, le=30)
    # Expensive requests (portrait PDFs, exports, evaluation pages, uploads): at most
    # heavy_per_user in flight per account (429 beyond), at most heavy_total at once in a
    # process (0: request_threads - 1, at least 1, so one thread stays free for the rest);
    # a request waits up to heavy_wait_seconds for a free slot, holding no thread, then 429.
    heavy_per_user: int = Field(default=2, ge=1, le=100)
    # 日晾晒 delivery: from this time of day (Beijing, HH:MM) `zhixin worker` generates the
    # previous day's report for the task force and for each bank (its own rows), once
    report_daily_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    heavy_total: int = Field(default=0, ge=0, le=256)
    heavy_wait_seconds: float = Field(default=15.0, ge=0, le=300)
    # Audit retention (days, China's Cybersecurity Law asks for at least 180): `zhixin audit
    # archive` refuses to take rows younger than this out of the database
    audit_retention_days: int = Field(default=365, ge=180)
    # The audit chain: an HMAC key kept outside the database (the value, or a file holding it;
    # required in production), the hash for new rows (sha256, or sm3 for 国密), and the Ed25519
    # key that signs checkpoints and archives (private key file: `zhixin audit generate-key`);
    # verifiers that must not hold it name the public key file instead.
    audit_key: str = ""
    audit_key_file: Path | None = None
    audit_hash: Literal["sha256", "sm3"] = "sha256"
    audit_signing_key_file: Path | None = None
    audit_verify_key_file: Path | None = None
    # The evidence log's hash (链上存证): sha256, or sm3 for 国密; fixed by the log's first entry
    evidence_hash: Literal["sha256", "sm3"] = "sha256"
    # Webhooks: loopback/private targets only for tests; timeout per attempt; attempts per event
    webhook_allow_loopback: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    # Data key: Fernet keys, comma-separated, newest first (kit/crypto.py: rotation); webhook
    # secrets are stored encrypted with it. Required in production.
    data_key: str = Field(default="", repr=False)

    def check_startable(self) -> None:
        """Refuse to start in production with a missing or default secret, data key or audit
        key."""
        if self.mode in (Mode.demo, Mode.development, Mode.test):
            return
        if not self.secret_key or self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            raise ConfigError(
                "未配置安全密钥：生产模式下必须设置 ZHIXIN_SECRET_KEY（至少 32 个字符的随机串，"
                "可用 `python -c 'import secrets; print(secrets.token_urlsafe(48))'` 生成）。"
                " / ZHIXIN_SECRET_KEY is missing or default; set a random value of 32+ characters"
                " or run with ZHIXIN_MODE=development."
            )
        self.check_data_key()
        self.audit_hmac_key()

    def check_data_key(self) -> None:
        """Refuse production without a data key of its own (server and worker)."""
        if self.mode != Mode.production:
            return
        keys = [k.strip() for k in self.data_key.split(",") if k.strip()]
        if not keys or DEV_DATA_KEY in keys or not all(_is_fernet_key(k) for k in keys):
            raise ConfigError(
                "未配置数据加密密钥：生产模式下必须设置 ZHIXIN_DATA_KEY（一个或多个 Fernet 密钥，"
                "逗号分隔、新的在前；生成：`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`）。 / ZHIXIN_DATA_KEY is missing, the "
                "published development key, or not a Fernet key."
            )

    @property
    def data_keys(self) -> tuple[str, ...]:
        """The data keys, newest first; the published development key outside production."""
        keys = tuple(k.strip() for k in self.data_key.split(",") if k.strip())
        return keys or (DEV_DATA_KEY,)

    def audit_hmac_key(self) -> bytes:
        """The audit chain's HMAC key: ``ZHIXIN_AUDIT_KEY``, else the file
        ``ZHIXIN_AUDIT_KEY_FILE``; outside production a public demo key when neither is set.
        Raises :class:`ConfigError` in production when it is missing, short or the demo key."""
        key = self.audit_key
        if not key and self.audit_key_file is not None:
            try:
                key = self.audit_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"无法读取审计密钥文件 ZHIXIN_AUDIT_KEY_FILE（{exc.strerror}）"
                ) from exc
        if self.mode != Mode.production:
            return (key or DEMO_AUDIT_KEY).encode()
        if not key or key == DEMO_AUDIT_KEY or len(key) < 32:
            raise ConfigError(
                "未配置审计日志密钥：生产模式下必须设置 ZHIXIN_AUDIT_KEY 或 ZHIXIN_AUDIT_KEY_FILE"
                "（至少 32 个字符的随机串，保存在数据库之外）。 / ZHIXIN_AUDIT_KEY (or"
                " ZHIXIN_AUDIT_KEY_FILE) is missing or shorter than 32 characters."
            )
        return key.encode()

    @property
    def is_demo(self) -> bool:
        return self.mode == Mode.demo


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (ValueError, UnicodeError):
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
