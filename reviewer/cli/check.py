"""``reviewer check`` and ``reviewer scan``: the engine on the command line.

Exit status of ``check``: 0 pass (通过), 1 review (需复核), 3 block (禁止发布), 2 a usage or input
error. A script tells 需复核 from 禁止发布 by the status alone.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import click

from reviewer.cli.chinese import ChineseCommand
from reviewer.cli.common import EXIT_INPUT, fail
from reviewer.config import ConfigError, load_settings
from reviewer.engine.core import Engine
from reviewer.engine.findings import Report
from reviewer.engine.lexicon import LexiconError
from reviewer.errors import ReviewerError
from reviewer.vocabulary import GATE_NAMES, GATES, KINDS, SEVERITY_NAMES, VERDICT_NAMES

#: exit status per verdict (2 is a usage or input error)
EXIT_VERDICT = {"pass": 0, "review": 1, "block": 3}
#: --encoding choices -> the codec read with (GB18030 is the superset of GBK that 记事本 writes)
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}


def decode(data: bytes, name: str, encoding: str = "utf-8") -> str:
    """The text in the encoding named (UTF-8 with or without BOM by default), or a clear error
    naming the first bad byte and the option that reads a GBK file."""
    try:
        return data.decode(ENCODINGS[encoding])
    except UnicodeDecodeError as exc:
        hint = "；若文件由旧版记事本等保存为 GBK 编码，请加 --encoding gbk" if encoding == "utf-8" else ""
        fail(f"{name} 不是有效的 {encoding.upper()} 文本（第 {exc.start + 1} 个字节无法解码）{hint}")


def build_engine(lexicon_dirs: tuple[str, ...], classifier: bool = True) -> Engine:
    """The engine with the configured lexicon folders plus those given on the command line."""
    try:
        settings = load_settings()
        dirs = tuple(settings.lexicon_dirs) + tuple(Path(d) for d in lexicon_dirs)
        return Engine.from_settings(replace(settings, lexicon_dirs=dirs), classifier=classifier)
    except (ConfigError, LexiconError, ReviewerError) as exc:
        fail(str(exc))
        raise


def render_text(text: str, report: Report, color: bool, names: dict[str, str] | None = None) -> str:
    """The text with each finding marked 【…】⁽ⁿ⁾, then a table of findings grouped by gate."""
    lines = [f"审核结论：{VERDICT_NAMES[report.verdict]}（{report.verdict}），共 {len(report.findings)} 处问题", ""]
    marked = []
    pos = 0
    numbered = list(enumerate(report.findings, start=1))
    for start, end, group in _runs(numbered):
        marked.append(text[pos:start])
        evidence = f"【{text[start:end]}】" + "".join(f"[{n}]" for n, _ in group)
        worst = min((f.severity for _, f in group), key=("block", "review", "info").index)
        fg = {"block": "red", "review": "yellow", "info": "cyan"}[worst]
        marked.append(click.style(evidence, fg=fg, bold=True) if color else evidence)
        pos = end
    marked.append(text[pos:])
    lines.append("".join(marked).rstrip("\n"))
    lines.append("")
    for gate in GATES:
        group = [(n, f) for n, f in numbered if f.gate == gate]
        if not group:
            continue
        lines.append(f"== {GATE_NAMES[gate]}（{len(group)}） ==")
        for n, f in group:
            suggestion = f"；建议：{f.suggestion}" if f.suggestion else ""
            note = f"；说明：{f.note}" if f.note else ""
            excerpt = f.text if len(f.text) <= 30 else f.text[:28] + "…"
            lines.append(
                f"  [{n}] {SEVERITY_NAMES[f.severity]} {(names or {}).get(f.category, f.category)} “{excerpt}” "
                f"(第 {f.start}-{f.end} 字){suggestion}{note}"
            )
    if report.labels:
        scores = "，".join(f"{k}={v:.2f}" for k, v in report.labels.items())
        lines.append(f"分类模型得分：{scores}")
    return "\n".join(lines)


def _runs(numbered: list) -> list[tuple[int, int, list]]:
    """Overlapping findings (加微信 inside 微信wjg2026) joined into one marked run that carries every
    finding's number, so none goes unmarked. A classifier finding covers a sentence: it joins the
    run it overlaps rather than widening it, and a long one alone is listed, not marked."""
    runs: list[tuple[int, int, list]] = []
    words = [(n, f) for n, f in numbered if f.source != "classifier"]
    for n, f in sorted(words, key=lambda p: (p[1].start, p[1].end)):
        if runs and f.start < runs[-1][1]:
            start, end, group = runs[-1]
            runs[-1] = (start, max(end, f.end), [*group, (n, f)])
        else:
            runs.append((f.start, f.end, [(n, f)]))
    for n, f in numbered:
        if f.source != "classifier":
            continue
        inside = [i for i, (start, end, _) in enumerate(runs) if start < f.end and f.start < end]
        if inside:
            start, end, group = runs[inside[0]]
            runs[inside[0]] = (start, end, [*group, (n, f)])
        elif f.end - f.start <= 40:
            runs.append((f.start, f.end, [(n, f)]))
    return sorted(runs, key=lambda run: run[0])


@click.command(cls=ChineseCommand)
@click.argument("file", required=False, default="-", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--kind", type=click.Choice(KINDS), default="post", show_default=True, help="post 发布内容，reply 留言回复")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.option("--lexicon-dir", "lexicon_dirs", multiple=True, type=click.Path(file_okay=False),
              help="追加的自定义词库目录（TSV 或每行一词的 TXT），可重复")
@click.option("--duty", default=None, help="账号所属部门或职责描述，用于判断是否偏离职能定位")
@click.option("--encoding", type=click.Choice(list(ENCODINGS)), default="utf-8", show_default=True,
              help="输入文件的编码；旧版记事本保存的文件多为 gbk")
@click.option("--explain", is_flag=True, help="逐一说明每处词库命中：匹配的词条及其文件行号、归一化步骤、为何报出或不报")
def check(file: str, kind: str, fmt: str, lexicon_dirs: tuple[str, ...], duty: str | None, encoding: str,
          explain: bool) -> None:
    """审核一段文本（文件或标准输入），输出问题清单与审核结论。

    退出状态：0 通过，1 需复核，3 禁止发布，2 用法或输入错误。
    """
    if file == "-":
        data = sys.stdin.buffer.read()
        name = "标准输入"
    else:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            fail(f"无法读取文件 {file}：{exc.strerror}")
        name = file
    text = decode(data, name, encoding)
    engine = build_engine(lexicon_dirs)
    try:
        report = engine.review(text, kind=kind, duty=duty)
    except ReviewerError as exc:
        fail(exc.message)
    traces = _explained(engine, text, kind) if explain else None
    names = {name: family.title for name, family in engine.categories.items()}
    if fmt == "json":
        data = report.to_dict()
        if traces is not None:
            data["explain"] = [t.to_dict() for t in traces]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(text, report, color=sys.stdout.isatty(), names=names))
        if traces is not None:
            click.echo("\n" + render_traces(traces, names))
    sys.exit(EXIT_VERDICT[report.verdict])


def _explained(engine: Engine, text: str, kind: str) -> list:
    from reviewer.engine.explain import explain

    return list(explain(engine, text, kind).traces)


def render_traces(traces: list, names: dict[str, str]) -> str:
    """The lexicon hits one per line: evidence, term, entry, normalization, what became of it and why."""
    from reviewer.engine.explain import OUTCOMES

    if not traces:
        return "== 词库命中说明 ==\n  没有任何词库命中。"
    lines = ["== 词库命中说明 =="]
    for t in traces:
        entry = "、".join(f"{names.get(e.category, e.category)}（{e.origin}）" for e in t.entries)
        how = f"；归一化：{'，'.join(t.steps)}" if t.steps else ""
        why = f"：{t.why}" if t.why else ""
        lines.append(f"  “{t.evidence}”（第 {t.start}-{t.end} 字）→ 词条“{t.term}” {entry}{how}；{OUTCOMES[t.outcome]}{why}")
    return "\n".join(lines)


def _scan_line(engine: Engine, lineno: int, line: str) -> dict:
    """One input record to one output record; a bad record yields an error record, in place."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": lineno, "error": "invalid_json", "message": f"第 {lineno} 行不是有效的 JSON：{exc.msg}"}
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        rid = record.get("id") if isinstance(record, dict) else None
        return {"id": rid, "line": lineno, "error": "invalid_record", "message": f"第 {lineno} 行缺少文本字段 text"}
    kind = record.get("kind") or "post"
    try:
        report = engine.review(record["text"], kind=kind, duty=record.get("duty"))
    except ReviewerError as exc:
        return {"id": record.get("id"), "line": lineno, "error": exc.code, "message": exc.message}
    return {"id": record.get("id"), **report.to_dict()}


@click.command(cls=ChineseCommand)
@click.argument("input_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="输出 JSONL 文件")
@click.option("--lexicon-dir", "lexicon_dirs", multiple=True, type=click.Path(file_okay=False))
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认在终端中显示）")
@click.option("--encoding", type=click.Choice(list(ENCODINGS)), default="utf-8", show_default=True,
              help="输入文件的编码")
def scan(input_file: str, out_file: str, lexicon_dirs: tuple[str, ...], progress: bool | None, encoding: str) -> None:
    """批量审核 JSONL 文件（每行 {"id", "text", "kind"}），按输入顺序逐行输出结果。"""
    from tqdm import tqdm

    raw = sys.stdin.buffer.read() if input_file == "-" else Path(input_file).read_bytes()
    lines = decode(raw, input_file, encoding).splitlines()
    engine = build_engine(lexicon_dirs)
    out_path = Path(out_file)
    errors = 0
    show = sys.stderr.isatty() if progress is None else progress
    fd, tmp = tempfile.mkstemp(prefix=".scan-", suffix=".jsonl", dir=out_path.parent.resolve())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for lineno, line in enumerate(tqdm(lines, desc="审核", unit="条", disable=not show), start=1):
                if not line.strip():
                    continue
                result = _scan_line(engine, lineno, line)
                errors += "error" in result
                out.write(json.dumps(result, ensure_ascii=False) + "\n")
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if errors:
        click.echo(f"有 {errors} 条记录无法审核，已在输出中标注 error 字段", err=True)
        sys.exit(EXIT_INPUT)
