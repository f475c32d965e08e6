"""Training and evaluation of the classifier: corpus reading, grouped CV, thresholds, metrics.

Kept apart from inference (``classifier``) so that reviewing a text never imports the training
machinery; the metadata written here describes exactly the model that ``classifier`` loads.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from reviewer.engine.classifier import (
    CLASSES,
    CV_FOLDS,
    DECISION_LABEL,
    DEFAULT_JUDGED,
    FEEDBACK_GROUP,
    FEEDBACK_WEIGHT,
    LABELS,
    MAX_FALSE_ALARMS,
    MIN_LETTERS,
    MODEL_NAME,
    REGULARIZATION_C,
    TEST_GROUPS,
    THRESHOLD_GRID,
    TOPIC_C,
    WORD_MIN_CHARS,
    Classifier,
    CorpusError,
    Margins,
    Scored,
    _cached_default,
    _duties,
    sha256_file,
)
from reviewer.engine.features import Vocabulary
from reviewer.engine.wordgrams import words as jieba_words
from reviewer.vocabulary import KINDS

#: corpus_<writer>.jsonl: the writer is the cross-validation group (leave one writer out)
_WRITER_FILE = re.compile(r"^corpus_(\w+)$")


def read_jsonl(path: Path, *, feedback: bool = False) -> list[dict]:
    """Validated rows of a corpus or feedback file; a bad line raises CorpusError naming it."""
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise CorpusError(f"找不到文件：{path}") from exc
    except UnicodeDecodeError as exc:
        raise CorpusError(f"文件不是 UTF-8 编码：{path}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{Path(path).name} 第 {number} 行"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where} 不是合法的 JSON") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise CorpusError(f"{where} 缺少非空的 text 字段")
        label = row.get("label")
        allowed = LABELS if feedback else CLASSES
        if label not in allowed:
            raise CorpusError(f"{where} 的 label 应为 {'、'.join(allowed)} 之一，实为 {label!r}")
        kind = row.get("kind") or ("reply" if label == "rude" else "post")
        if kind not in KINDS:
            raise CorpusError(f"{where} 的 kind 应为 post 或 reply，实为 {kind!r}")
        row["kind"] = kind
        if feedback:
            decision = row.get("decision")
            if decision not in DECISION_LABEL:
                raise CorpusError(f"{where} 的 decision 应为 confirmed、false_alarm 或 missed，实为 {decision!r}")
            row["label"] = DECISION_LABEL[decision] or label
            row["group"] = FEEDBACK_GROUP
        rows.append(row)
    return rows


def load_corpus(folder: Path) -> tuple[list[dict], str]:
    """All rows of the ``*.jsonl`` files in folder, and one sha256 over those files."""
    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        raise CorpusError(f"语料目录中没有 .jsonl 文件：{folder}")
    digest = hashlib.sha256()
    rows: list[dict] = []
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        writer = _WRITER_FILE.match(path.stem)
        for row in read_jsonl(path):
            if not row.get("group"):
                # a writer's file is its group; other rows are split by a stable hash of their text
                row["group"] = (writer.group(1) if writer else
                                f"h{int(hashlib.sha1(row['text'].encode()).hexdigest(), 16) % 6}")
            rows.append(row)
    return rows, digest.hexdigest()


def add_feedback(corpus_dir: Path, feedback_file: Path) -> int:
    """Append reviewer decisions to corpus_dir/feedback.jsonl (new texts only); return how many."""
    new_rows = read_jsonl(feedback_file, feedback=True)
    target = Path(corpus_dir) / "feedback.jsonl"
    seen = {(r["text"], r["kind"]) for r in read_jsonl(target)} if target.exists() else set()
    added = 0
    with open(target, "a", encoding="utf-8") as fh:
        for row in new_rows:
            if (row["text"], row["kind"]) in seen:
                continue
            seen.add((row["text"], row["kind"]))
            keep = {k: row[k] for k in ("text", "kind", "label", "department", "decision", "group") if row.get(k)}
            fh.write(json.dumps(keep, ensure_ascii=False) + "\n")
            added += 1
    return added


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    """A training text's jieba words, cut once for all the folds of a cross-validation."""
    return tuple(jieba_words(text))


def subject_of(row: dict) -> str | None:
    """Whose business the content is: ``subject`` (v2), else the v1 ``topic``."""
    return row.get("subject") or (row.get("topic") if "subject" not in row else None)


def by_duty(row: dict) -> bool:
    """Off-topic only because of the account (v1 ``basis: duty``; v2 subject another department)."""
    if row.get("basis") == "duty":
        return True
    subject = row.get("subject")
    return (row["label"] == "off_topic" and subject is not None and subject in _duties()
            and subject != row.get("department"))


def fit(rows: Sequence[dict], seed: int = 0, min_chars: int = WORD_MIN_CHARS) -> Classifier:
    """Fit features, the label model and the department model on rows (uncalibrated).

    Rows that are off-topic only because of their account (``by_duty``) teach the department
    model and not the text-only label model.
    """
    texts = [r["text"] for r in rows]
    vocabulary = Vocabulary.fit(texts, [_words(t) for t in texts], min_df=2, min_chars=min_chars)
    counts = vocabulary.count_matrix(texts, [r["kind"] for r in rows])
    blocks = [TfidfTransformer(sublinear_tf=True).fit(counts[:, cols]) for cols in vocabulary.blocks()]
    x = sp.hstack([t.transform(counts[:, cols]) for t, cols in zip(blocks, vocabulary.blocks(), strict=True)]).tocsr()
    weights = np.array([FEEDBACK_WEIGHT if r.get("group") == FEEDBACK_GROUP else 1.0 for r in rows])
    label_idx = [i for i, r in enumerate(rows) if not by_duty(r)]
    labels = [rows[i]["label"] for i in label_idx]
    missing = [c for c in CLASSES if c not in labels]
    if missing:
        raise CorpusError(f"训练数据缺少以下标签的样本：{'、'.join(missing)}")
    model = LinearSVC(C=REGULARIZATION_C, random_state=seed)
    model.fit(x[label_idx], labels, sample_weight=weights[label_idx])
    topic_idx = [i for i, r in enumerate(rows) if subject_of(r) and r["kind"] == "post"
                 and (r["label"] in ("ok", "off_topic") or "subject" in r)]
    topics = [subject_of(rows[i]) for i in topic_idx]
    if len(set(topics)) < 2:
        raise CorpusError("训练数据缺少 subject 字段（至少两个部门主题），无法建立账号职责模型")
    topic = LinearSVC(C=TOPIC_C, random_state=seed)
    topic.fit(x[topic_idx], topics, sample_weight=weights[topic_idx])
    state = {
        "vocabulary": vocabulary,
        "idf": np.concatenate([t.idf_ for t in blocks]).astype(np.float64),
        "coef": model.coef_.astype(np.float32),
        "intercept": model.intercept_.astype(np.float64),
        "classes": [str(c) for c in model.classes_],
        "topic_coef": topic.coef_.astype(np.float32),
        "topic_intercept": topic.intercept_.astype(np.float64),
        "topic_classes": [str(c) for c in topic.classes_],
    }
    return Classifier(state, {"_sklearn": (blocks, model, topic)})


def fit_platt(rows: Sequence[dict], margins: Sequence[Margins], classes: Sequence[str]) -> dict:
    """Platt scaling (a one-feature logistic regression) per class and for the duty margin.

    Fitted on cross-validated decision values, so the scaling learns how far to trust the
    model on fragments it has not seen.
    """
    keep = [i for i, r in enumerate(rows) if not by_duty(r)]
    platt = []
    for k, name in enumerate(classes):
        x = np.array([[margins[i].classes[k]] for i in keep])
        y = np.array([rows[i]["label"] == name for i in keep])
        lr = LogisticRegression(C=100.0).fit(x, y)
        platt.append([float(lr.coef_[0, 0]), float(lr.intercept_[0])])
    duty_idx = [i for i, m in enumerate(margins)
                if m.duty is not None and rows[i]["label"] in ("ok", "off_topic")]
    duty = [1.0, 0.0]
    y = np.array([rows[i]["label"] == "off_topic" for i in duty_idx])
    if duty_idx and 0 < y.sum() < len(y):
        lr = LogisticRegression(C=100.0).fit(np.array([[margins[i].duty] for i in duty_idx]), y)
        duty = [float(lr.coef_[0, 0]), float(lr.intercept_[0])]
    return {"platt": np.array(platt), "duty_platt": np.array(duty)}


def judged_for(kind: str) -> tuple[str, ...]:
    return DEFAULT_JUDGED[kind]


def decide(probs: dict[str, float], kind: str, thresholds: dict[str, float]) -> str:
    """The predicted label: the most probable judged label over its threshold, else ok."""
    over = [(probs[label], label) for label in judged_for(kind) if probs[label] >= thresholds[label]]
    return max(over)[1] if over else "ok"


def _f1(pred: np.ndarray, truth: np.ndarray) -> float:
    total = pred.sum() + truth.sum()
    return float(2 * np.sum(pred & truth) / total) if total else 0.0


def _rank(pred: np.ndarray, truth: np.ndarray, clean: np.ndarray) -> tuple[bool, float]:
    """Sort key: thresholds within the false-alarm budget first, then by F1 (else fewer alarms)."""
    alarms = float(np.mean(pred[clean])) if clean.any() else 0.0
    within = alarms <= MAX_FALSE_ALARMS
    return within, _f1(pred, truth) if within else -alarms


def choose_thresholds(rows: Sequence[dict], scored: Sequence[Scored]) -> tuple[dict[str, float], float]:
    """Per label, the threshold with the best F1 on out-of-fold probabilities (ties: higher)
    among those that flag at most MAX_FALSE_ALARMS of the clean examples.

    off_topic has two paths, the text itself and the duty mismatch; their thresholds are chosen
    together, and the second value returned is the logit shift that lets one off_topic threshold
    serve both (applied to the duty calibration's offset).
    """
    chosen: dict[str, float] = {}
    shift = 0.0
    for label in LABELS:
        idx = [i for i, r in enumerate(rows) if label in judged_for(r["kind"])]
        truth = np.array([rows[i]["label"] == label for i in idx])
        clean = np.array([rows[i]["label"] == "ok" for i in idx])

        if label == "off_topic":
            text_p = np.array([scored[i].text_off_topic for i in idx])
            duty_p = np.array([scored[i].duty_p for i in idx])
            _, t, u = max((_rank((text_p >= t) | (duty_p >= u), truth, clean), t, u)
                          for t in THRESHOLD_GRID for u in THRESHOLD_GRID)
            chosen[label] = float(t)
            shift = float(np.log(t / (1 - t)) - np.log(u / (1 - u)))
            continue
        p = np.array([scored[i].probs[label] for i in idx])
        chosen[label] = float(max((_rank(p >= t, truth, clean), t) for t in THRESHOLD_GRID)[1])
    return chosen, shift


def metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict:
    """Per-label precision/recall/F1/support, the clean rate and the confusion matrix."""
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=list(LABELS), zero_division=0)
    clean = [pred == "ok" for t, pred in zip(truth, predicted, strict=True) if t == "ok"]
    return {
        "labels": {label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                           "f1": round(float(f[i]), 4), "support": int(s[i])} for i, label in enumerate(LABELS)},
        "clean_pass_rate": round(float(np.mean(clean)), 4) if clean else None,
        "clean_n": len(clean),
        "confusion": {"order": list(CLASSES),
                      "matrix": confusion_matrix(truth, predicted, labels=list(CLASSES)).tolist()},
        "n": len(truth),
    }


def predict_rows(model: Classifier, rows: Sequence[dict]) -> list[dict[str, float]]:
    return [model.score(r["text"], r["kind"], r.get("department")).probs for r in rows]


def calibration_error(rows: Sequence[dict], probs: Sequence[dict[str, float]], bins: int = 10) -> dict:
    """Expected calibration error per label (one-vs-rest, equal-width bins)."""
    out = {}
    for label in LABELS:
        p, y = np.array([q[label] for q in probs]), np.array([r["label"] == label for r in rows], dtype=float)
        which = np.minimum((p * bins).astype(int), bins - 1)
        out[label] = round(float(sum(abs(p[which == b].mean() - y[which == b].mean()) * np.mean(which == b)
                                     for b in range(bins) if np.any(which == b))), 4)
    return out


def library_versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "joblib": joblib.__version__}


def train(
    corpus_dir: Path,
    out_dir: Path,
    seed: int = 0,
    progress: Callable[[Iterable], Iterable] = lambda it: it,
    min_chars: int = WORD_MIN_CHARS,
) -> dict:
    """Cross-validate, choose thresholds, fit on the training split, test, save; return metadata.

    v2 has one group per writer and no held-out group: CV leaves one writer out, the final fit
    uses every row, and the independent test is models/evaluation."""
    rows, corpus_sha = load_corpus(corpus_dir)
    test = [r for r in rows if r["group"] in TEST_GROUPS]
    train_rows = [r for r in rows if r["group"] not in TEST_GROUPS]
    feedback = [r for r in train_rows if r["group"] == FEEDBACK_GROUP]
    cv_rows = [r for r in train_rows if r["group"] != FEEDBACK_GROUP]
    groups = [r["group"] for r in cv_rows]
    folds = min(CV_FOLDS, len(set(groups)))
    if folds < 2:
        raise CorpusError("语料分组不足：交叉验证至少需要两个分组")
    oof: list[Margins | None] = [None] * len(cv_rows)
    classes: tuple[str, ...] = ()
    splits = list(GroupKFold(n_splits=folds).split(cv_rows, groups=groups))
    for train_idx, val_idx in progress(splits):
        model = fit([cv_rows[i] for i in train_idx] + feedback, seed, min_chars)
        classes = model.classes
        for i in val_idx:
            r = cv_rows[i]
            oof[i] = model.margins(r["text"], r["kind"], r.get("department"))
    calibration = fit_platt(cv_rows, oof, classes)
    final = fit(train_rows, seed, min_chars)
    final.state.update(calibration)
    final = Classifier(final.state)
    thresholds, duty_shift = choose_thresholds(cv_rows, [final.calibrate(m) for m in oof])
    final.state["duty_platt"] = final.state["duty_platt"] + np.array([0.0, duty_shift])
    final = Classifier(final.state, {"thresholds": thresholds})
    oof_probs = [final.calibrate(m).probs for m in oof]
    predicted = [decide(p, r["kind"], thresholds) for p, r in zip(oof_probs, cv_rows, strict=True)]
    cv = metrics([r["label"] for r in cv_rows], predicted)
    writers = sorted(set(groups))
    by_group = {g: metrics(*zip(*[(r["label"], q) for r, q in zip(cv_rows, predicted, strict=True)
                                  if r["group"] == g], strict=True))["labels"] for g in writers}
    held_out = metrics([r["label"] for r in test], [decide(p, r["kind"], thresholds) for p, r in zip(
        predict_rows(final, test), test, strict=True)]) if test else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_NAME
    tmp = model_path.with_suffix(".joblib.tmp")
    joblib.dump(final.state, tmp, compress=3)
    tmp.replace(model_path)
    metadata = {
        "model_file": MODEL_NAME,
        "model_sha256": sha256_file(model_path),
        "corpus_sha256": corpus_sha,
        "corpus_size": len(rows),
        "feedback_rows": len(feedback),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "versions": library_versions(),
        "features": {"blocks": ["char 1-2 grams of the compact view + kind", "jieba words (HMM off) found in the compact view",
                                "1-2 grams around punctuation, symbols and emoji (marks)"],
                     "min_df": 2, "tf": "sublinear", "idf": "smooth", "norm": "l2 per block",
                     "counting": "one Aho-Corasick walk over the compact view, shared with the lexicon",
                     "grams": final.vocabulary.n_grams, "word_vocabulary": final.vocabulary.n_words,
                     "marks": int(len(final.vocabulary.marks)), "word_min_chars": min_chars},
        "model": {"type": "LinearSVC (one-vs-rest) + Platt scaling", "C": REGULARIZATION_C,
                  "classes": list(final.classes), "topic_classes": list(final.topic_classes)},
        "split": {"test_groups": list(TEST_GROUPS) if test else [], "cv_folds": folds, "groups": writers,
                  "cv": "GroupKFold by fragment pool" if test else "GroupKFold by writer (leave one writer out)",
                  "train_rows": len(train_rows), "test_rows": len(test)},
        "judged": {k: list(v) for k, v in DEFAULT_JUDGED.items()},
        "thresholds": thresholds,
        "threshold_rule": "per label, max F1 on cross-validated out-of-fold probabilities with at most "
                          f"{MAX_FALSE_ALARMS:.0%} of clean examples flagged; off_topic's "
                          "text and duty paths jointly, the duty calibration shifted to share one threshold",
        "duty_logit_shift": duty_shift,
        "min_letters": MIN_LETTERS,
        "calibration": "Platt scaling per class, fitted on group-out-of-fold decision values",
        "calibration_ece_cv": calibration_error(cv_rows, oof_probs),
        "cv_by_group": by_group,
        "cv": cv,
        "test": held_out,
    }
    meta_path = out_dir / "classifier.json"
    meta_path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _cached_default.cache_clear()
    return metadata
