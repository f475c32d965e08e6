"""Settings: one place that says where data lives and which limits apply.

Values come, in this order of precedence, from environment variables, from a TOML file named by
``REVIEWER_CONFIG`` (or passed explicitly), and from the defaults below. Secrets (the session key,
the audit HMAC key) belong in the environment or in a file outside the database. Settings are
read once at start-up (``reviewer.bootstrap``) and handed to what needs them.

May import: (nothing of reviewer)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path


def _shipped_domains() -> tuple[str, ...]:
    """The official domain families of ``lexicons/domains.toml``, lowercased, in file order."""
    raw = tomllib.loads(resources.files("reviewer.lexicons").joinpath("domains.toml").read_text("utf-8"))
    return tuple(dict.fromkeys(d for d in (str(v).strip().lower().rstrip(".") for v in raw["allowed_domains"]) if d))


#: URL domains (and their subdomains) that are not commercial links unless ``allowed_domains`` says otherwise.
DEFAULT_ALLOWED_DOMAINS: tuple[str, ...] = _shipped_domains()


class ConfigError(ValueError):
    """A configuration file or variable is unusable; the message says which and why, in Chinese."""


@dataclass(frozen=True)
class Settings:
    """Everything reviewer can be told; frozen so one request cannot change another's view."""

    instance_path: Path = field(default_factory=lambda: default_instance())
    database_url: str | None = None
    secret_key: str | None = None
    audit_hmac_key: str | None = None
    #: Retired audit keys, kept so entries sealed before a key rotation stay verifiable.
    audit_previous_keys: tuple[str, ...] = ()
    #: Where anchors (chain heads) are appended outside the database; default <instance>/anchors.log.
    anchor_file: Path | None = None
    max_chars: int = 200_000
    lexicon_dirs: tuple[Path, ...] = ()
    #: a folder with one sub-folder per unit (named by its id) whose entries apply to that unit's accounts and those below
    unit_lexicon_dir: Path | None = None
    allowed_domains: tuple[str, ...] = DEFAULT_ALLOWED_DOMAINS
    classifier_enabled: bool = True
    classifier_labels: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"post": ("commercial", "off_topic", "entertainment"), "reply": ("commercial", "rude")}
    )
    model_path: Path | None = None
    session_cookie_secure: bool = False
    #: How many reverse proxies in front of the service set X-Forwarded-For (0: none, use the peer).
    #: Behind a proxy, set it, or every user appears to come from the proxy's address (login throttle).
    trusted_proxies: int = 0
    max_request_bytes: int = 2 * 1024 * 1024
    login_max_failures: int = 5
    #: Days an API token works after it is issued (logout, password change and reset end it sooner).
    api_token_days: int = 30
    login_lockout_minutes: int = 15
    #: A key's failed logins (per address and per account name) count within this window, from the
    #: key's first failure or, once blocked, from the end of its last block.
    login_window_minutes: int = 15
    #: The first block of a key lasts this long; each further failure doubles it, up to
    #: ``login_lockout_minutes``.
    login_backoff_seconds: int = 30
    #: Account histories uploaded for one inspection, all files together (browser uploads only).
    inspection_upload_bytes: int = 50 * 1024 * 1024
    #: Files one inspection may take.
    inspection_max_files: int = 20
    #: Runs an inspection job gets: a job interrupted (the process died) this many times is failed.
    inspection_max_attempts: int = 3
    #: A running job whose heartbeat is older than this is taken as interrupted and resumed.
    inspection_stale_seconds: int = 30
    #: 双向反馈: hours after publishing within which the publisher records the check of the live post
    #: (no notice fixes a number: our default); a missing check is a violation alert.
    post_check_hours: int = 24
    #: When the running service raises the day's alerts by itself ("HH:MM", Beijing); empty: only
    #: ``reviewer alerts sweep`` (cron) does. It also sweeps once when it starts.
    alert_sweep_at: str = "07:30"

    @property
    def data_path(self) -> Path:
        """Where files the service keeps live (uploaded histories, inspection reports): ``<instance>/data``."""
        return self.instance_path / "data"

    @property
    def effective_database_url(self) -> str:
        """The configured database, or an embedded SQLite file in the instance folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'reviewer.sqlite3').resolve()}"


_ENV = {
    "DATABASE_URL": "database_url",
    "REVIEWER_INSTANCE": "instance_path",
    "REVIEWER_SECRET_KEY": "secret_key",
    "REVIEWER_AUDIT_KEY": "audit_hmac_key",
    "REVIEWER_AUDIT_PREVIOUS_KEYS": "audit_previous_keys",
    "REVIEWER_ANCHOR_FILE": "anchor_file",
    "REVIEWER_MAX_CHARS": "max_chars",
    "REVIEWER_LEXICON_DIRS": "lexicon_dirs",
    "REVIEWER_UNIT_LEXICON_DIR": "unit_lexicon_dir",
    "REVIEWER_ALLOWED_DOMAINS": "allowed_domains",
    "REVIEWER_CLASSIFIER": "classifier_enabled",
    "REVIEWER_MODEL_PATH": "model_path",
    "REVIEWER_COOKIE_SECURE": "session_cookie_secure",
    "REVIEWER_TRUSTED_PROXIES": "trusted_proxies",
    "REVIEWER_MAX_REQUEST_BYTES": "max_request_bytes",
    "REVIEWER_API_TOKEN_DAYS": "api_token_days",
    "REVIEWER_INSPECTION_UPLOAD_BYTES": "inspection_upload_bytes",
    "REVIEWER_INSPECTION_MAX_FILES": "inspection_max_files",
    "REVIEWER_INSPECTION_MAX_ATTEMPTS": "inspection_max_attempts",
    "REVIEWER_INSPECTION_STALE_SECONDS": "inspection_stale_seconds",
    "REVIEWER_POST_CHECK_HOURS": "post_check_hours",
    "REVIEWER_ALERT_SWEEP_AT": "alert_sweep_at",
}


def _coerce(name: str, value: object) -> object:
    kind = {f.name: f for f in fields(Settings)}[name]
    default = kind.default if kind.default is not kind.default_factory else None
    try:
        if name in ("instance_path", "model_path", "anchor_file", "unit_lexicon_dir"):
            return Path(str(value)).expanduser()
        if name == "lexicon_dirs":
            items = value.split(os.pathsep) if isinstance(value, str) else list(value)
            return tuple(Path(str(v)).expanduser() for v in items if str(v))
        if name == "audit_previous_keys":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(v).strip() for v in items if str(v).strip())
        if name == "allowed_domains":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(v).strip().lower() for v in items if str(v).strip())
        if name == "classifier_labels":
            return {str(k): tuple(v) for k, v in dict(value).items()}
        if isinstance(default, bool) or name in ("classifier_enabled", "session_cookie_secure"):
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            number = int(value)
            if number <= 0:
                raise ValueError
            return number
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置项 {name} 的取值无效：{value!r}") from exc
    return str(value)


def default_instance(start: Path | None = None) -> Path:
    """The ``instance`` folder of the nearest enclosing project: the first of the working folder
    and its parents whose ``instance/`` holds a database or an audit key (as git finds ``.git``), so
    commands run in a sub-folder find the demo database; else ``./instance``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "instance"
        if (candidate / "reviewer.sqlite3").is_file() or (candidate / "audit.key").is_file():
            return candidate
    return here / "instance"


def load_settings(config_file: str | os.PathLike | None = None, **overrides: object) -> Settings:
    """Build settings from defaults, the TOML file, the environment and explicit overrides."""
    values: dict[str, object] = {}
    path = config_file or os.environ.get("REVIEWER_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"找不到配置文件：{path}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"配置文件 {path} 格式错误：{exc}") from exc
        known = {f.name for f in fields(Settings)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"配置文件 {path} 含有未知配置项：{', '.join(unknown)}")
        values.update(data)
    for env_name, name in _ENV.items():
        if os.environ.get(env_name):
            values[name] = os.environ[env_name]
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings()
    return replace(settings, **{k: _coerce(k, v) for k, v in values.items()})
