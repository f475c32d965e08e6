"""Answered messages grouped by topic, so a unit sees which questions recur and curates entries for them.

Messages become the same TF-IDF vectors the library uses (``features.Space``, fitted on the messages
themselves) and are grouped by k-means, which takes sparse vectors and so scales to a year of
messages; without a given number of clusters, the tried number with the best mean silhouette
(cosine) is taken. Each cluster is named by its keywords: the words that most of its members use
and few other messages do (share of members × IDF over all the messages), so a word every message
has never names one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from reviewer.errors import InputError
from reviewer.messages.features import Space, is_keyword, word_features

#: The numbers of clusters tried when none is given (up to half the messages), and the sample the
#: silhouette is scored on: a geometric series, since the silhouette of short texts moves slowly.
AUTO_SIZES = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
SILHOUETTE_SAMPLE = 2000


@dataclass(frozen=True, slots=True)
class Cluster:
    """One topic: its keywords, strongest first, and the indices of its messages, ascending."""

    keywords: tuple[str, ...]
    members: tuple[int, ...]


def cluster(messages: Sequence[str], n_clusters: int | None = None, *, keywords: int = 5) -> list[Cluster]:
    """Topics of ``messages``, largest first; blank messages, having no words, belong to none."""
    if n_clusters is not None and (not isinstance(n_clusters, int) or n_clusters < 1):
        raise InputError(f"聚类数必须是正整数，收到 {n_clusters!r}", "invalid_count")
    texts = list(messages)
    if not all(isinstance(t, str) for t in texts):
        raise InputError("留言内容必须是文本", "invalid_text")
    space = Space()
    matrix = space.weigh(space.unit(space.fit(texts)))
    usable = np.flatnonzero(matrix.getnnz(axis=1))
    if not len(usable):
        return []
    labels = _labels(matrix[usable], n_clusters)
    found = [word_features(texts[i]) for i in usable]
    df = Counter(w for ws in found for w in set(ws))
    out = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        out.append(Cluster(_keywords([found[j] for j in rows], df, len(usable), keywords), tuple(int(usable[j]) for j in rows)))
    return sorted(out, key=lambda c: (-len(c.members), c.members[0]))


def _labels(matrix: sp.csr_matrix, n_clusters: int | None) -> np.ndarray:
    """A cluster label per row: k-means with k given, or with the tried k of the best silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rows = matrix.shape[0]
    if n_clusters is not None:
        k = min(n_clusters, rows)
        return np.zeros(rows, dtype=np.int64) if k == 1 else KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(matrix)
    best, best_score = np.zeros(rows, dtype=np.int64), -1.0
    for k in (k for k in AUTO_SIZES if k <= rows // 2):
        labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(matrix)
        if len(np.unique(labels)) < 2:
            continue
        score = silhouette_score(matrix, labels, metric="cosine", sample_size=min(rows, SILHOUETTE_SAMPLE), random_state=0)
        if score > best_score:
            best, best_score = labels, score
    return best


def _keywords(members: list[list[str]], df: Counter, total: int, k: int) -> tuple[str, ...]:
    """The k words with the highest share of members × log((1 + total) / (1 + df))."""
    share = Counter(w for ws in members for w in set(ws) if is_keyword(w))
    scored = [(count / len(members) * math.log((1 + total) / (1 + df[w])), w) for w, count in share.items()]
    return tuple(w for score, w in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0)[:k]
