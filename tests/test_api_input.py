"""Bad input to the API always gets a JSON error with a stable code and a Chinese message, never a 500."""

from __future__ import annotations

import re

import pytest
from api_helpers import CLEAN_BODY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_json_error(response, status: int | tuple[int, ...], code: str | None = None) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    data = response.get_json()
    assert set(data) == {"error", "message"}
    assert CHINESE.search(data["message"])
    if code:
        assert data["error"] == code
    return data


@pytest.mark.parametrize(("raw", "code"), [
    (b"{not json", "invalid_json"),
    (b"", "invalid_json"),
    (b"\xff\xfe\x00", "invalid_json"),
    (b"[1, 2, 3]", "invalid_json"),
    (b'"a string"', "invalid_json"),
    (b"[" * 50_000 + b"]" * 50_000, "invalid_json"),
])
def test_body_that_is_not_a_json_object_is_400(editor, raw, code):
    response = editor.client.post("/api/v1/drafts", data=raw, content_type="application/json",
                                  headers=editor._headers())
    assert_json_error(response, 400, code)


def test_missing_field_is_422_naming_it(editor):
    data = assert_json_error(editor.post("/drafts", {"title": "t", "body": "b", "kind": "post"}), 422,
                             "missing_field")
    assert "account_id" in data["message"]


def test_unknown_field_is_422_naming_it(editor):
    body = {"account_id": 1, "title": "t", "body": "b", "kind": "post", "colour": "red"}
    data = assert_json_error(editor.post("/drafts", body), 422, "unknown_field")
    assert "colour" in data["message"]


@pytest.mark.parametrize("account_id", ["1", 1.5, True, None, [1], 10**30, -1, 0])
def test_wrong_type_or_range_of_id_is_422(editor, account_id):
    body = {"account_id": account_id, "title": "t", "body": "b", "kind": "post"}
    assert_json_error(editor.post("/drafts", body), 422)


def test_unknown_kind_is_422(editor):
    body = {"account_id": editor.account_id("示例文旅"), "title": "t", "body": "b", "kind": "poem"}
    assert_json_error(editor.post("/drafts", body), 422, "invalid_value")


def test_title_over_the_limit_is_422(editor):
    body = {"account_id": editor.account_id("示例文旅"), "title": "长" * 501, "body": "b", "kind": "post"}
    assert_json_error(editor.post("/drafts", body), 422, "too_long")


def test_blank_body_is_422(editor):
    body = {"account_id": editor.account_id("示例文旅"), "title": "t", "body": "   ", "kind": "post"}
    assert_json_error(editor.post("/drafts", body), 422, "invalid_input")


def test_citizen_message_on_a_post_is_422(editor):
    body = {"account_id": editor.account_id("示例文旅"), "title": "t", "body": CLEAN_BODY, "kind": "post",
            "citizen_message": "请问几点开门？"}
    assert_json_error(editor.post("/drafts", body), 422, "invalid_input")


def test_reply_keeps_the_citizen_message(editor):
    body = {"account_id": editor.account_id("示例文旅"), "title": "答复", "body": "您好，景区每日八点开放。",
            "kind": "reply", "citizen_message": "请问几点开门？"}
    draft_id = editor.post("/drafts", body).get_json()["id"]
    assert editor.state(draft_id)["citizen_message"] == "请问几点开门？"


@pytest.mark.parametrize("overrides", [{"abc": "x"}, {"1": 5}, [1, 2], "x", {"99999999999": "x"}])
def test_malformed_overrides_are_422(editor, api_as, overrides):
    draft_id = editor.submitted_draft()
    response = api_as("reviewer2").sign(draft_id, 1, 1, "political", overrides=overrides)
    assert_json_error(response, 422)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x", "https://a b", 5])
def test_publish_url_must_be_http(api_as, url):
    editor = api_as("editor1")
    draft_id = editor.submitted_draft()
    api_as("reviewer2").approve_level(draft_id, 1, 1)
    api_as("reviewer3").approve_level(draft_id, 1, 2)
    response = api_as("publisher1").post(f"/drafts/{draft_id}/publish", {"version": 1, "url": url})
    assert_json_error(response, 422)
    assert editor.state(draft_id)["status"] == "approved"


def test_unknown_status_filter_is_422(editor):
    assert_json_error(editor.get("/drafts?status=lost"), 422, "invalid_input")


def test_check_text_over_the_limit_is_422(editor):
    assert_json_error(editor.post("/check", {"text": "字" * 200_001}), 422)


def test_request_over_the_size_limit_is_413_json(editor):
    response = editor.post("/check", {"text": "字" * 1_000_000})
    assert_json_error(response, 413)


def test_missing_token_is_401(client):
    assert_json_error(client.get("/api/v1/accounts"), 401, "unauthorized")


def test_unknown_token_is_401(client):
    response = client.get("/api/v1/accounts", headers={"Authorization": "Bearer rvw_nope"})
    assert_json_error(response, 401, "invalid_token")


def test_unknown_api_route_is_json_404(editor):
    assert_json_error(editor.get("/nowhere"), 404)


def test_wrong_method_is_json_405(editor):
    assert_json_error(editor.client.delete("/api/v1/drafts", headers=editor._headers()), 405)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
FIELDS = ("account_id", "title", "body", "kind", "base_version", "version", "level", "gate", "decision",
          "comment", "overrides", "url", "text", "citizen_message")
BODIES = JSON | st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, route=st.sampled_from([
    ("post", "/drafts"), ("put", "/drafts/1"), ("post", "/drafts/1/signoffs"), ("post", "/drafts/1/publish"),
    ("post", "/check"), ("post", "/tokens"), ("post", "/drafts/1/submit"),
]))
def test_arbitrary_json_never_causes_a_server_error(api_as, body, route):
    method, path = route
    api = api_as("reviewer1")
    response = getattr(api, method)(path, body)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert set(response.get_json()) == {"error", "message"}


def test_an_integral_number_written_with_a_decimal_point_is_that_integer(editor, r2):
    draft_id = editor.submitted_draft()
    response = r2.post(f"/drafts/{draft_id}/signoffs",
                       {"version": 1.0, "level": 1.0, "gate": "political", "decision": "approve"})
    assert response.status_code == 201
    assert response.get_json()["version"] == 1


def test_a_fractional_version_is_refused_by_the_schema(editor, r2):
    draft_id = editor.submitted_draft()
    response = r2.post(f"/drafts/{draft_id}/signoffs",
                       {"version": 1.5, "level": 1, "gate": "political", "decision": "approve"})
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_type"


def test_a_post_with_a_citizen_message_is_refused_by_the_schema(editor):
    response = editor.post("/drafts", {"account_id": editor.account_id("示例文旅"), "title": "标题", "body": "正文。",
                                       "kind": "post", "citizen_message": "群众留言"})
    assert response.status_code == 422
    assert "留言回复" in response.get_json()["message"]
