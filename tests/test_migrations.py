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
