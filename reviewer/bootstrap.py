"""Start-up: build each dependency once from the settings and hand it in (Cosmic Python's bootstrap).

The web app factory and every command that touches the database call ``bootstrap``; the result
carries the database engine, a session factory whose sessions hold the settings, the review
engine and the audit key, so domain functions (which all take a session) need no global lookup.

May import: reviewer.config, reviewer.engine, reviewer.storage
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace

import sqlalchemy
from sqlalchemy.orm import Session, sessionmaker

from reviewer.config import Settings
from reviewer.engine import overlay
from reviewer.engine.core import Engine
from reviewer.engine.live import background_build, drop_in_slices, live_engine, lower_this_thread
from reviewer.storage import context_of, make_engine, make_session_factory
from reviewer.storage.lexicon_tables import entry_count, entry_rows, lexicon_version


@dataclass(frozen=True)
class Services:
    """What the domain needs, built once: settings, database, sessions, the review engine."""

    settings: Settings
    database: sqlalchemy.Engine
    session_factory: sessionmaker
    review_engine: Callable[[], Engine]


def bootstrap(settings: Settings, *, database: sqlalchemy.Engine | None = None,
              audit_key: bytes | None = None) -> Services:
    """Wire the dependencies of ``settings``; tests pass their own database engine.

    The review engine loads on first use (about a second) and is shared by every app and command
    of the process whose engine settings agree; it is rebuilt off to the side when a file of the
    lexicon folders changes (``engine.live``). The audit key, when not given, is read from the
    settings when the first entry is written or verified.
    """
    if database is None:
        if not settings.database_url:
            settings.instance_path.mkdir(parents=True, exist_ok=True)
        database = make_engine(settings.effective_database_url)
    engine = with_database_lexicon(live_engine(settings))  # follows the folders and the database's entries
    context: dict[str, object] = {"settings": settings, "review_engine": engine}
    if audit_key is not None:
        context["audit_key"] = audit_key
    return Services(settings, database, make_session_factory(database, **context), engine)


def review_engine(session: Session) -> Engine:
    """The review engine bound to ``session`` at start-up, with the database's lexicon as of now."""
    return context_of(session, "review_engine")(session)  # type: ignore[operator]


class DatabaseLexicon:
    """The files' live engine with the database's lexicon entries laid over it (``engine.overlay``).

    Called with a session, it reads ``lexicon_state.version`` (one small query); when that or the
    files' engine changed since the last build, the first thread to notice rebuilds the overlay and
    swaps it in with one assignment, while other threads go on with the previous engine. A few
    thousand entries build in milliseconds, on the noticing request itself, so the change is in
    that very check; more are built in a background thread (the noticing request keeps the
    previous engine). Every process reads the version itself, so a change made through any
    process reaches all of them on their next check. Without a session (a batch job) the last
    engine built is used.

    A large build must stall no request: its thread runs at the lowest CPU priority
    (``engine.live.lower_this_thread``) and with garbage collection off, and what it made is
    frozen (``gc.freeze``) before collection resumes, so no full collection walks the new overlay's
    objects; its rows and the replaced overlay are freed a part at a time (``_release``).
    """

    #: Database entries up to which the overlay is built on the request that notices the change.
    SYNC_ROWS = 2000

    def __init__(self, files: Callable[[], Engine]) -> None:
        self._files = files
        self._current: tuple[Engine, int, Engine] | None = None  # (files' engine, version, engine with overlay)
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None

    def __getattr__(self, name: str) -> object:  # the files' LiveEngine: wait(), error, swaps
        return getattr(self._files, name)

    def __call__(self, session: Session | None = None) -> Engine:
        base = self._files()
        current = self._current
        if session is None:
            return current[2] if current is not None and current[0] is base else base
        version = lexicon_version(session)
        if current is not None and current[0] is base and current[1] == version:
            return current[2]
        if not self._lock.acquire(blocking=current is None):
            return current[2]  # another thread is rebuilding: the previous engine meanwhile
        try:
            current = self._current
            if current is None or current[0] is not base or current[1] != version:
                if current is not None and version and (self._building is not None
                                                        or entry_count(session) > self.SYNC_ROWS):
                    # rows read and built in a thread of its own, on its own session; a build under
                    # way reads the newest version when it starts, so a request meanwhile neither
                    # counts rows nor starts another; unless a build finished while the rows were counted
                    if self._building is None and self._current is current:
                        self._building = threading.Thread(target=self._build_aside, args=(base, version, session.get_bind()),
                                                          daemon=True, name="reviewer-lexicon-overlay")
                        self._building.start()
                    return current[2]
                rows = entry_rows(session) if version else []
                replaced = current[2] if current is not None else None
                self._current = current = (base, version, self._combine(base, version, rows))
                if replaced is not None and replaced.overlay is not None and len(replaced.overlay) > self.SYNC_ROWS:
                    threading.Thread(target=_release, args=([replaced],), daemon=True,
                                     name="reviewer-lexicon-release").start()
                del replaced
            return current[2]
        finally:
            self._lock.release()

    def _build_aside(self, base: Engine, version: int, bind: sqlalchemy.Engine) -> None:
        lower_this_thread()  # this thread's own: the requests come first
        replaced: list = []
        try:
            with background_build(freeze=True):  # as engine.live does: no collection walks the new overlay
                with Session(bind) as session:
                    version = lexicon_version(session)
                    rows = entry_rows(session)
                engine = self._combine(base, version, rows)
                _release([rows], wait=False)
                replaced = [self._current[2]] if self._current is not None else []
                self._current = (base, version, engine)
                del engine
        finally:
            self._building = None
        _release(replaced)

    @staticmethod
    def _combine(base: Engine, version: int, rows: list[dict]) -> Engine:
        if version == 0:
            return base
        return replace(base, overlay=overlay.build(version, rows, base.categories, base.lexicon))


def _release(holder: list, *, wait: bool = True, every: float = 0.002, patience: float = 60.0) -> None:
    """Free the one object in ``holder`` (a replaced engine, or a list of rows) a part at a time.

    Whoever drops the last reference to a 100,000-entry overlay frees it in one go, holding the
    interpreter for some 75 ms: a request, or the builder. So its parts (``Overlay.parts``: its
    automata and lists) are held here while requests still using the engine finish (``wait``:
    until it is gone, at most ``patience`` seconds), then dropped a part, or 2,000 list items, at a
    time with a pause between. An engine still in use after ``patience`` is left to its last user.
    """
    item = holder.pop() if holder else None
    if isinstance(item, list):
        drop_in_slices(item, pause=0)
        return
    laid = getattr(item, "overlay", None)
    if laid is None:
        return
    parts = laid.parts()
    gone = weakref.ref(item)
    del item, laid
    deadline = time.monotonic() + patience
    while wait and gone() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    if gone() is not None:  # still in use: its lists are not to be emptied under it; its last user frees it
        return
    while parts:
        part = parts.pop()
        if isinstance(part, list):
            drop_in_slices(part, pause=every)
        del part
        time.sleep(every)


def with_database_lexicon(files: Callable[[], Engine]) -> DatabaseLexicon:
    """The engine callable the sessions carry: ``files`` plus the database's lexicon entries."""
    return DatabaseLexicon(files)
