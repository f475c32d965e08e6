"""``reviewer unit``: the unit tree (主管单位 → 主办单位 …), each change audited in its transaction."""

from __future__ import annotations

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session


@click.group(cls=ChineseGroup)
def unit() -> None:
    """单位管理（主管单位 → 主办单位 …… 的树）。"""


@unit.command("add")
@click.argument("name")
@click.option("--parent", default=None, help="上级单位（名称或编号）；不指定则为顶级单位")
def unit_add(name: str, parent: str | None) -> None:
    """新建单位 NAME。"""
    from reviewer.admin import units

    with database_session() as session:
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

    with database_session() as session:
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

    with database_session() as session:
        lines = [f"{'  ' * line.depth}{line.unit.name}（编号 {line.unit.id}，账号 {line.accounts} 个）"
                 for line in units.unit_tree(session)]
    click.echo("\n".join(lines) if lines else "尚无单位。可用 reviewer unit add 新建。")


def _contact_role(value: str) -> str:
    from reviewer.cli.common import fail
    from reviewer.vocabulary import CONTACT_ROLE_NAMES

    for code, name in CONTACT_ROLE_NAMES.items():
        if value.strip() in (code, name):
            return code
    fail(f"联系人类别必须是 {'、'.join(f'{c} {n}' for c, n in CONTACT_ROLE_NAMES.items())} 之一，而不是“{value}”。")


@unit.command("contact")
@click.argument("unit_ref", metavar="UNIT")
@click.option("--role", required=True, help="联系人类别：liaison 联络员、deputy 分管负责人、head 主要负责人（代码或名称）")
@click.option("--name", required=True, help="姓名")
@click.option("--phone", default=None, help="联系电话")
def unit_contact(unit_ref: str, role: str, name: str, phone: str | None) -> None:
    """设置单位 UNIT（名称或编号）的联络员、分管负责人或主要负责人（用于约谈），记入审计日志。"""
    from reviewer.admin import operators
    from reviewer.vocabulary import CONTACT_ROLE_NAMES

    code = _contact_role(role)
    with database_session() as session:
        contact = operators.set_contact(session, unit_ref, code, name, phone, actor_name=cli_actor())
        message = f"已设置{CONTACT_ROLE_NAMES[code]}：{contact.name}{f'（{contact.phone}）' if contact.phone else ''}。"
    click.echo(message)


@unit.command("contacts")
@click.argument("unit_ref", metavar="UNIT", required=False)
def unit_contacts(unit_ref: str | None) -> None:
    """列出单位 UNIT（不指定则为全部单位）的联络员、分管负责人、主要负责人。"""
    from reviewer.admin import operators, units
    from reviewer.vocabulary import CONTACT_ROLE_NAMES

    with database_session(commit=False) as session:
        chosen = [units.find_unit(session, unit_ref)] if unit_ref else [line.unit for line in units.unit_tree(session)]
        lines = []
        for one in chosen:
            people = "；".join(f"{CONTACT_ROLE_NAMES[c.role]} {c.name}{f' {c.phone}' if c.phone else ''}"
                              for c in operators.contacts_of(session, one.id)) or "未设置"
            lines.append(f"{one.name}（编号 {one.id}）：{people}")
    click.echo("\n".join(lines) if lines else "尚无单位。")
