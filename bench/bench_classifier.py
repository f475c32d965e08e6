"""Throughput of the classifier on realistic posts, against raw pyahocorasick on the same text.

Posts of 300-1000 characters are assembled from the clean posts of our corpus (about 5 MB in
all). Prints MB/s (UTF-8 bytes) for: the classifier's keys found by its own walk over the
compact view, every feature column counted (``Vocabulary.counts``: the walk, the kind, the marks),
``assess`` without and with an account duty, and a pyahocorasick scan with 2,000 corpus words;
then the ratios; last ``review()`` with the classifier, and without it on an engine whose
lexicon carries no classifier keys (best of three alternating passes): the difference is what
the classifier costs inside the engine, its keys riding on the lexicon's walk.
The duty run passes each post's own department, as an account would.

    python bench/bench_classifier.py [--mb 5]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from importlib import resources

import ahocorasick

from reviewer.config import load_settings
from reviewer.engine.classifier import load_default
from reviewer.engine.core import Engine
from reviewer.engine.normalize import view


def posts(megabytes: float, seed: int = 7) -> list[tuple[str, str]]:
    """(post, department): one department's clean corpus posts glued into 300-1000 characters."""
    corpus = resources.files("reviewer.models.corpus").joinpath("corpus.jsonl").read_text(encoding="utf-8")
    by_department: dict[str, list[str]] = {}
    for row in map(json.loads, corpus.splitlines()):
        if row["label"] == "ok" and row["kind"] == "post" and row.get("department"):
            by_department.setdefault(row["department"], []).append(row["text"])
    rng = random.Random(seed)
    departments = sorted(by_department)
    out, size = [], 0
    while size < megabytes * 1e6:
        department = rng.choice(departments)
        target, text = rng.randint(300, 1000), ""
        while len(text) < target:
            text += rng.choice(by_department[department])
        out.append((text[:target], department))
        size += len(out[-1][0].encode("utf-8"))
    return out


def rate(label: str, docs: list[str], nbytes: int, run) -> float:
    start = time.perf_counter()
    for doc in docs:
        run(doc)
    seconds = time.perf_counter() - start
    print(f"{label:<34}{nbytes / seconds / 1e6:8.2f} MB/s  ({seconds:.2f} s)")
    return nbytes / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="classifier throughput")
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args()
    model = load_default()
    if model is None:
        raise SystemExit("没有找到模型文件，请先运行 reviewer train")
    pairs = posts(args.mb)
    docs = [text for text, _ in pairs]
    duty_of = dict(pairs)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    flagged = sum(bool(model.assess(d, "post", duty_of[d])[1]) for d in docs)
    print(f"{len(docs)} posts, {nbytes / 1e6:.2f} MB, mean {sum(map(len, docs)) / len(docs):.0f} characters; {flagged} flagged with duty")

    rng = random.Random(1)
    automaton = ahocorasick.Automaton()
    for i in range(2000):
        doc = rng.choice(docs)
        at = rng.randrange(len(doc) - 4)
        automaton.add_word(doc[at:at + rng.randint(2, 4)], i)
    automaton.make_automaton()

    model.vocabulary.scan(docs[0])  # the key automaton is built on first use: not part of the rate
    aho = rate("pyahocorasick iter (2,000 words)", docs, nbytes, lambda d: sum(1 for _ in automaton.iter(d)))
    rate("keys, own walk of the compact view", docs, nbytes, lambda d: model.vocabulary.scan(view(d, "compact").text))
    rate("every column counted", docs, nbytes, lambda d: model.vocabulary.counts(d, "post"))
    plain = rate("assess(post)", docs, nbytes, lambda d: model.assess(d, "post"))
    duty = rate("assess(post, own department)", docs, nbytes, lambda d: model.assess(d, "post", duty_of[d]))
    print(f"assess / aho-corasick: {plain / aho:.1%} (with duty {duty / aho:.1%})")

    engine = Engine.from_settings(load_settings(), classifier=True)
    alone = Engine.from_settings(load_settings(), classifier=False)
    engines = {"review() without classifier": alone, "review() with classifier": engine}
    best = dict.fromkeys(engines, float("inf"))
    for _ in range(3):
        for label, e in engines.items():
            start = time.perf_counter()
            for doc in docs:
                e.review(doc)
            best[label] = min(best[label], time.perf_counter() - start)
    for label, seconds in best.items():
        print(f"{label:<34}{nbytes / seconds / 1e6:8.2f} MB/s  ({seconds:.2f} s)")
    extra = (best["review() with classifier"] - best["review() without classifier"]) / (nbytes / 1e6)
    print(f"classifier inside review(): {extra:.3f} s per MB")


if __name__ == "__main__":
    main()
