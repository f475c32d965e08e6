"""Helpers for driving the browser pages through Flask's test client (forms with CSRF tokens)."""

from __future__ import annotations

import re

PASSWORD = "demo-password"
COOKIE = "reviewer_session"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token the form on ``path`` carries."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, **extra: str):
    """Log in through the login form, as a browser would."""
    data = {"username": username, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def post_form(client, path: str, data: dict, token_from: str = "/password"):
    """POST a form with a valid CSRF token of the logged-in session."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def is_logged_in(client) -> bool:
    """True when the client's cookie still opens a page that needs a login."""
    return client.get("/password").status_code == 200


def sign_in(client, db, username: str) -> None:
    """Open a session for ``username`` without the login form (argon2 is slow on purpose).

    Writes the same "id:session_epoch" identity the login view stores; tests of the login itself
    use ``login`` instead.
    """
    from sqlalchemy import select

    from reviewer.storage import User

    db.expire_all()
    user_id, epoch = db.execute(select(User.id, User.session_epoch).where(User.username == username)).one()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{epoch}"
        session["_fresh"] = True
