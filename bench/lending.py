"""Benchmark: the lending core's cost per schedule and per 年化利率, in one process.

    python bench/lending.py [--repeat 300]

For each method and a 12-, 36- and 360-month term it times ``build_schedule`` (5,000,000.00 at
4.20 % from 2025-07-15, due dates moved off weekends: no calendar given) and ``irr`` of the
schedule's flows with an upfront fee, and prints the median of ``--repeat`` runs in
milliseconds, with the machine. What a quote pays for its arithmetic (a quote builds one schedule
and one or two IRRs); the loan book's nightly batch is set-based and does not call this per loan.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zhixin.lending.irr import flows_of, irr
from zhixin.lending.schedule import Method, build_schedule


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ""
    with contextlib.suppress(OSError):
        load = " | load avg " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{platform.platform()} | CPU: {cpu} | cores: {os.cpu_count()} | "
        f"Python {platform.python_version()}{load}"
    )


def _median_ms(run: object, repeat: int) -> float:
    assert callable(run)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=300)
    args = ap.parse_args()
    print(machine())
    print(f"{'method':<10} {'months':>6} {'schedule ms':>12} {'irr ms':>8}")
    for method in Method:
        for months in (12, 36, 360):

            def build(method: Method = method, months: int = months) -> object:
                return build_schedule(
                    principal=Decimal("5000000.00"),
                    annual_rate=Decimal("4.20"),
                    start=date(2025, 7, 15),
                    term_months=months,
                    method=method,
                )

            sched = build()
            flows = flows_of(sched, fees=[(date(2025, 7, 15), Decimal("25000.00"))])  # type: ignore[arg-type]
            built = _median_ms(build, args.repeat)
            rated = _median_ms(lambda flows=flows: irr(flows), args.repeat)
            print(f"{method.value:<10} {months:>6} {built:>12.3f} {rated:>8.3f}")


if __name__ == "__main__":
    main()
