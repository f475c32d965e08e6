"""Start-up: build each dependency once from the settings and hand it in (Cosmic Python's bootstrap).

The web app factory and every command that touches the database call ``bootstrap``; the result
carries the database engine, a session factory whose sessions hold the settings, the review
engine and the audit key, so domain functions (which all take a session) need no global lookup.

May import: reviewer.config, reviewer.engine, reviewer.storage
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy
from sqlalchemy.orm import Session, sessionmaker

from reviewer.config import Settings
from reviewer.engine.core import Engine
from reviewer.engine.live import live_engine
from reviewer.storage import context_of, make_engine, make_session_factory


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
    engine = live_engine(settings)  # follows the lexicon folders: a changed file reaches the next request
    context: dict[str, object] = {"settings": settings, "review_engine": engine}
    if audit_key is not None:
        context["audit_key"] = audit_key
    return Services(settings, database, make_session_factory(database, **context), engine)


def review_engine(session: Session) -> Engine:
    """The review engine bound to ``session`` at start-up."""
    return context_of(session, "review_engine")()  # type: ignore[operator]
