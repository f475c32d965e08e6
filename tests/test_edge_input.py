"""Input that storage cannot keep (NUL, lone surrogates) and dates at the edge of the calendar.

Refused at the edge with a Chinese message and a stable code, the same on SQLite and PostgreSQL:
never a 500, never a traceback, never half-written data.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from webclient import csrf_token, sign_in

from reviewer import workflow
from reviewer.cli import main
from reviewer.errors import WorkflowError
from reviewer.storage import Account, Draft, Unit, User

BAD = {"NUL": "活动\x00预告", "lone surrogate": "活动\ud800预告"}


def raw_json(value: dict) -> dict:
    """A JSON request body as a client would send it: lone surrogates as \\uXXXX escapes."""
    return {"data": json.dumps(value, ensure_ascii=True), "content_type": "application/json"}


@pytest.mark.parametrize("kind", list(BAD))
def test_the_token_exchange_refuses_unstorable_characters(client, kind):
    response = client.post("/api/v1/tokens", **raw_json({"username": BAD[kind], "password": "x"}))
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_characters"


def test_the_login_form_refuses_nul(client):
    data = {"username": BAD["NUL"], "password": "x", "csrf_token": csrf_token(client)}
    response = client.post("/login", data=data)
    assert response.status_code == 422
    assert "不能保存的字符" in response.get_data(as_text=True)


def test_a_json_post_to_the_login_page_with_a_lone_surrogate_is_refused(client):
    response = client.post("/login", **raw_json({"username": BAD["lone surrogate"]}))
    assert response.status_code == 422


@pytest.mark.parametrize("kind", list(BAD))
def test_a_draft_with_unstorable_characters_is_refused_and_nothing_is_stored(editor, db, kind):
    before = db.scalar(select(func.count()).select_from(Draft))
    body = {"account_id": editor.account_id("示例文旅"), "title": "标题", "body": BAD[kind], "kind": "post"}
    response = editor.client.post("/api/v1/drafts", headers=editor._headers(), **raw_json(body))
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_characters"
    assert db.scalar(select(func.count()).select_from(Draft)) == before


def test_a_query_string_with_nul_is_refused_on_pages(client, db):
    sign_in(client, db, "auditor1")
    response = client.get("/audit/?user=a%00b")
    assert response.status_code == 422


@pytest.mark.parametrize("kind", list(BAD))
def test_the_workflow_refuses_unstorable_characters_from_any_caller(db, kind):
    editor = db.scalar(select(User).where(User.username == "editor1"))
    account = db.scalar(select(Account.id).where(Account.name == "示例文旅"))
    with pytest.raises(WorkflowError) as caught:
        workflow.create_draft(db, editor, account, BAD[kind], "正文。", "post")
    assert caught.value.code == "invalid_characters"


def test_the_cli_refuses_a_unit_name_with_nul(db_url, tmp_path, db):
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": "k", "REVIEWER_INSTANCE": str(tmp_path)}
    result = CliRunner().invoke(main, ["unit", "add", "新\x00单位"], env=env)
    assert result.exit_code == 2
    assert "不能保存的字符" in result.output and "Traceback" not in result.output
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.name.like("新%"))) == 0


@pytest.mark.parametrize(("query", "everything"), [("until=9999-12-31", True), ("since=0001-01-01", True),
                                                   ("since=9999-12-31T23:00:00-05:00", False)])
def test_audit_dates_at_the_ends_of_the_calendar_are_open_bounds_on_the_api(api_as, query, everything):
    auditor = api_as("admin1")
    total = auditor.get("/audit").get_json()["count"]
    response = auditor.get(f"/audit?{query}")
    assert response.status_code == 200
    assert response.get_json()["count"] == (total if everything else 0)


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01"])
def test_audit_dates_at_the_ends_of_the_calendar_are_open_bounds_on_the_page_and_export(client, db, query):
    sign_in(client, db, "auditor1")
    assert client.get(f"/audit/?{query}").status_code == 200
    field, value = query.split("=")
    response = client.post("/audit/export", data={"format": "csv", field: value,
                                                   "csrf_token": csrf_token(client, "/audit/")})
    assert response.status_code == 200


def test_the_register_refuses_the_year_9999(client, db):
    sign_in(client, db, "auditor1")
    account = db.scalar(select(Account.id).where(Account.name == "示例文旅"))
    response = client.post("/audit/register", data={"account_id": str(account), "month": "9999-12",
                                                    "csrf_token": csrf_token(client, "/audit/")})
    assert response.status_code == 422
    assert "月份超出范围" in response.get_data(as_text=True)


def test_the_cli_answers_a_register_month_beyond_the_calendar_in_chinese(db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": "k", "REVIEWER_INSTANCE": str(tmp_path)}
    args = ["audit", "register", "--account", "1", "--month", "9999-12", "--out", str(tmp_path / "x.xlsx")]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2
    assert "超出范围" in result.output and "Traceback" not in result.output


def test_the_cli_exports_until_the_last_day_of_the_calendar(db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": "k", "REVIEWER_INSTANCE": str(tmp_path)}
    result = CliRunner().invoke(main, ["audit", "export", "--until", "9999-12-31", "--out", str(tmp_path / "a.csv")],
                                env=env)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("query", ["account_id=99999999999", "after_seq=99999999999", "draft_id=2147483648"])
def test_audit_ids_beyond_the_integer_column_are_422_not_a_database_error(api_as, query):
    response = api_as("admin1").get(f"/audit?{query}")
    assert response.status_code == 422
