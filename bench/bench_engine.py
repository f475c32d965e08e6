"""Engine throughput against the limit: raw pyahocorasick over the same text and terms.

Prints, in one run on one machine (compare the ratios, not the absolute figures):
  raw        pyahocorasick ``iter`` over every post with the 20,000 terms (the limit)
  lexicon    our lexicon pass: compact view (normalization + offset map), matching, allow list,
             mapping every match back to the original text
  review     the full ``review()`` without the classifier (lexicon + pattern rules + verdict)
  review+clf the full ``review()`` with the classifier, when a trained model is present

Usage: python bench/bench_engine.py [--mb 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import ahocorasick

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus, synthetic_terms  # noqa: E402

from reviewer.config import load_settings  # noqa: E402
from reviewer.engine.core import Engine  # noqa: E402
from reviewer.engine.lexicon import Lexicon  # noqa: E402
from reviewer.engine.normalize import view, warm_up  # noqa: E402


def best_of(repeat: int, fn) -> float:
    """The fastest of ``repeat`` runs: the least disturbed by the noisy machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    posts = corpus(args.mb)
    size_mb = sum(len(p.encode("utf-8")) for p in posts) / 1e6
    warm_up()
    shipped = Lexicon.load()
    padding = synthetic_terms(20_000 - len({e.term for e in shipped.entries}))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.txt").write_text("# category: restricted_topic\n" + "\n".join(padding), encoding="utf-8")
        settings = replace(load_settings(), lexicon_dirs=(Path(tmp),))
        engine = Engine.from_settings(settings, classifier=False)
        engine_clf = Engine.from_settings(settings, classifier=True)
    terms = sorted({e.term for e in engine.lexicon.entries})
    raw = ahocorasick.Automaton()
    for term in terms:
        raw.add_word(term, term)
    raw.make_automaton()

    def run_raw() -> None:
        for text in posts:
            for _ in raw.iter(text):
                pass

    def run_lexicon() -> None:
        for text in posts:
            engine.lexicon.match(text, view(text, "compact"))

    def run_review() -> None:
        for text in posts:
            engine.review(text)

    def run_review_clf() -> None:
        for text in posts:
            engine_clf.review(text)

    hits = sum(len(engine.lexicon.match(t, view(t, "compact"))) for t in posts)
    print(f"corpus: {len(posts)} posts, {size_mb:.2f} MB UTF-8, {sum(map(len, posts)):,} characters")
    print(f"lexicon: {len(terms):,} distinct terms ({len(engine.lexicon.entries):,} entries), {hits:,} lexicon findings")
    results = {"raw pyahocorasick": best_of(args.repeat, run_raw),
               "lexicon pass": best_of(args.repeat, run_lexicon),
               "review() no classifier": best_of(args.repeat, run_review)}
    if engine_clf.classifier is not None:
        results["review() with classifier"] = best_of(max(1, args.repeat - 1), run_review_clf)
    else:
        print("(no trained classifier found: review() with classifier not measured)")
    limit = results["raw pyahocorasick"]
    print(f"{'stage':<28}{'seconds':>10}{'MB/s':>10}{'ratio to raw':>15}")
    for name, seconds in results.items():
        print(f"{name:<28}{seconds:>10.3f}{size_mb / seconds:>10.2f}{limit / seconds:>14.1%}")


if __name__ == "__main__":
    main()
