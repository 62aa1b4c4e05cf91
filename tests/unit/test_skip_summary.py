"""The test command's output stays readable without the database servers: every skipped
PostgreSQL / MariaDB variant is reported in one line (tests/conftest.py folds their reasons),
however many tests have such variants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # a pytest of its own: about as long as the two tests it runs
def test_skipped_server_variants_are_one_line() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ZHIXIN_TEST_POSTGRES_URL", "ZHIXIN_TEST_MYSQL_URL", "ZHIXIN_FORBID_SKIPS")
    }
    done = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "pytest",
                "-n",
                "0",
                "-p",
                "no:randomly",
                "-p",
                "no:cacheprovider",
            ),
            "tests/integration/test_lpr.py::test_a_fresh_database_knows_the_published_history",
            "tests/integration/test_lpr.py::test_an_operator_row_overrides_a_shipped_one_until_deleted",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    skipped = [ln for ln in done.stdout.splitlines() if ln.startswith("SKIPPED")]
    assert len(skipped) == 1, skipped
    assert "ZHIXIN_TEST_POSTGRES_URL" in skipped[0] and "ZHIXIN_TEST_MYSQL_URL" in skipped[0]
    count = int(skipped[0].split("[", 1)[1].split("]", 1)[0])
    assert count >= 4  # two variants of each test, folded into the one line
