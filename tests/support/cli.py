"""Run a CLI command in the test process, as an operator would in a fresh one."""

from __future__ import annotations

from click.testing import Result
from typer.testing import CliRunner

from zhixin.cli import app as cli
from zhixin.config import get_settings


def invoke(args: list[str], env: dict[str, str]) -> Result:
    """Invoke ``zhixin ARGS`` with ENV. A command process reads its settings once
    (``get_settings`` is cached); the test process has usually cached other settings already, so
    the cache is cleared around the call, as a fresh process would start."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, args, env=env)
    finally:
        get_settings.cache_clear()
