"""The classifier's features count what plain Python counts, whether the lexicon's walk or the
classifier's own finds them.

The references here are written out directly: every 1–2 gram and every corpus word of the compact
view counted by slicing, the marks (grams around punctuation, symbols, emoji) by a loop over the
folded text, and the TF-IDF, linear model and Platt scaling with numpy. The texts are real: a sample
of the training corpus and of the independent evaluation set, and odd ones the classifier met.
"""

from __future__ import annotations

import functools
import json
import pickle
from collections import Counter
from pathlib import Path

import joblib
import numpy as np
import pytest

from reviewer.config import load_settings
from reviewer.engine.chargrams import normalize
from reviewer.engine.classifier import LABELS, Classifier, ModelError, load_default, sha256_file
from reviewer.engine.core import Engine
from reviewer.engine.features import KIND_COLUMNS, Walk
from reviewer.engine.lexicon import Lexicon
from reviewer.engine.normalize import gap_table, view
from reviewer.vocabulary import KINDS

REPO = Path(__file__).resolve().parents[1]
#: what the classifier met in review: digits, Latin, full-width, traditional, NUL, emoji, a long word twice
ODD = ["中华人民共和国中华人民共和国国务院办公厅", "\x00\x00转发12123app通知", "ＡＢＣ繁體字測試㎡½", "💩😀 emoji 测试", "aaaa", "中",
       "！！！～～", ""]


def sample(path: Path, every: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[::every]


@pytest.fixture(scope="module")
def model() -> Classifier:
    loaded = load_default()
    assert loaded is not None, "models/classifier.joblib 缺失：请运行 reviewer train"
    return loaded


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str, str | None]]:
    rows = [r for f in sorted((REPO / "models" / "corpus" / "v2").glob("*.jsonl")) for r in sample(f, 40)]
    rows += [r for f in sorted((REPO / "models" / "evaluation").glob("*.jsonl")) for r in sample(f, 10)]
    found = [(r["text"], r.get("kind", "post"), r.get("department")) for r in rows]
    return found + [(t, kind, None) for t in ODD for kind in KIND_COLUMNS]


@pytest.fixture(scope="module")
def shared(model: Classifier) -> Lexicon:
    """The shipped lexicon with the classifier's keys on its automaton, as the service builds it."""
    return Lexicon.load(features=model.scan_keys)


@functools.cache
def columns(model: Classifier) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Each block's columns by what they count: grams, words, marks."""
    v = model.vocabulary
    grams = {name: col for col in range(v.n_grams) if (name := v.name(col)[0])}
    words = {v.name(col)[0]: col for col in range(v.n_grams, v.n_grams + v.n_words)}
    marks = {v.name(col)[0]: col for col in range(v.n_grams + v.n_words, v.n_cols)}
    return grams, words, marks


def plain_counts(model: Classifier, text: str, kind: str) -> Counter:
    """Every column's count, by slicing: grams and words of the compact view, the kind, the marks."""
    grams, words, marks = columns(model)
    lengths = {len(w) for w in words}
    compact = view(text, "compact").text
    counts: Counter = Counter()
    for i in range(len(compact)):
        for n in (1, 2):
            if i + n <= len(compact) and compact[i:i + n] in grams:
                counts[grams[compact[i:i + n]]] += 1
        for n in lengths:
            if i + n <= len(compact) and compact[i:i + n] in words:
                counts[words[compact[i:i + n]]] += 1
    counts[model.vocabulary.n_gram_keys + KIND_COLUMNS.index(kind)] += 1
    folded = normalize(text)
    gap = [bool(gap_table()[ord(c)]) for c in folded]
    for i, ch in enumerate(folded):
        if gap[i] and ch in marks:
            counts[marks[ch]] += 1
        if i + 1 < len(folded) and (gap[i] or gap[i + 1]) and folded[i:i + 2] in marks:
            counts[marks[folded[i:i + 2]]] += 1
    return counts


def test_the_lexicons_walk_finds_the_keys_the_classifiers_own_walk_finds(model: Classifier, shared: Lexicon, texts) -> None:
    for text, _, _ in texts:
        compact = view(text, "compact").text
        found = shared.features_found(shared.scan(compact))
        assert sorted(found.tolist()) == sorted(model.vocabulary.scan(compact).tolist()), text


def test_every_column_counts_what_plain_slicing_counts(model: Classifier, texts) -> None:
    for text, kind, _ in texts:
        cols, counts = model.vocabulary.counts(text, kind)
        assert dict(zip(cols.tolist(), counts.tolist(), strict=True)) == plain_counts(model, text, kind), text


def test_probabilities_equal_the_plain_computation(model: Classifier, shared: Lexicon, texts) -> None:
    v = model.vocabulary
    bounds = [(0, v.n_grams), (v.n_grams, v.n_grams + v.n_words), (v.n_grams + v.n_words, v.n_cols)]
    for text, kind, duty in texts:
        counts = plain_counts(model, text, kind)
        cols = np.array(sorted(counts), dtype=np.int64)
        weights = (1.0 + np.log([counts[c] for c in cols.tolist()])) * model.idf[cols]
        for a, b in bounds:
            block = (cols >= a) & (cols < b)
            norm = np.linalg.norm(weights[block])
            if norm:
                weights[block] /= norm
        margins = weights @ model.coef[:, cols].T + model.intercept
        p = 1.0 / (1.0 + np.exp(-(model.platt[:, 0] * margins + model.platt[:, 1])))
        p /= p.sum()
        expected = [p[model.classes.index(c)] for c in LABELS]
        alone = model.score(text, kind)
        compact = view(text, "compact")
        walked = model.score(text, kind, walk=Walk(shared.features_found(shared.scan(compact.text)), compact.codes))
        assert [alone.probs[label] for label in LABELS] == pytest.approx(expected, abs=1e-12)
        assert [walked.probs[label] for label in LABELS] == pytest.approx(expected, abs=1e-12)
        if duty:  # the duty check uses the same vector: a duty can only add off_topic
            assert model.score(text, kind, duty).probs["off_topic"] >= alone.probs["off_topic"]


def test_the_classifiers_keys_never_become_findings(model: Classifier, shared: Lexicon, texts) -> None:
    alone = Lexicon.load()
    for text, _, _ in texts:
        compact = view(text, "compact")
        assert shared.match(text, compact) == alone.match(text, compact), text
        assert shared.hits(compact.text) == alone.hits(compact.text), text


def test_review_on_the_shared_walk_equals_review_with_the_classifier_walking_alone(texts) -> None:
    engine = Engine.from_settings(load_settings(), classifier=True)
    assert engine._shared_walk and engine.riders.classifier is engine.classifier.scan_keys
    apart = Engine(engine.settings, Lexicon.load(), engine.categories, engine.classifier, engine.known_leaders)
    for text, kind, duty in texts:
        together, alone = engine.review(text, kind, duty=duty), apart.review(text, kind, duty=duty)
        assert together.findings == alone.findings and together.verdict == alone.verdict, text
        assert together.labels == pytest.approx(alone.labels, abs=1e-12), text


def test_a_lexicon_in_shards_refuses_the_classifiers_keys(model: Classifier) -> None:
    with pytest.raises(ValueError, match="single automaton"):
        Lexicon([], [], shard_chars=1000, features=model.scan_keys)


def test_the_key_automaton_is_built_on_use_and_never_pickled(model: Classifier) -> None:
    model.vocabulary.counts("市气象台发布暴雨黄色预警请注意防范", "post")
    assert {"_automaton", "_unigrams", "_walk_keys"} <= set(model.vocabulary.__dict__)
    assert not {"_automaton", "_unigrams", "_walk_keys"} & set(pickle.loads(pickle.dumps(model.vocabulary)).__dict__)


def test_the_kind_columns_are_the_vocabularys_kinds() -> None:
    assert sorted(KIND_COLUMNS) == sorted(KINDS)


def test_unigrams_stay_off_the_automaton_and_every_key_keeps_its_number(model: Classifier) -> None:
    keys, walked = model.vocabulary.keys, model.scan_keys
    assert len(walked) == len(keys) and any(len(k) == 1 for k in keys)
    assert all(w == (k if len(k) > 1 else "") for k, w in zip(keys, walked, strict=True))


def test_a_model_of_the_old_feature_format_is_refused_in_chinese(model: Classifier, tmp_path: Path) -> None:
    state = {k: v for k, v in model.state.items() if k != "vocabulary"}
    path = tmp_path / "classifier.joblib"
    joblib.dump(state, path)
    (tmp_path / "classifier.json").write_text(json.dumps({"model_sha256": sha256_file(path)}), encoding="utf-8")
    with pytest.raises(ModelError, match="旧版特征格式"):
        Classifier.load(tmp_path)
