"""``reviewer alerts``: the daily sweep that raises violation alerts, and the day's list per unit.

``sweep`` is what the service's daily job runs (cron or a systemd timer): it may run any number of
times a day, an alert is raised once. ``list`` prints a day's list, unit by unit, with where each
unit stands for the 2-4-6 escalation.
"""

from __future__ import annotations

import click

from reviewer.cli.chinese import ChineseGroup
from reviewer.cli.common import cli_actor, database_session, fail, refuse


@click.group(cls=ChineseGroup)
def alerts() -> None:
    """违规警报：每日生成（可重复运行，不会重复生成）与按单位查看。"""


def _day(value: str | None):
    from reviewer.alerts.sweep import parse_day
    from reviewer.errors import ReviewerError

    try:
        return parse_day(value)
    except ReviewerError as exc:
        refuse(exc)


@alerts.command("sweep")
@click.option("--date", "on", default=None, help="按此日期（YYYY-MM-DD，北京时间）生成，默认今天")
def sweep_command(on: str | None) -> None:
    """检查各来源并生成当天新增的违规警报。"""
    from reviewer.alerts.sweep import sweep
    from reviewer.errors import ReviewerError
    from reviewer.vocabulary import ALERT_SOURCE_NAMES

    day = _day(on)
    with database_session() as session:
        try:
            result = sweep(session, day, actor_name=cli_actor())
        except ReviewerError as exc:
            refuse(exc)
        counts = result.by_source()
    click.echo(f"{day} 新增违规警报 {len(result.raised)} 条（检查到 {result.seen} 项，已有的不重复生成）。")
    for source, name in ALERT_SOURCE_NAMES.items():
        if counts.get(source):
            click.echo(f"  {name}：{counts[source]} 条")


@alerts.command("list")
@click.option("--date", "on", default=None, help="哪一天的清单（YYYY-MM-DD），默认今天")
@click.option("--unit", "unit_name", default=None, help="只看这个单位（单位名称）")
def list_command(on: str | None, unit_name: str | None) -> None:
    """列出某天各单位的违规警报：待处理的和当天已处理的。"""
    from sqlalchemy import select

    from reviewer.alerts.lists import daily
    from reviewer.storage import Unit

    day = _day(on)
    with database_session(commit=False) as session:
        unit_id = None
        if unit_name is not None:
            unit_id = session.scalar(select(Unit.id).where(Unit.name == unit_name.strip()))
            if unit_id is None:
                fail(f"找不到单位“{unit_name}”。")
        units = daily(session, None, day, unit_id)
        if not any(u.alerts for u in units):
            click.echo(f"{day} 没有待处理或当天处理的违规警报。")
        for unit in units:
            if not unit.alerts:
                continue
            talk = f"；{unit.escalation.talk}（{unit.escalation.by}）" if unit.escalation else ""
            click.echo(f"【{unit.unit}】待处理 {unit.open} 条；统计期内共 {unit.counted} 条{talk}")
            for a in unit.alerts:
                done = f"（{a['cleared_by']}：{a['note']}）" if a["state"] != "open" else ""
                click.echo(f"  #{a['id']} [{a['state_name']}] {a['source_name']}：{a['summary']}{done}")
