"""What every command shares: the Chinese error exit, settings, a database session, atomic files.

Commands are thin: they parse, call one domain function inside ``database_session`` and print.
A domain refusal (``ReviewerError``) becomes its Chinese message and exit status 2; a database
that cannot be used becomes a message naming it, never a traceback.
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from reviewer.config import ConfigError, Settings, load_settings
from reviewer.errors import ReviewerError

#: Exit statuses: 0 done, 1 the result is bad (chain broken, findings to review), 2 bad input.
EXIT_INPUT = 2


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print a Chinese error and exit with ``code`` (no traceback)."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def refuse(exc: Exception) -> NoReturn:
    """Exit 2 on a known error, naming its stable code: ``错误 [corpus_invalid]：…``."""
    click.echo(f"错误 [{getattr(exc, 'code', 'error')}]：{getattr(exc, 'message', None) or exc}", err=True)
    sys.exit(EXIT_INPUT)


def settings() -> Settings:
    """The configured settings, or a Chinese error naming what is wrong with them."""
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


def database_error(exc: Exception, url: str, code: int = EXIT_INPUT) -> NoReturn:
    """Exit with a message naming the database (password hidden) and what went wrong."""
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    fail(f"无法连接或迁移数据库 {shown}：{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}", code)


def cli_actor() -> str:
    """Who the audit trail names for a command: the command line and the operating-system user."""
    try:
        return f"命令行（{getpass.getuser()}）"
    except (KeyError, OSError):
        return "命令行"


def number(value: str, what: str, allowed: str) -> int:
    """A whole number typed on the command line, or a Chinese error saying what was expected."""
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 9:
        fail(f"{what}必须是{allowed}，而不是“{value}”。")
    return int(text)


@contextmanager
def refusing() -> Iterator[None]:
    """A step outside the database (reading a file, a day typed): a known error is printed as ``refuse`` does."""
    try:
        yield
    except ReviewerError as exc:
        refuse(exc)


def typed_day(value: str | None, what: str) -> date | None:
    """A YYYY-MM-DD day typed on the command line (``what`` names it in the error); blank means none."""
    from reviewer.admin.lifecycle import parse_day

    if value is None or not value.strip():
        return None
    with refusing():
        return parse_day(value, what)
    return None  # not reached: refuse exits


@contextmanager
def database_session(*, commit: bool = True, error_code: int = EXIT_INPUT) -> Iterator[Any]:
    """A session on the configured, migrated database, wired by ``bootstrap``; committed once on success."""
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.audit import changes
    from reviewer.audit.keys import AuditKeyError, hmac_key
    from reviewer.bootstrap import bootstrap

    config = settings()
    reason = changes.unavailable_reason(config)
    if reason:
        where = "" if config.database_url else (f"（在 {config.instance_path} 中找不到；命令在当前目录及其上级目录的 instance/ "
                                                "中查找数据库，也可用环境变量 REVIEWER_INSTANCE 或 DATABASE_URL 指定）")
        fail(f"{reason}{where}。请检查 DATABASE_URL，或先运行 reviewer db upgrade。", error_code)
    try:
        key = hmac_key(config)  # before anything is written: a missing key is never invented
    except AuditKeyError as exc:
        fail(str(exc))
    services = bootstrap(config, audit_key=key)
    try:
        with services.session_factory() as session:
            yield session
            if commit:
                session.commit()
    except ReviewerError as exc:
        refuse(exc)
    except SQLAlchemyError as exc:
        database_error(exc, config.effective_database_url, error_code)
    finally:
        services.database.dispose()


def write_atomically(out: str, write: Callable[[IO[bytes]], Any]) -> None:
    """Write through ``write`` into a temporary file beside ``out``, then rename it into place."""
    target = Path(out)
    if not target.parent.exists():
        fail(f"输出目录不存在：{target.parent}")
    handle, temp = tempfile.mkstemp(prefix=".reviewer-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as fh:
            write(fh)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def read_password(from_stdin: bool, prompt: str) -> str:
    """A password from one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt="再次输入")
