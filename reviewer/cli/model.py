"""``reviewer train`` and ``reviewer eval``: build the classifier and measure it on any data."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import click

from reviewer.cli.chinese import ChineseCommand
from reviewer.cli.common import fail, refuse

#: Who the audit trail names for a model change made by ``reviewer train``.
TRAIN_ACTOR = "reviewer train"
LABEL_NAMES = {"ok": "正常", "commercial": "商业广告", "off_topic": "离题", "entertainment": "娱乐化", "rude": "雷人雷语"}


def _package_dir(name: str) -> Path:
    return Path(str(resources.files(name)))


def _metrics_table(title: str, result: dict) -> list[str]:
    lines = [title, f"  {'标签':<14}{'精确率':>8}{'召回率':>8}{'F1':>8}{'样本数':>8}"]
    for label, m in result["labels"].items():
        lines.append(f"  {label:<16}{m['precision']:>9.3f}{m['recall']:>9.3f}{m['f1']:>9.3f}{m['support']:>9d}")
    if result.get("clean_pass_rate") is not None:
        clean = result.get("clean_n")
        counted = f"正常样本 {clean} 条，" if clean is not None else ""
        lines.append(f"  正常样本未被标记的比例：{result['clean_pass_rate']:.2%}（{counted}共 {result['n']} 条）")
    return lines


def _confusion_table(result: dict) -> list[str]:
    order = result["confusion"]["order"]
    head = "".join(f"{LABEL_NAMES.get(o, o):>8}" for o in order)
    lines = ["混淆矩阵（行：标注，列：预测）", f"  {'':<14}{head}"]
    for name, row in zip(order, result["confusion"]["matrix"], strict=True):
        lines.append(f"  {name:<14}" + "".join(f"{v:>10d}" for v in row))
    return lines


def _feedback_accuracy(model: object, rows: list[dict]) -> float | None:
    from reviewer.engine.training import decide

    if model is None or not rows:
        return None
    hits = [decide(model.score(r["text"], r["kind"], r.get("department")).probs, r["kind"], model.thresholds)
            == r["label"] for r in rows]
    return sum(hits) / len(hits)


@click.command("train", cls=ChineseCommand)
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path),
              help="语料目录（*.jsonl），默认为随包提供的 models/corpus。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="模型输出目录，默认为 models/。")
@click.option("--feedback", "feedback_file", type=click.Path(dir_okay=False, path_type=Path),
              help="审核员反馈（JSONL：text、label、decision），并入语料后重新训练。")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子。")
def train(corpus_dir: Path | None, out_dir: Path | None, feedback_file: Path | None, seed: int) -> None:
    """训练分类器：分组交叉验证、选择阈值、在留出集上测试并写出模型与元数据。"""
    from tqdm import tqdm

    from reviewer.engine.classifier import Classifier, CorpusError, ModelError
    from reviewer.engine.training import add_feedback, read_jsonl
    from reviewer.engine.training import train as train_model

    corpus_dir = corpus_dir or _package_dir("reviewer.models.corpus")
    out_dir = out_dir or _package_dir("reviewer.models")
    before, feedback_rows = None, []
    try:
        if feedback_file is not None:
            feedback_rows = read_jsonl(feedback_file, feedback=True)
            try:
                before = Classifier.load(out_dir)
            except ModelError:
                before = None
            added = add_feedback(corpus_dir, feedback_file)
            click.echo(f"已并入 {added} 条审核反馈（共 {len(feedback_rows)} 条，重复的不再添加）。")
        started = time.perf_counter()

        def progress(folds: Iterable) -> Iterable:
            return tqdm(folds, desc="交叉验证", unit="折", leave=False)

        metadata = train_model(corpus_dir, out_dir, seed=seed, progress=progress)
    except (CorpusError, ModelError) as exc:
        refuse(exc)
        return
    elapsed = time.perf_counter() - started
    lines = [f"训练完成，用时 {elapsed:.1f} 秒；语料 {metadata['corpus_size']} 条，"
             f"训练 {metadata['split']['train_rows']} 条，留出测试 {metadata['split']['test_rows']} 条。"]
    if before is not None:
        lines += _metrics_table("反馈前 · 交叉验证", before.metadata["cv"])
        if before.metadata.get("test"):
            lines += _metrics_table("反馈前 · 留出测试集", before.metadata["test"])
    lines += _metrics_table(f"交叉验证（分组 {metadata['split']['cv_folds']} 折）", metadata["cv"])
    if metadata["test"] is not None:
        lines += _metrics_table("留出测试集（不参与训练与阈值选择）", metadata["test"])
    else:
        lines.append("留出测试集：无（按写作者分组交叉验证，全部语料参与训练；独立评估请用 reviewer eval models/evaluation --engine）")
    if feedback_rows:
        after = Classifier.load(out_dir)
        old, new = _feedback_accuracy(before, feedback_rows), _feedback_accuracy(after, feedback_rows)
        lines.append("反馈样本判对比例：" + (f"反馈前 {old:.2%}，" if old is not None else "") + f"反馈后 {new:.2%}")
    lines.append("阈值：" + "，".join(f"{k}={v:.2f}" for k, v in metadata["thresholds"].items()))
    lines.append(f"模型：{Path(out_dir) / metadata['model_file']}（sha256 {metadata['model_sha256'][:16]}…）")
    click.echo("\n".join(lines))
    _record_model_change()


def _record_model_change() -> None:
    """Put the new model on the audit trail when a migrated database is configured; else one note."""
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.audit import chain as audit
    from reviewer.audit import changes
    from reviewer.audit.keys import AuditKeyError
    from reviewer.config import ConfigError, load_settings
    from reviewer.engine.core import Engine
    from reviewer.engine.lexicon import LexiconError
    from reviewer.errors import ReviewerError

    skipped = "模型变更未记入审计日志"
    try:
        settings = load_settings()
        reason = changes.unavailable_reason(settings)
        if reason is None:
            written = changes.record_in_database(settings, TRAIN_ACTOR, Engine.from_settings(settings))
    except (ConfigError, ReviewerError, LexiconError, AuditKeyError, SQLAlchemyError) as exc:
        reason = str(exc).splitlines()[0][:200]
    if reason is not None:
        click.echo(f"提示：{reason}，{skipped}。", err=True)
        return
    for event in written:
        click.echo(f"已记入审计日志：{audit.event_names()[event]}")


@click.command("eval", cls=ChineseCommand)
@click.argument("data_file", type=click.Path(exists=True, path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path), help="模型文件或目录，默认为已提交的模型。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出指标。")
@click.option("--engine", "whole_engine", is_flag=True,
              help="评估整个检测引擎（词库、模式规则与分类模型；标签含 commercial），并统计正常文本的误报率。")
def eval_command(data_file: Path, model_path: Path | None, as_json: bool, whole_engine: bool) -> None:
    """在带标注的 JSONL（text、label，可选 kind、department）上评估分类器或整个引擎。"""
    from reviewer.engine.classifier import Classifier, CorpusError, ModelError
    from reviewer.engine.training import decide, metrics, read_jsonl

    if whole_engine:
        _eval_engine(data_file, as_json)
        return
    try:
        rows = read_jsonl(data_file)
        model = Classifier.load(model_path)
    except (CorpusError, ModelError) as exc:
        refuse(exc)
        return
    if not rows:
        fail(f"文件中没有样本：{data_file}")
        return
    predicted = [decide(model.score(r["text"], r["kind"], r.get("department")).probs, r["kind"],
                        model.thresholds) for r in rows]
    result = metrics([r["label"] for r in rows], predicted)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo("\n".join(_metrics_table(f"评估：{data_file.name}", result) + _confusion_table(result)))


def _eval_engine(data_file: Path, as_json: bool) -> None:
    """The whole engine on labelled text: per-label P/R/F1 and the clean texts' false-alarm rate."""
    from reviewer.config import load_settings
    from reviewer.engine.core import load_engine
    from reviewer.engine.evaluation import evaluate, read_rows

    paths = sorted(data_file.glob("*.jsonl")) if data_file.is_dir() else [data_file]
    try:
        rows = read_rows(paths)
    except (OSError, ValueError) as exc:
        fail(f"无法读取评估数据 {data_file}：{exc}")
    result = evaluate(load_engine(load_settings()), rows)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    lines = [f"整个引擎评估：{data_file.name}（{result['n']} 条）",
             f"  {'标签':<14}{'精确率':>8}{'召回率':>8}{'F1':>8}{'样本数':>8}"]
    for label, m in result["labels"].items():
        lines.append(f"  {label:<16}{m['precision']:>9.3f}{m['recall']:>9.3f}{m['f1']:>9.3f}{m['support']:>9d}")
    lines.append(f"  正常文本出现“需复核/禁止发布”问题的比例：{result['clean_flagged_rate']:.2%}"
                 f"（正常文本 {result['clean_n']} 条）")
    if result["clean_flagged_by"]:
        lines.append("  其中按类别：" + "、".join(f"{k} {v}" for k, v in result["clean_flagged_by"].items()))
    click.echo("\n".join(lines))
