"""Browser-session security: cookies, epochs, CSRF, lockout, headers, size limit, error pages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select
from webclient import COOKIE, PASSWORD, csrf_token, is_logged_in, login

from reviewer.storage import User


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


@pytest.fixture
def app_with(settings, engine):
    """Build an app with some settings changed (size limit, secure cookies)."""
    from reviewer.bootstrap import bootstrap
    from reviewer.web import create_app

    def build(**changes):
        changed = replace(settings, **changes)
        application = create_app(changed, services=bootstrap(changed, database=engine))
        application.config["TESTING"] = True
        return application

    return build


def test_login_page_is_chinese_and_carries_a_csrf_token(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "登录" in html and 'lang="zh-CN"' in html
    assert 'name="csrf_token"' in html


def test_login_with_the_right_password_opens_a_session(client):
    response = login(client, "editor1")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_login_with_a_wrong_password_shows_a_chinese_error(client):
    response = login(client, "editor1", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_pages_need_a_login(client):
    response = client.get("/password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_post_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "editor1", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全校验失败" in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_a_logged_in_form_post_without_csrf_token_is_refused(client):
    login(client, "editor1")
    response = client.post("/logout")
    assert response.status_code == 400
    assert is_logged_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = login(client, "editor1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(app_with):
    client = app_with(session_cookie_secure=True).test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": "editor1", "password": PASSWORD, "csrf_token": token},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_https_deployments_send_hsts(app_with):
    client = app_with(session_cookie_secure=True).test_client()
    assert "max-age=" in client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_a_login_session_expires_after_eight_idle_hours(client):
    cookie = login(client, "editor1").headers["Set-Cookie"]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert abs(expires - datetime.now(UTC) - timedelta(hours=8)) < timedelta(minutes=1)


def test_a_copied_cookie_dies_at_logout(app, client):
    login(client, "editor1")
    thief = copy_of(app, client)
    assert is_logged_in(thief)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    assert response.status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(thief)


def test_a_copied_cookie_dies_at_password_change_while_the_changer_stays_in(app, client, db):
    login(client, "editor1")
    thief = copy_of(app, client)
    response = client.post("/password", data={
        "old_password": PASSWORD, "new_password": "another-long-password",
        "confirm_password": "another-long-password", "csrf_token": csrf_token(client, "/password"),
    })
    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_logged_in(thief)
    other = app.test_client()
    assert login(other, "editor1", "another-long-password").status_code == 302


def test_password_change_with_a_wrong_old_password_is_refused(client):
    login(client, "editor1")
    response = client.post("/password", data={
        "old_password": "not-it", "new_password": "another-long-password",
        "confirm_password": "another-long-password", "csrf_token": csrf_token(client, "/password"),
    })
    assert response.status_code == 422
    assert "原密码不正确" in response.get_data(as_text=True)


def test_five_failed_logins_throttle_the_login_in_the_browser(client, db):
    for _ in range(5):
        login(client, "reviewer2", "wrong-password")
    response = login(client, "reviewer2")
    assert "登录尝试过于频繁，请稍后再试" in response.get_data(as_text=True)
    assert not is_logged_in(client)
    assert db.scalar(select(User.locked_until).where(User.username == "reviewer2")) is not None


def test_login_ignores_an_offsite_next(client):
    response = login(client, "editor1", next="//evil.example/steal")
    assert "evil.example" not in response.headers["Location"]


def test_login_follows_a_local_next(client):
    response = login(client, "editor1", next="/password")
    assert response.headers["Location"].endswith("/password")


@pytest.mark.parametrize("path", ["/login", "/no-such-page"])
def test_security_headers_are_set(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_load_no_asset_from_another_site(client):
    html = client.get("/login").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_an_oversized_form_gets_a_chinese_413_page(app_with):
    client = app_with(max_request_bytes=4096).test_client()
    response = client.post("/login", data={"username": "editor1", "password": "x" * 10_000})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "提交内容过大" in html and "4 KB" in html


def test_an_oversized_api_request_gets_a_json_413(app_with, token_for):
    client = app_with(max_request_bytes=4096).test_client()
    response = client.post("/api/v1/check", json={"text": "字" * 5000, "kind": "post"},
                           headers={"Authorization": f"Bearer {token_for('editor1')}"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_an_unknown_page_gets_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_an_unknown_api_path_gets_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_a_wrong_method_gets_a_chinese_405(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "请求方式不支持" in response.get_data(as_text=True)


def test_a_crash_shows_a_chinese_500_page_without_traceback(app_with):
    application = app_with()
    application.config["PROPAGATE_EXCEPTIONS"] = False

    @application.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = application.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出错" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_the_token_api_is_exempt_from_csrf(client):
    response = client.post("/api/v1/tokens", json={"username": "editor1", "password": "wrong"})
    assert response.status_code != 400 or response.get_json()["error"] != "csrf_failed"
    assert response.is_json
