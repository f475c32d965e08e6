"""Administration commands: ``reviewer unit``, ``reviewer account`` and the ``reviewer user`` changes.

A thin shell over ``reviewer.units`` and ``reviewer.users``: each command opens the configured
database, makes one change (which writes its audit entry in the same transaction), commits once
and prints what changed. ``user`` is the group of ``reviewer.cli_service`` (which owns ``user
add``) with the change commands added here. Bad input exits 2 with a Chinese message.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from reviewer.cli.service import _database_error, _settings, fail, user
from reviewer.storage import PLATFORMS, ROLES

STATUS = {True: "启用", False: "停用"}


@contextmanager
def admin_session() -> Iterator[Session]:
    """A session on the configured, migrated database, committed once if the command succeeds."""
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.admin.security import AuthError
    from reviewer.admin.units import UnitError
    from reviewer.admin.users import UserError
    from reviewer.audit import changes
    from reviewer.storage import make_engine, make_session_factory

    settings = _settings()
    reason = changes.unavailable_reason(settings)
    if reason:
        fail(f"{reason}。请检查 DATABASE_URL，或先运行 reviewer db upgrade。")
    engine = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(engine)() as session:
            if settings.audit_hmac_key:
                session.info["audit_key"] = settings.audit_hmac_key
            yield session
            session.commit()
    except (UnitError, UserError, AuthError) as exc:
        fail(exc.message)
    except SQLAlchemyError as exc:
        _database_error(exc, settings.effective_database_url)
    finally:
        engine.dispose()


def cli_actor() -> str:
    """Who the audit trail names for a command: the command line and the operating-system user."""
    try:
        return f"命令行（{getpass.getuser()}）"
    except (KeyError, OSError):
        return "命令行"


def _number(value: str, what: str, allowed: str) -> int:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 9:
        fail(f"{what}必须是{allowed}，而不是“{value}”。")
    return int(text)


# ---------------------------------------------------------------------------------------------
# reviewer unit


@click.group()
def unit() -> None:
    """单位管理（主管单位 → 主办单位 …… 的树）。"""


@unit.command("add")
@click.argument("name")
@click.option("--parent", default=None, help="上级单位（名称或编号）；不指定则为顶级单位")
def unit_add(name: str, parent: str | None) -> None:
    """新建单位 NAME。"""
    from reviewer.admin import units

    with admin_session() as session:
        created = units.add_unit(session, name, parent, actor_name=cli_actor())
        shown = f"，上级：{parent}" if parent else "（顶级单位）"
        message = f"已新建单位 {created.name}（编号 {created.id}）{shown}。"
    click.echo(message)


@unit.command("set")
@click.argument("unit_ref", metavar="UNIT")
@click.option("--name", default=None, help="新名称")
@click.option("--parent", default=None, help="移到此上级单位之下（名称或编号）")
@click.option("--root", "make_root", is_flag=True, help="改为顶级单位")
def unit_set(unit_ref: str, name: str | None, parent: str | None, make_root: bool) -> None:
    """修改单位 UNIT（名称或编号）的名称或上级单位。"""
    from reviewer.admin import units

    with admin_session() as session:
        changed, changes = units.update_unit(session, unit_ref, name=name, parent=parent, make_root=make_root, actor_name=cli_actor())
        labels = {"name": "名称", "parent": "上级单位"}
        parts = [f"{labels[k]}：{old or '（顶级）'} → {new or '（顶级）'}" for k, (old, new) in changes.items()]
        message = (f"已修改单位（编号 {changed.id}）：" + "；".join(parts)) if parts else \
            f"单位 {changed.name}（编号 {changed.id}）无需修改。"
    click.echo(message)


@unit.command("list")
def unit_list() -> None:
    """按层级列出全部单位。"""
    from reviewer.admin import units

    with admin_session() as session:
        lines = [f"{'  ' * line.depth}{line.unit.name}（编号 {line.unit.id}，账号 {line.accounts} 个）"
                 for line in units.unit_tree(session)]
    click.echo("\n".join(lines) if lines else "尚无单位。可用 reviewer unit add 新建。")


# ---------------------------------------------------------------------------------------------
# reviewer account


@click.group()
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

    review_levels = _number(levels, "审核级数", " 1、2 或 3")
    with admin_session() as session:
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

    number = _number(account_id, "账号编号", "正整数")
    review_levels = _number(levels, "审核级数", " 1、2 或 3") if levels is not None else None
    with admin_session() as session:
        changed, changes = units.update_account(session, number, levels=review_levels, duty=duty, active=active, actor_name=cli_actor())
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

    with admin_session() as session:
        lines = [f"{a.id:>4}  {a.name}  {a.platform}  {unit_name}  {a.review_levels} 级审核  "
                 f"{a.department or '—'}  {STATUS[a.active]}" for a, unit_name in units.list_accounts(session)]
    click.echo("\n".join(lines) if lines else "尚无账号。可用 reviewer account add 新建。")


# ---------------------------------------------------------------------------------------------
# reviewer user (the group comes from cli_service, which owns ``user add``)


@user.command("roles")
@click.argument("username")
@click.option("--add", "add", multiple=True, help=f"添加角色，可重复：{'|'.join(ROLES)}")
@click.option("--remove", "remove", multiple=True, help="移除角色，可重复")
def user_roles(username: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """增减用户 USERNAME 的角色。"""
    from reviewer.admin import users

    _require_some(add, remove)
    with admin_session() as session:
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
    with admin_session() as session:
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

    with admin_session() as session:
        changed, did = users.set_active(session, username, False, actor_name=cli_actor())
        message = f"已停用用户 {changed.username}，其会话已全部失效，接口令牌已吊销。" if did else \
            f"用户 {changed.username} 已是停用状态。"
    click.echo(message)


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """重新启用用户 USERNAME。"""
    from reviewer.admin import users

    with admin_session() as session:
        changed, did = users.set_active(session, username, True, actor_name=cli_actor())
        message = f"已启用用户 {changed.username}。" if did else f"用户 {changed.username} 已是启用状态。"
    click.echo(message)


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行），便于脚本调用")
def user_password(username: str, password_stdin: bool) -> None:
    """重设用户 USERNAME 的密码，并结束其全部会话。"""
    from reviewer.admin import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    with admin_session() as session:
        changed = users.reset_password(session, username, password, actor_name=cli_actor())
        message = f"已重设用户 {changed.username} 的密码，其会话已全部失效。"
    click.echo(message)


@user.command("list")
def user_list() -> None:
    """列出全部用户、角色、所属单位与状态。"""
    from reviewer.admin import users
    from reviewer.admin.demo import ROLE_NAMES

    with admin_session() as session:
        lines = []
        for s in users.list_users(session):
            status = STATUS[s.user.active]
            if s.locked_until is not None:
                status += f"，锁定至 {s.locked_until:%Y-%m-%d %H:%M} UTC"
            roles = "、".join(ROLE_NAMES.get(r, r) for r in s.roles)
            lines.append(f"{s.user.username}  {s.user.display_name}  [{status}]  角色：{roles}  "
                         f"单位：{'、'.join(s.units)}  有效令牌：{s.live_tokens}")
    click.echo("\n".join(lines) if lines else "尚无用户。可用 reviewer user add 新建。")
