"""Which jieba words the classifier should keep: all of them, or only words of 2+ or 3+ characters.

Words of one or two characters are counted again by the character 1-2-grams beside them (the
dictionary scan counts a word wherever it occurs, overlaps included), while they make most of the
scan's hits: dropping them makes assess() faster. Each setting is trained with the same
leave-one-writer-out cross-validation as ``reviewer train`` on ``models/corpus/v2``; the
independent evaluation set is not read. Prints the CV mean F1 of the four problem labels and per-label F1, the vocabulary size
and the classifier's throughput (``assess`` over the bench corpus).

Usage: python bench/compare_word_length.py [--lengths 1,2,3] [--mb 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus  # noqa: E402

from reviewer.engine.classifier import Classifier  # noqa: E402
from reviewer.engine.training import train  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "models" / "corpus" / "v2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default="1,3")
    parser.add_argument("--mb", type=float, default=2.0)
    args = parser.parse_args()
    posts = corpus(args.mb)
    size = sum(len(p.encode("utf-8")) for p in posts) / 1e6
    print(f"corpus {CORPUS}; throughput on {len(posts)} bench posts, {size:.2f} MB")
    print(f"{'min chars':>9} {'mean F1':>8} {'commercial':>11} {'off_topic':>10} {'entertain':>10} {'rude':>6} "
          f"{'clean ok':>9} {'words':>7} {'assess MB/s':>12} {'train s':>8}")
    for length in (int(x) for x in args.lengths.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            meta = train(CORPUS, Path(tmp), seed=0, min_chars=length)
            trained = time.perf_counter() - started
            model = Classifier.load(Path(tmp) / "classifier.joblib")
            judged = ("commercial", "off_topic", "entertainment")
            model.assess(posts[0], kind="post", judged=judged)
            started = time.perf_counter()
            for text in posts:
                model.assess(text, kind="post", judged=judged)
            speed = size / (time.perf_counter() - started)
        cv = meta["cv"]["labels"]
        f1 = [cv[label]["f1"] for label in ("commercial", "off_topic", "entertainment", "rude")]
        print(f"{length:>9} {sum(f1) / len(f1):>8.3f} {f1[0]:>11.3f} {f1[1]:>10.3f} {f1[2]:>10.3f} {f1[3]:>6.3f} "
              f"{meta['cv']['clean_pass_rate']:>9.3f} {meta['features']['word_vocabulary']:>7} {speed:>12.2f} "
              f"{trained:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
