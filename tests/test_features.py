"""The one-pass feature count (fold once, count both blocks with one sort) counts what the plain methods count.

The references here are the lookups the classifier used before: ``np.unique`` and ``searchsorted``
over the sorted n-gram vocabulary, an Aho-Corasick scan for the corpus words, and the TF-IDF,
linear model and Platt scaling written out with numpy. The texts are real: a sample of the
training corpus and of the independent evaluation set.
"""

from __future__ import annotations

import json
import pickle
from itertools import chain
from pathlib import Path

import ahocorasick
import numpy as np
import pytest

from reviewer.engine.chargrams import gram_codes, normalize
from reviewer.engine.classifier import KIND_MARK, LABELS, Classifier, load_default

REPO = Path(__file__).resolve().parents[1]
#: what the classifier met in review: digits, Latin, full-width, traditional, NUL, emoji, a long word twice
ODD = ["中华人民共和国中华人民共和国国务院办公厅", "\x00\x00转发12123app通知", "ＡＢＣ繁體字測試㎡½", "💩😀 emoji 测试", "aaaa", "中"]


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
    return found + [(t, kind, None) for t in ODD for kind in KIND_MARK]


@pytest.fixture(scope="module")
def automaton(model: Classifier) -> ahocorasick.Automaton:
    """The reference scan: the model's corpus words on a plain pyahocorasick automaton."""
    found = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for i, word in enumerate(model.words.words_):
        found.add_word(word, i)
    found.make_automaton()
    return found


def searchsorted_counts(vocabulary: np.ndarray, text: str, max_n: int) -> tuple[np.ndarray, np.ndarray]:
    codes, counts = np.unique(gram_codes(text, max_n), return_counts=True)
    pos = np.minimum(np.searchsorted(vocabulary, codes), len(vocabulary) - 1)
    hit = vocabulary[pos] == codes
    return pos[hit], counts[hit]


def scanned_counts(automaton: ahocorasick.Automaton, text: str) -> tuple[np.ndarray, np.ndarray]:
    found = np.fromiter(chain.from_iterable(automaton.iter(normalize(text))), dtype=np.int64)[1::2]
    return np.unique(found, return_counts=True)


def test_character_ngram_counts_equal_the_searchsorted_counts(model: Classifier, texts) -> None:
    for text, kind, _ in texts:
        marked = KIND_MARK[kind] + text
        cols, counts = model.counter.lookup(marked)
        expected = searchsorted_counts(model.counter.vocabulary_, marked, model.counter.max_n)
        assert cols.tolist() == expected[0].tolist() and counts.tolist() == expected[1].tolist(), text


def test_corpus_word_counts_equal_an_aho_corasick_scan(model: Classifier, texts, automaton) -> None:
    for text, _, _ in texts:
        cols, counts = model.words.lookup(text)
        expected = scanned_counts(automaton, text)
        assert cols.tolist() == expected[0].tolist() and counts.tolist() == expected[1].tolist(), text


def test_probabilities_equal_the_plain_computation(model: Classifier, texts, automaton) -> None:
    for text, kind, duty in texts:
        cols, counts = searchsorted_counts(model.counter.vocabulary_, KIND_MARK[kind] + text, model.counter.max_n)
        weights = (1.0 + np.log(counts)) * model.idf[cols]
        wcols, wcounts = scanned_counts(automaton, text)
        wweights = (1.0 + np.log(wcounts)) * model.word_idf[wcols]
        blocks = [w / np.linalg.norm(w) if np.linalg.norm(w) else w for w in (weights, wweights)]
        margins = np.concatenate(blocks) @ model.coef[:, np.concatenate((cols, wcols + len(model.idf)))].T + model.intercept
        p = 1.0 / (1.0 + np.exp(-(model.platt[:, 0] * margins + model.platt[:, 1])))
        p /= p.sum()
        got = model.score(text, kind)
        assert [got.probs[label] for label in LABELS] == pytest.approx([p[model.classes.index(c)] for c in LABELS], abs=1e-12)
        if duty:  # the duty check uses the same vector: a duty can only add off_topic
            assert model.score(text, kind, duty).probs["off_topic"] >= got.probs["off_topic"]


def test_the_word_automaton_is_built_on_use_and_never_pickled(model: Classifier) -> None:
    model.words.lookup("市气象台发布暴雨黄色预警，请注意防范。")
    assert "_automaton" in model.words.__dict__
    assert "_automaton" not in pickle.loads(pickle.dumps(model.words)).__dict__
