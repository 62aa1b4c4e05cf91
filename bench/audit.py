"""Benchmark: the keyed audit chain — the cost of one row's hash and the head's seal per scheme,
appends per second (one transaction each, as a request does) and verification rows per second,
on SQLite.

    python bench/audit.py [--appends 2000] [--verify-rows 50000]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime


def _machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--verify-rows", type=int, default=50000)
    args = ap.parse_args()

    import zhixin.models  # noqa: F401 - every table known
    from zhixin.audit import keys as audit_keys
    from zhixin.audit import service as audit
    from zhixin.audit.rules import HMAC_SHA256, HMAC_SM3, LEGACY, canonical, chain_hash, head_seal
    from zhixin.audit.service import Actor
    from zhixin.config import Mode, Settings
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.kit.migrate import upgrade

    print(f"machine: {_machine()}")
    text = canonical(
        seq=123456,
        at=datetime(2026, 12, 7, tzinfo=UTC),
        actor_id=42,
        actor="xmrcb-officer",
        tenant_id=7,
        action="quote.create",
        object_type="quote",
        object_id="98765",
        ip="10.1.2.3",
        outcome="success",
        detail={"product": "luzhidai", "amount": "5000000.00", "eligible": True},
    )
    key = b"k" * 48
    n = 20000
    for scheme in (LEGACY, HMAC_SHA256, HMAC_SM3):
        started = time.perf_counter()
        for _ in range(n):
            value = chain_hash("0" * 64, text, scheme, key)
            if scheme != LEGACY:
                head_seal(scheme, key, seq=1, hash=value, keyed_from=1)
        per = (time.perf_counter() - started) / n * 1e6
        what = "row hash" if scheme == LEGACY else "row hash + head seal"
        print(f"  {scheme:<12} {what:<22} {per:6.1f} µs per append")

    for hash_name in ("sha256", "sm3"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
            upgrade(engine)
            audit_keys.configure(
                audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test, audit_hash=hash_name))
            )
            factory = make_sessionmaker(engine)
            actor = Actor(42, "xmrcb-officer", 7, "10.1.2.3")
            started = time.perf_counter()
            for i in range(args.appends):
                with unit_of_work(factory) as s:
                    audit.record(
                        s, actor=actor, action="quote.create", object_type="quote", object_id=i
                    )
            took = time.perf_counter() - started
            print(
                f"  appends, HMAC-{hash_name.upper():<6} {args.appends / took:8.0f} /s"
                f" ({took / args.appends * 1e3:.2f} ms each, one transaction each)"
            )
            with unit_of_work(factory) as s:
                for i in range(args.verify_rows - args.appends):
                    audit.record(s, actor=actor, action="bulk", object_id=i)
            started = time.perf_counter()
            with unit_of_work(factory) as s:
                result = audit.verify(s)
            took = time.perf_counter() - started
            assert result.ok, result.findings[:3]
            print(
                f"  verify,  HMAC-{hash_name.upper():<6} {result.checked / took:8.0f} rows/s"
                f" ({result.checked:,} rows in {took:.1f} s)"
            )
            engine.dispose()


if __name__ == "__main__":
    main()
