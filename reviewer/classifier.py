"""The tone-and-topic classifier: off-topic posts, over-entertaining posts, rude replies.

These three problems are a topic or a tone, not a word, so no lexicon finds them. A linear
model over character n-grams scores each text; an account's duty (its department) steers the
off-topic judgement through a second linear model that names the department a text belongs to.
Training, the held-out evaluation, loading with the hash check and the explanations all live
here so that the numbers in the metadata file describe exactly the code that uses the model.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import platform
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from reviewer.chargrams import CharGramCounter, decode, normalize
from reviewer.errors import ReviewerError
from reviewer.findings import KINDS, Finding

LABELS: tuple[str, ...] = ("off_topic", "entertainment", "rude")
CLASSES: tuple[str, ...] = ("ok", *LABELS)
#: which labels are judged for which kind of text unless the caller says otherwise
DEFAULT_JUDGED: dict[str, tuple[str, ...]] = {"post": ("off_topic", "entertainment"), "reply": ("rude",)}
LABEL_TEXT: dict[str, dict[str, str]] = {
    "off_topic": {
        "name": "功能定位不清（与本单位职责无关）",
        "suggestion": "政务账号应发布与本单位职责相关的政务信息；请删除或改写与职能无关的内容，确需转发的请说明与本单位工作的关联。",
    },
    "entertainment": {
        "name": "过度娱乐化（卖萌、卖惨、低俗或玩梗）",
        "suggestion": "请改用庄重、规范的政务语言，删去卖萌卖惨、网络流行语和低俗表达，保留事实与办事信息。",
    },
    "rude": {
        "name": "雷人雷语（生硬、推诿或敷衍的回复）",
        "suggestion": "请礼貌回应诉求：说明办理结果或依据；不属本单位职责的，写明承办部门和联系渠道，并告知已转办。",
    },
}
#: n-gram markers prepended to the text so one model can tell posts from replies
KIND_MARK: dict[str, str] = {"post": "\ue000", "reply": "\ue001"}
TEST_GROUPS: tuple[str, ...] = ("p5",)
FEEDBACK_GROUP = "feedback"
FEEDBACK_WEIGHT = 3.0
#: reviewer decision -> the label the text gets (None: the label the reviewer gave)
DECISION_LABEL: dict[str, str | None] = {"confirmed": None, "missed": None, "false_alarm": "ok"}
CV_FOLDS = 5
#: the share of clean cross-validation examples a label's threshold may flag
MAX_FALSE_ALARMS = 0.01
#: texts with fewer letters (CJK or Latin) carry too little evidence for a tone or topic finding
MIN_LETTERS = 5
THRESHOLD_GRID = np.round(np.arange(0.20, 0.951, 0.01), 2)
#: chosen by grouped cross-validation (see models/README.md)
NGRAM_MAX = 2
REGULARIZATION_C = 1.0
TOPIC_C = 1.0
MODEL_NAME = "classifier.joblib"
_EDGE_PUNCTUATION = " \t\n，。、；：！？,.;:!?\"'“”‘’（）()【】"
_UNSET = object()
_LETTER = re.compile(r"[^\W\d_]")
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")


class ModelError(ReviewerError):
    """The model file is missing, altered or unusable; the message says which, in Chinese."""

    code = "model_invalid"
    status = 500


class CorpusError(ValueError):
    """A corpus or feedback file has a bad line; the message names the file and line."""

    code = "corpus_invalid"


def default_model_path() -> Path:
    """Where the committed model lives inside the installed package."""
    return Path(str(resources.files("reviewer.models").joinpath(MODEL_NAME)))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def _duties() -> dict[str, dict]:
    path = resources.files("reviewer.models").joinpath("duties.json")
    return json.loads(path.read_text(encoding="utf-8"))["departments"]


@functools.lru_cache(maxsize=1024)
def resolve_duty(duty: str | None) -> tuple[str, frozenset[str]] | None:
    """Map a department name or free duty text to (department, topics it may post about).

    The department whose longest alias occurs in the text wins. None means no steering: no
    duty given, nothing recognised, or a generalist account (township, government office).
    """
    if not duty or not duty.strip():
        return None
    best: tuple[int, str] | None = None
    for key, info in _duties().items():
        for alias in (key, *info.get("aliases", ())):
            if alias in duty and (best is None or len(alias) > best[0]):
                best = (len(alias), key)
    if best is None:
        return None
    key = best[1]
    info = _duties()[key]
    if info.get("generalist"):
        return None
    return key, frozenset({key, "general", *info.get("related", ())})


@dataclass(frozen=True)
class Margins:
    """Uncalibrated decision values of one text: per class, and for the duty check."""

    classes: np.ndarray
    duty: float | None
    duty_topic: str | None


@dataclass(frozen=True)
class Scored:
    """Probabilities of one text plus what the explanation needs."""

    probs: dict[str, float]
    duty_topic: str | None
    duty_p: float
    text_off_topic: float


def _sigmoid(x: float | np.ndarray) -> float | np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class Classifier:
    """A trained model: vocabulary, IDF weights, two linear models and their calibration.

    Inference is a vocabulary lookup, a sparse dot product and a sigmoid per class; the arrays
    are the ones scikit-learn fitted (``tests/test_classifier_training.py`` checks they agree).
    """

    def __init__(self, state: dict, metadata: dict | None = None):
        self.counter: CharGramCounter = state["counter"]
        self.idf: np.ndarray = state["idf"]
        self.coef: np.ndarray = state["coef"]
        self.intercept: np.ndarray = state["intercept"]
        self.classes: tuple[str, ...] = tuple(state["classes"])
        self.topic_coef: np.ndarray = state["topic_coef"]
        self.topic_intercept: np.ndarray = state["topic_intercept"]
        self.topic_classes: tuple[str, ...] = tuple(state["topic_classes"])
        #: Platt scaling per class and for the duty margin: arrays of (slope, offset)
        self.platt: np.ndarray = state.get("platt", np.tile([1.0, 0.0], (len(self.classes), 1)))
        self.duty_platt: np.ndarray = state.get("duty_platt", np.array([1.0, 0.0]))
        self.metadata = metadata or {}
        self.thresholds: dict[str, float] = dict(self.metadata.get("thresholds", {}))
        self.state = state
        # column-major copies: one contiguous row per n-gram makes the sparse dot product cheap
        self._coef_t = np.ascontiguousarray(self.coef.T)
        self._topic_coef_t = np.ascontiguousarray(self.topic_coef.T)
        self._splits: dict[str | None, tuple[np.ndarray, np.ndarray] | None] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> Classifier:
        """Load models/classifier.joblib (or path) after checking its sha256 against the metadata.

        A joblib file is a pickle, and unpickling runs code: a file whose hash differs from the
        one recorded at training time is refused before it is opened.
        """
        path = Path(path) if path else default_model_path()
        if path.is_dir():
            path = path / MODEL_NAME
        meta_path = path.with_suffix(".json")
        if not path.is_file():
            raise ModelError(f"找不到模型文件：{path}")
        try:
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelError(f"找不到模型元数据文件：{meta_path}，无法校验模型，拒绝加载") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"模型元数据文件格式错误：{meta_path}") from exc
        expected = metadata.get("model_sha256") if isinstance(metadata, dict) else None
        actual = sha256_file(path)
        if not expected or actual != expected:
            raise ModelError(
                f"模型文件 {path.name} 的 SHA-256 校验值（{actual[:12]}…）与元数据记录"
                f"（{str(expected)[:12]}…）不一致，文件可能被替换或损坏，拒绝加载"
            )
        try:
            state = joblib.load(path)
            return cls(state, metadata)
        except Exception as exc:
            raise ModelError(f"模型文件无法读取：{path.name}（{type(exc).__name__}）") from exc

    def _vector(self, text: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Sublinear-tf IDF weights, l2-normalised, exactly as TfidfTransformer computes them."""
        if kind not in KIND_MARK:
            raise ValueError(f"未知的文本类型：{kind!r}（应为 {'、'.join(KINDS)}）")
        cols, counts = self.counter.lookup(KIND_MARK[kind] + text)
        weights = (1.0 + np.log(counts)) * np.take(self.idf, cols)
        norm = np.sqrt(weights @ weights)
        return cols, weights / norm if norm else weights

    def margins(self, text: str, kind: str = "post", duty: str | None = None) -> Margins:
        """Decision values before calibration (what Platt scaling is fitted on)."""
        cols, w = self._vector(text, kind)
        margins = w @ np.take(self._coef_t, cols, axis=0) + self.intercept
        split = self._topic_split(duty) if kind == "post" else None
        if split is None:
            return Margins(margins, None, None)
        allowed, foreign = split
        topic = w @ np.take(self._topic_coef_t, cols, axis=0) + self.topic_intercept
        best = foreign[int(np.argmax(topic[foreign]))]
        base = float(topic[allowed].max()) if len(allowed) else 0.0
        return Margins(margins, float(topic[best]) - base, self.topic_classes[best])

    def _topic_split(self, duty: str | None) -> tuple[np.ndarray, np.ndarray] | None:
        """Indices of the topics this duty may post about and of other departments' topics."""
        cached = self._splits.get(duty, _UNSET)
        if cached is not _UNSET:
            return cached
        steering = resolve_duty(duty)
        split = None
        if steering is not None:
            allowed = [i for i, t in enumerate(self.topic_classes) if t in steering[1]]
            foreign = [i for i, t in enumerate(self.topic_classes) if t not in steering[1] and t in _duties()]
            split = (np.array(allowed, dtype=int), np.array(foreign, dtype=int)) if foreign else None
        if len(self._splits) > 1024:
            self._splits = {}
        self._splits[duty] = split
        return split

    def calibrate(self, m: Margins) -> Scored:
        """Platt-scaled probabilities (normalised over classes); off_topic includes the duty check."""
        p = _sigmoid(self.platt[:, 0] * m.classes + self.platt[:, 1])
        p = p / p.sum()
        probs = {label: float(p[self.classes.index(label)]) for label in LABELS}
        text_p, duty_p = probs["off_topic"], 0.0
        if m.duty is not None:
            duty_p = float(_sigmoid(self.duty_platt[0] * m.duty + self.duty_platt[1]))
            probs["off_topic"] = max(text_p, duty_p)
        return Scored(probs, m.duty_topic, duty_p, text_p)

    def score(self, text: str, kind: str = "post", duty: str | None = None) -> Scored:
        """All label probabilities; off_topic also reflects a mismatch with the account's duty."""
        return self.calibrate(self.margins(text, kind, duty))

    def assess(
        self,
        text: str,
        kind: str = "post",
        duty: str | None = None,
        judged: tuple[str, ...] = ("off_topic", "entertainment"),
    ) -> tuple[dict[str, float], list[Finding]]:
        """Return ({"off_topic": p, "entertainment": p, "rude": p}, findings for judged labels)."""
        unknown = [label for label in judged if label not in LABELS]
        if unknown:
            raise ValueError(f"未知的分类标签：{'、'.join(unknown)}")
        scored = self.score(text, kind, duty)
        findings = []
        if _has_evidence(text):
            for label in judged:
                if scored.probs[label] >= self.thresholds.get(label, 0.5):
                    findings.append(self._finding(text, kind, duty, label, scored))
        return scored.probs, findings

    def _finding(self, text: str, kind: str, duty: str | None, label: str, whole: Scored) -> Finding:
        start, end = self._locate(text, kind, duty, label)
        part = self.score(text[start:end], kind, duty)
        use_duty = label == "off_topic" and part.duty_topic is not None and (
            part.duty_p >= part.probs["off_topic"] - 1e-12 and whole.duty_p >= whole.probs["off_topic"] - 1e-12
        )
        words = self.top_phrases(text[start:end], kind, label, topic=part.duty_topic if use_duty else None)
        info = LABEL_TEXT[label]
        p, t = whole.probs[label], self.thresholds.get(label, 0.5)
        quoted = "".join(f"「{w}」" for w in words) or "（无明显关键词，依据整体语气判断）"
        if use_duty:
            note = (f"{info['name']}：内容更接近「{part.duty_topic}」方面的工作，与本账号职责（{duty}）不符；"
                    f"概率 {p:.2f}（阈值 {t:.2f}）。推高得分的词语：{quoted}")
        else:
            note = f"{info['name']}：概率 {p:.2f}（阈值 {t:.2f}）。推高得分的词语：{quoted}"
        return Finding(start, end, text[start:end], label, "policy", "review", f"classifier.{label}",
                       info["suggestion"], "classifier", note)

    def _locate(self, text: str, kind: str, duty: str | None, label: str) -> tuple[int, int]:
        """The sentence that scores highest for the label if it alone crosses the threshold, else all."""
        spans = [(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.group().strip()]
        threshold = self.thresholds.get(label, 0.5)
        if len(spans) > 1:
            best = max(spans, key=lambda s: self.score(text[s[0]:s[1]], kind, duty).probs[label])
            if self.score(text[best[0]:best[1]], kind, duty).probs[label] >= threshold:
                return _trim(text, *best)
        return _trim(text, 0, len(text))

    def top_phrases(self, text: str, kind: str, label: str, topic: str | None = None, k: int = 5) -> list[str]:
        """The phrases whose n-grams pushed the text most towards the label (or the foreign topic).

        The strongest n-grams are found in the text and overlapping ones merged, so reviewers
        read 「么么哒～」 rather than 「么么哒」「么哒～」.
        """
        cols, w = self._vector(text, kind)
        if topic is not None:
            push = self.topic_coef[self.topic_classes.index(topic), cols] * w
        else:
            push = self.coef[self.classes.index(label), cols] * w
        folded = normalize(text)
        if len(folded) != len(text):
            folded = text
        spans: list[list[float]] = []
        for i in np.argsort(-push)[: 3 * k]:
            gram = decode(int(self.counter.vocabulary_[cols[i]]))
            at = folded.find(gram)
            if push[i] <= 0 or at < 0 or not gram.strip(_EDGE_PUNCTUATION):
                continue
            spans.append([at, at + len(gram), float(push[i])])
        merged: list[list[float]] = []
        for start, end, weight in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                merged[-1][2] += weight
            else:
                merged.append([start, end, weight])
        phrases = []
        for start, end, _ in sorted(merged, key=lambda m: -m[2]):
            phrase = text[int(start):int(end)].strip(_EDGE_PUNCTUATION)
            if phrase and phrase not in phrases:
                phrases.append(phrase)
        return phrases[:k]


def _has_evidence(text: str) -> bool:
    """At least MIN_LETTERS letters (CJK or Latin); stops counting once it has them."""
    return sum(1 for _ in itertools.islice(_LETTER.finditer(text), MIN_LETTERS)) >= MIN_LETTERS


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@functools.cache
def _cached_default(path: str) -> Classifier | None:
    model = Path(path)
    if not (model / MODEL_NAME if model.is_dir() else model).exists():
        return None
    return Classifier.load(model)


def load_default() -> Classifier | None:
    """The configured (or committed) model, loaded once; None when no model file is present.

    A present but altered model raises ModelError rather than silently disabling the check.
    """
    from reviewer.config import load_settings

    configured = load_settings().model_path
    return _cached_default(str(configured or default_model_path()))


# --------------------------------------------------------------------------- corpus


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
        for row in read_jsonl(path):
            if not row.get("group"):
                # rows without a group are split by a stable hash of their text
                row["group"] = f"h{int(hashlib.sha1(row['text'].encode()).hexdigest(), 16) % 6}"
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


# --------------------------------------------------------------------------- training


def _marked(rows: Sequence[dict]) -> list[str]:
    return [KIND_MARK[r["kind"]] + r["text"] for r in rows]


def fit(rows: Sequence[dict], seed: int = 0) -> Classifier:
    """Fit features, the label model and the department model on rows (uncalibrated).

    Rows marked ``basis: duty`` are off-topic only because of their account, so they teach the
    department model and not the text-only label model.
    """
    counter = CharGramCounter(max_n=NGRAM_MAX, min_df=2).fit(_marked(rows))
    counts = counter.transform(_marked(rows))
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    x = tfidf.transform(counts).tocsr()
    weights = np.array([FEEDBACK_WEIGHT if r.get("group") == FEEDBACK_GROUP else 1.0 for r in rows])
    label_idx = [i for i, r in enumerate(rows) if r.get("basis") != "duty"]
    labels = [rows[i]["label"] for i in label_idx]
    missing = [c for c in CLASSES if c not in labels]
    if missing:
        raise CorpusError(f"训练数据缺少以下标签的样本：{'、'.join(missing)}")
    model = LinearSVC(C=REGULARIZATION_C, random_state=seed)
    model.fit(x[label_idx], labels, sample_weight=weights[label_idx])
    topic_idx = [i for i, r in enumerate(rows)
                 if r.get("topic") and r["kind"] == "post" and r["label"] in ("ok", "off_topic")]
    topics = [rows[i]["topic"] for i in topic_idx]
    if len(set(topics)) < 2:
        raise CorpusError("训练数据缺少 topic 字段（至少两个部门主题），无法建立账号职责模型")
    topic = LinearSVC(C=TOPIC_C, random_state=seed)
    topic.fit(x[topic_idx], topics, sample_weight=weights[topic_idx])
    state = {
        "counter": counter,
        "idf": tfidf.idf_.astype(np.float64),
        "coef": model.coef_.astype(np.float32),
        "intercept": model.intercept_.astype(np.float64),
        "classes": [str(c) for c in model.classes_],
        "topic_coef": topic.coef_.astype(np.float32),
        "topic_intercept": topic.intercept_.astype(np.float64),
        "topic_classes": [str(c) for c in topic.classes_],
    }
    return Classifier(state, {"_sklearn": (tfidf, model, topic)})


def fit_platt(rows: Sequence[dict], margins: Sequence[Margins], classes: Sequence[str]) -> dict:
    """Platt scaling (a one-feature logistic regression) per class and for the duty margin.

    Fitted on cross-validated decision values, so the scaling learns how far to trust the
    model on fragments it has not seen.
    """
    keep = [i for i, r in enumerate(rows) if r.get("basis") != "duty"]
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
        p = np.array([q[label] for q in probs])
        y = np.array([r["label"] == label for r in rows], dtype=float)
        which = np.minimum((p * bins).astype(int), bins - 1)
        ece = sum(abs(p[which == b].mean() - y[which == b].mean()) * np.mean(which == b)
                  for b in range(bins) if np.any(which == b))
        out[label] = round(float(ece), 4)
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
) -> dict:
    """Cross-validate, choose thresholds, fit on the training split, test, save; return metadata."""
    rows, corpus_sha = load_corpus(corpus_dir)
    test = [r for r in rows if r["group"] in TEST_GROUPS]
    train_rows = [r for r in rows if r["group"] not in TEST_GROUPS]
    feedback = [r for r in train_rows if r["group"] == FEEDBACK_GROUP]
    cv_rows = [r for r in train_rows if r["group"] != FEEDBACK_GROUP]
    groups = [r["group"] for r in cv_rows]
    folds = min(CV_FOLDS, len(set(groups)))
    if folds < 2 or not test:
        raise CorpusError("语料分组不足：交叉验证至少需要两个分组，且需要测试分组 " + "、".join(TEST_GROUPS))
    oof: list[Margins | None] = [None] * len(cv_rows)
    classes: tuple[str, ...] = ()
    splits = list(GroupKFold(n_splits=folds).split(cv_rows, groups=groups))
    for train_idx, val_idx in progress(splits):
        model = fit([cv_rows[i] for i in train_idx] + feedback, seed)
        classes = model.classes
        for i in val_idx:
            r = cv_rows[i]
            oof[i] = model.margins(r["text"], r["kind"], r.get("department"))
    calibration = fit_platt(cv_rows, oof, classes)
    final = fit(train_rows, seed)
    final.state.update(calibration)
    final = Classifier(final.state)
    thresholds, duty_shift = choose_thresholds(cv_rows, [final.calibrate(m) for m in oof])
    final.state["duty_platt"] = final.state["duty_platt"] + np.array([0.0, duty_shift])
    final = Classifier(final.state, {"thresholds": thresholds})
    oof_probs = [final.calibrate(m).probs for m in oof]
    cv = metrics([r["label"] for r in cv_rows],
                 [decide(p, r["kind"], thresholds) for p, r in zip(oof_probs, cv_rows, strict=True)])
    test_probs = predict_rows(final, test)
    held_out = metrics([r["label"] for r in test], [decide(p, r["kind"], thresholds)
                                                     for p, r in zip(test_probs, test, strict=True)])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_NAME
    state = final.state
    tmp = model_path.with_suffix(".joblib.tmp")
    joblib.dump(state, tmp, compress=3)
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
        "features": {"char_ngrams": [1, NGRAM_MAX], "min_df": 2, "tf": "sublinear", "idf": "smooth",
                     "vocabulary": int(len(final.counter.vocabulary_))},
        "model": {"type": "LinearSVC (one-vs-rest) + Platt scaling", "C": REGULARIZATION_C,
                  "classes": list(final.classes), "topic_classes": list(final.topic_classes)},
        "split": {"test_groups": list(TEST_GROUPS), "cv_folds": folds, "cv": "GroupKFold by fragment pool",
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
        "cv": cv,
        "test": held_out,
    }
    meta_path = out_dir / "classifier.json"
    meta_path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _cached_default.cache_clear()
    return metadata
