"""Benchmark: the evidence log (链上存证) on SQLite — appends per second through
``evidence.service.append`` (one per transaction, as a request does; and many per transaction,
as a batch does), then ``evidence.service.verify`` over the whole log: every entry's bytes and
leaf hash, every bank and regulator confirmation signature, every signed tree head.

Targets (issue 19): append ≥ 5,000 entries/s; verify of 1,000,000 entries ≤ 30 s.

    python bench/evidence.py [--entries 1000000] [--hash sha256|sm3]

The log is filled through ``append`` (10,000 events a call), then confirmed through
``evidence.service.confirm`` by a bank and a regulator, 10,000 entries a signature (the batch
a bank's system confirms through the API), and a head is signed every 100,000 entries.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import machine


def _cpu() -> float:
    return time.process_time()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--hash", choices=("sha256", "sm3"), default="sha256")
    args = ap.parse_args()
    os.environ["ZHIXIN_EVIDENCE_HASH"] = args.hash
    os.environ.setdefault("ZHIXIN_MODE", "test")

    import zhixin.models  # noqa: F401 - every table known
    from zhixin.accounts import service as accounts
    from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
    from zhixin.audit import keys as audit_keys
    from zhixin.config import Mode, Settings, get_settings
    from zhixin.evidence import service as evidence
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.kit.migrate import upgrade

    get_settings.cache_clear()
    audit_keys.configure(audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test)))
    print(f"machine: {machine()}")
    print(f"hash: {args.hash}; entries: {args.entries:,}")

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/evidence.sqlite3")
        upgrade(engine)
        factory = make_sessionmaker(engine)
        with unit_of_work(factory) as s:
            policy = PasswordPolicy()
            people = {}
            for code, kind, role in (
                ("bank-bench", TenantKind.bank, Role.bank_approver),
                ("amr-bench", TenantKind.regulator, Role.regulator),
            ):
                tenant = accounts.create_tenant(s, code=code, name=code, kind=kind)
                user = accounts.create_user(
                    s,
                    tenant=tenant,
                    username=f"{code}-user",
                    display_name=code,
                    password="Bench-Password-2026!",  # noqa: S106 - a throwaway database
                    roles=[role],
                    policy=policy,
                )
                people[kind] = (tenant.id, user)
            bank_id = people[TenantKind.bank][0]
            principals = {k: accounts.principal_for(s, u) for k, (_, u) in people.items()}

        def event(i: int) -> evidence.Event:
            return evidence.Event(
                kind="voucher" if i % 4 == 2 else "payment",
                data={
                    "contract_no": f"ZX20260101{i // 50:08d}",
                    "document_number": f"FP-2026-{i:08d}",
                    "amount": f"{(i % 9000) * 37 + 1000}.00",
                    "purpose": "认证",
                },
                subject=("loan_payment", str(i)),
                contract=(i // 50 + 1, f"ZX20260101{i // 50:08d}"),
                bank_tenant_id=bank_id,
                file=None,
            )

        # 1. one append per transaction (a request)
        n1 = 2000
        started, cpu0 = time.perf_counter(), _cpu()
        for i in range(n1):
            with unit_of_work(factory) as s:
                evidence.append(s, event(i))
        took = time.perf_counter() - started
        cpu = _cpu() - cpu0
        print(
            f"append, one per transaction (commit each): {n1 / took:8,.0f} entries/s "
            f"(CPU {n1 / cpu:,.0f} entries/CPU-s)"
        )

        # 2. appends inside one transaction, one call each (a batch: covenants, freezes)
        n2 = 50_000
        started, cpu0 = time.perf_counter(), _cpu()
        done = n1
        while done < n1 + n2:
            with unit_of_work(factory) as s:
                for i in range(done, done + 1000):
                    evidence.append(s, event(i))
            done += 1000
        took = time.perf_counter() - started
        cpu = _cpu() - cpu0
        print(
            f"append, 1,000 calls per transaction:      {n2 / took:8,.0f} entries/s "
            f"(CPU {n2 / cpu:,.0f} entries/CPU-s)"
        )

        # 3. fill the log to --entries (10,000 events a call), signing a head every 100,000
        started, cpu0 = time.perf_counter(), _cpu()
        while done < args.entries:
            with unit_of_work(factory) as s:
                upto = min(done + 10_000, args.entries)
                evidence.append(s, *(event(i) for i in range(done, upto)))
                if upto // 100_000 > done // 100_000:
                    evidence.sign_head(s)
                done = upto
        with unit_of_work(factory) as s:
            evidence.sign_head(s)
        took = time.perf_counter() - started
        cpu = _cpu() - cpu0
        rest = args.entries - n1 - n2
        if rest > 0:
            print(
                f"append, 10,000 events per call:           {rest / took:8,.0f} entries/s "
                f"(CPU {rest / cpu:,.0f} entries/CPU-s)"
            )

        started, cpu0 = time.perf_counter(), _cpu()
        for kind in (TenantKind.bank, TenantKind.regulator):
            for lo in range(0, args.entries, 10_000):
                with unit_of_work(factory) as s:
                    evidence.confirm(
                        s,
                        actor=principals[kind],
                        seqs=range(lo, min(lo + 10_000, args.entries)),
                    )
        took = time.perf_counter() - started
        print(
            f"confirm (10,000 entries a signature, both sides): {took:6.1f} s "
            f"(CPU {_cpu() - cpu0:.1f} s)"
        )

        started, cpu0 = time.perf_counter(), _cpu()
        with unit_of_work(factory) as s:
            result = evidence.verify(s)
        took = time.perf_counter() - started
        if result.finding is not None:
            print(f"verify FOUND: {result.finding.line()}")
            sys.exit(1)
        print(
            f"verify: {result.tree_size:,} entries, {result.heads} heads, "
            f"{result.confirmations} confirmations in {took:.1f} s, CPU {_cpu() - cpu0:.1f} s "
            f"({result.tree_size / took:,.0f} entries/s)"
        )

        started, cpu0 = time.perf_counter(), _cpu()
        with unit_of_work(factory) as s:
            evidence.proof(s, seq=args.entries // 2)
        print(
            f"proof export of one entry: {time.perf_counter() - started:.2f} s "
            f"(CPU {_cpu() - cpu0:.2f} s)"
        )
        print(f"load avg now: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
