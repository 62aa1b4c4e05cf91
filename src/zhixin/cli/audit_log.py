"""The audit log's commands: verify, signed checkpoints, the signing key, archives.

Exit codes: 0 intact / done; 1 a finding (the chain or a checkpoint does not hold) or a
refusal, with the reason on stderr.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from zhixin.cli._app import _factory, _fail, _settings, err, out
from zhixin.cli.operators import audit_app
from zhixin.errors import ZhixinError


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="同时核对该目录中已签名的检查点（zhixin audit checkpoint 写出的）"),
    ] = None,
) -> None:
    """校验审计日志：带密钥的哈希链、链头封印、归档签名；给出 --checkpoints 时再核对签名检查点。
    发现篡改、删除或重写时退出码为 1。"""
    from zhixin.audit import checkpoints as cps
    from zhixin.audit import service as audit
    from zhixin.kit.db import unit_of_work

    with unit_of_work(_factory()) as session:
        if checkpoints is None:
            result = audit.verify(session)
        else:
            result = cps.verify_with_checkpoints(session, directory=checkpoints)
    if result.ok:
        archived = f"（另有 {result.archived} 条已归档）" if result.archived else ""
        signed = "，与签名检查点一致" if checkpoints is not None else ""
        out.print(f"审计日志完整：已校验 {result.checked} 条记录{archived}，哈希链无断裂{signed}。")
        return
    for f in result.findings:
        err.print(f"第 {f.seq} 条：{f.problem}" if f.seq else f.problem)
    raise _fail(f"审计日志校验失败：发现 {len(result.findings)} 处问题")


@audit_app.command("checkpoint")
def audit_checkpoint(
    out_dir: Annotated[
        Path, typer.Option("--out", help="检查点目录（放在数据库管理员改不了的地方）")
    ],
) -> None:
    """校验审计链后，用 Ed25519 签名其链头，写入 DIR/checkpoint-<序号>.json（适合定时执行）。"""
    from zhixin.audit import checkpoints as cps
    from zhixin.kit.db import unit_of_work, utcnow

    try:
        with unit_of_work(_factory()) as session:
            written = cps.write_checkpoint(session, out_dir=out_dir, now=utcnow())
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if written.path is None:
        out.print(f"链头仍是第 {written.seq} 条，已有它的检查点，未重复写入")
    else:
        out.print(f"已签发检查点：第 {written.seq} 条 → {written.path}")


@audit_app.command("generate-key")
def audit_generate_key(
    out_file: Annotated[
        Path, typer.Option("--out", help="私钥文件（PKCS#8 PEM，权限 0600；公钥写在 .pub）")
    ],
) -> None:
    """生成检查点与归档签名用的 Ed25519 密钥对。私钥交给签发检查点的主机
    （ZHIXIN_AUDIT_SIGNING_KEY_FILE），公钥交给核对的人（ZHIXIN_AUDIT_VERIFY_KEY_FILE）。"""
    from zhixin.audit import keys as audit_keys

    if out_file.exists():
        raise _fail(f"{out_file} 已存在，不覆盖")
    public = audit_keys.generate_key_pair(out_file)
    key = audit_keys.load_public_key(public)
    out.print(f"私钥：{out_file}（仅本人可读）\n公钥：{public}\n密钥编号：{audit_keys.key_id(key)}")


@audit_app.command("archive")
def audit_archive(
    before: Annotated[str, typer.Option(help="归档此日期（北京时间 0 点）之前的记录，YYYY-MM-DD")],
    out_dir: Annotated[Path, typer.Option("--out", help="归档文件目录")],
    yes: Annotated[bool, typer.Option("--yes", help="不再确认")] = False,
) -> None:
    """把保存期已满的审计记录移出数据库：写入签名的归档文件，再经触发器允许的唯一途径删除。
    日期须早于保存期（ZHIXIN_AUDIT_RETENTION_DAYS，至少 180 天）；此后的校验从归档点接续。"""
    from zhixin.audit import archive
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work, utcnow

    try:
        day = date.fromisoformat(before)
    except ValueError:
        raise _fail("日期格式应为 YYYY-MM-DD", 2) from None
    settings = _settings()
    if not yes and not typer.confirm(
        f"将把 {day.isoformat()} 之前的审计记录写入 {out_dir} 并从数据库删除，确定吗？",
        default=False,
    ):
        raise typer.Exit(1)
    done = None
    try:
        with unit_of_work(_factory(settings)) as session:
            done = archive.archive(
                session,
                before=day,
                out_dir=out_dir,
                retention_days=settings.audit_retention_days,
                now=utcnow(),
                actor=Actor.system("cli"),
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    except BaseException:
        if done is not None:
            done.tmp_path.unlink(missing_ok=True)
        raise
    os.replace(done.tmp_path, done.path)
    out.print(
        f"已归档第 {done.from_seq}–{done.up_to_seq} 条（{done.rows} 条）→ {done.path}；"
        "数据库中的校验从此处接续"
    )


@audit_app.command("reseal")
def audit_reseal(
    reason: Annotated[str, typer.Option(help="为何重新加封（记入审计日志）")],
    yes: Annotated[bool, typer.Option("--yes", help="不再确认")] = False,
) -> None:
    """链头封印失效（被改动，或审计密钥变了）且已查明原因后，重新加封：追加一条 audit.reseal
    事件，记下原因与当时的校验问题。此前签发的检查点照样能发现重写。"""
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work

    if not yes and not typer.confirm("重新加封后，校验不再报告链头封印问题。确定已查明原因吗？"):
        raise typer.Exit(1)
    with unit_of_work(_factory()) as session:
        seq = audit.reseal(session, actor=Actor.system("cli"), reason=reason)
    out.print(f"已重新加封：第 {seq} 条 audit.reseal 记下了原因与当时的校验结果")


@audit_app.command("verify-archive")
def audit_verify_archive(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="归档文件")],
) -> None:
    """核对一个归档文件：签名（公钥）、内容摘要与其中的哈希链（审计密钥）。"""
    from zhixin.audit import archive
    from zhixin.audit import keys as audit_keys

    audit_keys.configure(audit_keys.AuditKeys.from_settings(_settings()))
    result = archive.check_archive_file(file)
    if result.ok:
        out.print(f"归档完整：第 {result.from_seq}–{result.up_to_seq} 条，共 {result.rows} 条")
        return
    for problem in result.problems:
        err.print(problem)
    raise _fail(f"归档文件校验失败：发现 {len(result.problems)} 处问题")
