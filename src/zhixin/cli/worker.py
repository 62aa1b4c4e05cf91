"""``zhixin worker``: deliver the webhook outbox (loop, or ``--once`` for a scheduler)."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from typing import Annotated

import typer

from zhixin.cli._app import _factory, _settings, app, err, out


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="投递当前到期的事件后退出")] = False,
    idle: Annotated[float, typer.Option(help="无到期事件时的等待秒数")] = 5.0,
) -> None:
    """投递 Webhook 推送（发件箱）：签名、重试与投递记录；SIGINT/SIGTERM 时处理完当前批次后退出。

    每一轮先运行质量联动（新到的负面记录与白名单移出即冻结额度、里程碑记录解锁增信额度，
    到期的利率调整生效）；每分钟还把进程已退出的导入批次标记为“已中断”，把超时的融资需求和走访跟进移交
    专班，为新增的存证条目签名树头，并在每天
    ZHIXIN_REPORT_DAILY_AT（北京时间，默认 08:00）之后生成前一天的日晾晒，推送给融资协调专班
    （全部）和各银行（本行）。每分钟还重算报表昨天和今天的日汇总，以及这两天有申请、审批或放款的白名单企业的转化（数据看板的“数据截至”）。"""
    from zhixin.demand import service as demand
    from zhixin.evidence import service as evidence
    from zhixin.intake import service as intake
    from zhixin.kit import clock
    from zhixin.kit.db import unit_of_work
    from zhixin.reports import daily, delivery, listed
    from zhixin.visits import service as visits
    from zhixin.webhooks.worker import Summary, WorkerConfig, run_forever, run_once

    settings = _settings()
    settings.check_data_key()  # the worker decrypts the signing secrets
    factory = _factory(settings)
    config = WorkerConfig.from_settings(settings)

    def report(s: Summary) -> None:
        out.print(f"投递 {s.claimed} 个：成功 {s.delivered}，待重试 {s.retrying}，失败 {s.failed}")

    def housekeeping() -> None:
        stale_after = intake.ImportLimits.of(settings).stale_after
        for batch_id in intake.recover_interrupted(factory, stale_after=stale_after):
            out.print(
                f"导入批次 {batch_id} 的进程已不在运行：已标记为“已中断”，重新导入该文件即可补齐"
            )
        with unit_of_work(factory) as session:  # the reports' daily facts: yesterday, today
            today = clock.today()
            daily.refresh(session, today - timedelta(days=1), today)
            listed.refresh(session, today - timedelta(days=1), today)  # the conversion's firms
        with unit_of_work(factory) as session:
            day, made = delivery.deliver_due(session, at=settings.report_daily_at)
        if made:
            out.print(f"已生成 {day} 的日晾晒并推送 {made} 份（专班与各银行）")
        with unit_of_work(factory) as session:  # the demand side's working-day clock
            escalated = demand.escalate_due(session)
        if escalated:
            out.print(f"融资需求超时：{len(escalated)} 个已移交融资协调专班")
        with unit_of_work(factory) as session:  # the visits' follow-up clock (working days)
            late = visits.escalate_due(session)
        if late:
            out.print(f"走访跟进超时：{len(late)} 条已移交融资协调专班")
        with unit_of_work(factory) as session:  # 链上存证: a signed tree head over new entries
            head = evidence.sign_new_head(session)
            signed = head.tree_size if head is not None else None
        if signed is not None:
            out.print(f"存证日志树头已签名：共 {signed} 条")

    def linkage() -> None:
        from zhixin.kit.db import unit_of_work
        from zhixin.linkage import service as linkage_service

        with unit_of_work(factory) as session:
            done = linkage_service.run_cycle(session)
        if done.freezes or done.unlocks or done.rate_cuts or done.rates_applied:
            out.print(
                f"质量联动：冻结 {done.freezes}，解锁 {done.unlocks}，降息 {done.rate_cuts}，"
                f"利率调整生效 {done.rates_applied}"
            )

    housekeeping()
    if once:
        linkage()
        report(run_once(factory, config))
        return
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        err.print(f"收到信号 {signum}，处理完当前批次后退出……")
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    out.print("Webhook 投递进程已启动（Ctrl+C 退出）")
    total = run_forever(
        factory,
        config,
        stop=stop,
        idle_seconds=idle,
        on_summary=report,
        housekeeping=housekeeping,
        each_cycle=linkage,
    )
    out.print(f"已退出：共投递 {total.claimed} 次，成功 {total.delivered}")


webhooks_app = typer.Typer(help="Webhook 推送 / webhooks", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("reencrypt")
def reencrypt() -> None:
    """用最新的数据加密密钥（ZHIXIN_DATA_KEY 的第一个）重新加密全部推送签名密钥。

    密钥轮换：把新密钥放在最前（保留旧密钥）→ 重启服务与投递进程 → 运行本命令 → 删去旧密钥。
    升级前明文保存的密钥也由本命令加密。可重复运行。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.webhooks import service

    settings = _settings()
    settings.check_data_key()
    with unit_of_work(_factory(settings)) as session:
        done = service.reencrypt(session)
    out.print(f"推送端点 {done.endpoints} 个：重新加密密钥 {done.values} 个")
