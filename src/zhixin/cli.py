"""The ``zhixin`` command: thin commands over services, for operators and schedulers.

Exit codes: 0 success; 1 refused or failed (message on stderr); 2 usage error;
3 an import finished but some rows were rejected (see its report).
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhixin.config import ConfigError, Settings, get_settings
from zhixin.errors import ZhixinError

app = typer.Typer(help="质信 zhixin — 质量融资增信平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库迁移 / database migrations", no_args_is_help=True)
users_app = typer.Typer(help="用户 / users", no_args_is_help=True)
tokens_app = typer.Typer(help="银行系统 API 令牌 / API tokens", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")

out = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]错误：[/red]{message}")
    return typer.Exit(code)


def _settings() -> Settings:
    return get_settings()


def _factory(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    import zhixin.models  # noqa: F401 - every table known before the first query
    from zhixin.kit.db import make_engine, make_sessionmaker

    settings = settings or _settings()
    return make_sessionmaker(make_engine(settings.database_url))


# -- db ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """把数据库升级到最新结构 / migrate the database to the latest schema."""
    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import current, upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine, revision)
    out.print(f"数据库已升级到 {current(engine)}")
    engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """显示数据库当前版本 / show the current revision."""
    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import current

    out.print(current(make_engine(_settings().database_url)) or "（未初始化）")


# -- users and tokens ----------------------------------------------------------------------


@users_app.command("create")
def users_create(
    username: str,
    tenant: Annotated[
        str, typer.Option(help="机构代码；不存在时用 --tenant-kind/--tenant-name 新建")
    ],
    role: Annotated[list[str], typer.Option(help="角色，可重复，如 regulator、bank_officer")],
    display_name: Annotated[str, typer.Option(help="姓名")] = "",
    tenant_kind: Annotated[str, typer.Option(help="机构类型（新建机构时）")] = "",
    tenant_name: Annotated[str, typer.Option(help="机构名称（新建机构时）")] = "",
    service_account: Annotated[
        bool, typer.Option(help="服务账户（只用 API 令牌，不能登录）")
    ] = False,
    password_env: Annotated[
        str, typer.Option(help="从该环境变量读取密码（用于脚本）；缺省时交互输入")
    ] = "",
) -> None:
    """新建用户（初始角色由运维在命令行授予，此后由安全管理员在页面授予）。"""
    from zhixin.accounts import repository as accounts_repo
    from zhixin.accounts import service as accounts
    from zhixin.accounts.passwords import new_secret
    from zhixin.accounts.rules import Role, TenantKind
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work

    settings = _settings()
    try:
        roles = [Role(r) for r in role]
    except ValueError:
        raise _fail("未知角色；可选：" + "、".join(r.value for r in Role), 2) from None
    if service_account:
        password = new_secret(32) + "aA1!"
    elif password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != password:
            raise _fail("两次输入的密码不一致", 2)
    try:
        with unit_of_work(_factory(settings)) as session:
            t = accounts_repo.tenant_by_code(session, tenant)
            if t is None:
                if not tenant_kind or not tenant_name:
                    raise _fail(
                        f"机构 {tenant} 不存在；新建请同时给出 --tenant-kind 和 --tenant-name"
                    )
                t = accounts.create_tenant(
                    session, code=tenant, name=tenant_name, kind=TenantKind(tenant_kind)
                )
            user = accounts.create_user(
                session,
                tenant=t,
                username=username,
                display_name=display_name or username,
                password=password,
                roles=roles,
                policy=accounts.policy_from(settings),
                is_service=service_account,
            )
            audit.record(
                session,
                actor=Actor.system("cli"),
                action="user.create",
                object_type="app_user",
                object_id=user.id,
                detail={"roles": [r.value for r in roles]},
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已创建用户 {username}（角色：{'、'.join(r.value for r in roles)}）")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option(help="令牌所属用户名（通常是银行的服务账户）")],
    name: Annotated[str, typer.Option(help="令牌名称，如 “招商银行信贷系统”")],
    scope: Annotated[list[str], typer.Option(help="权限范围，可重复，如 enterprise:read")],
    expires_days: Annotated[int, typer.Option(help="有效天数，0 表示不过期")] = 365,
) -> None:
    """生成 API 令牌（只显示一次，平台只保存其哈希）。"""
    from datetime import timedelta

    from zhixin.accounts import repository as accounts_repo
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work, utcnow

    try:
        with unit_of_work(_factory()) as session:
            u = accounts_repo.user_by_username(session, user)
            if u is None:
                raise _fail("未找到该用户")
            expires = utcnow() + timedelta(days=expires_days) if expires_days > 0 else None
            new = accounts.create_token(
                session, user=u, name=name, scopes=scope, expires_at=expires
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    err.print("令牌只显示这一次，请妥善保存：")
    print(new.raw)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """吊销 API 令牌。"""
    from zhixin.accounts import repository as accounts_repo
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work, utcnow

    with unit_of_work(_factory()) as session:
        token = accounts_repo.token_by_id(session, token_id)
        if token is None:
            raise _fail("未找到该令牌")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record(
                session,
                actor=Actor.system("cli"),
                action="token.revoke",
                object_type="api_token",
                object_id=token.id,
            )
    out.print(f"令牌 {token_id} 已吊销")


# -- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify() -> None:
    """校验审计日志哈希链：发现篡改或删除时退出码为 1。"""
    from zhixin.audit import service as audit
    from zhixin.kit.db import unit_of_work

    with unit_of_work(_factory()) as session:
        result = audit.verify(session)
    if result.ok:
        out.print(f"审计日志完整：已校验 {result.checked} 条记录，哈希链无断裂。")
        return
    for f in result.findings:
        err.print(f"第 {f.seq} 条：{f.problem}")
    raise _fail(f"审计日志校验失败：发现 {len(result.findings)} 处问题")


# -- intake --------------------------------------------------------------------------------


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help="数据类型，如 enterprise、certification、patent")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="来源系统名称")] = "manual",
) -> None:
    """导入 CSV / XLSX 文件（逐行校验，坏行报告行号、字段和原因，好行入库，可重复运行）。"""
    from zhixin.intake import service as intake
    from zhixin.intake.specs import import_kinds

    if kind not in dict(import_kinds()):
        raise _fail("未知的数据类型；可选：" + "、".join(dict(import_kinds())), 2)
    with Progress(
        TextColumn("[bold]导入 {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} 行"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(file.name, total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        try:
            summary = intake.run_import(
                _factory(),
                kind=kind,
                path=file,
                filename=file.name,
                source_system=source,
                channel="cli",
                progress=report,
            )
        except ZhixinError as exc:
            raise _fail(exc.message) from exc
    out.print(
        f"批次 {summary.batch_id}：共 {summary.total_rows} 行，新增 {summary.inserted}，"
        f"更正 {summary.corrected}，重复 {summary.duplicates}，有误 {summary.rejected}"
    )
    if summary.message:
        out.print(summary.message)
    if summary.rejected:
        table = Table("行号", "字段", "原因", title="有误的行（前 50 条）")
        for e in summary.errors[:50]:
            table.add_row(str(e.line), e.field, e.reason)
        out.print(table)
        raise typer.Exit(3)


@app.command("template")
def template(
    kind: str,
    fmt: Annotated[str, typer.Option("--format", help="xlsx 或 csv")] = "xlsx",
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
) -> None:
    """下载导入模板（带中文表头与填写说明）。"""
    from zhixin.intake import templates
    from zhixin.intake.specs import import_kinds

    if kind not in dict(import_kinds()):
        raise _fail("未知的数据类型；可选：" + "、".join(dict(import_kinds())), 2)
    if fmt not in ("xlsx", "csv"):
        raise _fail("格式只能是 xlsx 或 csv", 2)
    data = templates.template_xlsx(kind) if fmt == "xlsx" else templates.template_csv(kind)
    target = out_file or Path(f"{kind}-template.{fmt}")
    target.write_bytes(data)
    out.print(f"模板已写入 {target}")


# -- synthetic data, demo, serve ------------------------------------------------------------


@app.command("synth")
def synth(
    enterprises: Annotated[int, typer.Option(help="经营主体数量", min=1)],
    out_dir: Annotated[Path, typer.Option("--out", help="输出目录（Parquet）")],
    seed: int = 20251,
) -> None:
    """生成合成区域数据（演示数据）到 Parquet，用于压测与演示。"""
    from zhixin.demo.synth import write_parquet

    out_dir.mkdir(parents=True, exist_ok=True)
    with Progress(
        TextColumn("[bold]生成演示数据"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} 家"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("synth", total=enterprises)
        summary = write_parquet(
            out_dir,
            enterprises,
            seed=seed,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    out.print(
        f"已生成 {summary.enterprises:,} 家经营主体、{summary.records:,} 条质量要素记录"
        f"（演示数据）到 {out_dir}，用时 {summary.seconds:.1f} 秒"
    )


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
    engine = make_engine(settings.database_url)
    upgrade(engine)
    started = datetime.now()
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
        )
    engine.dispose()
    if result.loaded:
        out.print(
            f"演示数据已装载：{result.enterprises:,} 家经营主体、{result.records:,} 条质量要素记录"
            f"（{(datetime.now() - started).total_seconds():.1f} 秒）"
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

catalog_app = typer.Typer(help="指标目录 / indicator catalogs", no_args_is_help=True)
evaluation_app = typer.Typer(help="评价批次 / evaluation runs", no_args_is_help=True)
export_app = typer.Typer(help="导出 / export", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(evaluation_app, name="evaluation")
app.add_typer(export_app, name="export")


@catalog_app.command("list")
def catalog_list() -> None:
    """列出内置指标目录。"""
    from zhixin.catalog import service as catalogs

    table = Table("名称", "版本", "标题", "地区", "等级", "维度", "要素", "否决项", "sha256")
    for c in catalogs.list_catalogs():
        table.add_row(
            c.name,
            c.version,
            c.title,
            c.region,
            str(c.levels),
            str(c.dimensions),
            str(c.elements),
            str(c.gates),
            c.sha256[:12],
        )
    out.print(table)


@catalog_app.command("show")
def catalog_show(
    name: str, as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False
) -> None:
    """显示指标目录（中文摘要；--json 输出完整内容）。"""
    import json

    from zhixin.catalog import service as catalogs

    try:
        loaded = catalogs.get(name)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if as_json:
        print(json.dumps(loaded.body | {"sha256": loaded.sha256}, ensure_ascii=False, indent=2))
        return
    out.print(catalogs.describe(loaded.catalog), markup=False, highlight=False)
    out.print(f"sha256：{loaded.sha256}")


@catalog_app.command("validate")
def catalog_validate(name_or_file: str) -> None:
    """校验指标目录：逐条列出错误及其在文件中的位置；有误时退出码为 1。"""
    from zhixin.catalog.loader import CatalogInvalid, load

    try:
        loaded = load(name_or_file)
    except KeyError:
        raise _fail(f"未找到指标目录或文件 '{name_or_file}'") from None
    except CatalogInvalid as exc:
        for e in exc.errors:
            err.print(e, markup=False, highlight=False)
        raise _fail(f"{exc.source}：共 {len(exc.errors)} 处错误") from None
    c = loaded.catalog
    out.print(
        f"{c.name} {c.version} 有效：{len(c.elements)} 项要素、{len(c.dimensions)} 个维度、"
        f"{len(c.levels)} 个等级、{len(c.gates)} 个否决项；sha256 {loaded.sha256}"
    )


def _parse_when(value: str | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--known-at 不是 ISO 时间：{value}", 2) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@app.command("evaluate")
def evaluate_cmd(
    catalog: Annotated[str, typer.Option(help="指标目录名称或 YAML 文件")],
    as_of: Annotated[str, typer.Option("--as-of", help="评价基准日，如 2025-06-30")],
    known_at: Annotated[
        str | None, typer.Option("--known-at", help="只用此时刻已知的记录（ISO 时间，缺省为 UTC）")
    ] = None,
    engine: Annotated[str, typer.Option(help="计算引擎：duckdb 或 spark")] = "duckdb",
    from_parquet: Annotated[
        Path | None,
        typer.Option("--from-parquet", help="从 Parquet 目录读取（synth / export 的输出）"),
    ] = None,
    to_parquet: Annotated[
        Path | None,
        typer.Option("--to-parquet", help="结果只写入此目录的 Parquet 文件，不写数据库"),
    ] = None,
) -> None:
    """按评价基准日评价全部经营主体；结果批量写回数据库（或 --to-parquet 写文件）。"""
    from datetime import date

    from zhixin.catalog import service as catalogs
    from zhixin.evaluation import service as evaluation
    from zhixin.kit.db import unit_of_work

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise _fail(f"--as-of 不是日期：{as_of}", 2) from None
    when = _parse_when(known_at)
    try:
        loaded = catalogs.get(catalog)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if to_parquet is not None:
        if from_parquet is None:
            raise _fail("--to-parquet 需要同时给出 --from-parquet（只读写文件）", 2)
        with Progress(
            TextColumn("[bold]评价中（{task.description}）"), TimeElapsedColumn(), console=err
        ) as p:
            p.add_task(engine, total=None)
            s = evaluation.evaluate_files(
                loaded=loaded,
                source_dir=from_parquet,
                as_of=day,
                known_at=when,
                engine=engine,
                out_dir=to_parquet,
            )
        out.print(
            f"{s.catalog}（{s.catalog_sha256[:12]}）评价 {s.enterprises:,} 家，"
            f"入白名单 {s.listed:,} 家（{s.entries:,} 家次），触发否决 {s.gated:,} 家，"
            f"用时 {s.seconds:.2f} 秒；结果写入 {to_parquet}"
        )
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("评价", total=None)

        def report(stage: str, done: int, total: int | None) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        try:
            with unit_of_work(_factory()) as session:
                run = evaluation.evaluate_database(
                    session,
                    loaded=loaded,
                    as_of=day,
                    known_at=when,
                    engine=engine,
                    source_dir=from_parquet,
                    progress=report,
                )
        except (ZhixinError, FileNotFoundError, ValueError) as exc:
            raise _fail(getattr(exc, "message", str(exc))) from exc
    out.print(
        f"评价批次 {run.id}：{run.catalog_name} {run.catalog_version}，基准日 {run.as_of}，"
        f"评价 {run.enterprises:,} 家，入白名单 {run.listed:,} 家（{run.entries:,} 家次），"
        f"触发否决 {run.gated:,} 家，用时 {run.duration_ms / 1000:.2f} 秒"
    )


@evaluation_app.command("export")
def evaluation_export(
    run_id: int,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="导出为 XLSX 文件")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="导出为 Parquet 文件")] = None,
) -> None:
    """导出一个评价批次的结果（每家一行，含各维度等级与得分）。"""
    from zhixin.evaluation import service as evaluation
    from zhixin.kit.db import unit_of_work

    if xlsx is None and parquet is None:
        raise _fail("请给出 --xlsx 或 --parquet", 2)
    try:
        with unit_of_work(_factory()) as session:
            n = evaluation.export_run(session, run_id=run_id, xlsx=xlsx, parquet=parquet)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已导出 {n:,} 家的评价结果到 {xlsx or ''} {parquet or ''}".rstrip())


@export_app.command("records")
def export_records(
    parquet: Annotated[Path, typer.Option("--parquet", help="输出目录（与 synth 相同的布局）")],
) -> None:
    """把数据库中的经营主体与质量要素记录导出为 Parquet（供 evaluate --from-parquet）。"""
    from zhixin.engine import io
    from zhixin.kit.db import make_engine

    engine = make_engine(_settings().database_url)
    with Progress(
        TextColumn("[bold]导出记录"), TextColumn("{task.completed:,} 条"), console=err
    ) as p:
        task = p.add_task("export", total=None)
        n_ent, n_rec = io.export_records(
            engine, parquet, progress=lambda n: p.update(task, completed=n)
        )
    engine.dispose()
    out.print(f"已导出 {n_ent:,} 家经营主体、{n_rec:,} 条质量要素记录到 {parquet}")


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]配置错误：[/red]{exc}")
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
