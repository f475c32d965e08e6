"""What the chain must contain, checked against the business tables, and anchors kept outside it.

The hash chain proves that the entries it holds were not altered, but not that nothing was
removed: a log emptied (or cut short) and re-started is a valid chain. So verification also
reconciles the chain with the tables the workflow writes (every draft version, sign-off, override
and publication has its entry), and compares it with the anchors (head hashes) that the service
writes to a file outside the database at every export, every register and once a day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from reviewer.audit.chain import AuditEntry, head
from reviewer.config import Settings
from reviewer.storage import DraftVersion, Publication, SignOff, SignOffOverride, utcnow

#: How many missing entries are listed by name (the count is always given).
LISTED = 20


@dataclass(frozen=True)
class Reconciliation:
    """Business rows whose audit entry is missing, as Chinese lines, and how many there are."""

    missing: list[str]
    total: int

    @property
    def ok(self) -> bool:
        return self.total == 0

    @property
    def message(self) -> str:
        if self.ok:
            return "业务记录与审计日志一致：每个稿件版本、签批、放行理由和发布都有对应的日志条目。"
        more = f"等共 {self.total} 处" if self.total > len(self.missing) else f"共 {self.total} 处"
        return "审计日志缺少业务记录对应的条目（" + more + "）：" + "；".join(self.missing)


def _entry(event: str | tuple[str, ...], *conditions) -> object:
    events = (event,) if isinstance(event, str) else event
    return exists().where(AuditEntry.event.in_(events), *conditions)


def reconcile(session: Session) -> Reconciliation:
    """Find every draft version, sign-off, override and publication without its audit entry."""
    missing: list[str] = []
    total = 0

    def note(lines: list[str]) -> None:
        nonlocal total
        total += len(lines)
        missing.extend(lines[: max(0, LISTED - len(missing))])

    versions = session.execute(select(DraftVersion.draft_id, DraftVersion.number).where(~_entry(
        ("draft.create", "draft.edit"), AuditEntry.draft_id == DraftVersion.draft_id,
        AuditEntry.version == DraftVersion.number)).order_by(DraftVersion.id)).all()
    note([f"稿件 {d} 第 {n} 版" for d, n in versions])
    signoffs = session.execute(
        select(SignOff.id, DraftVersion.draft_id, DraftVersion.number, SignOff.level, SignOff.gate)
        .join(DraftVersion, DraftVersion.id == SignOff.version_id)
        .where(~_entry("signoff", AuditEntry.draft_id == DraftVersion.draft_id, AuditEntry.version == DraftVersion.number,
                       AuditEntry.level == SignOff.level, AuditEntry.gate == SignOff.gate))
        .order_by(SignOff.id)).all()
    note([f"签批 {s}（稿件 {d} 第 {n} 版第 {lv} 级 {g}）" for s, d, n, lv, g in signoffs])
    note(_missing_overrides(session))
    publications = session.execute(
        select(Publication.draft_id, DraftVersion.number).join(DraftVersion, DraftVersion.id == Publication.version_id)
        .where(~_entry("publish", and_(AuditEntry.draft_id == Publication.draft_id,
                                       AuditEntry.version == DraftVersion.number)))).all()
    note([f"稿件 {d} 第 {n} 版的发布" for d, n in publications])
    return Reconciliation(missing, total)


def _missing_overrides(session: Session) -> list[str]:
    """Overrides whose reason is not in the details of their sign-off's entry."""
    rows = session.execute(
        select(SignOffOverride.finding_id, SignOffOverride.reason, DraftVersion.draft_id, DraftVersion.number,
               SignOff.level, SignOff.gate)
        .join(SignOff, SignOff.id == SignOffOverride.signoff_id)
        .join(DraftVersion, DraftVersion.id == SignOff.version_id)).all()
    if not rows:
        return []
    recorded: set[tuple[int, int, int, str, str, str]] = set()
    for entry in session.execute(select(AuditEntry.draft_id, AuditEntry.version, AuditEntry.level, AuditEntry.gate,
                                        AuditEntry.details).where(AuditEntry.event == "signoff")):
        overrides = json.loads(entry.details or "{}").get("overrides") or {}
        recorded.update((entry.draft_id, entry.version, entry.level, entry.gate, fid, reason)
                        for fid, reason in overrides.items())
    return [f"稿件 {d} 第 {n} 版第 {lv} 级的放行理由（问题 {fid}）" for fid, reason, d, n, lv, g in rows
            if (d, n, lv, g, str(fid), reason) not in recorded]


# ---------------------------------------------------------------------------------------------
# Anchors outside the database


def anchor_file(settings: Settings) -> Path:
    """Where anchors are appended: the ``anchor_file`` setting, else ``<instance>/anchors.log``."""
    return Path(settings.anchor_file) if settings.anchor_file else Path(settings.instance_path) / "anchors.log"


def write_anchor(session: Session, settings: Settings, reason: str) -> str:
    """Append the chain's head (time, sequence number, hash, why) to the anchor file; return the hash.

    The file lives outside the database, so whoever can rewrite the database cannot also make an
    older head disappear from it. A deployment can point ``anchor_file`` at a write-once or remote
    location (a mounted share, a syslog-fed file).
    """
    seq, head_hash = head(session)
    path = anchor_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{utcnow().isoformat()}\t{seq}\t{head_hash}\t{reason}\n")
    return head_hash


def latest_anchor(settings: Settings) -> str | None:
    """The newest anchor written to the anchor file, or None when there is none."""
    path = anchor_file(settings)
    if not path.exists():
        return None
    for line in reversed(path.read_text(encoding="utf-8").splitlines()):
        parts = line.split("\t")
        if len(parts) >= 3 and len(parts[2]) == 64:
            return parts[2]
    return None


def anchor_after_commit(session: Session, reason: str) -> str | None:
    """Write an anchor for what the caller just committed, when the session knows its settings."""
    settings = session.info.get("settings")
    return write_anchor(session, settings, reason) if isinstance(settings, Settings) else None
