"""Aho-Corasick automata built in a child process, for a lexicon built while the service runs.

``make_automaton`` is one C call that holds the interpreter lock for as long as it runs: 150–200 ms
for 100,000 terms, during which no request of the process moves. A child Python process (only
pyahocorasick and pickle imported) builds the automata and sends each back pickled; the service
unpickles them one at a time, each a short hold (about a third of a millisecond per 1,000 terms),
while its thread only waits on a pipe during the build. If the child cannot run (no interpreter
to start, a sandbox), the automata are built here as before and the reason is logged.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys

import ahocorasick

log = logging.getLogger(__name__)

#: What the child runs: read (automaton number, words) pieces until the input ends, build one
#: automaton per number, write each pickled. It runs at the lowest priority, so the service's
#: request threads keep both cores of a small machine whenever they want them.
_CHILD = """
import os, pickle, sys
import ahocorasick
if hasattr(os, "nice"):
    os.nice(19)
shards = {}
while True:
    try:
        number, words = pickle.load(sys.stdin.buffer)
    except EOFError:
        break
    automaton = shards.setdefault(number, ahocorasick.Automaton(ahocorasick.STORE_INTS))
    for word, value in words:
        automaton.add_word(word, value)
out = []
for number in sorted(shards):
    if len(shards[number]):
        shards[number].make_automaton()
    out.append(pickle.dumps(shards[number], protocol=pickle.HIGHEST_PROTOCOL))
pickle.dump(out, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
"""
#: Words per piece sent to the child: pickling a piece is one short hold of the interpreter.
PIECE = 5_000
#: Seconds the child may take before the automata are built here instead.
TIMEOUT = 300


def build_here(word_lists: list[list[tuple[str, int]]]) -> list[ahocorasick.Automaton]:
    """One automaton per list of (word, value), built in this process."""
    automata = []
    for words in word_lists:
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for word, value in words:
            automaton.add_word(word, value)
        if words:
            automaton.make_automaton()
        automata.append(automaton)
    return automata


def build_aside(word_lists: list[list[tuple[str, int]]]) -> list[ahocorasick.Automaton]:
    """The same automata as ``build_here``, built in a child process and unpickled one at a time."""
    pieces = [pickle.dumps((number, words[at:at + PIECE]), protocol=pickle.HIGHEST_PROTOCOL)
              for number, words in enumerate(word_lists) for at in range(0, max(len(words), 1), PIECE)]
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _CHILD], check=True, capture_output=True, timeout=TIMEOUT,
                              input=b"".join(pieces))
        pickled = pickle.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError) as exc:
        log.warning("词库自动机未能在子进程中构建，改在本进程构建：%s", exc)
        return build_here(word_lists)
    automata = []
    while pickled:
        automata.append(pickle.loads(pickled.pop(0)))
    return automata
