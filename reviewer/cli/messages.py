"""``reviewer messages``: import citizens' messages from a file, and list what is due and overdue.

Each command calls ``reviewer.messages`` inside one transaction; a refusal prints
``错误 [code]：reason`` and exits 2. An import acts as the user named by ``--user`` (whose units the
accounts must belong to, and whom the audit trail names).
"""

from __future__ import annotations

from datetime import datetime, time

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import database_session, fail, refuse


@click.group(cls=ChineseGroup)
def messages() -> None:
    """群众留言：导入留言、查看到期与超期未答复的留言。"""


@messages.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="以此用户的身份导入（账号须属于其单位）")
@click.option("--apply", "apply_", is_flag=True, help="确认导入（不加此选项只预览）")
def import_command(path: str, username: str, apply_: bool) -> None:
    """从 XLSX/CSV 导入留言（列：账号、收到时间、留言内容、联系方式）：默认只预览；加 --apply 全部无误时一次导入。"""
    from pathlib import Path

    from sqlalchemy import select

    from reviewer.calendar import BEIJING
    from reviewer.errors import ReviewerError
    from reviewer.messages import importing
    from reviewer.storage import User

    try:
        rows = importing.read_table(Path(path).read_bytes(), importing.format_of(path))
    except ReviewerError as exc:
        refuse(exc)
    with database_session(commit=apply_) as session:
        actor = session.scalar(select(User).where(User.username == username))
        if actor is None or not actor.active:
            fail(f"用户“{username}”不存在或已停用。")
        try:
            preview = importing.preview_import(session, actor, rows)
        except ReviewerError as exc:
            refuse(exc)
        for line in preview.lines:
            if line.error is None:
                due = line.checked.due_at.astimezone(BEIJING)
                click.echo(f"第 {line.number} 行：{line.checked.account.name}，答复期限 {due:%Y-%m-%d %H:%M}")
        if not preview.ok:
            click.echo("\n".join(preview.problems()), err=True)
            fail(f"{len(preview.errors) or 1} 处错误，未导入任何留言。")
        if not apply_:
            click.echo(f"预览：{len(preview.lines)} 行均无误。确认导入请加 --apply。")
            return
        stored = importing.apply_import(session, actor, rows, file_name=Path(path).name)
    click.echo(f"已导入 {len(stored)} 条留言。")


@messages.command("due")
@click.option("--date", "on", default=None, help="按此日期（YYYY-MM-DD）当日结束时计算，默认现在")
def due_command(on: str | None) -> None:
    """列出尚未答复的留言：已超过答复时限的在前（【超期】），其余按答复期限（【待办】）。"""
    from reviewer.calendar import BEIJING
    from reviewer.messages import inbox
    from reviewer.storage import utcnow

    if on is None:
        moment = utcnow()
    else:
        try:
            moment = datetime.combine(datetime.strptime(on, "%Y-%m-%d").date(), time(23, 59, 59), BEIJING)
        except ValueError:
            fail(f"日期“{on}”无效，应写作 2026-12-01。")
    with database_session(commit=False) as session:
        waiting = inbox.unanswered(session, moment)
    overdue = [m for m in waiting if m.due_at < moment]
    rest = [m for m in waiting if m.due_at >= moment]
    shown = f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M}"
    if not waiting:
        click.echo(f"截至 {shown} 没有未答复的留言。")
        return
    click.echo(f"截至 {shown}：超期未答复 {len(overdue)} 条，待答复 {len(rest)} 条。")
    for tag, items in (("【超期】", overdue), ("【待办】", rest)):
        for m in items:
            waited = inbox.waited_text(moment - m.received_at)
            click.echo(f"{tag} 留言 {m.message_id} · {m.unit} · {m.account}（{m.platform}）· 收到 "
                       f"{m.received_at.astimezone(BEIJING):%Y-%m-%d %H:%M} · 期限 {m.due_at.astimezone(BEIJING):%Y-%m-%d %H:%M}"
                       f" · 已等待 {waited}")
