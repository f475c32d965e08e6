"""``reviewer registry operators``: outsourced operators (托管单位), their 资质 and rules, their staff.

Each command calls one function of ``reviewer.admin.operators`` (the ones the 托管单位 pages call)
in one transaction, so the audit entry lands with the change; a refusal prints
``错误 [code]：reason`` and exits 2.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, fail, typed_day
from reviewer.vocabulary import BACKGROUND_RESULT_NAMES

RESULTS = "、".join(f"{code} {name}" for code, name in BACKGROUND_RESULT_NAMES.items())


@click.group(cls=ChineseGroup)
def operators() -> None:
    """托管单位：互联网新闻信息服务资质、管理制度、托管账号与外包人员。"""


def _rules(text: str | None, path: str | None) -> str | None:
    from reviewer.admin.operators import rules_record

    if path is None:
        return rules_record(text)
    return rules_record(text, Path(path).name, Path(path).read_bytes())


def _result(value: str) -> str:
    for code, name in BACKGROUND_RESULT_NAMES.items():
        if value.strip() in (code, name):
            return code
    fail(f"审查结论必须是 {RESULTS} 之一，而不是“{value}”。")


@operators.command("list")
@click.option("--date", "on", default=None, help="按此日期（YYYY-MM-DD）判断资质是否过期，默认今天")
def list_command(on: str | None) -> None:
    """列出托管单位：资质证号与有效期（过期、即将到期照实标出）、管理制度、托管账号、外包人员。"""
    from reviewer.admin import operators as domain
    from reviewer.vocabulary import LICENSE_STATUS_NAMES

    today = typed_day(on, "日期") or date.today()
    with database_session(commit=False) as session:
        lines = []
        for v in domain.operator_views(session, today):
            expiry = f"，有效期至 {v.operator.license_expires}" if v.operator.license_expires else ""
            accounts = "、".join(a.name for a in v.accounts) or "无"
            lines.append(f"{v.operator.name}（编号 {v.operator.id}）  资质：{v.operator.license_number or '未登记'}{expiry}"
                         f"【{LICENSE_STATUS_NAMES[v.license]}】  管理制度：{'已备案' if v.operator.rules_on_file else '未备案'}"
                         f"  托管账号：{accounts}  外包人员：{len(v.staff)} 人")
    click.echo("\n".join(lines) if lines else "尚未登记托管单位。可用 reviewer registry operators add 登记。")


@operators.command("add")
@click.argument("name")
@click.option("--license-number", default=None, help="互联网新闻信息服务资质证号")
@click.option("--license-expires", default=None, help="资质有效期至 YYYY-MM-DD")
@click.option("--rules", "rules_text", default=None, help="管理制度的内容或说明")
@click.option("--rules-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="管理制度文件：记录文件名与 SHA-256 指纹")
def add_command(name: str, license_number: str | None, license_expires: str | None, rules_text: str | None,
                rules_file: str | None) -> None:
    """登记托管单位 NAME。"""
    from reviewer.admin import operators as domain

    expires = typed_day(license_expires, "资质有效期")
    with database_session() as session:
        note = _rules(rules_text, rules_file)
        operator = domain.add_operator(session, name, license_number=license_number, license_expires=expires,
                                       rules_on_file=note is not None, rules_note=note, actor_name=cli_actor())
        message = f"已登记托管单位 {operator.name}（编号 {operator.id}）。"
    click.echo(message)


@operators.command("set")
@click.argument("operator_ref", metavar="OPERATOR")
@click.option("--name", default=None, help="新名称")
@click.option("--license-number", default=None, help="资质证号（空字符串表示清除）")
@click.option("--license-expires", default=None, help="资质有效期至 YYYY-MM-DD（空字符串表示清除）")
@click.option("--rules", "rules_text", default=None, help="管理制度的内容或说明（替换原有内容）")
@click.option("--rules-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="新的管理制度文件：记录文件名与 SHA-256 指纹")
def set_command(operator_ref: str, name: str | None, license_number: str | None, license_expires: str | None,
                rules_text: str | None, rules_file: str | None) -> None:
    """修改托管单位 OPERATOR（名称或编号）的名称、资质或管理制度。"""
    from reviewer.admin import operators as domain

    values: dict = {}
    if name is not None:
        values["name"] = name
    if license_number is not None:
        values["license_number"] = license_number
    if license_expires is not None:
        values["license_expires"] = typed_day(license_expires, "资质有效期")
    with database_session() as session:
        if rules_text is not None or rules_file is not None:
            current = domain.find_operator(session, operator_ref).rules_note if rules_text is None else rules_text
            values["rules_note"] = _rules(current, rules_file)
        operator, changes = domain.edit_operator(session, operator_ref, values, actor_name=cli_actor())
        parts = [f"{domain.OPERATOR_LABELS[k]}：{old or '（空）'} → {new or '（空）'}" for k, (old, new) in changes.items()]
        message = f"已修改托管单位 {operator.name}：" + "；".join(parts) if parts else f"托管单位 {operator.name} 无需修改。"
    click.echo(message)


@operators.group("staff", cls=ChineseGroup)
def staff() -> None:
    """外包人员：登记（含背景审查日期与结论）、移出、列出。"""


@staff.command("add")
@click.argument("operator_ref", metavar="OPERATOR")
@click.argument("username")
@click.option("--check-date", default=None, help="背景审查日期 YYYY-MM-DD")
@click.option("--result", "result", default="pending", help=f"背景审查结论：{RESULTS}（默认 pending）")
def staff_add(operator_ref: str, username: str, check_date: str | None, result: str) -> None:
    """把用户 USERNAME 登记为托管单位 OPERATOR 的外包人员；其不得担任所托管账号的审核员、发布员。"""
    from reviewer.admin import operators as domain

    day, code = typed_day(check_date, "背景审查日期"), _result(result)
    with database_session() as session:
        domain.set_staff(session, username, operator_ref, check_date=day, check_result=code, actor_name=cli_actor())
    click.echo(f"已登记 {username} 为 {operator_ref} 的外包人员（背景审查：{BACKGROUND_RESULT_NAMES[code]}"
               f"{f'，{day}' if day else ''}）。")


@staff.command("remove")
@click.argument("username")
def staff_remove(username: str) -> None:
    """把用户 USERNAME 移出外包人员。"""
    from reviewer.admin import operators as domain

    with database_session() as session:
        domain.remove_staff(session, username, actor_name=cli_actor())
    click.echo(f"已将 {username} 移出外包人员。")


@staff.command("list")
@click.argument("operator_ref", metavar="OPERATOR")
def staff_list(operator_ref: str) -> None:
    """列出托管单位 OPERATOR 的外包人员、角色与背景审查。"""
    from reviewer.admin import operators as domain
    from reviewer.vocabulary import ROLE_NAMES

    with database_session(commit=False) as session:
        operator = domain.find_operator(session, operator_ref)
        view = domain.operator_views(session, date.today(), operator_id=operator.id)[0]
        lines = [f"{s.user.username}  {s.user.display_name}  角色：{'、'.join(ROLE_NAMES[r] for r in s.roles)}  "
                 f"背景审查：{BACKGROUND_RESULT_NAMES[s.staff.check_result]}{f'（{s.staff.check_date}）' if s.staff.check_date else ''}"
                 for s in view.staff]
        name = operator.name
    click.echo("\n".join(lines) if lines else f"{name} 尚无外包人员。")
