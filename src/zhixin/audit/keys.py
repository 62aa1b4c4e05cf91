"""The audit log's keys, all kept outside the database.

- the HMAC key that chains the rows (``ZHIXIN_AUDIT_KEY`` or ``ZHIXIN_AUDIT_KEY_FILE``; the
  server refuses to start in production without one);
- the Ed25519 key pair that signs checkpoints and archives (``ZHIXIN_AUDIT_SIGNING_KEY_FILE``,
  a PKCS#8 PEM written by ``zhixin audit generate-key``); a verifier that should not be able to
  sign names only the public key (``ZHIXIN_AUDIT_VERIFY_KEY_FILE``).

Outside production, missing keys fall back to public demo keys (fine for the demo and tests,
worthless as evidence). The process uses the keys :func:`configure` was given (the app factory
and the CLI do it from their settings), else those of :func:`zhixin.config.get_settings`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from zhixin.audit.rules import SCHEME_FOR_HASH
from zhixin.config import ConfigError, Mode, Settings, get_settings

_DEMO_SEED = hashlib.sha256(b"zhixin-demo-audit-signing-key-not-for-production").digest()


@dataclass(frozen=True)
class AuditKeys:
    hmac_key: bytes
    scheme: str  # of new rows: hmac-sha256 or hmac-sm3
    signing_key_file: Path | None = None
    verify_key_file: Path | None = None
    demo: bool = False  # demo keys stand in for missing ones (never in production)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditKeys:
        return cls(
            hmac_key=settings.audit_hmac_key(),
            scheme=SCHEME_FOR_HASH[settings.audit_hash],
            signing_key_file=settings.audit_signing_key_file,
            verify_key_file=settings.audit_verify_key_file,
            demo=settings.mode != Mode.production,
        )

    def signing_key(self) -> Ed25519PrivateKey:
        if self.signing_key_file is not None:
            return load_private_key(self.signing_key_file)
        if self.demo:
            return Ed25519PrivateKey.from_private_bytes(_DEMO_SEED)
        raise ConfigError(
            "未配置审计签名私钥：设置 ZHIXIN_AUDIT_SIGNING_KEY_FILE（用 zhixin audit generate-key"
            " 生成） / ZHIXIN_AUDIT_SIGNING_KEY_FILE is not set"
        )

    def verify_key(self) -> Ed25519PublicKey:
        if self.verify_key_file is not None:
            return load_public_key(self.verify_key_file)
        if self.signing_key_file is not None or self.demo:
            return self.signing_key().public_key()
        raise ConfigError(
            "未配置审计签名公钥：设置 ZHIXIN_AUDIT_VERIFY_KEY_FILE（或签名私钥文件）"
            " / ZHIXIN_AUDIT_VERIFY_KEY_FILE is not set"
        )


def key_id(public: Ed25519PublicKey) -> str:
    """A short name of a public key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(private: Ed25519PrivateKey, message: bytes) -> str:
    return private.sign(message).hex()


def signature_ok(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"无法读取审计签名私钥 {path.name}：{exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path.name} 不是 Ed25519 私钥")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"无法读取审计签名公钥 {path.name}：{exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path.name} 不是 Ed25519 公钥")
    return key


def generate_key_pair(private_path: Path) -> Path:
    """Write a new Ed25519 private key (PKCS#8 PEM, mode 0600, refusing to overwrite) and its
    public key beside it (``.pub``); returns the public key's path."""
    public_path = private_path.with_name(private_path.name + ".pub")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_path


_configured: AuditKeys | None = None


def configure(keys: AuditKeys) -> None:
    """The keys this process appends and verifies with (the app factory, the CLI)."""
    global _configured
    _configured = keys


def current() -> AuditKeys:
    """The configured keys, else those of the environment's settings (raises
    :class:`ConfigError` in production without an audit key)."""
    global _configured
    if _configured is None:
        _configured = AuditKeys.from_settings(get_settings())
    return _configured
