"""Connecting to, walking and migrating the database, and the start-up context a session carries."""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from reviewer.config import Settings
from reviewer.storage.tables import Unit

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for ``url``; on SQLite with foreign keys, WAL and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        connect_args = dict(kwargs.pop("connect_args", {}) or {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine, **context: object) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit (views render after the commit).

    ``context`` is what start-up built for the domain (``reviewer.bootstrap``): the settings, the
    review engine, the audit key. Every session of the factory carries it in ``Session.info``, so
    domain functions, which all take a session, receive their dependencies with it.
    """
    return sessionmaker(bind=engine, expire_on_commit=False, info=dict(context))


def context_of(session: Session, name: str) -> object:
    """A dependency start-up bound to ``session`` (see ``make_session_factory``)."""
    try:
        return session.info[name]
    except KeyError:
        raise RuntimeError(f"session has no {name!r}: build sessions with reviewer.bootstrap") from None


def settings_of(session: Session) -> Settings:
    """The settings bound to ``session`` at start-up."""
    return context_of(session, "settings")  # type: ignore[return-value]


def descendant_unit_ids(session: Session, roots: object) -> set[int]:
    """``roots`` and every unit below them in the tree: the one walk of the unit tree."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    seen: set[int] = set()
    stack = list(roots)  # type: ignore[call-overload]
    while stack:
        unit_id = stack.pop()
        if unit_id not in seen:
            seen.add(unit_id)
            stack.extend(children.get(unit_id, ()))
    return seen


def alembic_config(url: str):
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("reviewer.migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the newest by default)."""
    from alembic import command

    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def schema_is_current(url: str) -> bool:
    """True when the database at ``url`` is migrated to the newest revision shipped."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current == heads
