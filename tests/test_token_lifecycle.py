"""API tokens end with the credentials they came from: logout, password change and reset end them,
they expire, and their owner (or an admin) can list and revoke them."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select
from webclient import csrf_token, sign_in

from reviewer.cli import main
from reviewer.storage import ApiToken, User, utcnow


def exchange(client, username: str = "editor1", password: str = "demo-password") -> str:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def works(client, token: str) -> bool:
    return client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_new_token_expires_after_the_configured_days(client, db, settings):
    token = exchange(client)
    row = db.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    assert row.expires_at is not None
    assert abs((row.expires_at - row.created_at) - timedelta(days=settings.api_token_days)) < timedelta(seconds=5)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert not works(client, token)


def test_changing_ones_own_password_ends_ones_tokens(client, db):
    token = exchange(client)
    sign_in(client, db, "editor1")
    response = client.post("/password", data={"old_password": "demo-password", "new_password": "a-much-longer-password",
                                              "confirm_password": "a-much-longer-password",
                                              "csrf_token": csrf_token(client, "/password")})
    assert response.status_code == 302
    assert not works(client, token)


def test_an_admins_password_reset_ends_the_users_tokens(client, db_url, settings, tmp_path):
    token = exchange(client)
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": settings.audit_hmac_key, "REVIEWER_INSTANCE": str(tmp_path)}
    result = CliRunner().invoke(main, ["user", "password", "editor1", "--password-stdin"],
                                input="another-long-password\n", env=env)
    assert result.exit_code == 0, result.output
    assert not works(client, token)


def test_logging_out_in_the_browser_ends_the_users_tokens(client, db):
    token = exchange(client)
    sign_in(client, db, "editor1")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    assert not works(client, token)


def test_a_user_lists_their_tokens_and_revokes_one(client):
    first, second = exchange(client), exchange(client)
    listed = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {second}"}).get_json()
    assert [t["current"] for t in listed] == [True, False] and all(t["live"] for t in listed)
    revoked = client.delete(f"/api/v1/tokens/{listed[1]['id']}", headers={"Authorization": f"Bearer {second}"})
    assert revoked.status_code == 200
    assert not works(client, first) and works(client, second)


def test_a_user_cannot_revoke_someone_elses_token(client, db):
    mine, theirs = exchange(client, "editor1"), exchange(client, "reviewer2")
    other_id = db.scalar(select(ApiToken.id).join(User).where(User.username == "reviewer2"))
    response = client.delete(f"/api/v1/tokens/{other_id}", headers={"Authorization": f"Bearer {mine}"})
    assert response.status_code == 404
    refused = client.delete(f"/api/v1/tokens/{other_id}?user=reviewer2", headers={"Authorization": f"Bearer {mine}"})
    assert refused.status_code == 403
    assert works(client, theirs)


def test_an_admin_revokes_any_users_token(client, db):
    theirs = exchange(client, "reviewer2")
    admin = exchange(client, "admin1")
    other_id = db.scalar(select(ApiToken.id).join(User).where(User.username == "reviewer2"))
    response = client.delete(f"/api/v1/tokens/{other_id}?user=reviewer2", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    assert not works(client, theirs)


def test_the_cli_lists_and_revokes_every_token_of_a_user(client, db_url, settings, tmp_path):
    token = exchange(client)
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": settings.audit_hmac_key, "REVIEWER_INSTANCE": str(tmp_path)}
    listed = CliRunner().invoke(main, ["token", "list", "editor1"], env=env)
    assert listed.exit_code == 0 and "有效" in listed.output
    result = CliRunner().invoke(main, ["token", "revoke", "editor1", "--all"], env=env)
    assert result.exit_code == 0 and "已吊销用户 editor1 的 1 个令牌" in result.output
    assert not works(client, token)
