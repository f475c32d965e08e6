"""An engine that follows its lexicon folders: a changed file reaches the next request, no restart.

``live_engine(settings)`` returns a callable that gives the current engine. At most once a second
it compares a cheap version of the configured lexicon folders and model file (names, sizes and
modification times, read with ``os.stat``); when the version changed, a new engine is built off
to the side in a background thread while requests go on with the old one, and the new one is
swapped in with one assignment once it is complete. A build that fails (a bad line in a lexicon
file) leaves the old engine serving and the error kept for the admin (``LiveEngine.error``), so a
typo never takes the service down. Every thread and request of one process sees the same engine;
each process follows the folders on its own.

An engine is millions of objects that live as long as the process: once built, they are frozen
(``gc.freeze``), so the full collections the requests' garbage sets off now and then no longer walk
them all, holding every thread for half a second each time.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewer.config import Settings
from reviewer.engine.core import _ENGINE_FIELDS, Engine, load_engine

log = logging.getLogger(__name__)

#: Seconds between two looks at the folders.
EVERY = 1.0

_pause_lock = threading.Lock()
_pauses = [0, False, 0.005]  # threads inside ``background_build``; was collection on; the switch interval before

#: The interpreter's switch interval while a background build or import runs (the default is 5 ms).
#: Every time a request thread waits on the database or the network, the builder takes the
#: interpreter and keeps it for a whole interval before the request can resume: with 8 clients
#: and the default, no request finished for 40-60 ms at a time during a 100,000-entry build; with
#: 1 ms, 17-22 ms (bench_db_lexicon_swap), for some 7% less throughput while the build lasts.
BUILD_SWITCH_INTERVAL = 0.001

#: The nice value of a thread that only builds (Linux gives each thread its own).
BUILDER_NICENESS = 19


def lower_this_thread() -> None:
    """Give the calling thread, one that only builds, the lowest CPU priority (Linux only).

    Whenever a request thread can run, the kernel then runs it rather than the builder, so the
    builder takes the interpreter lock mostly while the requests wait on the database or the
    network. With 8 clients on two cores, the slowest request during a 100,000-entry build was
    52-68 ms slower than the slowest quiet one, and with this 18-45 ms (bench_db_lexicon_swap,
    six runs); the build itself takes 26-54 s instead of 10 s under that full load. Call it only
    from a thread of its own: an unprivileged process cannot give the priority back.
    """
    if not sys.platform.startswith("linux"):  # elsewhere the call would name a process, not a thread
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BUILDER_NICENESS)
    except OSError as exc:  # a sandbox that forbids it: the build runs at normal priority
        log.warning("后台构建线程未能降低优先级：%s", exc)


def drop_in_slices(items: list, *, pause: float | None = None, size: int = 2000) -> None:
    """Empty a long list ``size`` items at a time: dropped in one go, 100,000 lines, rows or entries
    are freed in one hold of the interpreter (tens of ms) while the service checks texts.
    ``pause``: seconds to sleep between slices (0 just lets other threads run; None: no pause)."""
    while items:
        del items[-size:]
        if pause is not None:
            time.sleep(pause)


@contextmanager
def background_build(*, freeze: bool) -> Iterator[None]:
    """Run a large build or import in a thread of a serving process without holding up its requests.

    Garbage collection is off: its hundreds of thousands of new objects would set off full
    collections that walk them all, holding every thread for 50 to 500 ms each; reference counting
    frees what they leave behind. ``freeze``: what is alive at the end (a new engine or overlay) is
    frozen, so that no later collection walks it either. The switch interval is short
    (``BUILD_SWITCH_INTERVAL``), so the builder hands the interpreter back soon. Several threads
    may be inside at once: collection and the switch interval come back when the last one is done.
    """
    with _pause_lock:
        if _pauses[0] == 0:
            _pauses[1] = gc.isenabled()
            _pauses[2] = sys.getswitchinterval()
            gc.disable()
            sys.setswitchinterval(min(_pauses[2], BUILD_SWITCH_INTERVAL))
        _pauses[0] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses[0] -= 1
            if freeze and _pauses[1]:
                gc.freeze()
            if _pauses[0] == 0:
                sys.setswitchinterval(_pauses[2])
                if _pauses[1]:
                    gc.enable()


def folder_version(settings: Settings) -> str:
    """A digest of what the engine is built from on disk: every file of the lexicon folders, the model."""
    digest = hashlib.sha256()
    paths = [Path(d) for d in settings.lexicon_dirs]
    units = Path(settings.unit_lexicon_dir) if settings.unit_lexicon_dir is not None else None
    if units is not None and units.is_dir():
        paths += [units, *(p for p in units.iterdir() if p.is_dir())]  # a unit's folder added or removed counts too
    files = sorted(p for folder in paths if folder.is_dir() for p in folder.iterdir())
    if settings.model_path is not None:
        files.append(Path(settings.model_path))
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class LiveEngine:
    """The current engine, rebuilt off to the side when ``version()`` changes."""

    def __init__(self, build: Callable[[], Engine], version: Callable[[], str], every: float = EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._build, self._version, self._every, self._clock = build, version, every, clock
        self._seen = version()
        self._engine: Engine | None = None  # built on first use, like load_engine's
        self._checked = clock()
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None
        self.error: str | None = None
        self.swaps = 0

    def __call__(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._build()
                    gc.collect()  # the garbage of start-up and of the build, before what is alive is frozen
                    gc.freeze()
            return self._engine
        now = self._clock()
        if now - self._checked >= self._every and self._building is None:
            with self._lock:
                if now - self._checked >= self._every and self._building is None:
                    self._checked = now
                    seen = self._version()
                    if seen != self._seen:
                        self._building = threading.Thread(target=self._rebuild, args=(seen,), daemon=True,
                                                          name="reviewer-engine-rebuild")
                        self._building.start()
        return self._engine

    def _rebuild(self, seen: str) -> None:
        # A full garbage collection among the millions of objects a large lexicon makes would hold
        # the interpreter for half a second and stall every request; reference counting frees the
        # garbage of a build, so collection waits until the new engine is in place (and frozen).
        lower_this_thread()
        try:
            with background_build(freeze=True):
                engine = self._build()
                self._engine, self.error = engine, None
                self.swaps += 1
        except Exception as exc:  # a bad lexicon file: keep serving with the engine we have
            self.error = f"{exc.__class__.__name__}: {exc}"
        finally:
            self._seen = seen  # a broken version is not retried until the files change again
            self._building = None

    def wait(self, timeout: float = 60.0) -> None:
        """Block until a rebuild in progress is done (for tests and the bench)."""
        building = self._building
        if building is not None:
            building.join(timeout)


_live: dict[str, LiveEngine] = {}
_lock = threading.Lock()


def live_engine(settings: Settings) -> LiveEngine:
    """The live engine for ``settings``, one per distinct engine settings in the process."""
    key = repr([getattr(settings, name) for name in _ENGINE_FIELDS])
    with _lock:
        engine = _live.get(key)
        if engine is None:
            engine = _live[key] = LiveEngine(_builder(settings), lambda: folder_version(settings))
        return engine


def _builder(settings: Settings) -> Callable[[], Engine]:
    """The first build is the process's shared engine (``load_engine``); later ones are new, their
    automaton built in a child process (``engine.aside``) while the requests go on."""
    built = []

    def build() -> Engine:
        engine = load_engine(settings) if not built else Engine.from_settings(settings, aside_build=True)
        built.append(True)
        return engine

    return build
