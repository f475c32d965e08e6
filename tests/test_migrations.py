"""Migrations: 0003 adds ``findings.field`` to a database holding findings; 0008 adds the supervisor role and
inspection jobs; the migrations build exactly the schema the models declare."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import private_schema
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from reviewer.storage import upgrade

PG_ENV = "REVIEWER_TEST_DATABASE_URL"
FINDING = ("INSERT INTO findings (id, version_id, start, \"end\", text, category, gate, severity, rule, source)"
           " VALUES (:id, 1, 0, 4, '台湾总统', 'political_expression', 'political', 'block', 'r', 'lexicon')")


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind (SQLite file, or a private PostgreSQL schema)."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    with private_schema(base, "migrate") as (url, _schema):
        yield url


def _insert_finding(url: str, finding_id: int, field: str | None = None) -> None:
    """A findings row alone (foreign keys not enforced for it): only the column under test matters."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            sql = FINDING if field is None else FINDING.replace("source)", "source, field)").replace(
                "'lexicon')", "'lexicon', :field)")
            conn.execute(text(sql), {"id": finding_id, "field": field})
    finally:
        engine.dispose()


def _fields(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT field FROM findings ORDER BY id")))
    finally:
        engine.dispose()


def test_findings_stored_before_0003_are_body_findings(empty_url):
    upgrade(empty_url, "0002")
    _insert_finding(empty_url, 1)
    upgrade(empty_url)
    assert _fields(empty_url) == ["body"]


def test_the_database_refuses_a_field_other_than_title_or_body(empty_url):
    upgrade(empty_url)
    _insert_finding(empty_url, 1, "title")
    with pytest.raises(IntegrityError):
        _insert_finding(empty_url, 2, "citizen")
    assert _fields(empty_url) == ["title"]


def test_audit_entries_are_indexed_by_unit(empty_url: str) -> None:
    from sqlalchemy import inspect

    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("audit_entries")}
    finally:
        engine.dispose()
    assert "ix_audit_entries_unit_id" in indexes


def test_migrations_build_exactly_the_schema_the_models_declare(empty_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import reviewer.audit.chain  # noqa: F401 - registers audit_entries on the shared metadata
    from reviewer.storage import Base

    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_database_refuses_a_second_unit_of_the_same_name(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, name, created_at) VALUES (1, '示例市税务局', CURRENT_TIMESTAMP)"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, name, created_at) VALUES (2, '示例市税务局', CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()


def test_0008_lets_user_roles_hold_the_supervisor_role_and_keeps_the_roles_already_granted(empty_url: str) -> None:
    upgrade(empty_url, "0007")
    engine = create_engine(empty_url)
    user = ("INSERT INTO users (id, username, display_name, password_hash, active, failed_logins, session_epoch, created_at)"
            " VALUES (1, 'editor1', '编辑', 'x', true, 0, 0, CURRENT_TIMESTAMP)")
    try:
        with engine.begin() as conn:
            conn.execute(text(user))
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'editor')"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'supervisor')"))
        upgrade(empty_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'supervisor')"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'inspector')"))
        with engine.connect() as conn:
            assert sorted(conn.scalars(text("SELECT role FROM user_roles"))) == ["editor", "supervisor"]
    finally:
        engine.dispose()


def test_the_database_refuses_an_inspection_job_status_outside_the_vocabulary(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    job = ("INSERT INTO inspection_jobs (id, unit_id, created_by, created_at, window_first, window_last, file_names,"
           " input_paths, input_bytes, status, attempts, rows_done) VALUES (:id, 1, 1, CURRENT_TIMESTAMP, '2026-11-02',"
           " :last, '[]', '[]', 0, :status, 0, 0)")
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no unit or user needed
            conn.execute(text(job), {"id": 1, "last": "2026-11-29", "status": "queued"})
        for values in ({"id": 2, "last": "2026-11-29", "status": "paused"}, {"id": 3, "last": "2026-11-01", "status": "queued"}):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(job), values)
    finally:
        engine.dispose()


# -- 0010 (citizens' messages) --------------------------------------------------------------------


def test_0010_refuses_a_message_state_outside_the_vocabulary(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    insert = ("INSERT INTO messages (id, account_id, unit_id, received_at, text, via, state, due_at, shown_text, masked,"
              " marks, created_at) VALUES (:id, 1, 1, CURRENT_TIMESTAMP, '路灯坏了', 'api', :state, CURRENT_TIMESTAMP,"
              " '路灯坏了', 0, '[]', CURRENT_TIMESTAMP)")
    try:
        for values, refused in (({"id": 1, "state": "pending"}, False), ({"id": 2, "state": "lost"}, True)):
            with (pytest.raises(IntegrityError) if refused else _nothing()), engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SET LOCAL session_replication_role = replica"))  # no account or unit needed
                conn.execute(text(insert), values)
        with engine.connect() as conn:
            assert list(conn.scalars(text("SELECT state FROM messages"))) == ["pending"]
            assert list(conn.execute(text("SELECT message_id FROM drafts"))) == []
    finally:
        engine.dispose()


def _nothing():
    from contextlib import nullcontext

    return nullcontext()


# --- lexicon entries (0011) -------------------------------------------------------------------


def test_0011_starts_the_lexicon_version_at_zero_and_keeps_findings_found_before_it(empty_url: str) -> None:
    upgrade(empty_url, "0010")
    _insert_finding(empty_url, 1)
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version FROM lexicon_state WHERE id = 1")) == 0
            assert conn.scalar(text("SELECT lexicon_version FROM findings WHERE id = 1")) is None
    finally:
        engine.dispose()


def test_the_database_refuses_a_lexicon_entry_kind_outside_the_vocabulary(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO lexicon_entries (kind, term, key, enabled, created_by, created_at, updated_at)"
                              " VALUES ('word', '东关', '东关', true, 'a', '2026-01-01', '2026-01-01')"))
    finally:
        engine.dispose()


# --- 0012: violation alerts and after-publishing actions -------------------------------------------------------------
ALERT = ("INSERT INTO alerts (id, source, subject, day, unit_id, summary, details, raised_at, state)"
         " VALUES (:id, 'check_missing', :subject, '2026-12-01', 1, '未做双向反馈核查', '{}', CURRENT_TIMESTAMP, :state)")


def test_0012_keeps_one_alert_per_item_and_only_the_vocabularys_states(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)

    def insert(values: dict) -> None:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no unit needed
            conn.execute(text(ALERT), values)

    try:
        insert({"id": 1, "subject": "publication:1", "state": "open"})
        for values in ({"id": 2, "subject": "publication:1", "state": "open"},
                       {"id": 3, "subject": "publication:2", "state": "ignored"}):
            with pytest.raises(IntegrityError):
                insert(values)
    finally:
        engine.dispose()


def test_0012_downgrades_to_0011_without_its_tables(empty_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from reviewer.storage import alembic_config

    upgrade(empty_url, "0012")
    command.downgrade(alembic_config(empty_url), "0011")
    engine = create_engine(empty_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert not tables & {"alerts", "post_withdrawals", "post_corrections", "post_checks", "draft_removals"}


# -- 0013 (review page, issue 16): what each reviewer last saw, and the comments of a level action ------


def _replica(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no draft or user rows needed


def test_0013_keeps_one_last_seen_version_per_draft_and_reviewer(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    view = "INSERT INTO draft_views (id, draft_id, user_id, version, seen_at) VALUES (:id, 1, 1, 1, CURRENT_TIMESTAMP)"
    try:
        with engine.begin() as conn:
            _replica(conn)
            conn.execute(text(view), {"id": 1})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _replica(conn)
            conn.execute(text(view), {"id": 2})
    finally:
        engine.dispose()


def test_0013_refuses_a_comment_on_words_without_its_field_or_with_an_empty_span(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    note = ("INSERT INTO review_notes (id, version_id, level, reviewer_id, gate, field, start, \"end\", comment, created_at)"
            " VALUES (:id, 1, 1, 1, 'text', :field, :start, :end, '意见', CURRENT_TIMESTAMP)")
    try:
        with engine.begin() as conn:
            _replica(conn)
            conn.execute(text(note), {"id": 1, "field": "body", "start": 2, "end": 5})
            conn.execute(text(note), {"id": 2, "field": None, "start": None, "end": None})
        for values in ({"id": 3, "field": None, "start": 2, "end": 5}, {"id": 4, "field": "body", "start": 5, "end": 5}):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                _replica(conn)
                conn.execute(text(note), values)
    finally:
        engine.dispose()
