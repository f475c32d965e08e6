"""The tone-and-topic classifier: advertising, off-topic posts, over-entertaining posts, rude replies.

These problems are a topic or a tone, not a word, so no lexicon finds them all. A linear
model over character 1-2 grams, jieba words and punctuation marks (``features.py``) scores each text; an account's duty (its department) steers the
off-topic judgement through a second linear model that names the department a text belongs to.
Loading with the hash check and the explanations live here; training and evaluation live in
``training``, which writes the metadata this module checks.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import joblib
import numpy as np

from reviewer.engine.chargrams import normalize
from reviewer.engine.features import Features, Vocabulary, Walk
from reviewer.engine.findings import Finding
from reviewer.engine.wordgrams import whole_word_phrases
from reviewer.errors import ReviewerError
from reviewer.vocabulary import KINDS

LABELS: tuple[str, ...] = ("commercial", "off_topic", "entertainment", "rude")
CLASSES: tuple[str, ...] = ("ok", *LABELS)
#: which labels are judged for which kind of text unless the caller says otherwise
DEFAULT_JUDGED: dict[str, tuple[str, ...]] = {"post": ("commercial", "off_topic", "entertainment"),
                                              "reply": ("commercial", "rude")}
LABEL_TEXT: dict[str, dict[str, str]] = {
    "commercial": {
        "name": "商业广告（为商家、产品或服务招揽生意）",
        "suggestion": "政务账号不得发布商业广告或为企业招揽生意；请删除促销、招生、租售、贷款等商业推广内容及广告尾注。",
    },
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
TEST_GROUPS: tuple[str, ...] = ("p5",)
FEEDBACK_GROUP = "feedback"
FEEDBACK_WEIGHT = 3.0
#: reviewer decision -> the label the text gets (None: the label the reviewer gave)
DECISION_LABEL: dict[str, str | None] = {"confirmed": None, "missed": None, "false_alarm": "ok"}
CV_FOLDS = 5
#: the shortest jieba word kept as a feature (chosen by leave-one-writer-out CV; see models/README.md)
WORD_MIN_CHARS = 2
#: the share of clean cross-validation examples a label's threshold may flag
MAX_FALSE_ALARMS = 0.01
#: texts with fewer letters (CJK or Latin) carry too little evidence for a tone or topic finding
MIN_LETTERS = 5
THRESHOLD_GRID = np.round(np.arange(0.20, 0.951, 0.01), 2)
#: chosen by grouped cross-validation (see models/README.md)
REGULARIZATION_C = 1.0
TOPIC_C = 1.0
MODEL_NAME = "classifier.joblib"
_UNSET = object()
_LETTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")


class ModelError(ReviewerError):
    """The model file is missing, altered or unusable; the message says which, in Chinese."""

    code = "model_invalid"


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


def _sigmoid(x: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # exp(-x) beyond the float range: the limit, as numpy's inf gives
        return 0.0


class Classifier:
    """A trained model: vocabulary, IDF weights, two linear models and their calibration.

    Inference is a vocabulary lookup, a sparse dot product and a sigmoid per class; the arrays
    are the ones scikit-learn fitted (``tests/test_classifier_training.py`` checks they agree).
    """

    def __init__(self, state: dict, metadata: dict | None = None):
        if "vocabulary" not in state:
            raise ModelError("模型文件是旧版特征格式（字符 n 元组与词表分开计数），请用 reviewer train 重新训练")
        self.vocabulary: Vocabulary = state["vocabulary"]
        #: what the lexicon's automaton must carry for the one shared walk (``Lexicon(features=...)``)
        self.scan_keys: tuple[str, ...] = self.vocabulary.walk_keys
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
        self._label_at = [self.classes.index(label) for label in LABELS]
        self._platt = self.platt.tolist()
        self._duty_platt = self.duty_platt.tolist()
        # one contiguous row per feature (its IDF and class weights; its topic weights): cheap sparse dot products
        self._features = Features(self.vocabulary, np.column_stack((self.idf, self.coef.T)))
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
            model = cls(joblib.load(path), metadata)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"模型文件无法读取：{path.name}（{type(exc).__name__}）") from exc
        model._features.warm_up()
        return model

    def _vector(self, text: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Sublinear-tf IDF weights, l2-normalised per block, exactly as training computes them.

        Columns come out ascending: grams, then words, then marks.
        """
        cols, weights, _ = self._weighted(text, kind)
        return cols, weights

    def _weighted(self, text: str, kind: str, walk: Walk | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_vector` plus its dot product with each class's weights (``Features.vector``)."""
        if kind not in KINDS:
            raise ValueError(f"未知的文本类型：{kind!r}（应为 {'、'.join(KINDS)}）")
        return self._features.vector(text, kind, walk)

    def margins(self, text: str, kind: str = "post", duty: str | None = None, walk: Walk | None = None) -> Margins:
        """Decision values before calibration (what Platt scaling is fitted on). ``walk``: what the
        lexicon's walk over this text's compact view found (``riders.Walk``)."""
        cols, w, sums = self._weighted(text, kind, walk)
        margins = sums + self.intercept
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
            # a generalist's own topics (township, government office) are every account's business
            foreign = [i for i, t in enumerate(self.topic_classes) if t not in steering[1] and t in _duties()
                       and not _duties()[t].get("generalist")]
            split = (np.array(allowed, dtype=int), np.array(foreign, dtype=int)) if foreign else None
        if len(self._splits) > 1024:
            self._splits = {}
        self._splits[duty] = split
        return split

    def calibrate(self, m: Margins) -> Scored:
        """Platt-scaled probabilities (normalised over classes); off_topic includes the duty check."""
        # five numbers: plain floats cost less than array calls, and give the same values
        p = [_sigmoid(slope * x + offset) for (slope, offset), x in zip(self._platt, m.classes.tolist(), strict=True)]
        total = sum(p)
        probs = {label: p[i] / total for label, i in zip(LABELS, self._label_at, strict=True)}
        text_p, duty_p = probs["off_topic"], 0.0
        if m.duty is not None:
            slope, offset = self._duty_platt
            duty_p = _sigmoid(slope * m.duty + offset)
            probs["off_topic"] = max(text_p, duty_p)
        return Scored(probs, m.duty_topic, duty_p, text_p)

    def score(self, text: str, kind: str = "post", duty: str | None = None, walk: Walk | None = None) -> Scored:
        """All label probabilities; off_topic also reflects a mismatch with the account's duty."""
        return self.calibrate(self.margins(text, kind, duty, walk))

    def assess(
        self,
        text: str,
        kind: str = "post",
        duty: str | None = None,
        judged: tuple[str, ...] = DEFAULT_JUDGED["post"],
        walk: Walk | None = None,
    ) -> tuple[dict[str, float], list[Finding]]:
        """Return ({label: p for every label}, findings for the judged labels). ``walk``: what the
        lexicon's walk over the compact view of ``text`` found (walked here when None)."""
        unknown = [label for label in judged if label not in LABELS]
        if unknown:
            raise ValueError(f"未知的分类标签：{'、'.join(unknown)}")
        scored = self.score(text, kind, duty, walk)
        crossed = [label for label in judged if scored.probs[label] >= self.thresholds.get(label, 0.5)]
        if not crossed or not _has_evidence(text):
            return scored.probs, []
        return scored.probs, [self._finding(text, kind, duty, label, scored) for label in crossed]

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
            note = (f"{info['name']}：分类模型判断内容更接近「{part.duty_topic}」方面的工作，与本账号职责（{duty}）不符；"
                    f"概率 {p:.2f}（阈值 {t:.2f}）。推高得分的词语：{quoted}")
        else:
            note = f"{info['name']}：分类模型判断，概率 {p:.2f}（阈值 {t:.2f}）。推高得分的词语：{quoted}"
        return Finding(start, end, text[start:end], label, "policy", "review", f"classifier.{label}",
                       info["suggestion"], "classifier", note)

    def _locate(self, text: str, kind: str, duty: str | None, label: str) -> tuple[int, int]:
        """The sentence that scores highest for the label if it alone crosses the threshold, else all."""
        spans = [(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.group().strip()]
        threshold = self.thresholds.get(label, 0.5)
        if len(spans) > 1:
            scores = [self.score(text[a:b], kind, duty).probs[label] for a, b in spans]
            best = max(range(len(spans)), key=scores.__getitem__)  # the first of equal scores, as max() gives
            if scores[best] >= threshold:
                return _trim(text, *spans[best])
        return _trim(text, 0, len(text))

    def top_phrases(self, text: str, kind: str, label: str, topic: str | None = None, k: int = 5) -> list[str]:
        """The whole jieba words that pushed the text most towards the label (or the foreign topic).

        Each feature's push (weight × tf-idf) goes to the words it occurs in: a word feature to
        that word, a character n-gram spread over its characters. The strongest words are named,
        and neighbouring strong words are joined (so 「么么哒」, not 「么」「哒」); a phrase is
        always made of whole words, never a fragment such as 「相关部」.
        """
        cols, w = self._vector(text, kind)
        if topic is not None:
            push = self.topic_coef[self.topic_classes.index(topic), cols] * w
        else:
            push = self.coef[self.classes.index(label), cols] * w
        folded = normalize(text)
        if len(folded) != len(text):
            folded = text
        pushes = []
        for i in np.flatnonzero(push > 0):
            name, is_word = self.vocabulary.name(int(cols[i]))
            if name:
                pushes.append((name, is_word, float(push[i])))
        return whole_word_phrases(text, folded, pushes, k)


def _has_evidence(text: str) -> bool:
    """At least MIN_LETTERS Chinese characters; stops counting once it has them.

    The model learnt Chinese prose: a phone number and a URL with four characters around them
    (手机…，访问 http://…) is the patterns' business, not a tone or topic judgement.
    """
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
