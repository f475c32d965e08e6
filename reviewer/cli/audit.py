"""``reviewer audit``: verify the audit chain, print its anchor, export entries, write the register.

Exit codes: 0 success, 1 the chain is broken (or the database cannot be used), 2 bad input.
Output files are written to a temporary name first and renamed, so a failed export never leaves
a half-written file behind. These commands run with direct database access and so cover the whole
deployment; the web pages and the API limit auditors to their own units (reviewer.audit_scope).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click
from sqlalchemy.orm import Session

from reviewer.audit.scope import EVERYTHING
from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, fail, settings, write_atomically
from reviewer.errors import ReviewerError


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database; a broken database is exit status 1 (the check failed)."""
    with database_session(commit=False, error_code=1) as session:
        yield session


@click.group(name="audit", cls=ChineseGroup)
def audit() -> None:
    """审计日志：校验日志链、打印锚点、导出、生成月度审核台账。

    命令行直接使用数据库权限运行，范围为整个部署，不按单位限制；网页和接口中的审计员只能看到本单位及下级单位。
    """


@audit.command()
@click.option("--anchor", "anchor_hash", default=None, metavar="HASH", help="此前打印的链头哈希，检查是否仍在链中。")
def verify(anchor_hash: str | None) -> None:
    """校验审计日志链；发现问题时指出第一个损坏的条目并以非零状态退出。"""
    from reviewer.audit import chain as audit_log
    from reviewer.audit import keys, reconcile

    try:
        anchor_hash = audit_log.check_anchor(anchor_hash)
    except ReviewerError as exc:
        fail(exc.message)
    with _session() as session:
        kept = reconcile.latest_anchor(settings())
        result = audit_log.verify(session, keys.session_keys(session), anchor=anchor_hash or kept)
        reconciliation = reconcile.reconcile(session)
    if not result.ok:
        fail(f"审计日志链校验失败：{result.message}", 1)
    click.echo(result.message)
    if anchor_hash or kept:
        click.echo("锚点仍在日志链中" + ("（用的是锚点文件中最新的锚点）。" if not anchor_hash else "。"))
    else:
        click.echo("提示：没有给出锚点，锚点文件中也没有锚点，无法发现末尾被截断的条目。")
    if not reconciliation.ok:
        fail(reconciliation.message, 1)
    click.echo(reconciliation.message)


@audit.command("init-key")
def init_key() -> None:
    """生成审计密钥文件（实例目录下的 audit.key，权限 0600）；已存在时拒绝覆盖。"""
    from reviewer.audit.keys import AuditKeyError, init_key_file

    config = settings()
    if config.audit_hmac_key:
        fail("已通过 REVIEWER_AUDIT_KEY（或配置项 audit_hmac_key）配置了审计密钥，无需生成密钥文件。")
    try:
        path = init_key_file(config)
    except AuditKeyError as exc:
        fail(str(exc))
    click.echo(f"已生成审计密钥文件：{path}（权限 0600）。请与数据库备份分开保管；丢失后已有日志将无法核验。")


@audit.command()
def anchor() -> None:
    """打印当前链头哈希（锚点），请保存在数据库之外，例如随月度审核台账归档。"""
    from reviewer.audit import chain as audit_log

    with _session() as session:
        seq, head_hash = audit_log.head(session)
    click.echo(head_hash)
    click.echo(f"（链头为第 {seq} 条；以后可用 reviewer audit verify --anchor {head_hash} 核验）", err=True)


@audit.command()
@click.option("--since", default=None, help="起始日期（含），YYYY-MM-DD（北京时间）或 ISO 时间。")
@click.option("--until", default=None, help="结束日期（含当天），YYYY-MM-DD 或 ISO 时间（不含）。")
@click.option("--format", "fmt", default="csv", help="csv、xlsx 或 jsonl。")
@click.option("--out", default=None, help="输出文件；省略时写到标准输出（xlsx 必须指定）。")
@click.option("--unit", "unit_id", default=None, help="单位 ID（含下级单位）。")
@click.option("--account", "account_id", default=None, help="账号 ID。")
@click.option("--user", default=None, help="操作人用户名。")
@click.option("--event", default=None, help="事件代码，例如 signoff。")
@click.option("--gate", default=None, help="关口：political、legal、policy、secrecy、text。")
@click.option("--draft", "draft_id", default=None, help="稿件 ID。")
def export(fmt: str, out: str | None, **filters: str | None) -> None:
    """按条件导出整个部署的审计日志（不按单位限制；流式写出，导出本身也记入审计日志）。"""
    from reviewer.audit import exports

    try:
        fmt = exports.check_format(fmt)
        flt = exports.AuditFilter.from_mapping(filters)
    except exports.FilterError as exc:
        fail(exc.message)
    if fmt == "xlsx" and out is None:
        fail("导出 xlsx 时必须用 --out 指定输出文件。")
    with _session() as session:
        count = exports.begin_export(session, flt, fmt, scope=EVERYTHING, actor_name=cli_actor(),
                                     details={"via": "cli", "out": os.path.basename(out) if out else "stdout"})

        def write(fh: IO[bytes]) -> None:
            for chunk in exports.export_chunks(session, flt, fmt, scope=EVERYTHING):
                fh.write(chunk)

        if out is None:
            write(sys.stdout.buffer)
        else:
            write_atomically(out, write)
    if out is not None:
        click.echo(f"已导出 {count} 条审计日志到 {out}", err=True)


@audit.command()
@click.option("--account", "account_id", default=None, help="账号 ID。")
@click.option("--month", default=None, help="月份，YYYY-MM。")
@click.option("--out", default=None, help="输出的 xlsx 文件。")
def register(account_id: str | None, month: str | None, out: str | None) -> None:
    """生成某账号某月的月度审核台账（xlsx；任何单位的账号均可，不按单位限制）。"""
    from reviewer.audit import reconcile
    from reviewer.audit import register as register_module

    if not account_id or not account_id.strip().isdigit():
        fail("请用 --account 指定账号 ID（正整数）。")
    if not month:
        fail("请用 --month 指定月份，格式 YYYY-MM。")
    if not out:
        fail("请用 --out 指定输出的 xlsx 文件。")
    with _session() as session:
        holder: dict[str, int] = {}

        def write(fh: IO[bytes]) -> None:
            _, holder["rows"] = register_module.monthly_register(session, int(account_id), month, fh,
                                                                 scope=EVERYTHING, actor_name=cli_actor(), via="cli")

        try:
            register_module.parse_month(month)
            write_atomically(out, write)
        except ReviewerError as exc:
            fail(exc.message)
        session.commit()
        reconcile.anchor_after_commit(session, "register")
    click.echo(f"已生成 {month} 月度审核台账（{holder['rows']} 条）：{out}", err=True)
