"""Which features the classifier should use: character n-grams alone, or with jieba words too.

Measured on the v2 training corpus (``models/corpus/v2``) by leave-one-writer-out cross-validation:
every fold's model is tested on the examples of a writer it never saw, so the figure measures how
well the features carry to another hand. The independent evaluation set is not read here: it is
kept for the final model. Prints per-label precision, recall and F1 for each feature set, the fit
and transform times, and jieba's throughput on the corpus.

Usage: python bench/compare_features.py [--corpus models/corpus/v2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jieba
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

LABELS = ("ok", "commercial", "off_topic", "entertainment", "rude")
KIND_MARK = {"post": "\ue000", "reply": "\ue001"}


def load(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("corpus_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["writer"] = path.stem.removeprefix("corpus_")
                rows.append(row)
    return rows


def words_of(tokenizer: jieba.Tokenizer):
    def cut(text: str) -> list[str]:
        return [w for w in tokenizer.lcut(text, HMM=False) if w.strip()]
    return cut


def feature_sets(tokenizer: jieba.Tokenizer) -> dict[str, list[TfidfVectorizer]]:
    chars = dict(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    words = dict(analyzer=words_of(tokenizer), min_df=2, sublinear_tf=True, lowercase=False)
    return {"char 1-2": [TfidfVectorizer(**chars)],
            "char 1-2 + jieba words": [TfidfVectorizer(**chars), TfidfVectorizer(**words)]}


def transform(vectorizers: list[TfidfVectorizer], texts: list[str], fit: bool) -> sp.csr_matrix:
    parts = [(v.fit_transform(texts) if fit else v.transform(texts)) for v in vectorizers]
    return sp.hstack(parts).tocsr()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1] / "models/corpus/v2")
    args = parser.parse_args()
    rows = load(args.corpus)
    texts = [KIND_MARK.get(r["kind"], "") + r["text"] for r in rows]
    labels = np.array([r["label"] for r in rows])
    groups = [r["writer"] for r in rows]
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    started = time.perf_counter()
    total_chars = sum(len(t) for t in texts)
    for text in texts:
        tokenizer.lcut(text, HMM=False)
    seconds = time.perf_counter() - started
    print(f"corpus: {len(rows)} examples by {len(set(groups))} writers; "
          f"jieba (HMM off) {total_chars * 3 / 1e6 / seconds:.2f} MB/s")
    folds = GroupKFold(n_splits=len(set(groups)))
    for name in ("char 1-2", "char 1-2 + jieba words"):
        predicted = np.empty(len(rows), dtype=object)
        started = time.perf_counter()
        for train, test in folds.split(texts, labels, groups):
            vectorizers = feature_sets(tokenizer)[name]
            x_train = transform(vectorizers, [texts[i] for i in train], fit=True)
            model = LinearSVC(C=1.0).fit(x_train, labels[train])
            predicted[test] = model.predict(transform(vectorizers, [texts[i] for i in test], fit=False))
        p, r, f, s = precision_recall_fscore_support(labels, predicted, labels=list(LABELS), zero_division=0)
        print(f"\n== {name} (leave one writer out, {time.perf_counter() - started:.1f} s)")
        print(f"  {'label':<15}{'P':>7}{'R':>7}{'F1':>7}{'n':>7}")
        for label, pi, ri, fi, si in zip(LABELS, p, r, f, s, strict=True):
            print(f"  {label:<15}{pi:>7.3f}{ri:>7.3f}{fi:>7.3f}{si:>7d}")
        print(f"  macro F1 over the four problems: {np.mean(f[1:]):.3f}")


if __name__ == "__main__":
    main()
