"""The conventions of docs/conventions.md that a search of the source can check."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "zhixin"


def _sources(base: Path) -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(base.rglob("*.py"))
    }


def _hits(pattern: str, base: Path, allowed: set[str]) -> list[str]:
    found = re.compile(pattern)
    return [
        f"{path}:{n}: {line.strip()}"
        for path, text in _sources(base).items()
        if path not in allowed
        for n, line in enumerate(text.splitlines(), 1)
        if found.search(line)
    ]


def _contract(name: str) -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["name"] == name:
            return set(contract["source_modules"])
    raise AssertionError(f"no import contract named {name!r}")


def _modules(filename: str) -> set[str]:
    return {f"zhixin.{p.parent.name}.{p.stem}" for p in SRC.glob(f"*/{filename}")}


def test_one_clock() -> None:
    """Today, the China time zone and the end of a Beijing day come from kit.clock only."""
    patterns = [
        r"ZoneInfo\(\s*[\"']Asia/Shanghai",
        r"^\s*def today\(",
        r"\bdate\.today\(\)",
        r"\bdatetime\.now\(\)",
        r"\bdatetime\.utcnow\(",
    ]
    assert _hits("|".join(patterns), SRC, {"src/zhixin/kit/clock.py"}) == []


def test_only_the_units_of_work_commit() -> None:
    """Services, repositories and rules never commit: the unit of work of the entry point does,
    a request's (web.deps.get_db), a CLI command's (kit.db.unit_of_work) or a job's at its
    checkpoints (kit.db.open_job). A commit passed as a callable counts too."""
    allowed = {"src/zhixin/kit/db.py", "src/zhixin/web/deps.py"}
    assert _hits(r"\.commit\b", SRC, allowed) == []


def test_every_rules_module_is_held_pure_by_the_contract() -> None:
    assert _modules("rules.py") - _contract("rules are pure") == set()


def test_every_service_module_is_kept_from_the_web_by_the_contract() -> None:
    assert _modules("service.py") - _contract("services know no web") == set()


def test_every_domain_is_kept_from_the_web_layer_by_the_contract() -> None:
    """A new domain package is forbidden to zhixin.web as soon as it exists: the web layer stands
    on accounts (who is calling) and audit only, and on the shared kit."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"] == "the web layer knows no domain"
    )
    below = {"zhixin.web", "zhixin.kit", "zhixin.accounts", "zhixin.audit", "zhixin.migrations"}
    packages = {f"zhixin.{p.parent.name}" for p in SRC.glob("*/__init__.py")} - below
    assert packages - set(contract["forbidden_modules"]) == set()


def test_tests_do_not_sleep() -> None:
    """A test waits on an event or a condition, never on the clock; the three waits left are
    listed (a lock another thread must be seen waiting on, a server starting, a worker loop)."""
    allowed = {
        "tests/integration/test_products.py",
        "tests/e2e/browser.py",
        "tests/e2e/test_webhooks_api.py",
    }
    assert _hits(r"\b(time|asyncio)\.sleep\(", ROOT / "tests", allowed) == []
