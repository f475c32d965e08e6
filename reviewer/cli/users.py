"""``reviewer user``: users, their roles and units, passwords and status, each change audited."""

from __future__ import annotations

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, fail, read_password
from reviewer.vocabulary import ROLE_NAMES, ROLES

STATUS = {True: "启用", False: "停用"}


@click.group(cls=ChineseGroup)
def user() -> None:
    """用户管理。"""


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(ROLES),
              help="角色，可重复：" + "、".join(f"{code} {name}" for code, name in ROLE_NAMES.items()))
@click.option("--unit", "units", multiple=True, required=True, help="所属单位（名称或编号），可重复")
@click.option("--display-name", default=None, help="显示名称（默认同用户名）")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行），便于脚本调用")
def user_add(username: str, roles: tuple[str, ...], units: tuple[str, ...], display_name: str | None,
             password_stdin: bool) -> None:
    """新建用户 USERNAME。"""
    from reviewer.admin import users

    password = read_password(password_stdin, "密码")
    with database_session() as session:
        users.create_user(session, username, password, roles, units, display_name)
    click.echo(f"已创建用户 {username}（角色：{'、'.join(roles)}）。")


@user.command("roles")
@click.argument("username")
@click.option("--add", "add", multiple=True, help=f"添加角色，可重复：{'|'.join(ROLES)}")
@click.option("--remove", "remove", multiple=True, help="移除角色，可重复")
def user_roles(username: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """增减用户 USERNAME 的角色。"""
    from reviewer.admin import users

    _require_some(add, remove)
    with database_session() as session:
        changed, added, removed = users.change_roles(session, username, add, remove, actor_name=cli_actor())
        message = _change_line(changed.username, "角色", added, removed, sorted(changed.role_names()))
    click.echo(message)


@user.command("units")
@click.argument("username")
@click.option("--add", "add", multiple=True, help="加入单位（名称或编号），可重复")
@click.option("--remove", "remove", multiple=True, help="移出单位（名称或编号），可重复")
def user_units(username: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """增减用户 USERNAME 所属的单位。"""
    from reviewer.admin import users

    _require_some(add, remove)
    with database_session() as session:
        changed, added, removed = users.change_units(session, username, add, remove, actor_name=cli_actor())
        message = _change_line(changed.username, "所属单位", added, removed, users.user_unit_names(session, changed))
    click.echo(message)


def _require_some(add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    if not add and not remove:
        fail("请用 --add 或 --remove 指定要添加或移除的项。")


def _change_line(username: str, what: str, added: list[str], removed: list[str], now: list[str]) -> str:
    if not added and not removed:
        return f"用户 {username} 的{what}无变化：{'、'.join(now)}。"
    parts = ([f"添加 {'、'.join(added)}"] if added else []) + ([f"移除 {'、'.join(removed)}"] if removed else [])
    return f"已修改用户 {username} 的{what}（{'，'.join(parts)}），现为：{'、'.join(now)}。"


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """停用用户 USERNAME：同时结束其全部会话并吊销其接口令牌。"""
    from reviewer.admin import users

    with database_session() as session:
        changed, did = users.set_active(session, username, False, actor_name=cli_actor())
        message = f"已停用用户 {changed.username}，其会话已全部失效，接口令牌已吊销。" if did else \
            f"用户 {changed.username} 已是停用状态。"
    click.echo(message)


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """重新启用用户 USERNAME。"""
    from reviewer.admin import users

    with database_session() as session:
        changed, did = users.set_active(session, username, True, actor_name=cli_actor())
        message = f"已启用用户 {changed.username}。" if did else f"用户 {changed.username} 已是启用状态。"
    click.echo(message)


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行），便于脚本调用")
def user_password(username: str, password_stdin: bool) -> None:
    """重设用户 USERNAME 的密码，并结束其全部会话。"""
    from reviewer.admin import users

    password = read_password(password_stdin, "新密码")
    with database_session() as session:
        changed = users.reset_password(session, username, password, actor_name=cli_actor())
        message = f"已重设用户 {changed.username} 的密码，其会话已全部失效。"
    click.echo(message)


@user.command("unlock")
@click.argument("username")
def user_unlock(username: str) -> None:
    """解除用户 USERNAME 的登录限制（清除该用户名的失败计数与锁定），并记入审计日志。"""
    from reviewer.admin import users

    with database_session() as session:
        changed, did = users.unlock(session, username, actor_name=cli_actor())
        message = f"已解除用户 {changed.username} 的登录限制，失败计数已清零。" if did else \
            f"用户 {changed.username} 当前没有登录限制，无需解除。"
    click.echo(message)


@user.command("list")
def user_list() -> None:
    """列出全部用户、角色、所属单位与状态。"""
    from reviewer.admin import users

    with database_session() as session:
        lines = []
        for s in users.list_users(session):
            status = STATUS[s.user.active]
            if s.locked_until is not None:
                status += f"，登录受限至 {s.locked_until:%Y-%m-%d %H:%M} UTC"
            roles = "、".join(ROLE_NAMES.get(r, r) for r in s.roles)
            lines.append(f"{s.user.username}  {s.user.display_name}  [{status}]  角色：{roles}  "
                         f"单位：{'、'.join(s.units)}  有效令牌：{s.live_tokens}")
    click.echo("\n".join(lines) if lines else "尚无用户。可用 reviewer user add 新建。")
