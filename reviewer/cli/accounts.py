"""``reviewer account``: the new-media accounts of the register, each change audited in its transaction."""

from __future__ import annotations

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, number
from reviewer.vocabulary import PLATFORMS

STATUS = {True: "启用", False: "停用"}


@click.group(cls=ChineseGroup)
def account() -> None:
    """新媒体账号管理。"""


@account.command("add")
@click.argument("name")
@click.option("--platform", required=True, help=f"平台：{'|'.join(PLATFORMS)}")
@click.option("--unit", "unit_ref", required=True, help="主办单位（名称或编号）")
@click.option("--levels", required=True, help="审核级数：1、2 或 3")
@click.option("--department", default=None, help="所属领域，如 文旅、税务（供分类模型判断是否离题）")
@click.option("--duty", default=None, help="账号职责描述（可选）")
def account_add(name: str, platform: str, unit_ref: str, levels: str, department: str | None,
                duty: str | None) -> None:
    """新建账号 NAME。"""
    from reviewer.admin import units

    review_levels = number(levels, "审核级数", " 1、2 或 3")
    with database_session() as session:
        created = units.add_account(session, name, platform.strip(), unit_ref, review_levels,
                                    department=department, duty=duty, actor_name=cli_actor())
        message = f"已新建{created.platform}账号 {created.name}（编号 {created.id}，{created.review_levels} 级审核）。"
    click.echo(message)


@account.command("set")
@click.argument("account_id", metavar="ID")
@click.option("--levels", default=None, help="审核级数：1、2 或 3")
@click.option("--duty", default=None, help="账号职责描述（传空字符串可清除）")
@click.option("--active/--inactive", default=None, help="启用或停用账号")
def account_set(account_id: str, levels: str | None, duty: str | None, active: bool | None) -> None:
    """修改编号为 ID 的账号。"""
    from reviewer.admin import units

    account_number = number(account_id, "账号编号", "正整数")
    review_levels = number(levels, "审核级数", " 1、2 或 3") if levels is not None else None
    with database_session() as session:
        changed, changes = units.update_account(session, account_number, levels=review_levels, duty=duty, active=active, actor_name=cli_actor())
        labels = {"review_levels": "审核级数", "duty": "职责", "active": "状态"}
        parts = [f"{labels[k]}：{_shown(old)} → {_shown(new)}" for k, (old, new) in changes.items()]
        message = (f"已修改账号 {changed.name}（编号 {changed.id}）：" + "；".join(parts)) if parts else \
            f"账号 {changed.name}（编号 {changed.id}）无需修改。"
    click.echo(message)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return STATUS[value]
    return "（空）" if value is None else str(value)


@account.command("list")
def account_list() -> None:
    """列出全部账号。"""
    from reviewer.admin import units

    with database_session() as session:
        lines = [f"{a.id:>4}  {a.name}  {a.platform}  {unit_name}  {a.review_levels} 级审核  "
                 f"{a.department or '—'}  {STATUS[a.active]}" for a, unit_name in units.list_accounts(session)]
    click.echo("\n".join(lines) if lines else "尚无账号。可用 reviewer account add 新建。")
