"""Serving: the web server and the demo."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from zhixin.cli._app import _fail, _settings, app, err, out
from zhixin.cli.operators import db_upgrade
from zhixin.config import ConfigError, Settings


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    upgrade_db: Annotated[bool, typer.Option(help="启动前升级数据库结构")] = True,
) -> None:
    """启动 Web 服务。"""
    import uvicorn

    from zhixin.web.app import create_app

    settings = _settings()
    try:
        settings.check_startable()
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    if upgrade_db:
        db_upgrade()
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=settings.https)


@app.command("demo")
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    database: Annotated[Path, typer.Option(help="演示用 SQLite 文件")] = Path(
        "zhixin-demo.sqlite3"
    ),
    enterprises: Annotated[int, typer.Option(help="合成经营主体数量")] = 3000,
    reset: Annotated[bool, typer.Option(help="删除已有演示库后重建")] = False,
    serve_web: Annotated[
        bool, typer.Option("--serve/--no-serve", help="装载后启动 Web 服务")
    ] = True,
) -> None:
    """建库、装载演示区域（演示数据），启动 http://127.0.0.1:8000 并打印演示账户。"""
    import uvicorn

    from zhixin.config import Mode
    from zhixin.demo.loader import DEMO_PASSWORD, load_demo
    from zhixin.kit.db import make_engine, make_sessionmaker
    from zhixin.kit.migrate import upgrade
    from zhixin.web.app import create_app

    if reset and database.exists():
        if not typer.confirm(f"将删除 {database} 中的全部演示数据，确定吗？", default=False):
            raise typer.Exit(1)
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    settings = Settings(
        mode=Mode.demo,
        database_url=f"sqlite:///{database.resolve()}",
        secret_key=os.environ.get("ZHIXIN_SECRET_KEY", "demo-secret-not-for-production"),
    )
    from zhixin.audit import keys as audit_keys

    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))
    engine = make_engine(settings.database_url)
    upgrade(engine)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        console=err,
    ) as progress:
        task = progress.add_task("装载演示数据", total=enterprises)
        result = load_demo(
            make_sessionmaker(engine),
            enterprises=enterprises,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            voucher_dir=settings.voucher_dir,
            voucher_max_bytes=settings.voucher_max_bytes,
        )
    engine.dispose()
    if result.loaded:
        out.print(
            f"演示数据已装载：{result.enterprises:,} 家经营主体、{result.records:,} 条质量要素记录"
            f"（{time.perf_counter() - started:.1f} 秒）"
        )
    else:
        out.print(f"使用已有演示库 {database}（--reset 可重建）")
    table = Table("角色", "用户名", "密码", title="演示账户（演示数据，仅供体验）")
    for label, username in result.logins:
        table.add_row(label, username, DEMO_PASSWORD)
    out.print(table)
    if not serve_web:
        return
    out.print(f"打开 http://{host}:{port}/ 登录（Ctrl+C 退出）")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


# -- catalogs, evaluation, export -----------------------------------------------------------
