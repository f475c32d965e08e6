"""The audit chain: entries are appended, keyed and verified; tampering of any kind is found.

Tampering is simulated as an attacker with database access would do it: the append-only
triggers are switched off on a raw connection first, then rows are changed, deleted or swapped.
Runs on SQLite, and on PostgreSQL when REVIEWER_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from audit_helpers import triggers_off
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.audit import keys
from reviewer.audit.chain import AuditEntry
from reviewer.storage import make_session_factory

KEY = b"test-audit-key-not-for-production"
TABLE = AuditEntry.__table__


def keyed_session(engine: Engine, key: bytes = KEY) -> Session:
    return make_session_factory(engine)(info={"audit_key": key})


def write_entries(engine: Engine, count: int, start: int = 0) -> None:
    """Append ``count`` entries with every optional field filled, one transaction each."""
    for n in range(start, start + count):
        with keyed_session(engine) as session:
            audit.record(session, "signoff", actor_id=n + 1, actor_name=f"reviewer{n}", unit_id=2,
                         account_id=3, draft_id=10 + n, version=1, level=1 + n % 3, gate="legal",
                         details={"decision": "approve", "comment": f"第{n}条意见", "overrides": {"7": "引用原文"}},
                         ip="10.0.0.1")
            session.commit()


def check(engine: Engine, key: bytes = KEY, anchor: str | None = None) -> audit.VerifyResult:
    with keyed_session(engine, key) as session:
        return audit.verify(session, key, anchor=anchor)


@pytest.fixture
def chain(engine: Engine) -> Engine:
    """A database holding a valid chain of six entries."""
    write_entries(engine, 6)
    return engine


@pytest.fixture
def attacker(chain: Engine) -> Iterator:
    """A raw connection with the triggers removed; its changes are committed at the end."""
    with chain.begin() as conn:
        triggers_off(conn)
        yield conn


def row(engine: Engine, seq: int):
    with engine.connect() as conn:
        return conn.execute(select(TABLE).where(TABLE.c.seq == seq)).one()


# -- writing and verifying -------------------------------------------------------------------


def test_an_untouched_chain_verifies(chain: Engine) -> None:
    result = check(chain)
    assert result.ok and result.count == 6 and result.head_seq == 6


def test_each_entry_links_to_the_previous_entry_hash(chain: Engine) -> None:
    assert row(chain, 1).prev_hash == audit.GENESIS_HASH
    assert row(chain, 4).prev_hash == row(chain, 3).entry_hash


def test_entry_hash_is_sha256_of_prev_hash_and_content_hash(chain: Engine) -> None:
    entry = row(chain, 2)
    assert entry.entry_hash == hashlib.sha256((entry.prev_hash + entry.content_hash).encode()).hexdigest()


def test_an_empty_chain_verifies(engine: Engine) -> None:
    result = check(engine)
    assert result.ok and result.count == 0 and result.head_hash == audit.GENESIS_HASH


def test_record_refuses_an_unknown_event(engine: Engine) -> None:
    with keyed_session(engine) as session, pytest.raises(ValueError, match="unknown audit event"):
        audit.record(session, "draft.teleport")


def test_record_lands_only_with_the_callers_commit(engine: Engine) -> None:
    with keyed_session(engine) as session:
        audit.record(session, "login.success", actor_name="editor1")
        session.rollback()
    assert check(engine).count == 0


def test_verify_with_another_key_fails_at_the_first_entry(chain: Engine) -> None:
    result = check(chain, key=b"some-other-key")
    assert not result.ok and result.broken_seq == 1 and result.reason == "unknown_key"


def test_a_forged_key_id_does_not_get_past_the_mac(chain: Engine) -> None:
    with chain.begin() as conn:
        triggers_off(conn)
        conn.execute(update(TABLE).where(TABLE.c.seq == 3).values(key_id=keys.key_id(b"some-other-key")))
    result = check(chain, key={keys.key_id(KEY): KEY, keys.key_id(b"some-other-key"): b"some-other-key"})
    assert not result.ok and result.broken_seq == 3


def test_anchor_is_the_head_entry_hash(chain: Engine) -> None:
    with keyed_session(chain) as session:
        assert audit.anchor(session) == row(chain, 6).entry_hash


def test_verify_accepts_an_anchor_still_in_the_chain(chain: Engine) -> None:
    earlier = row(chain, 3).entry_hash
    write_entries(chain, 2, start=6)
    assert check(chain, anchor=earlier).ok


# -- tampering --------------------------------------------------------------------------------


def changed(value, column: str):
    """A different value of the same type for ``column``."""
    if column == "created_at":
        return value + timedelta(seconds=1)
    if column == "event":
        return "publish"
    if column == "details":
        return value.replace("approve", "reject")
    if column in audit.HASH_FIELDS:
        return ("0" if value[0] != "0" else "1") + value[1:]
    if isinstance(value, int):
        return value + 1000
    return value + "x"


@pytest.mark.parametrize("column", [c for c in audit.CONTENT_FIELDS + audit.HASH_FIELDS])
def test_changing_any_field_of_an_entry_is_detected(chain: Engine, column: str) -> None:
    with chain.begin() as conn:
        triggers_off(conn)
        original = conn.execute(select(TABLE.c[column]).where(TABLE.c.seq == 3)).scalar_one()
        conn.execute(update(TABLE).where(TABLE.c.seq == 3).values({column: changed(original, column)}))
    result = check(chain)
    assert not result.ok
    assert result.broken_seq in (3, 4)  # a changed seq leaves a gap noticed at the next entry


@pytest.mark.parametrize("seq", [1, 4, 6])
def test_changing_an_entry_anywhere_in_the_chain_names_that_entry(chain: Engine, seq: int) -> None:
    with chain.begin() as conn:
        triggers_off(conn)
        conn.execute(update(TABLE).where(TABLE.c.seq == seq).values(actor_name="mallory"))
    result = check(chain)
    assert (result.ok, result.broken_seq, result.reason) == (False, seq, "content_hash_mismatch")
    assert f"第 {seq} 号条目" in result.message


def test_recomputing_the_plain_hashes_after_an_edit_is_caught_by_the_hmac(chain: Engine) -> None:
    with chain.begin() as conn:
        triggers_off(conn)
        conn.execute(update(TABLE).where(TABLE.c.seq == 2).values(actor_name="mallory"))
        rows = conn.execute(select(TABLE).order_by(TABLE.c.seq)).all()
        prev = audit.GENESIS_HASH
        for entry in rows:  # rebuild every plain hash from the edit onwards; the MAC needs the key
            fields = {name: getattr(entry, name) for name in audit.CONTENT_FIELDS + audit.SEALED_IF_SET}
            sealed = audit.seal(fields, prev, b"attacker-guess")
            conn.execute(update(TABLE).where(TABLE.c.seq == entry.seq).values(
                content_hash=sealed["content_hash"], prev_hash=sealed["prev_hash"],
                entry_hash=sealed["entry_hash"]))
            prev = sealed["entry_hash"]
    result = check(chain)
    assert (result.ok, result.broken_seq, result.reason) == (False, 2, "mac_mismatch")


def test_deleting_an_entry_is_detected(attacker) -> None:
    attacker.execute(delete(TABLE).where(TABLE.c.seq == 3))
    attacker.commit()
    result = check(attacker.engine)
    assert (result.ok, result.broken_seq, result.reason) == (False, 4, "sequence_gap")


def test_deleting_the_first_entry_is_detected(attacker) -> None:
    attacker.execute(delete(TABLE).where(TABLE.c.seq == 1))
    attacker.commit()
    result = check(attacker.engine)
    assert not result.ok and result.broken_seq == 2


def test_swapping_two_entries_is_detected(attacker) -> None:
    attacker.execute(update(TABLE).where(TABLE.c.seq == 2).values(seq=-2))
    attacker.execute(update(TABLE).where(TABLE.c.seq == 3).values(seq=2))
    attacker.execute(update(TABLE).where(TABLE.c.seq == -2).values(seq=3))
    attacker.commit()
    result = check(attacker.engine)
    assert not result.ok and result.broken_seq == 2


def test_truncating_the_newest_entries_passes_without_an_anchor_but_fails_against_one(chain: Engine) -> None:
    with keyed_session(chain) as session:
        kept_outside = audit.anchor(session)
    write_entries(chain, 3, start=6)
    with chain.begin() as conn:
        triggers_off(conn)
        conn.execute(delete(TABLE).where(TABLE.c.seq >= 5))
    assert check(chain).ok  # a shorter chain is still a valid chain ...
    result = check(chain, anchor=kept_outside)
    assert (result.ok, result.reason) == (False, "anchor_missing")  # ... the anchor says otherwise


# -- the append-only triggers -------------------------------------------------------------------


def test_plain_sql_update_is_refused_by_the_trigger(chain: Engine) -> None:
    with pytest.raises(DBAPIError, match="append-only"), chain.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor_name = 'mallory' WHERE seq = 2"))
    assert row(chain, 2).actor_name == "reviewer1"


def test_plain_sql_delete_is_refused_by_the_trigger(chain: Engine) -> None:
    with pytest.raises(DBAPIError, match="append-only"), chain.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 6"))
    assert check(chain).count == 6


def test_truncate_is_refused_on_postgresql(chain: Engine) -> None:
    if chain.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with pytest.raises(DBAPIError, match="append-only"), chain.begin() as conn:
        conn.execute(text("TRUNCATE audit_entries"))
    assert check(chain).count == 6


# -- concurrency ----------------------------------------------------------------------------------


def test_concurrent_writers_never_fork_the_chain(engine: Engine) -> None:
    threads, per_thread = 8, 6
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                with keyed_session(engine) as session:
                    session.execute(select(AuditEntry.seq).limit(1)).all()  # a read before the append
                    audit.record(session, "draft.edit", actor_name=f"w{worker}", details={"n": n})
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    result = check(engine)
    assert result.ok and result.count == threads * per_thread
