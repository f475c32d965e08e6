"""What an attacker with database rights does first, for the tamper-evidence tests."""

from __future__ import annotations

from sqlalchemy import text


def triggers_off(conn) -> None:
    """Get the append-only triggers out of the way.

    On PostgreSQL only for this transaction (the test schema is shared by the process's tests).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
