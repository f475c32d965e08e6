"""The audit HMAC keys: where the current one comes from, its public id, and retired ones.

The key seals every entry and must live outside the database. It is never invented: it comes
from the configuration or from a key file made once, explicitly (``reviewer audit init-key``).
Each entry stores the id of the key that sealed it, so after a rotation (new key in
``REVIEWER_AUDIT_KEY``, the old one in ``REVIEWER_AUDIT_PREVIOUS_KEYS``) old entries still verify.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from reviewer.config import Settings
from reviewer.storage import settings_of


class AuditKeyError(RuntimeError):
    """The HMAC key is not configured or cannot be read; the message says how to fix it, in Chinese."""


KEY_FILE = "audit.key"


def key_file(settings: Settings) -> Path:
    """Where ``reviewer audit init-key`` keeps a generated key: ``<instance>/audit.key``."""
    return Path(settings.instance_path) / KEY_FILE


def key_id(key: bytes) -> str:
    """A short public name of a key (a hash of it), stored on every entry the key seals."""
    return hashlib.sha256(b"reviewer-audit-key-id:" + key).hexdigest()[:16]


def init_key_file(settings: Settings) -> Path:
    """Create ``<instance>/audit.key`` with a random key (mode 0600); refuse if it exists.

    The one place a key is ever generated: explicitly, by ``reviewer audit init-key`` or by the
    demo. Nothing else invents a key, so a stray key can never seal an entry.
    """
    path = key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AuditKeyError(f"审计密钥文件 {path} 已存在，不会覆盖（覆盖会使已有日志无法核验）。") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path


def hmac_key(settings: Settings) -> bytes:
    """The current HMAC key: the configured secret, else the key file made by ``audit init-key``.

    Never generated here: a missing key is an ``AuditKeyError`` before anything is written. The key
    must never be stored in the database, or the MAC would prove nothing.
    """
    if settings.audit_hmac_key:
        return settings.audit_hmac_key.encode("utf-8")
    path = key_file(settings)
    if not path.exists():
        raise AuditKeyError(
            "未配置审计密钥：请设置环境变量 REVIEWER_AUDIT_KEY（或配置项 audit_hmac_key），"
            f"或运行 reviewer audit init-key 在 {path} 生成密钥文件，并与数据库备份分开保管。")
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"无法读取审计密钥文件 {path}：{exc}") from exc
    if not key:
        raise AuditKeyError(f"审计密钥文件 {path} 为空，请设置环境变量 REVIEWER_AUDIT_KEY。")
    return key.encode("utf-8")


def verification_keys(settings: Settings) -> dict[str, bytes]:
    """Every key an entry may have been sealed with, by key id: the current one and the retired ones."""
    keys = [hmac_key(settings)] + [k.encode("utf-8") for k in settings.audit_previous_keys]
    return {key_id(k): k for k in keys}


def session_key(session: Session) -> bytes:
    """The key that seals new entries in this session: ``session.info["audit_key"]``, else the settings'."""
    key = session.info.get("audit_key")
    if key:
        return key if isinstance(key, bytes) else str(key).encode("utf-8")
    return hmac_key(settings_of(session))


def session_keys(session: Session) -> dict[str, bytes]:
    """The keys verification may use in this session, by key id (current first)."""
    current = session_key(session)
    keys = {key_id(current): current}
    settings = session.info.get("settings")
    if isinstance(settings, Settings):
        keys.update({key_id(k.encode("utf-8")): k.encode("utf-8") for k in settings.audit_previous_keys})
    return keys
