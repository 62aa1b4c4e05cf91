"""Serving: the web server and the demo."""

from __future__ import annotations

import importlib
import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from zhixin.cli._app import _fail, _settings, app, err, out
from zhixin.cli.operators import db_upgrade
from zhixin.config import Settings

# The application factory, as an import string: uvicorn imports it in each worker process.
# (One constant: when the factory moves, this line is the one to change.)
APP_FACTORY = "zhixin.app:create_app"


def app_factory() -> Callable[..., Any]:
    """The function :data:`APP_FACTORY` names (for a server in this process)."""
    module, _, name = APP_FACTORY.partition(":")
    factory: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return factory


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="服务进程数（每个进程各有 ZHIXIN_REQUEST_THREADS 个处理线程与 "
            "ZHIXIN_DB_CONNECTIONS 个数据库连接）；多进程时由 uvicorn 管理，"
            "进程退出会被重启",
        ),
    ] = 1,
    upgrade_db: Annotated[bool, typer.Option(help="启动前升级数据库结构")] = True,
) -> None:
    """启动 Web 服务（--workers N 启动 N 个进程，共用同一端口）。"""
    import uvicorn

    settings = _settings()
    settings.check_startable()  # refuses here, once, rather than in every worker
    if upgrade_db:
        db_upgrade()
    # An import string and factory=True: each worker process builds its own app from the
    # environment's settings (uvicorn's supported way to run several processes).
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=settings.https,
        server_header=False,  # no "server: uvicorn" banner
    )


def _demo_url(database: Path, database_url: str | None) -> str:
    return database_url or f"sqlite:///{database.resolve()}"


@app.command("demo")
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    database: Annotated[Path, typer.Option(help="演示用 SQLite 文件")] = Path(
        "zhixin-demo.sqlite3"
    ),
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="改用服务器数据库（须为空库或已装载的演示库），如 "
            "postgresql://user@host:5432/zhixin_demo、mysql://user@host:3306/zhixin_demo",
        ),
    ] = None,
    enterprises: Annotated[int, typer.Option(help="合成经营主体数量", min=1)] = 3000,
    reset: Annotated[bool, typer.Option(help="删除已有演示库后重建（仅 SQLite 文件）")] = False,
    serve_web: Annotated[
        bool, typer.Option("--serve/--no-serve", help="装载后启动 Web 服务")
    ] = True,
) -> None:
    """建库、装载演示区域（演示数据），启动 http://127.0.0.1:8000 并打印演示账户。

    其他命令在演示库上运行时，设置它打印的 ZHIXIN_MODE=demo 与 ZHIXIN_DATABASE_URL。"""
    import uvicorn
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from zhixin.accounts import service as accounts
    from zhixin.config import Mode
    from zhixin.demo.loader import DEMO_PASSWORD, load_demo
    from zhixin.kit.db import make_engine, make_sessionmaker, normalise_url, unit_of_work
    from zhixin.kit.migrate import upgrade

    url = _demo_url(database, database_url)
    if reset:
        if database_url is not None:
            raise _fail("--reset 只用于 SQLite 文件；服务器数据库请删除并新建该库后再装载")
        if database.exists():
            if not typer.confirm(f"将删除 {database} 中的全部演示数据，确定吗？", default=False):
                raise typer.Exit(1)
            for suffix in ("", "-wal", "-shm"):
                Path(str(database) + suffix).unlink(missing_ok=True)
    settings = Settings(
        mode=Mode.demo,
        database_url=url,
        secret_key=os.environ.get("ZHIXIN_SECRET_KEY", "demo-secret-not-for-production"),
    )
    from zhixin.audit import keys as audit_keys

    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        where = make_url(normalise_url(url)).render_as_string(hide_password=True)
        raise _fail(
            f"无法连接演示数据库 {where}：请检查地址、数据库是否已建立、服务是否运行"
        ) from exc
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:  # never into a database that holds real data
        foreign = accounts.tenant_by_code(session, "amr-xm") is None and any(
            True for _ in accounts.list_users_unchecked(session)
        )
    if foreign:
        engine.dispose()
        raise _fail("该数据库已有非演示的用户，演示数据不会写入；请用 --database-url 指定一个新库")
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        console=err,
    ) as progress:
        task = progress.add_task("装载演示数据", total=enterprises)
        result = load_demo(
            factory,
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
        out.print(f"使用已有演示库 {database_url or database}（--reset 可重建）")
    table = Table("角色", "用户名", "密码", title="演示账户（演示数据，仅供体验）")
    for label, username in result.logins:
        table.add_row(label, username, DEMO_PASSWORD)
    out.print(table)
    out.print(
        "在演示库上运行其他命令（如 zhixin applications list）：\n"
        f"  export ZHIXIN_MODE=demo ZHIXIN_DATABASE_URL={shlex.quote(url)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if not serve_web:
        return
    out.print(f"打开 http://{host}:{port}/ 登录（Ctrl+C 退出）")
    uvicorn.run(
        app_factory()(settings),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
    )


# -- catalogs, evaluation, export -----------------------------------------------------------
