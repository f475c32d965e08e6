"""Tokens: exchanged for a password, stored only as a hash, refused when revoked or the user is disabled."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from reviewer.storage import ApiToken, User, utcnow


def test_password_exchange_returns_a_working_token(client):
    response = client.post("/api/v1/tokens", json={"username": "editor1", "password": "demo-password"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    accounts = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert accounts.status_code == 200 and accounts.get_json()


def test_token_is_stored_only_as_its_sha256(client, db):
    token = client.post("/api/v1/tokens", json={"username": "editor1", "password": "demo-password"}).get_json()["token"]
    hashes = db.scalars(select(ApiToken.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes


def test_wrong_password_is_401_and_counts_towards_lockout(client, db):
    response = client.post("/api/v1/tokens", json={"username": "editor1", "password": "wrong"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "bad_credentials"
    assert db.scalar(select(User.failed_logins).where(User.username == "editor1")) == 1


def test_revoked_token_is_refused(client, token_for, db):
    token = token_for("editor1")
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()))
    row.revoked_at = utcnow()
    db.commit()
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"


def test_token_of_a_disabled_user_is_refused(client, token_for, db):
    token = token_for("editor1")
    db.scalar(select(User).where(User.username == "editor1")).active = False
    db.commit()
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_check_returns_the_reviewer_check_report(client, token_for):
    from reviewer import review

    text = "记者从会上获悉，台湾总统选举结果公布后，本市文旅市场保持平稳。"
    response = client.post("/api/v1/check", json={"text": text, "kind": "post"},
                           headers={"Authorization": f"Bearer {token_for('auditor1')}"})
    assert response.status_code == 200
    report = response.get_json()
    assert [f.pop("lexicon_version") for f in report["findings"]] == [0] * len(report["findings"])  # no database entries yet
    assert report == review(text, kind="post")


def test_healthz_reports_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
