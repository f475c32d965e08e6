"""``reviewer lexicon``: the database's lexicon entries from the command line (the same functions
as the 词库管理 pages), and the classifier's feedback file made from reviewers' 误报/漏报."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import database_session, fail

AS_HELP = "以哪个管理员的身份操作（用户名；单位词条限其管理的单位）"


def _admin(session, username: str):
    from sqlalchemy import select

    from reviewer.permissions import allows
    from reviewer.storage import User, UserRole

    user = session.scalar(select(User).where(User.username == username))
    roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))) if user else set()
    if user is None or not user.active or not allows(roles, "lexicon.manage"):
        fail(f"用户 {username} 不存在、已停用或不是管理员。")
    return user


@click.group(cls=ChineseGroup)
def lexicon() -> None:
    """词库管理：数据库中的词条、允许词与停用的随包词条（修改后运行中的服务下一次检测即生效）。"""


@lexicon.command("list")
@click.option("--as", "username", required=True, help=AS_HELP)
@click.option("--source", type=click.Choice(["shipped", "deployment", "unit"]), default=None, help="来源")
@click.option("--category", default="", help="类别")
@click.option("-q", "query", default="", help="词条包含的文字")
def lexicon_list(username: str, source: str | None, category: str, query: str) -> None:
    """列出词条（TSV，与 export 相同的列）。"""
    from reviewer.curation import catalog

    with database_session(commit=False) as session:
        rows = catalog.search(session, _admin(session, username), catalog.Filters(q=query, category=category,
                                                                                  source=source or ""))
        click.echo(catalog.export_tsv(rows), nl=False)


@lexicon.command("add")
@click.argument("term")
@click.option("--as", "username", required=True, help=AS_HELP)
@click.option("--category", default=None, help="类别（允许词不填）")
@click.option("--kind", type=click.Choice(["term", "allow", "disable"]), default="term", show_default=True,
              help="term 词条、allow 允许词、disable 停用随包词条")
@click.option("--gate", default=None, help="审核关口（默认取类别的）")
@click.option("--severity", default=None, help="严重程度（默认取类别的）")
@click.option("--suggestion", default=None, help="修改建议")
@click.option("--note", default=None, help="说明")
@click.option("--unit", "unit_id", type=int, default=None, help="适用单位编号（含下级）；不填为整个部署")
def lexicon_add(term: str, username: str, **fields: object) -> None:
    """添加词条 TERM。"""
    from reviewer.curation import entries

    with database_session() as session:
        entry = entries.add_entry(session, _admin(session, username), {"term": term, **fields})
        message = f"已添加“{entry.term}”（编号 {entry.id}）。"
    click.echo(message)


@lexicon.command("disable")
@click.argument("entry_id", type=int)
@click.option("--as", "username", required=True, help=AS_HELP)
def lexicon_disable(entry_id: int, username: str) -> None:
    """停用数据库中的词条 ENTRY_ID（停用随包词条请用 add --kind disable）。"""
    from reviewer.curation import entries

    with database_session() as session:
        entry = entries.set_enabled(session, _admin(session, username), entry_id, False)
        message = f"已停用“{entry.term}”（编号 {entry.id}）。"
    click.echo(message)


@lexicon.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help=AS_HELP)
@click.option("--kind", type=click.Choice(["term", "allow", "disable"]), default="term", show_default=True,
              help="纯词表的类型")
@click.option("--category", default=None, help="纯词表的类别")
@click.option("--unit", "unit_id", type=int, default=None, help="适用单位编号")
def lexicon_import(path: Path, username: str, kind: str, category: str | None, unit_id: int | None) -> None:
    """导入 PATH（带表头的 TSV 或每行一个词条）：有一行出错则全部不导入。"""
    from reviewer.curation import catalog

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path} 不是 UTF-8 编码。")
    with database_session() as session:
        actor = _admin(session, username)
        checked = catalog.preview(session, actor, text, kind=kind, category=category, unit_id=unit_id)
        if checked.errors:
            fail("导入未进行：\n" + "\n".join(f"{path.name}:{n}: {m}" if n else m for n, m in checked.errors))
        stored = catalog.apply_import(session, actor, text, kind=kind, category=category, unit_id=unit_id,
                                      file_name=path.name)
        message = f"已导入 {stored.count} 条。"
    click.echo(message)


@lexicon.command("export")
@click.option("--as", "username", required=True, help=AS_HELP)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出的 TSV 文件")
def lexicon_export(username: str, out: Path) -> None:
    """导出全部词条为 TSV（可再导入）。"""
    from reviewer.curation import catalog

    with database_session(commit=False) as session:
        rows = catalog.search(session, _admin(session, username), catalog.Filters())
        out.write_text(catalog.export_tsv(rows), encoding="utf-8")
    click.echo(f"已导出 {len(rows)} 条到 {out}。")


@lexicon.command("feedback-export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出的 JSONL 文件")
def feedback_export(out: Path) -> None:
    """导出审核员的误报/漏报反馈（分类模型的类别），供 reviewer train --feedback 使用。"""
    from reviewer.curation import feedback

    with database_session(commit=False) as session:
        rows = feedback.training_rows(session)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    click.echo(f"已导出 {len(rows)} 条反馈到 {out}。")
