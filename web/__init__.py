"""The web application: browser pages, the JSON API and the auditor's views on one Flask app.

Every request gets one SQLAlchemy session. It is committed once, after the view succeeded, and
rolled back when the response is an error (status >= 400) or the view raised, so a refused
request never leaves half-written data. A view that must keep writes on an error answer (a failed
login's counter, for instance) commits explicitly before returning.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, got_request_exception, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from reviewer.bootstrap import Services, bootstrap
from reviewer.config import Settings, load_settings

_SESSION_KEY = "reviewer_db_session"
_FAILED_KEY = "reviewer_db_failed"


def db_session() -> Session:
    """The session of the current request, opened on first use."""
    session = g.get(_SESSION_KEY)
    if session is None:
        factory: sessionmaker = current_app.extensions["reviewer.session_factory"]
        session = factory()
        setattr(g, _SESSION_KEY, session)
    return session


def _flag_failure(sender: Flask, exception: BaseException, **extra: Any) -> None:
    g.setdefault(_FAILED_KEY, True)


def _finish(response: Any) -> Any:
    """Commit a successful request's work; roll back anything that ended in an error."""
    from reviewer.web.security import error_response

    session: Session | None = g.get(_SESSION_KEY)
    if session is None:
        return response
    if response.status_code >= 400 or g.get(_FAILED_KEY):
        session.rollback()
        return response
    try:
        session.commit()
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        current_app.logger.warning("提交冲突，已回滚：%s", exc.__class__.__name__)
        return error_response(409, "稿件刚被他人修改或数据库正忙，本次操作未保存，请刷新后重试。",
                              "conflict")
    except DBAPIError:
        session.rollback()
        current_app.logger.exception("提交失败，已回滚")
        return error_response(500)
    return response


def _close(exc: BaseException | None) -> None:
    session: Session | None = g.pop(_SESSION_KEY, None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def healthz() -> Any:
    """Load balancers ask here; ok only when the database answers."""
    try:
        db_session().execute(text("SELECT 1"))
    except DBAPIError:
        return jsonify({"status": "error", "message": "数据库不可用"}), 503
    return jsonify({"status": "ok"})


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> Flask:
    """Build the Flask app for ``settings``, its dependencies wired once by ``reviewer.bootstrap``.

    Tests pass ``services`` built on their own database engine.
    """
    settings = settings or load_settings()
    services = services or bootstrap(settings)
    app = Flask(__name__)
    app.config["REVIEWER_SETTINGS"] = settings
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.extensions["reviewer.services"] = services
    app.extensions["reviewer.session_factory"] = services.session_factory

    from reviewer.web import security

    security.init_app(app)
    app.after_request(_finish)

    app.teardown_request(_close)
    got_request_exception.connect(_flag_failure, app)

    # review_api and reviewing add the review page's and the level action's routes to pages.bp and api.bp
    from reviewer.web import admin, aftercare_api, api, audit, auth, inspections, pages, registry, review_api, reviewing, worklists  # noqa: F401

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(audit.api_bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(inspections.bp)
    app.register_blueprint(registry.bp)
    from reviewer.web import lexicon_api, lexicons

    app.register_blueprint(lexicons.bp)
    app.register_blueprint(lexicons.feedback_bp)
    app.register_blueprint(lexicon_api.bp)
    from reviewer.web import messages, messages_api

    app.register_blueprint(messages.bp)
    app.register_blueprint(messages_api.bp)
    from reviewer.web import operators, register_forms

    app.register_blueprint(operators.bp)
    app.register_blueprint(register_forms.bp)
    app.register_blueprint(worklists.bp)
    from reviewer.web import aftercare, alerts

    app.register_blueprint(alerts.bp)
    app.register_blueprint(aftercare.bp)
    app.add_url_rule("/healthz", "healthz", security.public(healthz))
    return app
