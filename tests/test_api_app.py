"""The app's request transaction: one commit on success, nothing written when a request fails."""

from __future__ import annotations

from sqlalchemy import select

from reviewer.config import Settings
from reviewer.storage import Draft, make_engine


def test_a_failure_midway_leaves_nothing_written(api_as, db, monkeypatch, app):
    from reviewer.audit import chain as audit

    editor = api_as("editor1")
    draft_id = editor.new_draft()
    real_record = audit.record

    def failing_record(session, event, **kw):
        if event == "draft.submit":
            raise RuntimeError("simulated crash after the status change")
        return real_record(session, event, **kw)

    monkeypatch.setattr(audit, "record", failing_record)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = editor.post(f"/drafts/{draft_id}/submit")
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert set(response.get_json()) == {"error", "message"}
    assert db.scalar(select(Draft.status).where(Draft.id == draft_id)) == "draft"


def test_an_error_answer_after_a_write_rolls_the_write_back(api_as, db, monkeypatch):
    from reviewer.audit import chain as audit
    from reviewer.workflow import WorkflowError

    editor = api_as("editor1")
    draft_id = editor.new_draft()
    real_record = audit.record

    def refusing_record(session, event, **kw):
        if event == "draft.submit":
            raise WorkflowError("invalid_state", "模拟：状态已写入之后才发现的拒绝")
        return real_record(session, event, **kw)

    monkeypatch.setattr(audit, "record", refusing_record)
    assert editor.post(f"/drafts/{draft_id}/submit").status_code == 409
    assert db.scalar(select(Draft.status).where(Draft.id == draft_id)) == "draft"


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from reviewer.bootstrap import bootstrap
    from reviewer.web import create_app

    url = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}"
    settings = Settings(instance_path=tmp_path, database_url=url, secret_key="s", audit_hmac_key="a")
    app = create_app(settings, services=bootstrap(settings, database=make_engine(url)))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_a_method_not_allowed_names_the_allowed_methods(client):
    response = client.delete("/api/v1/check")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}
