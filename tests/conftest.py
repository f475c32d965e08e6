"""Shared fixtures: a migrated, demo-seeded database per test, the app, clients, tokens, a browser.

The schema is migrated and seeded once per pytest process into a template; each test then gets
a copy (SQLite: a file copy) or a cleared and re-seeded schema (PostgreSQL, one schema per
process so parallel runs can share the server). Set ``REVIEWER_TEST_DATABASE_URL`` to run on
PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from reviewer.config import Settings
from reviewer.storage import ApiToken, User, make_engine, make_session_factory, upgrade

PG_ENV = "REVIEWER_TEST_DATABASE_URL"
TEST_SECRET_KEY = "test-secret-key-not-for-production"
TEST_AUDIT_KEY = "test-audit-key-not-for-production"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _seed(url: str, password_hash: str) -> None:
    from reviewer import demo

    engine = make_engine(url)
    try:
        with make_session_factory(engine, audit_key=TEST_AUDIT_KEY.encode())() as session:
            demo.seed(session, password_hash=password_hash)
            session.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_password_hash() -> str:
    """``demo-password`` hashed once per process (argon2 is slow on purpose)."""
    from reviewer.admin.security import hash_password

    return hash_password("demo-password")


@contextmanager
def private_schema(base: str, prefix: str) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema on ``base`` and a URL whose search_path is it; dropped afterwards.

    Several pytest processes can share one server this way. Skips the test when the server is
    unreachable.
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        admin.dispose()
        pytest.skip(f"PostgreSQL 不可达（{PG_ENV}={base}）：{exc.__class__.__name__}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}", schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory, demo_password_hash: str) -> Iterator[dict]:
    base = os.environ.get(PG_ENV)
    if not base:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        _seed(url, demo_password_hash)
        yield {"kind": "sqlite", "path": path}
        return
    with private_schema(base, f"test_{os.getpid()}") as (url, schema):
        upgrade(url)
        yield {"kind": "postgresql", "url": url, "schema": schema, "hash": demo_password_hash}


def _reset_postgres(template: dict) -> None:
    engine = make_engine(template["url"])
    try:
        with engine.begin() as conn:
            tables = conn.scalars(
                text("SELECT tablename FROM pg_tables"
                     " WHERE schemaname = :s AND tablename <> 'alembic_version'"),
                {"s": template["schema"]},
            ).all()
            sequences = conn.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                                     {"s": template["schema"]}).all()
            # DELETE of a few demo rows is three times faster than TRUNCATE of every table (which
            # makes new files for each); the replica role skips the foreign-key and audit triggers
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            for sequence in sequences:
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    finally:
        engine.dispose()
    _seed(template["url"], template["hash"])


@pytest.fixture
def db_url(_database_template: dict, tmp_path: Path) -> str:
    """A migrated database holding exactly the demo data, private to this test."""
    if _database_template["kind"] == "sqlite":
        path = tmp_path / "reviewer.sqlite3"
        shutil.copyfile(_database_template["path"], path)
        return f"sqlite:///{path}"
    _reset_postgres(_database_template)
    return _database_template["url"]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings for the test database with fixed test keys."""
    return Settings(
        instance_path=tmp_path / "instance",
        database_url=db_url,
        secret_key=TEST_SECRET_KEY,
        audit_hmac_key=TEST_AUDIT_KEY,
    )


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The engine every fixture of one test shares."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def services(settings: Settings, engine: Engine):
    """The test's dependencies as start-up wires them (``reviewer.bootstrap``), on the test database."""
    from reviewer.bootstrap import bootstrap

    return bootstrap(settings, database=engine)


@pytest.fixture
def app(settings: Settings, services):
    """The Flask app on the test database (migrated, demo data seeded)."""
    from reviewer.web import create_app

    application = create_app(settings, services=services)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def db(services) -> Iterator[Session]:
    """A session on the app's database, wired like the app's, for arranging and inspecting data."""
    with services.session_factory() as session:
        yield session


@pytest.fixture
def token_for(engine: Engine) -> Callable[[str], str]:
    """Issue an API token for a demo user directly in the database; returns the plain token."""
    from sqlalchemy import select

    from reviewer.admin.security import new_api_token

    def issue(username: str) -> str:
        plain, digest = new_api_token()
        with make_session_factory(engine)() as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise LookupError(f"no such user: {username}")
            session.add(ApiToken(user_id=user_id, token_hash=digest))
            session.commit()
        return plain

    return issue


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by werkzeug in a thread on a free 127.0.0.1 port; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def _chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} 不存在：无法运行浏览器测试")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(_chromium) -> Iterator[object]:
    """A fresh Playwright page (own cookies) in headless Chromium."""
    context = _chromium.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def api_as(client, token_for: Callable[[str], str]) -> Callable[[str], object]:
    """``api_as("editor1")``: the JSON API acting as that demo user (see tests/api_helpers.py)."""
    from api_helpers import Api

    return lambda username: Api(client, token_for(username))


@pytest.fixture
def editor(api_as):
    """The API as editor1 (editor)."""
    return api_as("editor1")


@pytest.fixture
def r1(api_as):
    """The API as reviewer1 (reviewer and editor)."""
    return api_as("reviewer1")


@pytest.fixture
def r2(api_as):
    """The API as reviewer2 (reviewer)."""
    return api_as("reviewer2")


@pytest.fixture
def r3(api_as):
    """The API as reviewer3 (reviewer and publisher)."""
    return api_as("reviewer3")


@pytest.fixture
def publisher(api_as):
    """The API as publisher1 (publisher)."""
    return api_as("publisher1")


@pytest.fixture
def cli(db_url: str, monkeypatch, tmp_path: Path):
    """``cli(*args, input=None)``: run a reviewer command against the test database."""
    for name in ("REVIEWER_CONFIG", "REVIEWER_SECRET_KEY", "REVIEWER_LEXICON_DIRS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REVIEWER_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REVIEWER_INSTANCE", str(tmp_path / "instance"))

    def run(*args: str, input: str | None = None):
        from click.testing import CliRunner

        from reviewer.cli import main

        return CliRunner().invoke(main, list(args), input=input)

    return run
