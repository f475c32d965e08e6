"""The auditor's pages and ``GET /api/v1/audit``: who may see them, filters, exports, verification."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from api_helpers import CLEAN_BODY, Api
from sqlalchemy import Engine, select, text

from reviewer.audit import chain as audit
from reviewer.audit import exports
from reviewer.audit.chain import AuditEntry
from reviewer.storage import make_session_factory

PASSWORD = "demo-password"


def login(client, username: str) -> None:
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def csrf(client, path: str = "/audit/") -> str:
    body = client.get(path).get_data(as_text=True)
    return body.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def activity(client, token_for) -> int:
    """A draft created, edited and submitted by editor1 through the API; returns its id."""
    editor = Api(client, token_for("editor1"))
    draft_id = editor.new_draft(title="国庆文化旅游节")
    response = editor.put(f"/drafts/{draft_id}", {"title": "国庆文化旅游节活动预告", "body": CLEAN_BODY + "欢迎。",
                                                  "base_version": 1})
    assert response.status_code == 200, response.get_json()
    assert editor.post(f"/drafts/{draft_id}/submit").status_code == 200
    return draft_id


@pytest.fixture
def auditor(client):
    login(client, "auditor1")
    return client


def entries(engine: Engine) -> list:
    with make_session_factory(engine)() as session:
        return session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def table_text(response) -> str:
    """The text of the results table only (the filter form also lists every event name)."""
    body = response.get_data(as_text=True)
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in body else ""


def published_draft(client, token_for) -> int:
    """A draft of 示例文旅 (two levels) approved by reviewer1 and reviewer2, published by publisher1."""
    editor, first, second = (Api(client, token_for(u)) for u in ("editor1", "reviewer1", "reviewer2"))
    draft_id = editor.submitted_draft()
    first.approve_level(draft_id, 1, 1)
    second.approve_level(draft_id, 1, 2)
    response = Api(client, token_for("publisher1")).post(f"/drafts/{draft_id}/publish",
                                                         {"version": 1, "url": "https://mp.weixin.qq.com/s/abc"})
    assert response.status_code == 200, response.get_json()
    return draft_id


# -- access ------------------------------------------------------------------------------------


def test_auditor_sees_the_audit_log_in_chinese(auditor, activity) -> None:
    response = auditor.get("/audit/")
    assert response.status_code == 200
    assert "审计日志" in response.get_data(as_text=True)
    assert "新建稿件" in table_text(response)


@pytest.mark.parametrize("username", ["editor1", "reviewer2", "publisher1"])
def test_other_roles_are_refused_the_audit_log(client, username: str) -> None:
    login(client, username)
    assert client.get("/audit/").status_code == 403


def test_admin_may_read_the_audit_log(client) -> None:
    login(client, "admin1")
    assert client.get("/audit/").status_code == 200


def test_anonymous_visitor_is_sent_to_login(client) -> None:
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- filtering and the timeline ------------------------------------------------------------------


def test_filter_by_event_lists_only_that_event(auditor, activity) -> None:
    table = table_text(auditor.get("/audit/?event=draft.submit"))
    assert "提交审核" in table and "新建稿件" not in table


def test_filter_by_user_lists_only_that_users_entries(auditor, activity) -> None:
    assert "editor1" in table_text(auditor.get("/audit/?user=editor1"))
    assert table_text(auditor.get("/audit/?user=reviewer2")) == ""


def test_bad_date_filter_is_a_chinese_error_not_a_crash(auditor) -> None:
    response = auditor.get("/audit/?since=2026-13-40")
    assert response.status_code == 422
    assert "日期格式不正确" in response.get_data(as_text=True)


def test_timeline_shows_a_drafts_events_in_order(auditor, activity) -> None:
    body = auditor.get(f"/audit/drafts/{activity}").get_data(as_text=True)
    positions = [body.index(name) for name in ("新建稿件", "修改稿件", "提交审核")]
    assert positions == sorted(positions)


def test_timeline_of_an_unknown_draft_is_404(auditor) -> None:
    assert auditor.get("/audit/drafts/999999").status_code == 404


# -- exports ---------------------------------------------------------------------------------------


def test_csv_export_is_utf8_with_bom_and_holds_the_filtered_rows(auditor, activity) -> None:
    response = auditor.post("/audit/export", data={"format": "csv", "draft_id": str(activity),
                                                   "csrf_token": csrf(auditor)})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "序号"
    assert {r[3] for r in rows[1:]} >= {"draft.create", "draft.edit", "draft.submit"}
    assert all(r[9] == str(activity) for r in rows[1:])


def test_export_is_itself_logged(auditor, activity, engine) -> None:
    auditor.post("/audit/export", data={"format": "jsonl", "event": "draft.submit", "csrf_token": csrf(auditor)})
    last = entries(engine)[-1]
    assert (last.event, last.actor_name) == ("export", "auditor1")
    assert last.details_dict["format"] == "jsonl"
    assert last.details_dict["filters"] == {"event": "draft.submit"}


def test_export_without_csrf_token_is_refused(auditor) -> None:
    assert auditor.post("/audit/export", data={"format": "csv"}).status_code == 400


def test_export_in_an_unknown_format_is_422(auditor) -> None:
    response = auditor.post("/audit/export", data={"format": "pdf", "csrf_token": csrf(auditor)})
    assert response.status_code == 422


def test_xlsx_export_holds_the_filtered_rows(auditor, activity) -> None:
    response = auditor.post("/audit/export", data={"format": "xlsx", "event": "draft.edit",
                                                   "csrf_token": csrf(auditor)})
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "时间(UTC)", "时间(北京时间)", "事件代码", "事件")
    assert [(r[3], r[4], r[9]) for r in rows[1:]] == [("draft.edit", "修改稿件", activity)]


# -- verification ---------------------------------------------------------------------------------


def test_verify_button_reports_an_intact_chain(auditor, activity) -> None:
    response = auditor.post("/audit/verify", data={"csrf_token": csrf(auditor)})
    assert "日志链完整" in response.get_data(as_text=True)


def test_verify_button_names_the_first_broken_entry(auditor, activity, engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("UPDATE audit_entries SET actor_name = 'mallory' WHERE seq = 2"))
    body = auditor.post("/audit/verify", data={"csrf_token": csrf(auditor)}).get_data(as_text=True)
    assert "校验失败" in body and "第 2 号条目" in body


def test_verify_against_an_anchor_not_in_the_chain_fails(auditor, activity) -> None:
    body = auditor.post("/audit/verify", data={"anchor": "ab" * 32, "csrf_token": csrf(auditor)})
    assert "找不到锚点" in body.get_data(as_text=True)


# -- the monthly register -----------------------------------------------------------------------------


def test_register_download_lists_the_published_version_with_its_reviewers(client, token_for, engine) -> None:
    draft_id = published_draft(client, token_for)
    login(client, "auditor1")
    account_id = Api(client, token_for("editor1")).account_id("示例文旅")
    month = entries(engine)[-1].created_at.astimezone(exports.LOCAL_TZ)
    response = client.post("/audit/register", data={"account_id": str(account_id), "month": f"{month:%Y-%m}",
                                                    "csrf_token": csrf(client)})
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    line = next(r for r in rows if r[1] == draft_id)
    assert "reviewer1" in line[6] and "reviewer2" in line[8]
    assert "publisher1" in line[14] and line[16] == "https://mp.weixin.qq.com/s/abc"
    assert any(r[0] and str(r[0]).startswith("审计日志锚点") for r in rows)


def test_register_with_a_bad_month_is_422(auditor) -> None:
    response = auditor.post("/audit/register", data={"account_id": "1", "month": "2026-13",
                                                     "csrf_token": csrf(auditor)})
    assert response.status_code == 422


# -- GET /api/v1/audit ------------------------------------------------------------------------------------


def test_api_lists_filtered_entries_for_an_auditor_token(client, token_for, activity) -> None:
    response = Api(client, token_for("auditor1")).get(f"/audit?draft_id={activity}&event=draft.submit")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 1
    assert body["entries"][0]["event"] == "draft.submit" and body["entries"][0]["draft_id"] == activity


def test_api_refuses_an_editor_token(client, token_for) -> None:
    response = Api(client, token_for("editor1")).get("/audit")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden_role"


def test_api_without_a_token_is_401(client) -> None:
    assert client.get("/api/v1/audit").status_code == 401


def test_api_pages_with_after_seq(client, token_for, activity) -> None:
    api = Api(client, token_for("auditor1"))
    first = api.get("/audit?limit=2").get_json()
    second = api.get(f"/audit?limit=2&after_seq={first['next_after_seq']}").get_json()
    assert [e["seq"] for e in first["entries"]] == [1, 2]
    assert second["entries"][0]["seq"] == 3


@pytest.mark.parametrize("query", ["since=yesterday", "gate=moral", "event=nope", "limit=0", "unit_id=-1",
                                   "format=pdf"])
def test_api_bad_filters_are_422_json(client, token_for, query: str) -> None:
    response = Api(client, token_for("auditor1")).get(f"/audit?{query}")
    assert response.status_code == 422
    assert set(response.get_json()) == {"error", "message"}


def test_api_jsonl_export_streams_and_is_logged(client, token_for, activity, engine) -> None:
    response = Api(client, token_for("auditor1")).get(f"/audit?format=jsonl&draft_id={activity}")
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert {line["draft_id"] for line in lines} == {activity}
    assert entries(engine)[-1].event == "export"


def test_every_web_action_left_a_verifiable_chain(client, token_for, engine) -> None:
    published_draft(client, token_for)
    with make_session_factory(engine)() as session:
        result = audit.verify(session, b"test-audit-key-not-for-production")
    assert result.ok and result.count > 10


# -- the OpenAPI description of GET /api/v1/audit --------------------------------------------------------


def audit_operation(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/audit"]["get"]


def test_api_page_matches_the_documented_response_schema(client, token_for, activity) -> None:
    from jsonschema import Draft202012Validator

    schema = audit_operation(client)["responses"]["200"]["content"]["application/json"]["schema"]
    body = Api(client, token_for("auditor1")).get("/audit?limit=2").get_json()
    assert body["next"] is not None
    Draft202012Validator(schema).validate(body)


def test_api_accepts_every_documented_parameter_at_its_documented_bounds(client, token_for, activity) -> None:
    examples = {"since": "2000-01-01", "until": "2999-12-31", "user": "editor1"}
    query = {}
    for param in audit_operation(client)["parameters"]:
        schema = param["schema"]
        value = examples.get(param["name"], schema.get("maximum") or schema.get("minimum")
                             or (schema["enum"][0] if "enum" in schema else None))
        query[param["name"]] = str(value if value is not None else 1)
    query["format"] = "json"
    response = Api(client, token_for("admin1")).get("/audit", query_string=query)
    assert response.status_code == 200, response.get_json()


def test_api_refuses_a_limit_above_the_documented_maximum(client, token_for) -> None:
    limit = next(p for p in audit_operation(client)["parameters"] if p["name"] == "limit")["schema"]["maximum"]
    assert Api(client, token_for("auditor1")).get(f"/audit?limit={limit + 1}").status_code == 422
