"""``reviewer inspect``: whole account histories against the notices, and the office's report."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from reviewer.cli.common import fail, write_atomically


def _day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{what}格式不正确：{value!r}，应为 YYYY-MM-DD。")


@click.command("inspect")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "first", required=True, help="监测起始日期（含），YYYY-MM-DD")
@click.option("--to", "last", required=True, help="监测结束日期（含，即监测时间点），YYYY-MM-DD")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="报告（.xlsx）")
@click.option("--posts", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="逐条检测结果（.jsonl），与 reviewer check 的 JSON 相同，另加 id、account、published_at")
@click.option("--errors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="无法检查的行（.csv：位置、原因）；默认写到报告旁的 …-errors.csv")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="另存一份自包含的 HTML 页面（内嵌 SVG 图表，无外部资源），默认与报告同名")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="并行检测的进程数，默认为 CPU 核数；结果与 1 个进程相同")
def inspect(inputs: tuple[Path, ...], first: str, last: str, out: Path, posts: Path | None, errors: Path | None,
            html: Path | None, workers: int | None) -> None:
    """检查账号历史记录（CSV、JSONL、XLSX），输出检查不合格名单、汇总与证据。"""
    import csv
    import io

    from tqdm import tqdm

    from reviewer.cli.common import settings
    from reviewer.engine.core import load_engine
    from reviewer.inspection.accounts import Window
    from reviewer.inspection.page import render
    from reviewer.inspection.report import write_report
    from reviewer.inspection.run import inspect as run

    window = Window(_day(first, "起始日期"), _day(last, "结束日期"))
    if window.last < window.first:
        fail("结束日期早于起始日期。")
    if out.suffix.lower() != ".xlsx":
        fail("报告文件须为 .xlsx。")
    engine = load_engine(settings())
    quiet = not sys.stderr.isatty()

    bar = tqdm(unit="条", desc="检查", disable=quiet, mininterval=0.5)

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    posts_handle = posts.open("w", encoding="utf-8") if posts else None
    try:
        try:
            result = run(inputs, window, engine, posts_out=posts_handle, on_progress=progress,
                         workers=workers or os.cpu_count() or 1)
        except ValueError as exc:
            fail(str(exc))
    finally:
        bar.close()
        if posts_handle:
            posts_handle.close()
    write_atomically(str(out), lambda fh: write_report(result, fh))
    page = html or out.with_suffix(".html")
    write_atomically(str(page), lambda fh: fh.write(render(result).encode("utf-8")))
    errors = errors or out.with_name(out.stem + "-errors.csv")
    if result.bad_rows:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["位置", "原因"])
        writer.writerows((b.where, b.reason) for b in result.bad_rows)
        write_atomically(str(errors), lambda fh: fh.write(buffer.getvalue().encode("utf-8-sig")))
    failing = sum(not v.passed for v in result.verdicts)
    click.echo(f"已检查 {len(result.verdicts)} 个账号、{result.records} 条记录：不合格 {failing} 个；"
               f"无法检查的行 {len(result.bad_rows)} 条{'（见 ' + str(errors) + '）' if result.bad_rows else ''}。"
               f"报告：{out}、{page}", err=True)
