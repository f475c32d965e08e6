"""``reviewer inspect``: whole account histories against the notices, and the office's report."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import click

from reviewer.cli.chinese import ChineseCommand
from reviewer.cli.common import fail, write_atomically


def _day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{what}格式不正确：{value!r}，应为 YYYY-MM-DD。")


@click.command("inspect", cls=ChineseCommand)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "first", required=True, help="监测起始日期（含），YYYY-MM-DD")
@click.option("--to", "last", required=True, help="监测结束日期（含，即监测时间点），YYYY-MM-DD")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="报告（.xlsx）")
@click.option("--posts", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="逐条检测结果（.jsonl、.csv 或 .xlsx，按扩展名），与 reviewer check 的结果相同，另加 id、account、published_at")
@click.option("--errors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="无法检查的行（.csv：位置、原因）；默认写到报告旁的 …-errors.csv")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="另存一份自包含的 HTML 页面（内嵌 SVG 图表，无外部资源），默认与报告同名")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="并行检测的进程数，默认为 CPU 核数；结果与 1 个进程相同")
@click.option("--engine", "runner", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local：本机多进程；dask：按账号分片提交到 Dask 集群（需 --scheduler）")
@click.option("--scheduler", default=None, help="Dask 调度器地址，如 tcp://10.0.0.5:8786")
@click.option("--shared-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dask 各节点与本机都能访问的共享目录（需要逐条结果时存放分片结果）")
@click.option("--sample", type=click.IntRange(1), default=None, help="随机抽查的账号数（从备案库抽取；无备案库时从文件中的账号抽取）")
@click.option("--seed", type=int, default=None, help="抽查的随机种子（同一种子抽到同一批账号）")
@click.option("--accounts", "targeted", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="定向检查的账号名单（.txt，每行一个账号名称）")
@click.option("--recheck", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="上轮检查报告（.xlsx）：仍不合格的账号在备注中标为“未整改或整改不到位”")
@click.option("--registry/--no-registry", default=True, show_default=True,
              help="有数据库时按备案库匹配账号的主办单位和平台，备案在册但没有记录的账号也检查")
def inspect(inputs: tuple[Path, ...], first: str, last: str, out: Path, posts: Path | None, errors: Path | None,
            html: Path | None, workers: int | None, runner: str, scheduler: str | None, shared_dir: Path | None,
            sample: int | None, seed: int | None, targeted: Path | None, recheck: Path | None, registry: bool) -> None:
    """检查账号历史记录（CSV、JSONL、XLSX），输出检查不合格名单、汇总与证据。"""
    import csv
    import io

    from tqdm import tqdm

    from reviewer.cli.common import settings
    from reviewer.engine.core import load_engine
    from reviewer.inspection.accounts import Window
    from reviewer.inspection.page import render
    from reviewer.inspection.posts import FORMATS, write_posts
    from reviewer.inspection.report import read_failing, write_report
    from reviewer.inspection.run import Scope
    from reviewer.inspection.run import inspect as run

    window = Window(_day(first, "起始日期"), _day(last, "结束日期"))
    if window.last < window.first:
        fail("结束日期早于起始日期。")
    if out.suffix.lower() != ".xlsx":
        fail("报告文件须为 .xlsx。")
    if posts is not None and posts.suffix.lower() not in FORMATS:
        fail(f"逐条结果的文件类型须为 {'、'.join(FORMATS)} 之一：{posts.name}")
    run_parts = None
    if runner == "dask":
        if not scheduler:
            fail("使用 --engine dask 时须用 --scheduler 给出 Dask 调度器地址。")
        from reviewer.inspection.cluster import dask_parts

        run_parts = dask_parts(scheduler, parts=workers, shared=shared_dir)
    if sample is not None and targeted is not None:
        fail("--sample 与 --accounts 只能选一个：随机抽查或定向检查。")
    register = _registry() if registry else ()
    scope = Scope(register, _chosen(inputs, register, sample, seed, targeted))
    previous = None
    if recheck is not None:
        try:
            previous = read_failing(str(recheck))
        except ValueError as exc:
            fail(str(exc))
    engine = load_engine(settings())
    quiet = not sys.stderr.isatty()

    bar = tqdm(unit="条", desc="检查", disable=quiet, mininterval=0.5)

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    scratch = tempfile.TemporaryDirectory(prefix="reviewer-posts-")
    posts_lines = Path(scratch.name) / "posts.jsonl"
    try:
        with posts_lines.open("w", encoding="utf-8") as posts_handle:
            try:
                result = run(inputs, window, engine, posts_out=posts_handle if posts else None, on_progress=progress,
                             workers=workers or os.cpu_count() or 1, run_parts=run_parts, scope=scope)
            except ValueError as exc:
                fail(str(exc))
            except OSError as exc:
                fail(f"无法连接 Dask 调度器 {scheduler}：{exc}" if runner == "dask" else f"读写文件失败：{exc}")
        if posts:
            with posts_lines.open(encoding="utf-8") as lines:
                write_atomically(str(posts), lambda fh: write_posts(lines, fh, posts.suffix.lower()))
    finally:
        bar.close()
        scratch.cleanup()
    result.previous = previous
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


def _registry() -> tuple:
    """The registered accounts, when a database is configured and ready; else none (the files say)."""
    from reviewer.admin.units import list_accounts
    from reviewer.audit import changes
    from reviewer.cli.common import database_session, settings
    from reviewer.inspection.run import Registered
    from reviewer.vocabulary import SUBJECT_LEVEL_NAMES

    if changes.unavailable_reason(settings()):
        return ()
    with database_session(commit=False) as session:
        return tuple(Registered(a.name, a.platform, unit, SUBJECT_LEVEL_NAMES.get(a.subject_level or "", ""))
                     for a, unit in list_accounts(session) if a.active and a.state == "live")


def _chosen(inputs: tuple[Path, ...], register: tuple, sample: int | None, seed: int | None,
            targeted: Path | None) -> frozenset[str] | None:
    """The accounts to judge: a targeted list, a random sample (of the register, else of the files), or all."""
    import random

    from reviewer.inspection.records import account_of, rows

    if targeted is not None:
        try:
            names = {line.strip() for line in targeted.read_text(encoding="utf-8-sig").splitlines()}
        except UnicodeDecodeError:
            fail(f"账号名单不是 UTF-8 文本：{targeted}")
        names.discard("")
        if not names:
            fail(f"账号名单为空：{targeted}")
        return frozenset(names)
    if sample is None:
        return None
    try:
        population = sorted({r.name for r in register} or {account_of(row) for _, row in rows(list(inputs))} - {""})
    except ValueError as exc:
        fail(str(exc))
    if sample > len(population):
        fail(f"抽查数 {sample} 超过可抽取的账号数 {len(population)}。")
    return frozenset(random.Random(seed).sample(population, sample))
