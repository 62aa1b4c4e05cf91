"""Commands: risk models (风险模型) — train, evaluate, register, promote, psi, list, show, data.

Exit codes: 0 done; 1 refused (message on stderr); 2 usage; 3 a data load kept the good rows but
rejected some; 4 a PSI/CSI run found an alert (≥ 0.25).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from zhixin.cli._app import AsJson, Format, _factory, _fail, app, emit, err, out
from zhixin.errors import ZhixinError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

    from zhixin.accounts.permissions import Principal

models_app = typer.Typer(
    help="风险模型 / risk models: 评分卡、模型注册、稳定性监测", no_args_is_help=True
)
app.add_typer(models_app, name="models")

By = Annotated[str, typer.Option("--by", help="以哪位用户的名义操作（审计；批准须为另一人）")]


def _principal(session: Session, username: str) -> Principal:
    from zhixin.accounts import service as accounts

    user = accounts.user_by_username(session, username)
    if user is None:
        raise _fail(f"未找到用户 {username}")
    return accounts.principal_for(session, user, via="cli")


def _frame(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise _fail(f"文件不存在：{path}", 2)
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, encoding="utf-8-sig")


def _need_risk_extra() -> None:
    try:
        import optbinning  # noqa: F401
    except ImportError:
        raise _fail("训练需要 optbinning：pip install 'zhixin[risk]'") from None


def _population(data: Path | None, synthetic: int | None, seed: int) -> tuple[Any, str]:
    if data is not None:
        return _frame(data), str(data)
    if synthetic:
        import pandas as pd

        from zhixin.risk import datasets

        return pd.DataFrame(datasets.synthetic_enterprises(synthetic, seed)), (
            f"合成数据（演示数据）{synthetic} 户，种子 {seed}"
        )
    raise _fail("须给出 --data FILE 或 --synthetic N", 2)


@models_app.command("train")
def models_train(
    spec: Annotated[str, typer.Option("--spec", help="模型规格：enterprise、german-credit")],
    by: By,
    data: Annotated[
        Path | None, typer.Option("--data", help="训练数据（CSV/Parquet，含 default 列）")
    ] = None,
    synthetic: Annotated[
        int | None, typer.Option("--synthetic", help="用 N 户合成数据训练（演示数据）")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="合成数据的随机种子")] = 20250630,
) -> None:
    """训练一个模型版本（optbinning 分箱 + 评分卡，70/30 分层抽样），登记为“候选”。"""
    _need_risk_extra()
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import datasets
    from zhixin.risk import service as risk

    if spec == "german-credit" and data is None and not synthetic:
        frame, source = datasets.german_credit(), "德国信用数据（UCI Statlog，随软件发布）"
    else:
        frame, source = _population(data, synthetic, seed)
    try:
        with unit_of_work(_factory()) as session:
            model = risk.train(
                session, actor=_principal(session, by), spec_code=spec, frame=frame, source=source
            )
            code, version, m = model.code, model.version, model.metrics
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    test, train = m["test"], m["train"]
    out.print(
        f"已登记 {code} 第 {version} 版（候选）：验证集 AUC {test['auc']}、KS {test['ks']}、"
        f"Gini {test['gini']}（{test['n']} 户，违约 {test['defaults']}）；"
        f"训练集 AUC {train['auc']}。"
        f"上线须另一人执行 zhixin models promote {code} {version} --by 用户",
        highlight=False,
        soft_wrap=True,
    )


@models_app.command("register")
def models_register(
    spec: Annotated[str, typer.Argument(help="专家评分卡代码，如 zjtx-edai")],
    by: By,
    reference: Annotated[
        Path | None, typer.Option("--reference", help="参考总体（企业特征表），作为 PSI 基准")
    ] = None,
    synthetic: Annotated[
        int | None, typer.Option("--synthetic", help="以 N 户合成数据为参考总体（演示数据）")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 20250630,
) -> None:
    """登记一张专家评分卡（如 专精特新e贷）为“候选”版本；无须训练。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import service as risk

    columns = None
    source = ""
    if reference is not None or synthetic:
        frame, source = _population(reference, synthetic, seed)
        columns = {c: frame[c].to_numpy() for c in frame.columns}
    try:
        with unit_of_work(_factory()) as session:
            model = risk.register_expert(
                session,
                actor=_principal(session, by),
                spec_code=spec,
                reference=columns,
                source=source,
            )
            code, version = model.code, model.version
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已登记 {code} 第 {version} 版（候选）", highlight=False)


@models_app.command("evaluate")
def models_evaluate(
    seed: Annotated[int, typer.Option("--seed", help="70/30 分层抽样的随机种子")] = 42,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """在德国信用数据上比较本项目流程与 optbinning 默认设置（同一 70/30 切分的 AUC、KS）。"""
    _need_risk_extra()
    from zhixin.risk import datasets, training
    from zhixin.risk import spec as specs

    spec = specs.load_shipped("german-credit")
    assert isinstance(spec, specs.ModelSpec)
    c = training.compare_on_german_credit(spec, datasets.german_credit(), seed)
    if as_json:
        print(
            json.dumps(
                {
                    "data": "UCI Statlog German Credit (1000 rows, 300 bad), CC BY 4.0",
                    "split": {"train": c.n_train, "test": c.n_test, "seed": c.seed},
                    "pipeline": c.pipeline.as_dict() | {"features": len(c.features_used)},
                    "baseline": c.baseline.as_dict() | {"features": c.baseline_features},
                    "seconds": round(c.seconds, 2),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table("", "AUC", "KS", "Gini", "特征数")
    for label, m, n in (
        ("本项目流程（单调分箱 + IV 筛选 + PDO 评分卡）", c.pipeline, len(c.features_used)),
        ("optbinning 默认设置（基准）", c.baseline, c.baseline_features),
    ):
        table.add_row(label, f"{m.auc:.4f}", f"{m.ks:.4f}", f"{m.gini:.4f}", str(n))
    out.print(
        f"德国信用数据：训练 {c.n_train} 笔、验证 {c.n_test} 笔（违约 {c.pipeline.defaults}），"
        f"分层抽样，随机种子 {c.seed}",
        highlight=False,
    )
    out.print(table)


def _model(session: Session, actor: Principal, code: str, version: int) -> Any:
    from zhixin.risk import service as risk

    return risk.model_by_version(session, actor=actor, code=code, version=version)


@models_app.command("promote")
def models_promote(
    code: Annotated[str, typer.Argument(help="模型代码")],
    version: Annotated[int, typer.Argument(help="版本号")],
    by: By,
) -> None:
    """批准候选版本上线（须为训练人以外的另一人）；原在用版本退役。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import service as risk

    try:
        with unit_of_work(_factory()) as session:
            actor = _principal(session, by)
            model = _model(session, actor, code, version)
            risk.promote(session, actor=actor, model_id=model.id)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"{code} 第 {version} 版已上线（在用）", highlight=False)


@models_app.command("psi")
def models_psi(
    code: Annotated[str, typer.Argument(help="模型代码")],
    version: Annotated[int, typer.Argument(help="版本号")],
    by: By,
    data: Annotated[Path | None, typer.Option("--data", help="当前总体的特征表")] = None,
    synthetic: Annotated[int | None, typer.Option("--synthetic", help="N 户合成数据")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 7,
) -> None:
    """模型分数 PSI 与各特征 CSI（按冻结分箱）；0.10 需关注，0.25 显著偏移（退出码 4）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import metrics
    from zhixin.risk import service as risk

    frame, source = _population(data, synthetic, seed)
    columns = {c: frame[c].to_numpy() for c in frame.columns}
    try:
        with unit_of_work(_factory()) as session:
            actor = _principal(session, by)
            model = _model(session, actor, code, version)
            run = risk.monitor(
                session, actor=actor, model_id=model.id, columns=columns, source=source
            )
            names = {f.code: f.name for f in risk.card_of(model).features}
            psi, csi, level, warnings = run.psi, dict(run.csi), run.level, list(run.warnings)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    table = Table("特征", "CSI", "结论")
    for k, v in sorted(csi.items(), key=lambda kv: -kv[1]):
        table.add_row(names.get(k, k), f"{v:.4f}", metrics.LEVELS[metrics.level(v)])
    out.print(
        f"{code} 第 {version} 版，总体 {len(frame)} 户：分数 PSI {psi:.4f}"
        f"（{metrics.LEVELS[metrics.level(psi)]}）；结论：{metrics.LEVELS[level]}",
        highlight=False,
    )
    out.print(table)
    for w in warnings:
        err.print(f"[yellow]警告：[/yellow]{w}", highlight=False)
    if level == "alert":
        raise typer.Exit(4)


@models_app.command("list")
def models_list(
    by: By, fmt: Annotated[str, Format] = "table", as_json: Annotated[bool, AsJson] = False
) -> None:
    """列出全部模型版本（状态、验证集指标、最近一次稳定性结论）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import service as risk

    try:
        with unit_of_work(_factory()) as session:
            rows = risk.list_models(session, actor=_principal(session, by))
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if as_json or fmt != "table":
        columns = [
            ("code", "代码"),
            ("version", "版本"),
            ("name", "名称"),
            ("status", "状态"),
            ("auc", "AUC"),
            ("ks", "KS"),
            ("trained_by", "训练人"),
            ("approved_by", "批准人"),
            ("drift", "稳定性"),
        ]
        values = [
            (
                m.code,
                m.version,
                m.name,
                m.status_label,
                m.auc,
                m.ks,
                m.trained_by,
                m.approved_by,
                m.drift_label,
            )
            for m in rows
        ]
        emit(columns, values, fmt=fmt, as_json=as_json)
        return
    table = Table("代码", "版本", "名称", "状态", "AUC", "KS", "训练人", "批准人", "稳定性")
    for m in rows:
        table.add_row(
            m.code,
            str(m.version),
            m.name,
            m.status_label,
            "—" if m.auc is None else f"{m.auc:.4f}",
            "—" if m.ks is None else f"{m.ks:.4f}",
            m.trained_by,
            m.approved_by or "—",
            m.drift_label or "未监测",
        )
    out.print(table)


@models_app.command("show")
def models_show(
    code: Annotated[str, typer.Argument(help="模型代码")],
    version: Annotated[int, typer.Argument(help="版本号")],
    by: By,
) -> None:
    """一个模型版本的全部内容（JSON：指标、校准表、分箱与分值、稳定性监测）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import service as risk

    try:
        with unit_of_work(_factory()) as session:
            actor = _principal(session, by)
            model = _model(session, actor, code, version)
            detail = risk.get_model(session, actor=actor, model_id=model.id)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    print(detail.model_dump_json(indent=2))


@models_app.command("data")
def models_data(
    kind: Annotated[str, typer.Argument(help="financials / invoices / bank-lines")],
    file: Annotated[Path, typer.Argument(help="CSV 文件（UTF-8，中文表头）")],
    source: Annotated[str, typer.Option("--source", help="数据来源，如 资金流信用信息共享平台")],
    by: By,
) -> None:
    """导入模型读取的数据：财务报表、开票与纳税、银行流水（逐行校验，保留正确的行）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.risk import intake

    if not file.exists():
        raise _fail(f"文件不存在：{file}", 2)
    try:
        with unit_of_work(_factory()) as session:
            report = intake.load(
                session,
                actor=_principal(session, by),
                kind=kind,
                data=file.read_bytes(),
                source=source,
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(
        f"{intake.KIND_NAMES[kind]}：共 {report.rows} 行，新增 {report.inserted}，"
        f"替换 {report.replaced}，错误 {len(report.errors)}",
        highlight=False,
    )
    for line, message in report.errors:
        err.print(f"第 {line} 行：{message}", highlight=False, markup=False)
    if report.errors:
        raise typer.Exit(3)
