"""``reviewer token``: list and revoke a user's API tokens (the command line runs as an administrator)."""

from __future__ import annotations

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, fail


@click.group(cls=ChineseGroup)
def token() -> None:
    """接口令牌：列出、吊销。"""


@token.command("list")
@click.argument("username")
def token_list(username: str) -> None:
    """列出用户 USERNAME 的接口令牌（不显示令牌本身）。"""
    from reviewer.admin import tokens, users

    with database_session(commit=False) as session:
        rows = tokens.list_tokens(session, users.get_user(session, username))
        lines = []
        for t in rows:
            expiry = f"到期 {t.expires_at:%Y-%m-%d %H:%M} UTC" if t.expires_at else "不过期"
            lines.append(f"{t.id:>5}  {'有效' if t.live else '无效'}  创建 {t.created_at:%Y-%m-%d %H:%M} UTC  {expiry}")
    click.echo("\n".join(lines) if lines else f"用户 {username} 没有接口令牌。")


@token.command("revoke")
@click.argument("username")
@click.option("--id", "token_id", type=int, default=None, help="只吊销这一个令牌")
@click.option("--all", "revoke_all", is_flag=True, help="吊销该用户的全部有效令牌")
def token_revoke(username: str, token_id: int | None, revoke_all: bool) -> None:
    """吊销用户 USERNAME 的令牌（--id 或 --all）。"""
    from reviewer.admin import tokens, users

    if (token_id is None) == (not revoke_all):
        fail("请用 --id 指定一个令牌，或用 --all 吊销全部有效令牌（二选一）。")
    with database_session() as session:
        count = tokens.revoke(session, None, users.get_user(session, username), token_id, actor_name=cli_actor())
    click.echo(f"已吊销用户 {username} 的 {count} 个令牌。")
