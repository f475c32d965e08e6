"""The audit trail: one append-only, hash-chained and HMAC-keyed log per deployment.

Every entry is written by ``record`` in the caller's transaction, so it lands together with the
change it describes or not at all. Each entry stores

- ``content_hash`` = sha256 of its canonical content (sorted-key JSON, timestamps in ISO UTC),
- ``prev_hash``    = the ``entry_hash`` of the entry before it (64 zeros for the first),
- ``entry_hash``   = sha256(prev_hash + content_hash), and
- ``mac``          = HMAC-SHA256(key, entry_hash).

Anyone with database access can recompute plain hashes, but not the MAC: its key lives outside the
database (``REVIEWER_AUDIT_KEY`` or ``audit_hmac_key`` in the configuration file; without either,
a random key is kept in ``<instance>/audit.key``). Appending happens under one lock per
deployment (PostgreSQL: ``pg_advisory_xact_lock``; SQLite: the database write lock), so concurrent
writers never fork the chain. Migration ``0002_audit`` adds triggers that refuse UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from sqlalchemy import Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from reviewer.audit.keys import key_id, session_key
from reviewer.errors import WorkflowError
from reviewer.storage import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64
#: pg_advisory_xact_lock key of the chain ("audit" in ASCII); one chain per database.
PG_LOCK_KEY = 0x6175646974
#: The columns that make up an entry's canonical content, in the order exports show them.
CONTENT_FIELDS: tuple[str, ...] = (
    "seq",
    "created_at",
    "event",
    "actor_id",
    "actor_name",
    "unit_id",
    "account_id",
    "draft_id",
    "version",
    "level",
    "gate",
    "details",
    "ip",
)
HASH_FIELDS: tuple[str, ...] = ("content_hash", "prev_hash", "entry_hash", "mac")
#: Sealed with the content when present (migration 0006): whose entry it is, which key sealed it.
SEALED_IF_SET: tuple[str, ...] = ("subject_user_id", "key_id")


@lru_cache(maxsize=1)
def event_names() -> dict[str, str]:
    """Event code -> Chinese name, from ``audit_events.toml`` (the list of events is data)."""
    data = tomllib.loads(files("reviewer").joinpath("audit_events.toml").read_text(encoding="utf-8"))
    return dict(data["events"])


class AuditEntry(Base):
    """One audit entry; rows are only ever inserted (the database refuses UPDATE and DELETE)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created_at", "created_at"),
        Index("ix_audit_entries_event", "event"),
        Index("ix_audit_entries_draft_id", "draft_id"),
        Index("ix_audit_entries_account_id", "account_id"),
        Index("ix_audit_entries_actor_name", "actor_name"),
        Index("ix_audit_entries_unit_id", "unit_id"),
        Index("ix_audit_entries_subject_user_id", "subject_user_id"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(150))
    unit_id: Mapped[int | None] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(Integer)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int | None] = mapped_column(Integer)
    gate: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mac: Mapped[str] = mapped_column(String(64))
    #: Which HMAC key sealed the entry (a short hash of the key; None before migration 0006).
    key_id: Mapped[str | None] = mapped_column(String(16))
    #: The user a unit-less entry is about (login, token, password, role), for the audit scope.
    subject_user_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def event_name(self) -> str:
        """The Chinese name auditors read."""
        return event_names().get(self.event, self.event)

    @property
    def details_dict(self) -> dict:
        """The details as a dict (stored as canonical JSON text so hashing never depends on JSONB)."""
        return json.loads(self.details) if self.details else {}


# ---------------------------------------------------------------------------------------------
# Canonical form and hashes (shared by record, verify and bulk generators such as the bench)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def dump_details(details: dict | None) -> str | None:
    """Details as sorted-key JSON text: the exact string stored, hashed and exported."""
    if not details:
        return None
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default)


def iso_utc(moment: datetime) -> str:
    """A timestamp as ISO 8601 in UTC with microseconds (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical(fields: dict[str, Any]) -> bytes:
    """The canonical content of an entry: sorted-key compact JSON of CONTENT_FIELDS, UTF-8.

    The fields added later (SEALED_IF_SET) are part of it only when set, so entries written
    before they existed keep the content they were sealed with.
    """
    content = {name: fields.get(name) for name in CONTENT_FIELDS}
    content.update({name: fields[name] for name in SEALED_IF_SET if fields.get(name) is not None})
    content["created_at"] = iso_utc(content["created_at"])
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(fields: dict[str, Any], prev_hash: str, key: bytes) -> dict[str, str]:
    """The four hash columns of an entry with these content fields following ``prev_hash``."""
    content_hash = hashlib.sha256(canonical(fields)).hexdigest()
    entry_hash = hashlib.sha256((prev_hash + content_hash).encode("ascii")).hexdigest()
    mac = hmac.new(key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()
    return {"content_hash": content_hash, "prev_hash": prev_hash, "entry_hash": entry_hash, "mac": mac}


# ---------------------------------------------------------------------------------------------
# Appending


def _lock_chain(session: Session) -> None:
    """Take the deployment's chain lock for the rest of the caller's transaction."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
    elif dialect == "sqlite":
        dbapi = connection.connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:
            # pysqlite opens transactions lazily; take the write lock before reading the head.
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def head(session: Session) -> tuple[int, str]:
    """The newest entry's sequence number and hash, or (0, GENESIS_HASH) for an empty chain."""
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def record(
    session: Session,
    event: str,
    *,
    actor_id: int | None = None,
    actor_name: str | None = None,
    unit_id: int | None = None,
    account_id: int | None = None,
    draft_id: int | None = None,
    version: int | None = None,
    level: int | None = None,
    gate: str | None = None,
    details: dict | None = None,
    ip: str | None = None,
    subject_user_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction (the caller commits).

    Unknown event codes raise ValueError, so a typo cannot create an event auditors never filter on.
    """
    if event not in event_names():
        raise ValueError(f"unknown audit event {event!r}; add it to reviewer/audit_events.toml")
    key = session_key(session)
    _lock_chain(session)
    seq, prev_hash = head(session)
    fields = {
        "seq": seq + 1,
        "created_at": utcnow(),
        "event": event,
        "actor_id": actor_id,
        "actor_name": actor_name[:150] if actor_name else actor_name,
        "unit_id": unit_id,
        "account_id": account_id,
        "draft_id": draft_id,
        "version": version,
        "level": level,
        "gate": gate,
        "details": dump_details(details),
        "ip": ip[:64] if ip else ip,
        "subject_user_id": subject_user_id if subject_user_id is not None else (actor_id if unit_id is None else None),
        "key_id": key_id(key),
    }
    entry = AuditEntry(**fields, **seal(fields, prev_hash, key))
    session.add(entry)
    session.flush()
    return entry


# ---------------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify`` found: ok, how many entries it read, the head, and the first break."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None
    message: str = ""


REASONS: dict[str, str] = {
    "sequence_gap": "序号不连续：有条目被删除或插入",
    "prev_hash_mismatch": "前序哈希与上一条不符：条目被删除、插入或调换",
    "content_hash_mismatch": "内容哈希不符：条目内容被修改",
    "entry_hash_mismatch": "条目哈希不符：哈希字段被修改",
    "mac_mismatch": "HMAC 校验失败：条目被修改后重算了哈希，或密钥不正确",
    "unknown_key": "条目由未知密钥签名：请在 REVIEWER_AUDIT_PREVIOUS_KEYS 中提供轮换前的旧密钥",
    "anchor_missing": "日志链中找不到锚点：锚点之后或之前的条目被截断或替换",
}


def _row_fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CONTENT_FIELDS + SEALED_IF_SET}


def _first_break(row: Any, expected_seq: int, prev_hash: str, keys: dict[str, bytes]) -> str | None:
    if row.seq != expected_seq:
        return "sequence_gap"
    if row.prev_hash != prev_hash:
        return "prev_hash_mismatch"
    content_hash = hashlib.sha256(canonical(_row_fields(row))).hexdigest()
    if row.content_hash != content_hash:
        return "content_hash_mismatch"
    if row.entry_hash != hashlib.sha256((row.prev_hash + row.content_hash).encode("ascii")).hexdigest():
        return "entry_hash_mismatch"
    # An entry names its key; entries older than key ids may have been sealed by any known key.
    candidates = [keys[row.key_id]] if row.key_id in keys else ([] if row.key_id else list(keys.values()))
    if not candidates:
        return "unknown_key"
    for key in candidates:
        mac = hmac.new(key, row.entry_hash.encode("ascii"), hashlib.sha256).hexdigest()
        if hmac.compare_digest(row.mac, mac):
            return None
    return "mac_mismatch"


def iter_chain(session: Session, batch: int = 2000) -> Iterable[Any]:
    """Every entry in chain order, streamed in batches (server-side cursor on PostgreSQL)."""
    columns = [AuditEntry.__table__.c[name] for name in CONTENT_FIELDS + SEALED_IF_SET + HASH_FIELDS]
    statement = select(*columns).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    yield from session.execute(statement)


def verify(session: Session, key: bytes | str | dict[str, bytes], anchor: str | None = None) -> VerifyResult:
    """Walk the whole chain and report the first broken entry (sequence number and reason).

    With ``anchor`` (a head hash printed earlier by ``anchor``), also require that the chain
    still contains it: deleting the newest entries leaves a valid but shorter chain that only an
    anchor kept outside the database can reveal.
    """
    if isinstance(key, dict):
        keys = key
    else:
        raw = key.encode("utf-8") if isinstance(key, str) else key
        keys = {key_id(raw): raw}
    anchor = anchor.strip().lower() if anchor else None
    prev_hash, count, anchor_seen = GENESIS_HASH, 0, anchor is None or anchor == GENESIS_HASH
    last_seq = 0
    for row in iter_chain(session):
        reason = _first_break(row, last_seq + 1, prev_hash, keys)
        if reason:
            return VerifyResult(False, count, last_seq, prev_hash, row.seq, reason,
                                f"第 {row.seq} 号条目：{REASONS[reason]}")
        count += 1
        last_seq, prev_hash = row.seq, row.entry_hash
        anchor_seen = anchor_seen or row.entry_hash == anchor
    if not anchor_seen:
        return VerifyResult(False, count, last_seq, prev_hash, None, "anchor_missing",
                            f"{REASONS['anchor_missing']}（当前共 {count} 条，末条序号 {last_seq}）")
    return VerifyResult(True, count, last_seq, prev_hash,
                        message=f"日志链完整：共 {count} 条，末条序号 {last_seq}")


def anchor(session: Session) -> str:
    """The head hash to keep outside the database (e.g. printed in the monthly register)."""
    return head(session)[1]


ANCHOR_RE = re.compile(r"^[0-9a-fA-F]{64}$")


def check_anchor(value: str | None) -> str | None:
    """An anchor as typed (blank: None); anything but a 64-digit hex hash is refused."""
    text = (value or "").strip()
    if not text:
        return None
    if not ANCHOR_RE.match(text):
        raise WorkflowError("invalid_anchor", "锚点格式不正确：应为 64 位十六进制哈希。")
    return text.lower()
