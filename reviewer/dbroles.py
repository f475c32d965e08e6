"""PostgreSQL roles: an application role that cannot rewrite the audit trail, an owner for migrations.

A superuser can skip the audit triggers (``SET session_replication_role = replica``) and delete
entries, so the service must not connect as one. ``roles_sql`` writes the script a database
administrator runs once (and again after each migration): it creates an owner role, which owns
the tables and runs ``reviewer db upgrade``, and an application role, which may read and write
the business tables but only read and append to ``audit_entries``, with no TRUNCATE, TRIGGER or
REFERENCES right and no way to change the replication role. ``is_superuser`` lets ``serve`` warn.

May import: reviewer.storage
"""

from __future__ import annotations

import re
import shlex

from reviewer.storage import make_engine

#: Tables whose rights differ from the business tables': the audit trail and Alembic's bookkeeping.
AUDIT_TABLE = "audit_entries"
VERSION_TABLE = "alembic_version"
DEFAULT_APP_ROLE = "reviewer_app"
DEFAULT_OWNER_ROLE = "reviewer_owner"
DEFAULT_SCHEMA = "public"

#: Lower-case identifier characters only, so the name means the same quoted or not (63 = NAMEDATALEN - 1).
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RESERVED = {"public", "none", "current_user", "session_user", "current_role"}
_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


class RoleNameError(ValueError):
    """A role, schema or database name the script refuses to write (the message is Chinese)."""


def _name(value: str, what: str) -> str:
    """``value`` if it is a plain lower-case identifier, else RoleNameError naming ``what``."""
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise RoleNameError(f"{what}“{value}”无效：只能使用小写字母、数字和下划线，以字母或下划线开头，最长 63 个字符。")
    if value in _RESERVED or value.startswith("pg_"):
        raise RoleNameError(f"{what}“{value}”是 PostgreSQL 保留的名称，请换一个。")
    return value


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier (embedded double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _database(value: str) -> str:
    """A database name fit to quote: not empty, no control characters, at most 63 bytes."""
    if not value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value) or len(value.encode("utf-8")) > 63:
        raise RoleNameError(f"数据库名“{value}”无效。")
    return value


def roles_sql(app_role: str, owner_role: str, database: str, schema: str = DEFAULT_SCHEMA) -> str:
    """The SQL script creating (if absent) and granting the owner and application roles.

    Run by a superuser, e.g. ``psql --single-transaction -v ON_ERROR_STOP=1``; it is idempotent.
    """
    app_name = _name(app_role, "应用角色名")
    owner_name = _name(owner_role, "属主角色名")
    schema_name = _name(schema, "模式名") if schema != DEFAULT_SCHEMA else schema
    if app_name == owner_name:
        raise RoleNameError("应用角色与属主角色必须是两个不同的角色。")
    app, owner, db = quote_ident(app_name), quote_ident(owner_name), quote_ident(_database(database))
    sch = quote_ident(schema_name)
    audit = f"{sch}.{quote_ident(AUDIT_TABLE)}"
    version = f"{sch}.{quote_ident(VERSION_TABLE)}"
    defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch}"
    return f"""\
-- reviewer 数据库角色脚本（PostgreSQL），由 reviewer db roles 生成。
-- 以超级用户在数据库 {db} 中执行，例如：
--   reviewer db roles | psql --single-transaction -v ON_ERROR_STOP=1 -U postgres -d {shlex.quote(database)}
-- 脚本可重复执行；每次 reviewer db upgrade 之后请再执行一次，让新建的表也得到正确的权限。
--
-- {owner}：表的属主，只用于 reviewer db upgrade（迁移），不要用它运行服务（属主可以停用触发器）。
-- {app}：服务使用的角色（DATABASE_URL），可读写业务表，审计表 {AUDIT_TABLE} 只能查询和追加；
--   没有 TRUNCATE、TRIGGER、REFERENCES 权限，不是超级用户，无法设置 session_replication_role。
--
-- 口令不写在脚本里。执行后在 psql 中设置：
--   \\password {app_name}
--   \\password {owner_name}
-- 或者 ALTER ROLE {app} PASSWORD '...';（注意口令会进入命令历史和日志）

-- 1. 角色：不存在时创建；已存在时把属性改回安全的取值。
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {_literal(owner_name)}) THEN
        CREATE ROLE {owner};
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {_literal(app_name)}) THEN
        CREATE ROLE {app};
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_auth_members
               WHERE roleid = {_literal(owner_name)}::regrole AND member = {_literal(app_name)}::regrole) THEN
        REVOKE {owner} FROM {app};
    END IF;
END
$roles$;
ALTER ROLE {owner} WITH {_ROLE_ATTRIBUTES};
ALTER ROLE {app} WITH {_ROLE_ATTRIBUTES};

-- 2. 数据库与模式：两个角色都能连接；只有属主能在模式中建表。
GRANT CONNECT ON DATABASE {db} TO {owner}, {app};
REVOKE CREATE ON SCHEMA {sch} FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA {sch} TO {owner};
REVOKE CREATE ON SCHEMA {sch} FROM {app};
GRANT USAGE ON SCHEMA {sch} TO {app};

-- 3. 已有的表、视图、序列和函数（例如曾以超级用户迁移）交给属主；扩展的对象不动。
DO $owner$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                   WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = {_literal(schema_name)}
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND c.relowner <> {_literal(owner_name)}::regrole
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                            AND d.deptype IN ('a', 'i', 'e'))
    LOOP
        EXECUTE 'ALTER ' || item.kind || ' ' || item.name || ' OWNER TO ' || {_literal(owner)};
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure::text AS name
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = {_literal(schema_name)}
          AND p.prokind IN ('f', 'p')
          AND p.proowner <> {_literal(owner_name)}::regrole
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                            AND d.deptype = 'e')
    LOOP
        EXECUTE 'ALTER ROUTINE ' || item.name || ' OWNER TO ' || {_literal(owner)};
    END LOOP;
END
$owner$;

-- 4. 应用角色：先收回全部权限，再只授予需要的。
REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {sch} FROM {app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app};
DO $narrow$
BEGIN
    -- 审计表只能查询和追加（触发器之外的第二道防线）；迁移版本表只读。
    IF pg_catalog.to_regclass({_literal(audit)}) IS NOT NULL THEN
        REVOKE UPDATE, DELETE ON {audit} FROM {app};
    END IF;
    IF pg_catalog.to_regclass({_literal(version)}) IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON {version} FROM {app};
    END IF;
END
$narrow$;

-- 5. 默认权限：属主以后迁移新建的表和序列自动授予应用角色同样的权限。
{defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
{defaults} GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""


def is_superuser(url: str) -> bool | None:
    """Whether ``url`` connects as a PostgreSQL superuser; None for other databases (SQLite)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    if make_url(url).get_backend_name() != "postgresql":
        return None
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            value = connection.scalar(text("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"))
    finally:
        engine.dispose()
    return bool(value)
