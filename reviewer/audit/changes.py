"""Lexicon and model changes on record: what the engine judges with, compared with the audit trail.

Issue 5 requires lexicon and model changes in the audit trail, but both change as files on disk,
outside any request. So whenever the service starts or a model is trained, the engine's
fingerprints are compared with the ``details`` of the newest ``lexicon.change`` / ``model.change``
entries, and a new entry is written for each that differs. An unchanged restart writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.config import Settings

#: fingerprint name -> the audit event that records its changes.
EVENTS: dict[str, str] = {"lexicon": "lexicon.change", "model": "model.change"}
#: Metadata of a trained model worth keeping in its audit entry (the rest is in the model folder).
MODEL_SUMMARY_KEYS: tuple[str, ...] = ("model_file", "trained_at", "corpus_sha256", "corpus_size",
                                       "feedback_rows", "seed", "thresholds")


def recorded_fingerprint(session: Session, event: str) -> str | None:
    """The sha256 named by the newest entry of ``event`` (None when there is none, or it names none)."""
    from reviewer.audit.chain import AuditEntry

    entry = session.scalar(select(AuditEntry).where(AuditEntry.event == event)
                           .order_by(AuditEntry.seq.desc()).limit(1))
    return entry.details_dict.get("sha256") if entry is not None else None


def _summary(name: str, engine: Any) -> dict[str, Any]:
    if name == "lexicon":
        return {"entries": len(engine.lexicon), "allow_phrases": len(engine.lexicon.allow),
                "extra_dirs": [str(d) for d in engine.settings.lexicon_dirs]}
    metadata = getattr(engine.classifier, "metadata", None) or {}
    return {key: metadata[key] for key in MODEL_SUMMARY_KEYS if key in metadata}


def record_engine_changes(session: Session, engine: Any, actor_name: str) -> list[str]:
    """Record a change entry for each fingerprint that differs from the trail; returns the events written.

    A model fingerprint of None (no model, or the classifier switched off) is recorded only when
    the trail names a model, so a deployment without a model does not log "no model" on every start.
    The caller commits.
    """
    from reviewer.audit import chain as audit

    # Take the chain lock before reading, so two processes starting together cannot both record.
    audit._lock_chain(session)
    written = []
    for name, current in engine.fingerprints().items():
        event = EVENTS[name]
        previous = recorded_fingerprint(session, event)
        if current == previous:
            continue
        if current is None and not _has_entry(session, event):
            continue
        details = {"sha256": current, "previous_sha256": previous, **_summary(name, engine)}
        audit.record(session, event, actor_name=actor_name, details=details)
        written.append(event)
    return written


def _has_entry(session: Session, event: str) -> bool:
    from reviewer.audit.chain import AuditEntry

    return session.scalar(select(AuditEntry.seq).where(AuditEntry.event == event).limit(1)) is not None


def record_in_database(settings: Settings, actor_name: str, engine: Any) -> list[str]:
    """Open the configured database, record what ``engine`` judges with if it changed, and commit.

    For ``serve`` (the engine the service will use) and ``train`` (the engine with the new model).
    """
    from reviewer.storage import make_engine, make_session_factory

    database = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(database, settings=settings)() as session:
            written = record_engine_changes(session, engine, actor_name)
            session.commit()
    finally:
        database.dispose()
    return written


def unavailable_reason(settings: Settings) -> str | None:
    """Why the configured database cannot take records now (None when it can); never creates one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.storage import schema_is_current

    url = settings.effective_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).exists()):
        return "未配置数据库（数据库文件不存在）"
    try:
        if not schema_is_current(url):
            return "数据库结构不是最新版本"
    except SQLAlchemyError as exc:
        return f"无法连接数据库（{exc.__class__.__name__}）"
    return None
