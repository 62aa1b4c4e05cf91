"""constraints.txt pins one tested set of versions (README, "Dependency versions"): every pin lies
inside the ranges pyproject.toml states, every dependency pyproject names is pinned, and the
project itself is not."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt pins exact versions only: {line}"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return [Requirement(line) for line in lines]


def test_every_pin_lies_inside_pyprojects_ranges() -> None:
    pins = _pins()
    assert "zhixin" not in pins
    for req in _requirements():
        name = canonicalize_name(req.name)
        if name == "zhixin":  # the test extra names the project's own extras
            continue
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_the_pins_that_once_broke_ibis_hold() -> None:
    pins = _pins()
    assert pins["duckdb"] < Version("2")
    assert pins["sqlglot"] < Version("30")
