"""Every route of the app, walked with every role: the expected status, and never a 500.

Each route says whether it is scoped to one draft or inspection of the demo unit; the roles it serves come from the capability
its view declares and the permission table (reviewer.permissions), never from a list kept here. A user lacking the
role gets 403; a user of another unit asking for a draft of ours gets 404, whatever the route;
every role of the vocabulary walks, so a new role cannot be left out;
the anonymous visitor is sent to the login page (pages) or answered 401 (API). Request bodies are
chosen to pass the access checks and then be refused by a later rule (stale version, empty text),
so one walk can visit every route without changing what the next route sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from webclient import csrf_token, sign_in

from reviewer import workflow
from reviewer.permissions import CAPABILITIES, allows
from reviewer.storage import Account, User
from reviewer.vocabulary import ROLES

#: who walks: label -> (username, roles); ``other_unit`` holds editor and reviewer in 邻县.
WALKERS: dict[str, tuple[str | None, frozenset[str]]] = {
    "anonymous": (None, frozenset()),
    "editor": ("editor1", frozenset({"editor"})),
    "reviewer": ("reviewer2", frozenset({"reviewer"})),
    "publisher": ("publisher1", frozenset({"publisher"})),
    "auditor": ("auditor1", frozenset({"auditor"})),
    "admin": ("admin1", frozenset({"admin"})),
    "supervisor": ("supervisor1", frozenset({"supervisor"})),
    "other_unit": ("editor_other", frozenset({"editor", "reviewer"})),
}
DRAFT = "{draft}"
ACCOUNT = "{account}"
JOB = "{job}"


@dataclass(frozen=True)
class Route:
    """One endpoint and method, the request to send, and who it serves."""

    endpoint: str
    method: str
    path: str
    ok: int
    scoped: bool = False
    form: dict | None = None
    json: dict | None = None
    anonymous: int | None = None
    logged_in: dict[str, int] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


STALE = "999"
ROUTES: tuple[Route, ...] = (
    Route("healthz", "GET", "/healthz", 200),
    Route("static", "GET", "/static/app.css", 200),
    Route("auth.login", "GET", "/login", 302, anonymous=200),
    Route("auth.login", "POST", "/login", 200, form={"username": "", "password": ""}),
    Route("auth.password", "GET", "/password", 200),
    Route("auth.password", "POST", "/password", 422,
          form={"old_password": "wrong", "new_password": "a-long-new-password",
                "confirm_password": "a-long-new-password"}),
    Route("pages.home", "GET", "/", 302),
    Route("pages.all_drafts", "GET", "/all", 200),
    Route("pages.drafts", "GET", "/drafts", 200),
    Route("pages.new_draft", "GET", "/drafts/new", 200),
    Route("pages.new_draft", "POST", "/drafts/new", 422,
          form={"account_id": ACCOUNT, "kind": "post", "title": "标题", "body": ""}),
    Route("pages.check", "POST", "/check", 422, json={"kind": "post", "body": ""}),
    Route("pages.draft", "GET", f"/drafts/{DRAFT}", 200, scoped=True),
    Route("pages.edit_draft", "GET", f"/drafts/{DRAFT}/edit", 200, scoped=True),
    Route("pages.edit_draft", "POST", f"/drafts/{DRAFT}/edit", 409, scoped=True,
          form={"title": "标题", "body": "正文", "base_version": STALE, "action": "save"}),
    Route("pages.submit_draft", "POST", f"/drafts/{DRAFT}/submit", 409, scoped=True,
          form={}),
    Route("pages.history", "GET", f"/drafts/{DRAFT}/history", 200, scoped=True),
    Route("pages.queue", "GET", "/queue", 200),
    Route("pages.review", "GET", f"/drafts/{DRAFT}/review", 200, scoped=True),
    Route("pages.signoff", "POST", f"/drafts/{DRAFT}/signoff", 409, scoped=True,
          form={"version": STALE, "level": "1", "gate": "political", "decision": "approve"}),
    Route("pages.sign_level", "POST", f"/drafts/{DRAFT}/level", 409, scoped=True,
          form={"version": STALE, "level": "1", "action": "approve", "decision_political": "approve"}),
    Route("pages.publish_queue", "GET", "/publish", 200),
    Route("pages.publish", "GET", f"/drafts/{DRAFT}/publish", 200, scoped=True),
    Route("pages.publish", "POST", f"/drafts/{DRAFT}/publish", 409, scoped=True,
          form={"version": STALE, "url": "https://www.gov.cn/"}),
    # Work lists (issue 16): 待办, the 审核签批单 and its PDF, the statistics page.
    Route("worklists.todo", "GET", "/todo", 200),
    Route("worklists.sheet", "GET", f"/drafts/{DRAFT}/signsheet", 200, scoped=True),
    Route("worklists.sheet_pdf", "GET", f"/drafts/{DRAFT}/signsheet.pdf", 200, scoped=True),
    Route("worklists.statistics_page", "GET", "/stats", 200),
    Route("audit.index", "GET", "/audit/", 200),
    Route("audit.timeline", "GET", f"/audit/drafts/{DRAFT}", 200),
    Route("audit.verify", "POST", "/audit/verify", 200, form={}),
    Route("audit.export", "POST", "/audit/export", 200, form={"format": "csv"}),
    Route("audit.register", "POST", "/audit/register", 422, form={"account_id": "", "month": ""}),
    Route("api.openapi", "GET", "/api/v1/openapi.json", 200),
    Route("api.create_token", "POST", "/api/v1/tokens", 401,
          json={"username": "editor1", "password": "wrong-password"}),
    Route("api.list_tokens", "GET", "/api/v1/tokens", 200),
    Route("api.revoke_token", "DELETE", "/api/v1/tokens/999999", 404),
    Route("api.accounts", "GET", "/api/v1/accounts", 200),
    Route("api.check", "POST", "/api/v1/check", 200, json={"text": "欢迎市民参加读书会。", "kind": "post"}),
    Route("api.list_drafts", "GET", "/api/v1/drafts", 200),
    Route("api.create_draft", "POST", "/api/v1/drafts", 201, scoped=True,
          json={"account_id": ACCOUNT, "title": "标题", "body": "欢迎市民参加读书会。", "kind": "post"}),
    Route("api.get_draft", "GET", f"/api/v1/drafts/{DRAFT}", 200, scoped=True),
    Route("api.edit_draft", "PUT", f"/api/v1/drafts/{DRAFT}", 409, scoped=True,
          json={"title": "标题", "body": "正文", "base_version": int(STALE)}),
    Route("api.submit", "POST", f"/api/v1/drafts/{DRAFT}/submit", 409, scoped=True),
    Route("api.queue", "GET", "/api/v1/queue", 200),
    Route("api.sign_off", "POST", f"/api/v1/drafts/{DRAFT}/signoffs", 409, scoped=True,
          json={"version": int(STALE), "level": 1, "gate": "political", "decision": "approve"}),
    Route("api.sign_level", "POST", f"/api/v1/drafts/{DRAFT}/levels", 409, scoped=True,
          json={"version": int(STALE), "level": 1, "gates": {"political": {"decision": "approve"}}}),
    Route("api.publish", "POST", f"/api/v1/drafts/{DRAFT}/publish", 409, scoped=True,
          json={"version": int(STALE), "url": "https://www.gov.cn/"}),
    # after publishing (更正, 撤稿, 双向反馈): the draft is not published, so each action is refused with 409
    Route("api.post_after", "GET", f"/api/v1/drafts/{DRAFT}/after", 200, scoped=True),
    Route("api.post_correct", "POST", f"/api/v1/drafts/{DRAFT}/correct", 409, scoped=True, json={"reason": "更正原因"}),
    Route("api.post_withdraw", "POST", f"/api/v1/drafts/{DRAFT}/withdraw-post", 409, scoped=True,
          json={"reason": "撤稿原因"}),
    Route("api.post_check", "POST", f"/api/v1/drafts/{DRAFT}/check", 409, scoped=True,
          json={"items": {item: {"ok": True} for item in ("display", "images", "links")}}),
    Route("audit_api.api_audit", "GET", "/api/v1/audit", 200),
    Route("admin.users", "GET", "/admin/users", 200),
    Route("admin.unlock", "POST", "/admin/users/editor1/unlock", 302, form={}),
    Route("admin.units", "GET", "/admin/units", 200),
    Route("admin.change_unit", "POST", "/admin/units", 422, form={"action": "nothing"}),
    Route("admin.people", "GET", "/admin/people", 200),
    # 词库管理 and reviewers' feedback (issue 14)
    Route("lexicons.index", "GET", "/admin/lexicon", 200),
    Route("lexicons.add", "POST", "/admin/lexicon/entries", 404, form={"term": "东关小吃街", "category": "nope"}),
    Route("lexicons.edit", "GET", "/admin/lexicon/entries/999999", 404),
    Route("lexicons.edit", "POST", "/admin/lexicon/entries/999999", 404, form={"term": "东关小吃街"}),
    Route("lexicons.toggle", "POST", "/admin/lexicon/entries/999999/enabled", 404, form={"enabled": "0"}),
    Route("lexicons.disable_shipped", "POST", "/admin/lexicon/shipped/disable", 404, form={"category": "nope", "term": "加微信"}),
    Route("lexicons.import_file", "GET", "/admin/lexicon/import", 200),
    Route("lexicons.import_file", "POST", "/admin/lexicon/import", 200, form={"text": "", "action": "preview"}),
    Route("lexicons.export", "GET", "/admin/lexicon/export", 200),
    Route("lexicons.test_term", "GET", "/admin/lexicon/test", 200),
    Route("lexicons.test_term", "POST", "/admin/lexicon/test", 200, form={"text": "请加微信"}),
    Route("lexicons.queue", "GET", "/admin/lexicon/feedback", 200),
    Route("lexicons.decide", "POST", "/admin/lexicon/feedback", 404, form={"ref": "999999", "action": "reject"}),
    Route("lexicon_feedback.false_alarm", "POST", "/feedback/false-alarm", 404, form={"finding_id": "999999", "reason": "x"}),
    Route("lexicon_feedback.missed", "POST", "/feedback/missed", 302, scoped=True,
          form={"draft_id": DRAFT, "version": "1", "field": "body", "text": "读书会", "category": "commercial"}),
    Route("lexicon_api.list_entries", "GET", "/api/v1/lexicon/entries", 200),
    Route("lexicon_api.create_entry", "POST", "/api/v1/lexicon/entries", 404, json={"term": "东关小吃街", "category": "nope"}),
    Route("lexicon_api.update_entry", "PUT", "/api/v1/lexicon/entries/999999", 404, json={"note": "x"}),
    Route("lexicon_api.delete_entry", "DELETE", "/api/v1/lexicon/entries/999999", 404),
    Route("admin.change_person", "POST", "/admin/people/editor1", 422, form={"action": "nothing"}),
    Route("registry.accounts", "GET", "/admin/accounts/", 200),
    Route("registry.new", "GET", "/admin/accounts/new", 200),
    Route("registry.new", "POST", "/admin/accounts/new", 422, form={"name": "", "platform": "微信"}),
    Route("registry.account", "GET", f"/admin/accounts/{ACCOUNT}", 200),
    Route("registry.edit", "GET", f"/admin/accounts/{ACCOUNT}/edit", 200),
    Route("registry.edit", "POST", f"/admin/accounts/{ACCOUNT}/edit", 422, form={"name": ""}),
    Route("registry.transition", "POST", f"/admin/accounts/{ACCOUNT}/transition", 409, form={"to": "closed"}),
    Route("registry.export", "GET", "/admin/accounts/export?format=csv", 200),
    Route("register_forms.dashboard", "GET", "/admin/", 200),
    Route("register_forms.filing", "GET", f"/admin/accounts/{ACCOUNT}/filing", 200),
    Route("register_forms.filing", "POST", f"/admin/accounts/{ACCOUNT}/filing", 422, form={"kind": "nothing"}),
    Route("register_forms.import_register", "GET", "/admin/accounts/import", 200),
    Route("register_forms.import_register", "POST", "/admin/accounts/import", 422, form={"action": "preview"}),
    Route("register_forms.contacts", "POST", "/admin/units/1/contacts", 422, form={"liaison_phone": "0571-1000"}),
    Route("register_forms.move", "POST", "/admin/units/1/move", 422, form={"parent": ""}),
    Route("operators.index", "GET", "/admin/operators/", 200),
    Route("operators.new", "GET", "/admin/operators/new", 200),
    Route("operators.new", "POST", "/admin/operators/new", 422, form={"name": ""}),
    Route("operators.operator", "GET", "/admin/operators/999999", 404),
    Route("operators.edit", "GET", "/admin/operators/999999/edit", 404),
    Route("operators.edit", "POST", "/admin/operators/999999/edit", 404, form={"name": "x"}),
    Route("operators.staff", "POST", "/admin/operators/999999/staff", 404, form={"username": "editor1"}),
    Route("inspections.index", "GET", "/inspections/", 200),
    Route("inspections.new", "GET", "/inspections/new", 200),
    Route("inspections.submit", "POST", "/inspections/new", 422, form={"first": "2026-11-02", "last": "2026-11-29"}),
    Route("inspections.job", "GET", f"/inspections/{JOB}", 200, scoped=True),
    Route("inspections.status", "GET", f"/inspections/{JOB}/status", 200, scoped=True),
    Route("inspections.download", "GET", f"/inspections/{JOB}/files/report", 200, scoped=True),
    Route("alerts.index", "GET", "/alerts/", 200),
    Route("alerts.run_sweep", "POST", "/alerts/sweep", 422, form={"date": "not-a-date"}),
    Route("alerts.clear_alert", "POST", "/alerts/999999/clear", 404, form={"outcome": "rectified", "note": "x"}),
    Route("alerts.rectification_report", "GET", "/alerts/report?unit=999999", 404),
    Route("aftercare.page", "GET", f"/drafts/{DRAFT}/after", 200, scoped=True),
    Route("aftercare.correct", "POST", f"/drafts/{DRAFT}/correct", 409, scoped=True, form={"reason": "x"}),
    Route("aftercare.withdraw_post", "POST", f"/drafts/{DRAFT}/withdraw-post", 409, scoped=True, form={"reason": "x"}),
    Route("aftercare.check", "POST", f"/drafts/{DRAFT}/check", 409, scoped=True, form={}),
    Route("aftercare.withdraw", "POST", f"/drafts/{DRAFT}/withdraw", 409, scoped=True, form={"version": STALE}),
    Route("aftercare.delete", "POST", f"/drafts/{DRAFT}/delete", 409, scoped=True, form={"version": STALE, "reason": "x"}),
    Route("aftercare.confirm_submit", "GET", f"/drafts/{DRAFT}/confirm-submit", 302, scoped=True),
    Route("aftercare.submit_confirmed", "POST", f"/drafts/{DRAFT}/confirm-submit", 302, scoped=True, form={}),
    # Last: it ends the session the walk runs in.
    # citizens' messages and the Q&A library (issue 15): ids that do not exist, bodies refused after the access checks
    Route("messages.queue", "GET", "/messages/", 200),
    Route("messages.new", "GET", "/messages/new", 200),
    Route("messages.new", "POST", "/messages/new", 422, form={"account_id": "", "text": ""}),
    Route("messages.message", "GET", "/messages/999999", 404),
    Route("messages.assign", "POST", "/messages/999999/assign", 404, form={"handler": "editor1"}),
    Route("messages.move", "POST", "/messages/999999/move", 404, form={"move": "take"}),
    Route("messages.reply", "POST", "/messages/999999/reply", 404, form={"title": "x", "body": "x"}),
    Route("messages.to_qa", "POST", "/messages/999999/to-qa", 404, form={}),
    Route("messages.import_messages", "GET", "/messages/import", 200),
    Route("messages.import_messages", "POST", "/messages/import", 422, form={"action": "preview"}),
    Route("messages.qa", "GET", "/messages/qa", 200),
    Route("messages.qa_add", "POST", "/messages/qa/new", 422, form={"question": ""}),
    Route("messages.qa_edit", "GET", "/messages/qa/999999/edit", 404),
    Route("messages.qa_edit", "POST", "/messages/qa/999999/edit", 404, form={"question": "x"}),
    Route("messages.qa_retire", "POST", "/messages/qa/999999/retire", 404, form={}),
    Route("messages_api.create", "POST", "/api/v1/messages", 422, json={"account_id": 1, "received_at": "2026-11-27T17:00:00+08:00", "text": ""}),
    Route("messages_api.queue", "GET", "/api/v1/messages", 200),
    Route("auth.logout", "POST", "/logout", 302, form={}),
)


def capability_of(app, endpoint: str) -> str | None:
    """The capability a route's view requires (None: public), as its decorator declared it."""
    if endpoint == "static":
        return None
    return app.view_functions[endpoint].capability


def expected(app, route: Route, walker: str) -> int:
    """The status ``walker`` must get from ``route``: its roles come from the permission table."""
    username, roles = WALKERS[walker]
    capability = capability_of(app, route.endpoint)
    if capability is None:
        return route.anonymous if username is None and route.anonymous is not None else route.ok
    if username is None:
        return 401 if route.api else 302
    if not allows(roles, capability):
        return 403
    if walker == "other_unit" and route.scoped:
        return 404
    return route.ok


@pytest.fixture
def walk_targets(db, settings, services) -> dict[str, int]:
    """A submitted draft on a two-level account of the demo unit, that account, and a finished inspection."""
    from inspection_helpers import finished

    db.info["audit_key"] = settings.audit_hmac_key
    editor = db.scalar(select(User).where(User.username == "editor1"))
    account = db.scalar(select(Account.id).where(Account.name == "示例文旅"))
    draft = workflow.create_draft(db, editor, account, "路线巡检稿件", "欢迎市民参加周末读书会。", "post")
    workflow.submit(db, editor, draft.id)
    db.commit()
    return {"draft": draft.id, "account": account, "job": finished(services, db)}


def test_every_view_declares_its_capability_from_the_permission_table(app):
    undeclared = [endpoint for endpoint, view in app.view_functions.items()
                  if endpoint != "static" and not hasattr(view, "capability")]
    unknown = [endpoint for endpoint, view in app.view_functions.items()
               if getattr(view, "capability", None) is not None and view.capability not in CAPABILITIES]
    assert undeclared == [] and unknown == []


def test_every_role_of_the_vocabulary_walks_on_its_own():
    alone = {next(iter(roles)) for _, roles in WALKERS.values() if len(roles) == 1}
    assert alone == set(ROLES)


def test_every_route_of_the_app_is_listed_here(app):
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(route.endpoint, route.method) for route in ROUTES}
    assert served == listed


def _fill(value: object, targets: dict[str, int]) -> object:
    if value in (DRAFT, ACCOUNT, JOB):
        return targets[value.strip("{}")]
    if isinstance(value, str):
        return value.format(**targets) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, targets) for k, v in value.items()}
    return value


@pytest.mark.parametrize("walker", list(WALKERS))
def test_every_route_answers_each_role_as_expected(app, db, walker, walk_targets, token_for):
    username, _ = WALKERS[walker]
    client = app.test_client()
    token = None
    if username is not None:
        sign_in(client, db, username)
        token = token_for(username)
    form_token = csrf_token(client, "/login" if username is None else "/password")
    mismatches = []
    for route in ROUTES:
        path = _fill(route.path, walk_targets)
        headers = {"Authorization": f"Bearer {token}"} if token and route.api else {}
        kwargs: dict = {"headers": headers}
        if route.form is not None:
            kwargs["data"] = {k: str(v) for k, v in _fill(route.form, walk_targets).items()}
            kwargs["data"]["csrf_token"] = form_token
        if route.json is not None:
            kwargs["json"] = _fill(route.json, walk_targets)
            if not route.api:
                headers["X-CSRFToken"] = form_token
        response = client.open(path, method=route.method, **kwargs)
        want = expected(app, route, walker)
        if response.status_code != want:
            mismatches.append(f"{route.method} {route.path}: {response.status_code}, expected {want}")
        assert response.status_code != 500, f"{route.method} {route.path} crashed for {walker}"
    assert mismatches == []
