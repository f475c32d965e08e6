"""Service commands: ``reviewer serve``, ``reviewer db upgrade`` and ``reviewer db roles``.

``serve --demo`` is the one command a visitor runs: it migrates, seeds demo data into an empty
database and, when no keys are configured, keeps generated keys in the instance folder. Without
``--demo`` the server refuses to start unless both secrets are configured, because a generated
key that nobody knows about is no protection in production.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from datetime import time as time_of_day
from pathlib import Path

import click

from reviewer.cli.chinese import ChineseCommand, ChineseGroup
from reviewer.cli.common import database_error, fail
from reviewer.cli.common import settings as settings_
from reviewer.config import Settings

DEMO_URL_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_THREADS = 6
#: Who the audit trail names for lexicon and model changes found when the service starts.
SERVICE_ACTOR = "服务启动"


def instance_secret(path: Path) -> str:
    """Read a secret kept in ``path``, creating it (mode 0600) with a random value the first time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def _demo_keys(settings: Settings) -> Settings:
    from reviewer.audit import keys

    notes = []
    if not settings.secret_key:
        path = settings.instance_path / "secret.key"
        settings = replace(settings, secret_key=instance_secret(path))
        notes.append(f"会话密钥：{path}")
    if not settings.audit_hmac_key:
        if not keys.key_file(settings).exists():
            keys.init_key_file(settings)  # the demo is the one place a key is made without asking
        key = keys.hmac_key(settings).decode("utf-8")
        settings = replace(settings, audit_hmac_key=key)
        notes.append(f"审计密钥：{settings.instance_path / 'audit.key'}")
    if notes:
        click.echo("演示模式：未配置 REVIEWER_SECRET_KEY / REVIEWER_AUDIT_KEY，已在实例目录生成并保存"
                   "（权限 0600），仅供演示使用：")
        for note in notes:
            click.echo(f"  {note}")
    return settings


def prepare_demo(settings: Settings) -> bool:
    """Migrate the database and seed it when empty; True when demo data was added."""
    from reviewer import demo
    from reviewer.bootstrap import bootstrap
    from reviewer.storage import upgrade

    upgrade(settings.effective_database_url)
    services = bootstrap(settings)
    try:
        with services.session_factory() as session:
            if not demo.is_empty(session):
                return False
            demo.seed_with_drafts(session)
            session.commit()
            return True
    finally:
        services.database.dispose()


def _print_banner(host: str, port: int, demo_mode: bool) -> None:
    from reviewer import demo
    from reviewer.vocabulary import ROLE_NAMES

    shown = DEMO_URL_HOST if host in ("0.0.0.0", "::", "") else host
    click.echo(f"政务新媒体发布前审核助手已启动：http://{shown}:{port}")
    click.echo(f"接口文档：http://{shown}:{port}/api/v1/openapi.json    健康检查：http://{shown}:{port}/healthz")
    if demo_mode:
        click.echo(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for username, display_name, roles, _units in demo.USERS:
            click.echo(f"  {username:<13} {display_name}（{'、'.join(ROLE_NAMES[r] for r in roles)}）")
    click.echo("按 Ctrl+C 停止。")


@click.command(cls=ChineseCommand)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="监听端口")
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64),
              help="waitress 工作线程数")
@click.option("--demo", "demo_mode", is_flag=True, help="演示模式：自动迁移数据库，空库时写入演示数据")
def serve(host: str, port: int, threads: int, demo_mode: bool) -> None:
    """用 waitress 启动审核服务（网页与 JSON 接口）。"""
    from sqlalchemy.exc import SQLAlchemyError

    settings = settings_()
    if demo_mode:
        settings = _demo_keys(settings)
        try:
            if prepare_demo(settings):
                click.echo(f"已写入演示数据：{settings.effective_database_url.split('@')[-1]}")
        except SQLAlchemyError as exc:
            database_error(exc, settings.effective_database_url)
    else:
        missing = [name for name, value in (("REVIEWER_SECRET_KEY", settings.secret_key),
                                            ("REVIEWER_AUDIT_KEY", settings.audit_hmac_key)) if not value]
        if missing:
            fail(f"缺少密钥配置：{'、'.join(missing)}。生产环境必须通过环境变量或配置文件提供；"
                 "仅体验时可改用 reviewer serve --demo。")
        try:
            _require_current_schema(settings.effective_database_url)
        except SQLAlchemyError as exc:
            database_error(exc, settings.effective_database_url)
    _warn_if_superuser(settings.effective_database_url)
    _record_engine_changes(settings)
    sweep_at = _sweep_time(settings)
    from waitress import create_server

    from reviewer.engine.core import load_engine

    load_engine(settings).lexicon.warm_up()  # the word-boundary dictionary, before the first request

    from reviewer.web import create_app

    app = create_app(settings)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="reviewer")
    except OSError as exc:
        fail(f"无法监听 {host}:{port}：{exc.strerror or exc}（端口可能已被占用，可用 --port 指定其他端口）")
    # Background work starts only once the port is ours: a start that fails leaves nothing running.
    _keep_anchors(settings)
    _sweep_alerts_daily(settings, sweep_at)
    from reviewer.web.inspections import start_runner

    start_runner(app)  # inspections queued or interrupted before this start run now, in the background
    _print_banner(host, port, demo_mode)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。")


#: How often the running service appends an anchor to the anchor file.
ANCHOR_INTERVAL_SECONDS = 24 * 3600


def _keep_anchors(settings: Settings) -> None:
    """Write an anchor now and then once a day while the service runs (outside the database)."""
    import threading

    from reviewer.audit.reconcile import anchor_after_commit
    from reviewer.bootstrap import bootstrap

    services = bootstrap(settings)

    def write(reason: str) -> None:
        try:
            with services.session_factory() as session:
                anchor_after_commit(session, reason)
        except Exception as exc:  # noqa: BLE001 - a failed anchor must not stop the service; it is logged
            click.echo(f"警告：锚点未能写出：{exc}", err=True)

    write("service.start")

    def daily() -> None:
        while not stop.wait(ANCHOR_INTERVAL_SECONDS):
            write("daily")

    stop = threading.Event()
    threading.Thread(target=daily, name="reviewer-anchors", daemon=True).start()


def _sweep_time(settings: Settings) -> time_of_day | None:
    """The configured daily sweep time, checked before anything starts (a bad value stops ``serve``)."""
    from reviewer.alerts.schedule import sweep_time
    from reviewer.errors import ReviewerError

    try:
        return sweep_time(settings.alert_sweep_at)
    except ReviewerError as exc:
        fail(exc.message)


def _sweep_alerts_daily(settings: Settings, at: time_of_day | None) -> None:
    """Raise today's alerts now and every day at ``at``, in a thread of the service."""
    import threading
    import time
    from datetime import datetime

    from reviewer.alerts.schedule import next_sweep, sweep_now
    from reviewer.bootstrap import bootstrap
    from reviewer.calendar import BEIJING

    if at is None:
        return
    services = bootstrap(settings)

    def run() -> None:
        while True:
            try:
                result = sweep_now(services.session_factory)
                if result is not None and result.raised:
                    click.echo(f"警报巡查：新增 {len(result.raised)} 条违规警报。")
            except Exception as exc:  # noqa: BLE001 - a failed sweep must not stop the service; it is reported
                click.echo(f"警告：警报巡查未能完成：{exc}", err=True)
            now = datetime.now(BEIJING)
            time.sleep(max(1.0, (next_sweep(now, at) - now).total_seconds()))

    threading.Thread(target=run, name="reviewer-alert-sweep", daemon=True).start()
    click.echo(f"警报巡查：启动时一次，此后每天 {at.strftime('%H:%M')}（北京时间）。")


def _record_engine_changes(settings: Settings) -> None:
    """Put a changed lexicon or model on record before serving (issue 5), and say so."""
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.audit import chain as audit
    from reviewer.audit import changes
    from reviewer.audit.keys import AuditKeyError
    from reviewer.engine.core import load_engine
    from reviewer.engine.lexicon import LexiconError
    from reviewer.errors import ReviewerError

    try:
        written = changes.record_in_database(settings, SERVICE_ACTOR, load_engine(settings))
    except (ReviewerError, LexiconError, AuditKeyError) as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        database_error(exc, settings.effective_database_url)
    for event in written:
        click.echo(f"已记入审计日志：{audit.event_names()[event]}")


def _require_current_schema(url: str) -> None:
    from reviewer.storage import schema_is_current

    if not schema_is_current(url):
        fail("数据库结构不是最新版本：请先运行 reviewer db upgrade。")


def _warn_if_superuser(url: str) -> None:
    """Warn on stderr when the service connects to PostgreSQL as a superuser (it can skip the audit triggers)."""
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.dbroles import is_superuser

    try:
        superuser = is_superuser(url)
    except SQLAlchemyError as exc:
        database_error(exc, url)
    if superuser:
        click.echo("警告：服务以 PostgreSQL 超级用户连接数据库。超级用户可以绕过审计日志的触发器"
                   "（SET session_replication_role = replica）并删除审计记录。请用 reviewer db roles 生成"
                   "应用角色与属主角色，并把 DATABASE_URL 改为应用角色。", err=True)


@click.group(cls=ChineseGroup)
def db() -> None:
    """数据库维护。"""


@db.command("upgrade")
def db_upgrade() -> None:
    """把数据库结构迁移到最新版本（DATABASE_URL 指定的数据库，默认实例目录下的 SQLite）。"""
    from sqlalchemy.exc import SQLAlchemyError

    from reviewer.storage import upgrade

    settings = settings_()
    url = settings.effective_database_url
    if not settings.database_url:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(url)
    except SQLAlchemyError as exc:
        database_error(exc, url)
    click.echo("数据库已迁移到最新版本。")


@db.command("roles")
@click.option("--app-role", default="reviewer_app", show_default=True, help="服务使用的应用角色")
@click.option("--owner-role", default="reviewer_owner", show_default=True, help="拥有表、用于迁移的属主角色")
@click.option("--schema", default="public", show_default=True, help="数据表所在的模式")
def db_roles(app_role: str, owner_role: str, schema: str) -> None:
    """打印创建 PostgreSQL 应用角色与属主角色的 SQL 脚本（由超级用户用 psql 执行）。"""
    from sqlalchemy.engine import make_url

    from reviewer.dbroles import RoleNameError, roles_sql

    url = make_url(settings_().effective_database_url)
    if url.get_backend_name() != "postgresql":
        fail(f"数据库角色只适用于 PostgreSQL；当前 DATABASE_URL 指向 {url.get_backend_name()}，无需也无法创建角色。")
    try:
        click.echo(roles_sql(app_role, owner_role, url.database or "", schema), nl=False)
    except RoleNameError as exc:
        fail(str(exc))
