"""Near-duplicate examples in a corpus: character 5-gram Jaccard similarity at or above a threshold.

A corpus composed from templates teaches the templates; the brief for the v2 corpus caps
near-duplicates at 2% of examples. Candidate pairs are found through an inverted index of rare
5-grams, so the check stays fast for tens of thousands of examples; each candidate pair is then
scored exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

N = 5
THRESHOLD = 0.5
#: 5-grams shared by more examples than this are too common to point at a near-duplicate.
COMMON = 50


def grams(text: str, n: int = N) -> frozenset[str]:
    """The character n-grams of ``text`` (the whole text when shorter than n)."""
    return frozenset(text[i:i + n] for i in range(max(1, len(text) - n + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_duplicate_pairs(texts: Sequence[str], threshold: float = THRESHOLD) -> list[tuple[int, int, float]]:
    """Every pair (i, j, similarity) with i < j whose 5-gram Jaccard similarity is at least ``threshold``."""
    sets = [grams(t) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for gram in s:
            index[gram].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for members in index.values():
        if 1 < len(members) <= COMMON:
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    shared[(members[a], members[b])] += 1
    pairs = []
    for (i, j), count in shared.items():
        # a pair this similar must share at least threshold * the smaller set's grams
        if count >= threshold * min(len(sets[i]), len(sets[j])) * 0.5:
            score = jaccard(sets[i], sets[j])
            if score >= threshold:
                pairs.append((i, j, score))
    return sorted(pairs)


def near_duplicate_rate(texts: Sequence[str], threshold: float = THRESHOLD) -> float:
    """The share of examples that have at least one near-duplicate elsewhere in ``texts``."""
    if not texts:
        return 0.0
    pairs = near_duplicate_pairs(texts, threshold)
    involved = {i for i, _, _ in pairs} | {j for _, j, _ in pairs}
    return len(involved) / len(texts)
