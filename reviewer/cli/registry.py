"""``reviewer registry``: the account register (备案) — what is due, lifecycle transitions, export and import.

Each command calls one function of ``reviewer.admin`` (lifecycle, register, register_io,
operators) inside one transaction; a refused step prints ``错误 [code]：reason`` and exits 2.
"""

from __future__ import annotations

from datetime import date

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, fail, refusing, typed_day, write_atomically
from reviewer.cli.operators import operators


@click.group(cls=ChineseGroup)
def registry() -> None:
    """政务新媒体备案：到期事项、状态变更、备案、台账导出与导入、托管单位。"""


registry.add_command(operators)


@registry.command("due")
@click.option("--date", "on", default=None, help="按此日期（YYYY-MM-DD）计算，默认今天")
@click.option("--overdue", is_flag=True, help="只列已逾期的事项")
def due_command(on: str | None, overdue: bool) -> None:
    """列出各账号应办的备案、公告与状态事项及其截止时间（已逾期的在前）。"""
    from reviewer.admin import lifecycle

    day = typed_day(on, "日期") or date.today()
    with database_session(commit=False) as session:
        items = lifecycle.owed(session, day, overdue_only=overdue)
        lines = [f"{'【逾期】' if o.item.overdue else ('【保留】' if o.item.keep else '【待办】')} "
                 f"{o.account.name}（编号 {o.account.id}）：{o.item.text}" for o in items]
    click.echo(f"{day} 应办事项：" if lines else f"{day} 没有应办事项。")
    if lines:
        click.echo("\n".join(lines))


@registry.command("transition")
@click.argument("account_ref", metavar="ACCOUNT")
@click.option("--to", "to", required=True, help="目标状态（代码或名称，如 offline 或 临时下线）")
@click.option("--date", "on", default=None, help="办理日期 YYYY-MM-DD（按当日计），默认现在")
@click.option("--reason", default=None, help="原因或书面说明")
@click.option("--notice", default=None, help="公告内容")
@click.option("--notice-start", default=None, help="公告发布日期 YYYY-MM-DD（默认办理日期）")
@click.option("--notice-end", default=None, help="公告撤下日期 YYYY-MM-DD（未撤下可不填）")
@click.option("--approval-by", default=None, help="审批单位或人")
@click.option("--approval-date", default=None, help="审批日期 YYYY-MM-DD（默认办理日期）")
@click.option("--approval-document", default=None, help="审批文件（文号）")
@click.option("--force-majeure", is_flag=True, help="不可抗因素或被责令紧急关停（书面报备，不计入当年下线次数）")
@click.option("--who", default=None, help="经办人（默认命令行用户）")
def transition_command(account_ref: str, to: str, on: str | None, reason: str | None, notice: str | None,
                       notice_start: str | None, notice_end: str | None, approval_by: str | None,
                       approval_date: str | None, approval_document: str | None, force_majeure: bool,
                       who: str | None) -> None:
    """把账号 ACCOUNT（编号或名称）变更到 --to 状态；不允许时说明原因并以状态 2 退出。"""
    from reviewer.admin import lifecycle
    from reviewer.registry import Approval, Notice

    day = typed_day(on, "办理日期")
    at = lifecycle.moment(day)
    approval = Approval(approval_by, typed_day(approval_date, "审批日期") or at.date(), approval_document) if approval_by else None
    shown_notice = Notice(notice, typed_day(notice_start, "公告发布日期") or at.date(), typed_day(notice_end, "公告撤下日期")) if notice else None
    with database_session() as session:
        account, event = lifecycle.transition_account(
            session, account_ref, lifecycle.Step(to, at, who or cli_actor(), approval, shown_notice, reason, force_majeure),
            actor_name=cli_actor())
        from reviewer.registry import default_rules

        message = f"账号 {account.name}（编号 {account.id}）已{default_rules().name_of(event.action)}，当前状态：{default_rules().states[event.state]}。"
    click.echo(message)


@registry.command("file")
@click.argument("account_ref", metavar="ACCOUNT")
@click.option("--kind", required=True, help="备案类别：report（向政府办公室备案）或 system（全国系统备案）")
@click.option("--date", "on", default=None, help="备案日期 YYYY-MM-DD，默认现在")
@click.option("--note", default=None, help="备注")
def file_command(account_ref: str, kind: str, on: str | None, note: str | None) -> None:
    """记录账号 ACCOUNT 的一次备案。"""
    from reviewer.admin import lifecycle

    at = lifecycle.moment(typed_day(on, "备案日期"))
    with database_session() as session:
        account, _ = lifecycle.file_account(session, account_ref, kind, at, cli_actor(), note, actor_name=cli_actor())
        message = f"已记录账号 {account.name} 的备案（{kind}，{at.date()}）。"
    click.echo(message)


@registry.command("export")
@click.option("--out", required=True, help="输出文件（.xlsx 或 .csv）")
def export_command(out: str) -> None:
    """导出备案台账（按季度报送的格式）。"""
    from reviewer.admin import register_io

    with refusing():
        fmt = register_io.format_of(out)
    with database_session(commit=False) as session:
        count: list[int] = []
        write_atomically(out, lambda fh: count.append(register_io.export_register(session, fmt, fh)))
    click.echo(f"已导出 {count[0]} 个账号到 {out}。")


@registry.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--apply", "apply_", is_flag=True, help="确认导入（不加此选项只预览）")
def import_command(path: str, apply_: bool) -> None:
    """从 XLSX/CSV 导入备案台账：默认只预览逐行结果；加 --apply 全部无误时一次导入。"""
    from pathlib import Path

    from reviewer.admin import register_io

    with refusing():
        rows = register_io.read_table(Path(path).read_bytes(), register_io.format_of(path))
    with database_session(commit=apply_) as session:
        preview = register_io.preview_import(session, rows)
        click.echo("\n".join(register_io.summary(preview)))
        if not preview.ok:
            fail(f"{len(preview.errors)} 行有错误，未导入任何内容。")
        if not apply_:
            click.echo(f"预览：{len(preview.lines)} 行均无误。确认导入请加 --apply。")
            return
        register_io.apply_import(session, rows, actor_name=cli_actor(), file_name=Path(path).name)
    click.echo(f"已导入 {len(preview.lines)} 行。")
