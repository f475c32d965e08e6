"""Which features the classifier can count on the lexicon's automaton, and what each costs in quality.

The lexicon's automaton walks the compact view (no punctuation, symbols or spaces). Features found
by that one walk are nearly free in ``review()``; features of the folded text need a pass of their
own. This compares, by leave-one-writer-out cross-validation on ``models/corpus/v2`` (the
independent evaluation set is not read):

  folded        v2: character 1–2 grams of the folded text (kind mark prepended) + corpus words
  words         corpus words of the compact view alone (+ a kind column)
  words+uni     corpus words + character unigrams, compact view
  words+bi      corpus words + character bigrams (no unigrams), compact view
  words+1-2     corpus words + character 1–2 grams, compact view
  words+1-2+marks  the same + 1–2 grams around the characters the compact view drops (chosen)

Each block is TF-IDF (sublinear tf) and l2-normalised on its own; a LinearSVC (C=1) is fitted per
fold; per label the best F1 among margins that flag at most 1 % of the clean texts of the kinds
the label is judged for. Rows that are off-topic only because of their account are left out.
This is simpler than ``reviewer train`` (no Platt scaling, no duty model), so compare the rows
with each other, not with the committed model's figures.

Usage: python bench/compare_compact_features.py [--only words+1-2+marks,folded]
"""

from __future__ import annotations

import argparse
import time
from itertools import chain
from pathlib import Path

import ahocorasick
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from reviewer.engine.chargrams import fold_points, normalize, point_codes
from reviewer.engine.features import mark_codes
from reviewer.engine.normalize import view
from reviewer.engine.training import by_duty, load_corpus
from reviewer.engine.wordgrams import words as jieba_words

CORPUS = Path(__file__).resolve().parents[1] / "models" / "corpus" / "v2"
MARK = {"post": "\ue000", "reply": "\ue001"}
JUDGED = (("commercial", None), ("off_topic", "post"), ("entertainment", "post"), ("rude", "reply"))


def counts(per_text: list[np.ndarray], train: np.ndarray) -> sp.csr_matrix:
    """A count matrix over the codes (or ids) of each text, keeping those in >= 2 training texts."""
    codes, df = np.unique(np.concatenate([np.unique(per_text[i]) for i in train]), return_counts=True)
    vocabulary = codes[df >= 2]
    rows, cols, data = [], [], []
    for r, found in enumerate(per_text):
        pos = np.searchsorted(vocabulary, found)
        pos[pos >= len(vocabulary)] = 0
        c, n = np.unique(pos[vocabulary[pos] == found], return_counts=True)
        rows.append(np.full(len(c), r))
        cols.append(c)
        data.append(n)
    return sp.csr_matrix((np.concatenate(data).astype(float), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(len(per_text), len(vocabulary)))


def grams(points: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    if not len(points):
        return np.zeros(0, dtype=np.uint64)
    codes = point_codes(points, max(sizes))
    keep = np.concatenate([np.full(len(points) - n + 1, n in sizes) for n in range(1, max(sizes) + 1)])
    return codes[keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    rows = [r for r in load_corpus(CORPUS)[0] if not by_duty(r)]
    texts = [r["text"] for r in rows]
    kinds = np.array([r["kind"] for r in rows])
    labels = np.array([r["label"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    compact = [view(t, "compact").codes for t in texts]
    folded = [fold_points(MARK[k] + t) for t, k in zip(texts, kinds, strict=True)]
    marked = [np.concatenate((fold_points(MARK[k]), c)) for c, k in zip(compact, kinds, strict=True)]
    cut = [jieba_words(t) for t in texts]
    kind_col = sp.csr_matrix((kinds == "reply").astype(float).reshape(-1, 1))
    print(f"{len(rows)} rows, {len(set(groups))} writers")

    def words_block(train: np.ndarray, in_folded: bool) -> list[np.ndarray]:
        df: dict[str, int] = {}
        for i in train:
            for w in set(cut[i]):
                if len(w) >= 2 and w.strip():
                    df[w] = df.get(w, 0) + 1
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for i, w in enumerate(sorted(w for w, n in df.items() if n >= 2)):
            automaton.add_word(w, i)
        automaton.make_automaton()
        where = [normalize(t) for t in texts] if in_folded else [c.tobytes().decode("utf-32-le") for c in compact]
        return [np.fromiter(chain.from_iterable(automaton.iter(t)), dtype=np.int64)[1::2] for t in where]

    def tfidf(matrix: sp.csr_matrix, train: np.ndarray) -> sp.csr_matrix:
        return TfidfTransformer(sublinear_tf=True).fit(matrix[train]).transform(matrix)

    marks = [mark_codes(fold_points(t)) for t in texts]
    settings = {
        "folded": lambda tr: [counts([grams(f, (1, 2)) for f in folded], tr), counts(words_block(tr, True), tr)],
        "words": lambda tr: [counts(words_block(tr, False), tr), kind_col],
        "words+uni": lambda tr: [counts([grams(m, (1,)) for m in marked], tr), counts(words_block(tr, False), tr)],
        "words+bi": lambda tr: [counts([grams(m, (2,)) for m in marked], tr), counts(words_block(tr, False), tr)],
        "words+1-2": lambda tr: [counts([grams(m, (1, 2)) for m in marked], tr), counts(words_block(tr, False), tr)],
        "words+1-2+marks": lambda tr: [counts([grams(m, (1, 2)) for m in marked], tr), counts(words_block(tr, False), tr),
                                       counts(marks, tr)],
    }
    chosen = [s for s in args.only.split(",") if s] or list(settings)
    print(f"{'features':<18}" + "".join(f"{label:>14}" for label, _ in JUDGED) + f"{'mean':>8}{'seconds':>9}")
    for name in chosen:
        started = time.perf_counter()
        margins = np.zeros((len(rows), 5))
        classes: list[str] = []
        for train, test in GroupKFold(5).split(texts, labels, groups):
            x = sp.hstack([tfidf(block, train) if block is not kind_col else block
                           for block in settings[name](train)]).tocsr()
            model = LinearSVC(C=1.0, random_state=0).fit(x[train], labels[train])
            margins[test] = model.decision_function(x[test])
            classes = list(model.classes_)
        f1s = []
        for label, kind in JUDGED:
            judged = np.ones(len(rows), bool) if kind is None else kinds == kind
            truth, clean = (labels == label)[judged], (labels == "ok")[judged]
            scores = margins[judged, classes.index(label)]
            best = 0.0
            for cut_at in np.quantile(scores, np.linspace(0.5, 0.999, 300)):
                flagged = scores >= cut_at
                if flagged[clean].mean() <= 0.01:
                    best = max(best, 2 * (flagged & truth).sum() / (flagged.sum() + truth.sum()))
            f1s.append(best)
        print(f"{name:<18}" + "".join(f"{f:>14.3f}" for f in f1s) + f"{np.mean(f1s):>8.3f}"
              f"{time.perf_counter() - started:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
