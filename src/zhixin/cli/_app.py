"""The Typer application and what every command shares."""

from __future__ import annotations

import typer
from rich.console import Console

from zhixin.config import ConfigError, Settings, get_settings

app = typer.Typer(help="质信 zhixin — 质量融资增信平台", no_args_is_help=True, add_completion=False)

out = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]错误：[/red]{message}")
    return typer.Exit(code)


def _settings() -> Settings:
    return get_settings()


def _factory(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    import zhixin.models  # noqa: F401 - every table known before the first query
    from zhixin.audit import keys as audit_keys
    from zhixin.kit.db import make_engine, make_sessionmaker

    settings = settings or _settings()
    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))
    return make_sessionmaker(make_engine(settings.database_url))


# -- db ------------------------------------------------------------------------------------


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]配置错误：[/red]{exc}")
        raise SystemExit(1) from exc
