"""``zhixin evidence``: the evidence log (链上存证) — verify it, sign its head, export an entry's
inclusion proof or a consistency proof between two signed heads, check either offline, list the
public keys, re-encrypt the private keys; an officer of a bank or a regulator proposes, approves
or rejects the tenant's own signing key (``propose-key`` / ``approve-key`` / ``reject-key``
``--by USER``: the same maker-checker as the ``/evidence/keys`` page, audited as done via the CLI).

``check-proof`` and ``check-consistency`` read nothing but their files: no settings, no database
(an auditor's laptop).
Exit codes: 0 holds / done; 1 a finding (naming the first bad entry) or a refusal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zhixin.cli._app import _factory, _fail, _settings, app, out

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhixin.accounts.permissions import Principal

evidence_app = typer.Typer(
    help="链上存证（默克尔树存证日志）/ the evidence log", no_args_is_help=True
)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("verify")
def evidence_verify() -> None:
    """校验整个存证日志：每条存证的内容与叶哈希、位置、银行与监管部门的确认签名、每个签名树头
    的签名与根哈希。发现第一处问题即停止，指明是第几条，退出码为 1。"""
    from zhixin.evidence import service
    from zhixin.kit.db import unit_of_work

    with unit_of_work(_factory()) as session:
        result = service.verify(session)
    if result.finding is not None:
        raise _fail(f"存证日志校验未通过：{result.finding.line()}")
    out.print(
        f"存证日志完好：{result.tree_size} 条存证，{result.heads} 个签名树头，"
        f"{result.confirmations} 份确认签名均相符"
    )


@evidence_app.command("sign-head")
def evidence_sign_head() -> None:
    """签署当前的树头（条数与根哈希）；与最新树头相同时不重复签署。宜由定时任务每分钟运行。"""
    from zhixin.evidence import service
    from zhixin.kit.db import unit_of_work

    with unit_of_work(_factory()) as session:
        head = service.sign_head(session)
        line = (
            "存证日志为空，无需签署树头"
            if head is None
            else f"树头：{head.tree_size} 条存证，根哈希 {head.root_hash}（{head.hash_alg}），"
            f"签署于 {head.timestamp}"
        )
    out.print(line)


@evidence_app.command("proof")
def evidence_proof(
    entry: Annotated[int, typer.Argument(help="存证序号（叶位置，从 0 起）", min=0)],
    out_file: Annotated[Path, typer.Option("--out", help="写出的证明文件，如 proof.json")],
) -> None:
    """导出一条存证的包含证明（含签名树头与双方确认），供 zhixin evidence check-proof 离线核验。
    尚无覆盖该条的树头时先签署一个。"""
    from zhixin.errors import ZhixinError
    from zhixin.evidence import service
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            doc = service.proof(session, seq=entry)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out_file.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.print(
        f"已写出第 {entry} 条存证的包含证明：{out_file}（树头 {doc['inclusion']['tree_size']} 条，"
        f"确认 {len(doc['confirmations'])} 份）"
    )


@evidence_app.command("check-proof")
def evidence_check_proof(
    proof_file: Annotated[Path, typer.Argument(help="证明文件（zhixin evidence proof 写出的）")],
    file: Annotated[Path | None, typer.Argument(help="与存证核对的凭证文件（可选）")] = None,
    public_key: Annotated[
        str | None,
        typer.Option(
            help="日志的公钥（64 位十六进制，zhixin evidence keys 列出）：只接受它签署的树头"
        ),
    ] = None,
) -> None:
    """离线核验包含证明：存证内容在签名树头所承诺的日志中、树头签名有效、双方确认签名有效；
    给出文件时再核对文件摘要。不需要数据库，也不读取任何 ZHIXIN 设置。不成立时退出码为 1。"""
    from zhixin.evidence import rules

    try:
        doc = json.loads(proof_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail("证明文件不是有效的 JSON") from exc
    if not isinstance(doc, dict):
        raise _fail("证明文件格式有误")
    data = file.read_bytes() if file is not None else None
    try:
        checked = rules.check_proof(doc, data, public_key=public_key)
    except rules.ProofError as exc:
        raise _fail(f"证明不成立：{exc}") from exc
    kind = rules.KIND_LABELS.get(checked.kind, checked.kind)
    out.print(
        f"证明成立：第 {checked.seq} 条存证（{kind}）在 {checked.tree_size} 条的签名树头"
        f"（根哈希 {checked.root_hash}）之中"
    )
    out.print("文件与存证登记的摘要一致" if checked.file_checked else "未给出文件，未核对文件摘要")
    out.print(
        "确认：" + "、".join(checked.confirmed_by) if checked.confirmed_by else "确认：尚无确认签名"
    )


@evidence_app.command("consistency")
def evidence_consistency(
    old_size: Annotated[int, typer.Argument(help="旧签名树头的存证条数", min=1)],
    new_size: Annotated[int, typer.Argument(help="新签名树头的存证条数", min=1)],
    out_file: Annotated[Path, typer.Option("--out", help="写出的一致性证明文件，如 c.json")],
) -> None:
    """导出两个签名树头之间的一致性证明（RFC 9162）：新树头所承诺的日志是在旧日志之后追加而成，
    旧的存证未被改动、删除或调换。新条数等于日志当前条数而尚无树头时先签署一个。
    供 zhixin evidence check-consistency 离线核验。"""
    from zhixin.errors import ZhixinError
    from zhixin.evidence import service
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            doc = service.consistency(session, old_size=old_size, new_size=new_size)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out_file.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.print(
        f"已写出 {old_size} 条与 {new_size} 条两个签名树头之间的一致性证明：{out_file}"
        f"（路径 {len(doc['path'])} 个节点）"
    )


@evidence_app.command("check-consistency")
def evidence_check_consistency(
    consistency_file: Annotated[
        Path, typer.Argument(help="一致性证明文件（zhixin evidence consistency 写出的）")
    ],
    public_key: Annotated[
        str | None,
        typer.Option(
            help="日志的公钥（64 位十六进制，zhixin evidence keys 列出）：只接受它签署的树头"
        ),
    ] = None,
) -> None:
    """离线核验一致性证明：两个树头的签名有效，且新树头的日志以旧树头的日志为前缀。
    不需要数据库，也不读取任何 ZHIXIN 设置。不成立时退出码为 1。"""
    from zhixin.evidence import rules

    try:
        doc = json.loads(consistency_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail("一致性证明文件无法读取或不是有效的 JSON") from exc
    if not isinstance(doc, dict):
        raise _fail("一致性证明文件格式有误")
    try:
        checked = rules.check_consistency(doc, public_key=public_key)
    except rules.ProofError as exc:
        raise _fail(f"证明不成立：{exc}") from exc
    out.print(
        f"一致性证明成立：{checked.second_size} 条的签名树头（根哈希 {checked.second_root}）"
        f"是在 {checked.first_size} 条的签名树头（根哈希 {checked.first_root}）之后追加而成"
    )


@evidence_app.command("keys")
def evidence_keys() -> None:
    """列出存证日志与各机构的签名公钥（Ed25519，十六进制），供离线核验时比对。"""
    from rich.table import Table

    from zhixin.evidence import service
    from zhixin.kit.db import unit_of_work

    with unit_of_work(_factory()) as session:
        keys = service.public_keys(session)
    table = Table("编号", "持有方", "公钥", "生成时间")
    for k in keys:
        table.add_row(str(k.id), k.owner, k.public_key, k.created_at.isoformat(timespec="seconds"))
    out.print(table)


@evidence_app.command("reencrypt")
def evidence_reencrypt() -> None:
    """用最新的数据加密密钥（ZHIXIN_DATA_KEY 的第一个）重新加密全部存证签名私钥。

    密钥轮换后运行，可重复运行。"""
    from zhixin.evidence import service
    from zhixin.kit.db import unit_of_work

    settings = _settings()
    settings.check_data_key()
    with unit_of_work(_factory(settings)) as session:
        n = service.reencrypt_keys(session)
    out.print(f"重新加密存证签名私钥 {n} 个")


def _officer(session: Session, by: str) -> Principal:
    """The principal of the named user, acting through the CLI (audited as such)."""
    from zhixin.accounts import service as accounts

    user = accounts.user_by_username(session, by)
    if user is None:
        raise _fail(f"未找到用户 {by}")
    return accounts.principal_for(session, user, via="cli")


By = Annotated[str, typer.Option("--by", help="以哪位银行或监管部门有权人员的名义操作（用户名）")]


@evidence_app.command("propose-key")
def evidence_propose_key(
    public_key: Annotated[str, typer.Argument(help="本机构自持的 Ed25519 公钥（64 位十六进制）")],
    by: By,
) -> None:
    """登记（或轮换）本机构自持的签名公钥：提议后为“待复核”，不签署任何确认，须由本机构另一名
    有权人员用 zhixin evidence approve-key 复核通过后启用（审核分离），
    与 /evidence/keys 页面相同。"""
    from zhixin.errors import ZhixinError
    from zhixin.evidence import keys
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            row = keys.propose(session, actor=_officer(session, by), public_key=public_key)
            key_id = row.id
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已提议签名公钥 {key_id}（待复核）：须由本机构另一名有权人员复核通过后启用")


@evidence_app.command("approve-key")
def evidence_approve_key(
    key_id: Annotated[
        int, typer.Argument(help="待复核的签名公钥编号（zhixin evidence keys 列出）")
    ],
    by: By,
) -> None:
    """复核通过本机构一把待复核的签名公钥：自此刻起启用，原在用的密钥同时停用（此前的签名仍有效）。
    提议人本人不能复核。"""
    from zhixin.errors import ZhixinError
    from zhixin.evidence import keys
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            row = keys.approve(session, actor=_officer(session, by), key_id=key_id)
            when = row.approved_at
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    at = when.isoformat(timespec="seconds") if when is not None else ""
    out.print(f"签名公钥 {key_id} 已复核通过并启用（{at} 起），原在用的密钥同时停用")


@evidence_app.command("reject-key")
def evidence_reject_key(
    key_id: Annotated[
        int, typer.Argument(help="待复核的签名公钥编号（zhixin evidence keys 列出）")
    ],
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="驳回或撤回的理由（必填）")],
) -> None:
    """驳回本机构一把待复核的签名公钥（提议人本人操作即为撤回），须写明理由；它从未启用，
    在用的密钥不变，之后可另行提议。"""
    from zhixin.errors import ZhixinError
    from zhixin.evidence import keys
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            keys.reject(session, actor=_officer(session, by), key_id=key_id, reason=reason)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"签名公钥 {key_id} 未通过复核（或已撤回），在用的密钥不变")
