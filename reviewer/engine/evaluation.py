"""The whole engine measured on labelled text: what a reviewer would see, label by label.

A row's label is the one problem it has (or ``ok``); the engine "reports" a label when any finding
of that category reaches ``review`` or ``block``. Precision, recall and F1 per label, and the share
of clean texts that get any review-or-block finding at all (of any category: false alarms are
false alarms whatever raised them). Used on the independent evaluation set, never to tune.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from reviewer.engine.core import Engine

LABELS: tuple[str, ...] = ("commercial", "off_topic", "entertainment", "rude")
RAISING: frozenset[str] = frozenset({"review", "block"})


def read_rows(paths: Iterable[Path]) -> list[dict]:
    """Rows of labelled JSONL files (text, label, kind, optional department)."""
    rows = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def evaluate(engine: Engine, rows: list[dict]) -> dict:
    """Per-label precision/recall/F1 of the engine's raised findings, and the clean texts' alarm rate."""
    counts = {label: {"tp": 0, "fp": 0, "fn": 0} for label in LABELS}
    clean = clean_flagged = 0
    flagged_by: dict[str, int] = {}
    for row in rows:
        report = engine.review(row["text"], kind=row.get("kind", "post"), duty=row.get("department"))
        raised = {f.category for f in report.findings if f.severity in RAISING}
        for label in LABELS:
            hit, truth = label in raised, row["label"] == label
            if hit and truth:
                counts[label]["tp"] += 1
            elif hit:
                counts[label]["fp"] += 1
            elif truth:
                counts[label]["fn"] += 1
        if row["label"] == "ok":
            clean += 1
            if raised:
                clean_flagged += 1
                for category in raised:
                    flagged_by[category] = flagged_by.get(category, 0) + 1
    result: dict = {"n": len(rows), "labels": {}}
    for label, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result["labels"][label] = {"precision": precision, "recall": recall, "f1": f1,
                                   "support": c["tp"] + c["fn"]}
    result["clean_n"] = clean
    result["clean_flagged_rate"] = clean_flagged / clean if clean else 0.0
    result["clean_flagged_by"] = dict(sorted(flagged_by.items(), key=lambda kv: -kv[1]))
    return result
