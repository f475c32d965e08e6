"""Swapping the lexicon under load: the worst request latency while a 100,000-entry engine is rebuilt.

Eight threads (waitress's model: one process, several threads) review 2,000-character posts in a
loop through ``engine.live.live_engine``, the object the service asks for its engine. After a quiet
baseline, a 100,000-entry lexicon file (real words from jieba's dictionary, family ``typo``) is
written into the deployment's lexicon folder; the next request starts the rebuild off to the side
and requests go on with the old engine until the new one is swapped in. Prints the worst and p99
latency before and during the rebuild, how long the rebuild took, and the process's memory
(resident set) before and after. The issue's target: no request blocked more than 50 ms.

Usage: python bench/bench_lexicon_swap.py [--entries 100000] [--clients 8] [--seconds 5]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import jieba_words  # noqa: E402
from corpus import corpus  # noqa: E402

from reviewer.config import load_settings  # noqa: E402
from reviewer.engine.live import live_engine  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    posts = ["\n".join(corpus(0.05)[i:i + 3])[:2000] for i in range(0, 30, 3)]
    words = jieba_words()[: args.entries]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = replace(load_settings(), lexicon_dirs=(folder,), classifier_enabled=False)
        live = live_engine(settings)  # the service's own: later builds make their automaton in a child process
        live().lexicon.warm_up()
        latencies: list[tuple[float, float]] = []  # (finished at, seconds)
        stop = threading.Event()

        def client(n: int) -> None:
            i = n
            while not stop.is_set():
                started = time.perf_counter()
                live().review(posts[i % len(posts)], classify=False)
                latencies.append((time.perf_counter(), time.perf_counter() - started))
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(args.seconds + 1)
        before_rss = rss_mb()
        swap_start = time.perf_counter()
        (folder / "big.txt").write_text("# category: typo\n" + "\n".join(words), encoding="utf-8")
        while live.swaps == 0 and live.error is None and time.perf_counter() - swap_start < 300:
            time.sleep(0.05)
        swap_end = time.perf_counter()
        time.sleep(args.seconds / 2)
        stop.set()
        for t in threads:
            t.join()
    warm = latencies[0][0] + 1.0  # the first second warms caches up
    quiet = sorted(s for at, s in latencies if warm <= at < swap_start)
    during = sorted(s for at, s in latencies if swap_start <= at <= swap_end + 0.05)

    def stall(lo: float, hi: float) -> float:
        """The longest time in [lo, hi] in which no request finished: how long the service was blocked."""
        marks = [lo, *sorted(at for at, _ in latencies if lo <= at <= hi), hi]
        return max(b - a for a, b in zip(marks, marks[1:], strict=False)) * 1000

    def p(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")

    print(f"{args.clients} clients, 2,000-character posts; rebuild with {len(words):,} more entries took "
          f"{swap_end - swap_start:.1f} s (error: {live.error})")
    print(f"  before: {len(quiet):,} requests, p99 {p(quiet, 0.99):.1f} ms, worst {p(quiet, 1.0):.1f} ms, "
          f"longest time with no request finishing {stall(warm, swap_start):.0f} ms")
    print(f"  during: {len(during):,} requests, p99 {p(during, 0.99):.1f} ms, worst {p(during, 1.0):.1f} ms, "
          f"longest time with no request finishing {stall(swap_start, swap_end):.0f} ms (target: 50 ms)")
    print("  (with more clients than cores a request waits for the others: compare during with before)")
    print(f"  resident memory: {before_rss:.0f} MB before, {rss_mb():.0f} MB after the swap")


if __name__ == "__main__":
    main()
