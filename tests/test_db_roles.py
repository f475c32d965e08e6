"""PostgreSQL roles (reviewer.dbroles): the application role cannot rewrite or skip the audit trail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from conftest import PG_ENV, private_schema
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from reviewer.audit import chain as audit
from reviewer.cli import main
from reviewer.dbroles import RoleNameError, is_superuser, roles_sql
from reviewer.storage import make_engine, make_session_factory, schema_is_current, upgrade

AUDIT_KEY = b"test-audit-key-not-for-production"
KEY_VARS = ("REVIEWER_SECRET_KEY", "REVIEWER_AUDIT_KEY", "DATABASE_URL", "REVIEWER_CONFIG")
PG_EXAMPLE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def clean_env(monkeypatch, tmp_path: Path) -> Path:
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWER_INSTANCE", str(tmp_path / "instance"))
    return tmp_path


# ---------------------------------------------------------------------------------------------
# The script itself (no server needed)


@pytest.mark.parametrize("app_role, owner_role", [
    ('app"; DROP TABLE units; --', "reviewer_owner"),
    ("reviewer_app", "owner role"),
    ("Reviewer_App", "reviewer_owner"),
    ("1app", "reviewer_owner"),
    ("", "reviewer_owner"),
    ("a" * 64, "reviewer_owner"),
    ("pg_app", "reviewer_owner"),
    ("public", "reviewer_owner"),
    ("same", "same"),
])
def test_the_script_refuses_bad_role_names(app_role: str, owner_role: str) -> None:
    with pytest.raises(RoleNameError):
        roles_sql(app_role, owner_role, "reviewer")


@pytest.mark.parametrize("schema", ["bad schema", 'x"y', "Public"])
def test_the_script_refuses_bad_schema_names(schema: str) -> None:
    with pytest.raises(RoleNameError):
        roles_sql("reviewer_app", "reviewer_owner", "reviewer", schema)


def test_the_script_refuses_a_database_name_that_breaks_out_of_a_comment() -> None:
    with pytest.raises(RoleNameError):
        roles_sql("reviewer_app", "reviewer_owner", "db\nDROP TABLE units;")


def test_the_script_quotes_names_and_holds_no_password_or_dangerous_grant() -> None:
    script = roles_sql("reviewer_app", "reviewer_owner", 'my-"db"')
    assert 'GRANT CONNECT ON DATABASE "my-""db""" TO "reviewer_owner", "reviewer_app";' in script
    assert "NOSUPERUSER" in script and "NOBYPASSRLS" in script
    assert "\\password reviewer_app" in script
    sql = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    assert "PASSWORD" not in sql
    for right in ("TRUNCATE", "TRIGGER", "REFERENCES", "GRANT ALL"):
        assert right not in sql


def test_db_roles_prints_the_script_for_the_configured_database(clean_env, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone@db.example:5432/reviewer")
    result = CliRunner().invoke(main, ["db", "roles", "--app-role", "svc", "--owner-role", "svc_owner"])
    assert result.exit_code == 0, result.output
    assert 'CREATE ROLE "svc";' in result.output and 'GRANT CONNECT ON DATABASE "reviewer"' in result.output


def test_db_roles_refuses_a_bad_role_name(clean_env, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone@db.example:5432/reviewer")
    result = CliRunner().invoke(main, ["db", "roles", "--app-role", "x; drop"])
    assert result.exit_code == 2 and "应用角色名" in result.output and "Traceback" not in result.output


def test_db_roles_on_sqlite_says_roles_are_for_postgresql(clean_env, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'r.sqlite3'}")
    result = CliRunner().invoke(main, ["db", "roles"])
    assert result.exit_code == 2 and "PostgreSQL" in result.output


def test_is_superuser_is_none_on_sqlite(tmp_path: Path) -> None:
    assert is_superuser(f"sqlite:///{tmp_path / 'r.sqlite3'}") is None


# ---------------------------------------------------------------------------------------------
# On PostgreSQL


@dataclass
class Roles:
    """A private schema, its superuser URL and the two roles the script created for it."""

    base: str
    schema: str
    admin_url: str
    app: str
    owner: str

    def url_as(self, role: str) -> str:
        """The schema's URL acting as ``role`` (the superuser session runs ``SET ROLE`` at connect)."""
        separator = "&" if "?" in self.base else "?"
        return f"{self.base}{separator}options={quote(f'-csearch_path={self.schema} -crole={role}')}"

    def apply_script(self) -> None:
        """Run the script as the superuser, as psql would: one transaction, no client-side placeholders."""
        script = roles_sql(self.app, self.owner, make_url(self.base).database or "", self.schema)
        engine = make_engine(self.admin_url)
        try:
            with engine.begin() as conn:
                conn.connection.driver_connection.execute(script)
        finally:
            engine.dispose()


def _drop_roles(admin_url: str, *roles: str) -> None:
    engine = make_engine(admin_url)
    try:
        with engine.begin() as conn:
            for role in roles:
                if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.execute(text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
                    conn.execute(text(f'DROP OWNED BY "{role}"'))
            for role in roles:
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        engine.dispose()


@pytest.fixture
def pg_base() -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"未设置 {PG_ENV}：跳过 PostgreSQL 角色测试 ({PG_ENV} is unset)")
    return base


@pytest.fixture
def roles(pg_base: str) -> Iterator[Roles]:
    """A private schema and unique role names; the roles are dropped (objects reassigned) afterwards."""
    suffix = uuid.uuid4().hex[:8]
    with private_schema(pg_base, "roles") as (url, schema):
        found = Roles(pg_base, schema, url, f"reviewer_app_{suffix}", f"reviewer_owner_{suffix}")
        try:
            yield found
        finally:
            _drop_roles(url, found.app, found.owner)


def _refused(engine: Engine, sql: str) -> str:
    """The error message PostgreSQL gives for ``sql``; fails the test if it succeeds."""
    with pytest.raises(ProgrammingError) as caught, engine.begin() as conn:
        conn.execute(text(sql))
    return str(caught.value.orig)


def _privileges(engine: Engine, role: str, table: str) -> set[str]:
    rights = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    with engine.connect() as conn:
        return {right for right in rights
                if conn.scalar(text("SELECT has_table_privilege(:r, :t, :p)"), {"r": role, "t": table, "p": right})}


def _migrate(roles: Roles, order: str) -> None:
    """Either the documented order (roles, migrate as owner, roles again) or an old deployment's."""
    if order == "roles_first":
        roles.apply_script()
        upgrade(roles.url_as(roles.owner))
        roles.apply_script()
    else:
        upgrade(roles.admin_url)
        roles.apply_script()


@pytest.mark.postgres
@pytest.mark.parametrize("order", ["roles_first", "migrated_as_superuser_first"])
def test_the_application_role_can_append_but_not_rewrite_or_skip_the_audit_trail(roles: Roles, order: str) -> None:
    _migrate(roles, order)
    app_url = roles.url_as(roles.app)
    assert is_superuser(app_url) is False and is_superuser(roles.url_as(roles.owner)) is False
    assert schema_is_current(app_url)  # serve's start-up check works as the application role
    app = make_engine(app_url)
    try:
        with make_session_factory(app, audit_key=AUDIT_KEY)() as session:
            audit.record(session, "export", actor_name="角色测试", details={"order": order})
            session.commit()
            assert audit.verify(session, AUDIT_KEY).ok
        with app.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM audit_entries WHERE actor_name = '角色测试'")) == 1

        assert "permission denied for table audit_entries" in _refused(app, "DELETE FROM audit_entries")
        assert "permission denied for table audit_entries" in _refused(app, "TRUNCATE audit_entries")
        assert "permission denied for table audit_entries" in _refused(app, "UPDATE audit_entries SET ip = 'x'")
        assert "permission denied" in _refused(app, "SET session_replication_role = replica")
        assert "must be owner" in _refused(app, "ALTER TABLE audit_entries DISABLE TRIGGER ALL")
        assert "permission denied" in _refused(app, "UPDATE alembic_version SET version_num = '0001'")
        assert "permission denied" in _refused(app, "CREATE TABLE sneaky (id integer)")

        with app.begin() as conn:  # business tables: insert (sequence), update, delete
            unit_id = conn.scalar(text("INSERT INTO units (name, created_at) VALUES ('角色测试单位', now()) RETURNING id"))
            conn.execute(text("UPDATE units SET name = '角色测试单位（改）' WHERE id = :i"), {"i": unit_id})
            assert conn.scalar(text("SELECT name FROM units WHERE id = :i"), {"i": unit_id}) == "角色测试单位（改）"
            conn.execute(text("DELETE FROM units WHERE id = :i"), {"i": unit_id})
    finally:
        app.dispose()

    admin = make_engine(roles.admin_url)
    try:
        assert _privileges(admin, roles.app, "audit_entries") == {"SELECT", "INSERT"}
        assert _privileges(admin, roles.app, "units") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
        assert _privileges(admin, roles.app, "alembic_version") == {"SELECT"}
        with admin.connect() as conn:
            owners = set(conn.scalars(text("SELECT tableowner FROM pg_tables WHERE schemaname = :s"),
                                      {"s": roles.schema}))
            assert owners == {roles.owner}
            assert conn.scalar(text("SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = :r"),
                               {"r": roles.app}) is False
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_tables_the_owner_creates_later_get_the_business_grants(roles: Roles) -> None:
    roles.apply_script()
    upgrade(roles.url_as(roles.owner))
    owner = make_engine(roles.url_as(roles.owner))
    try:
        with owner.begin() as conn:
            conn.execute(text("CREATE TABLE later_things (id serial PRIMARY KEY, name text)"))
        assert _privileges(owner, roles.app, "later_things") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    finally:
        owner.dispose()
    app = make_engine(roles.url_as(roles.app))
    try:
        with app.begin() as conn:
            conn.execute(text("INSERT INTO later_things (name) VALUES ('a')"))
            conn.execute(text("UPDATE later_things SET name = 'b'"))
        assert "permission denied" in _refused(app, "TRUNCATE later_things")
    finally:
        app.dispose()


@pytest.mark.postgres
def test_is_superuser_is_true_for_the_documented_postgres_url(roles: Roles) -> None:
    assert is_superuser(roles.admin_url) is True


@pytest.mark.postgres
@pytest.mark.parametrize("as_app", [False, True])
def test_serve_warns_when_it_connects_as_a_superuser(roles: Roles, as_app: bool, clean_env, monkeypatch) -> None:
    import waitress

    _migrate(roles, "roles_first")
    monkeypatch.setenv("DATABASE_URL", roles.url_as(roles.app) if as_app else roles.admin_url)
    monkeypatch.setenv("REVIEWER_SECRET_KEY", "k1")
    monkeypatch.setenv("REVIEWER_AUDIT_KEY", "k2")

    def no_server(*args, **kwargs):  # stop right before serving: the warning comes earlier
        raise OSError("test: not listening")

    monkeypatch.setattr(waitress, "create_server", no_server)
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "无法监听" in result.stderr, result.output
    warned = "超级用户" in result.stderr and "reviewer db roles" in result.stderr
    assert warned is not as_app
