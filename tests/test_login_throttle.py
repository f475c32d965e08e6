"""The login throttle (issue "Lockout that an attacker cannot aim"): per address and per name, in the database.

Failures count per client address and per account name (known or not). Five within the window
block that key for 30 seconds, doubling with each further failure up to 15 minutes. While blocked,
every name gets one answer and a password hash is still verified, so nothing tells whether an
account exists. The clock is ``reviewer.admin.security.now``, replaced here instead of sleeping.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from webclient import csrf_token, login, sign_in

from reviewer.admin import security
from reviewer.admin.security import BAD_CREDENTIALS, THROTTLED, AuthError, address_key, authenticate
from reviewer.audit.chain import AuditEntry
from reviewer.storage import LoginThrottle, User

PASSWORD = "demo-password"
ADDRESS, OTHER = "203.0.113.7", "198.51.100.9"
#: Cheap argon2 parameters: these tests count failures and hash checks, they do not measure hashing cost.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CHEAP_HASH = CHEAP.hash(PASSWORD)


class Clock:
    """A settable stand-in for ``security.now``."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(security, "now", found)
    return found


@pytest.fixture
def session(db, settings, monkeypatch):
    """The test database session; the demo users below and the dummy hash are cheap to verify."""
    db.info["audit_key"] = settings.audit_hmac_key
    for row in db.scalars(select(User).where(User.username.in_(["editor1", "reviewer2", "publisher1"]))):
        row.password_hash = CHEAP_HASH
    db.commit()
    monkeypatch.setattr(security, "_DUMMY_HASH", CHEAP.hash("not-anyones-password"))
    return db


def attempt(session, username: str, password: str = "wrong-password", ip: str | None = ADDRESS,
            settings=None) -> tuple[str, str] | None:
    """One login; the refusal as (code, message), or None when it succeeded. Committed either way."""
    try:
        authenticate(session, username, password, ip=ip, settings=settings)
    except AuthError as exc:
        session.commit()
        return exc.code, exc.message
    session.commit()
    return None


def throttle(session, key: str) -> LoginThrottle | None:
    session.expire_all()
    return session.get(LoginThrottle, key)


def events(session, event: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.seq)))


# ------------------------------------------------------------------------------------------ by address


def test_five_wrong_passwords_from_one_address_throttle_it_for_every_name(session, clock):
    answers = [attempt(session, "publisher1") for _ in range(5)]
    assert answers == [BAD_CREDENTIALS] * 4 + [THROTTLED]
    assert attempt(session, "editor1", PASSWORD) == THROTTLED
    assert attempt(session, "nobody-here", PASSWORD) == THROTTLED
    assert attempt(session, "editor1", PASSWORD, ip=OTHER) is None  # another address is not blocked


def test_five_unknown_names_from_one_address_throttle_it_too(session, clock):
    answers = [attempt(session, f"guess{n}") for n in range(5)]
    assert answers == [BAD_CREDENTIALS] * 4 + [THROTTLED]
    assert attempt(session, "editor1", PASSWORD) == THROTTLED
    assert throttle(session, f"ip:{ADDRESS}").failures == 5
    assert throttle(session, "user:guess0").failures == 1


def test_an_ipv6_client_is_throttled_by_its_64_network(session, clock):
    for n in range(5):
        attempt(session, "editor1", ip=f"2001:db8:1:2::{n + 1}")
    assert attempt(session, "reviewer2", PASSWORD, ip="2001:db8:1:2:ffff::9") == THROTTLED
    assert address_key("::ffff:192.0.2.1") == "ip:192.0.2.1" and address_key(None) is None


# ------------------------------------------------------------------------------------- one answer for all


def test_blocked_known_unknown_and_locked_names_get_one_answer(session, clock):
    for _ in range(5):
        attempt(session, "publisher1")
    known = attempt(session, "editor1", PASSWORD)
    unknown = attempt(session, "nobody-here", "whatever")
    locked = attempt(session, "publisher1", PASSWORD)
    assert known == unknown == locked == THROTTLED == ("login_throttled", "登录尝试过于频繁，请稍后再试。")


def test_without_an_address_a_known_and_an_unknown_name_answer_alike(session, clock):
    known = [attempt(session, "editor1", ip=None) for _ in range(6)]
    unknown = [attempt(session, "ghost-user", ip=None) for _ in range(6)]
    assert known == unknown == [BAD_CREDENTIALS] * 4 + [THROTTLED] * 2
    assert throttle(session, "user:ghost-user").blocked_until == throttle(session, "user:editor1").blocked_until


def test_every_answer_costs_one_password_hash_verification(session, clock, monkeypatch):
    checked: list[str] = []
    real = security.verify_password

    def counting(stored, password):
        checked.append("dummy" if stored == security._DUMMY_HASH else "user")
        return real(stored, password)

    monkeypatch.setattr(security, "verify_password", counting)
    attempt(session, "nobody-here")
    attempt(session, "editor1")
    assert checked == ["dummy", "user"]
    for _ in range(3):
        attempt(session, "editor1")
    checked.clear()
    assert attempt(session, "editor1", PASSWORD) == THROTTLED
    assert attempt(session, "nobody-here", PASSWORD) == THROTTLED
    assert checked == ["dummy", "dummy"]  # blocked: the real hash is not even looked at


def test_failures_and_blocks_are_on_the_audit_trail(session, clock):
    for _ in range(5):
        attempt(session, "nobody-here")
    attempt(session, "editor1", PASSWORD)
    failures = events(session, "login.failure")
    assert [e.details_dict["reason"] for e in failures] == ["unknown_user"] * 5 + ["throttled"]
    assert failures[0].details_dict["failures"] == {f"ip:{ADDRESS}": 1, "user:nobody-here": 1}
    [lockout] = events(session, "login.lockout")
    assert set(lockout.details_dict["blocked_until"]) == {f"ip:{ADDRESS}", "user:nobody-here"}
    assert lockout.ip == ADDRESS and lockout.actor_name == "nobody-here"


# --------------------------------------------------------------------------------- by name: the backoff


def test_a_blocked_name_lasts_only_the_backoff_which_doubles_up_to_the_cap(session, clock):
    for n in range(5):
        attempt(session, "editor1", ip=f"192.0.2.{n}")  # five addresses: only the name adds up
    assert throttle(session, "user:editor1").blocked_until == clock.moment + timedelta(seconds=30)
    assert attempt(session, "editor1", PASSWORD, ip=OTHER) == THROTTLED
    expected = [60, 120, 240, 480, 900, 900]
    for step, seconds in enumerate(expected):
        clock.advance(seconds=(30 if step == 0 else expected[step - 1]) + 1)
        assert attempt(session, "editor1", ip=f"192.0.2.{100 + step}") == THROTTLED
        assert throttle(session, "user:editor1").blocked_until == clock.moment + timedelta(seconds=seconds)
        assert attempt(session, "editor1", PASSWORD, ip=OTHER) == THROTTLED
    clock.advance(seconds=901)
    assert attempt(session, "editor1", PASSWORD, ip=OTHER) is None


def test_attempts_while_blocked_do_not_extend_the_block(session, clock):
    for _ in range(5):
        attempt(session, "editor1", ip=None)
    until = throttle(session, "user:editor1").blocked_until
    for _ in range(10):
        clock.advance(seconds=2)
        attempt(session, "editor1", ip=None)
    assert throttle(session, "user:editor1").blocked_until == until
    clock.advance(seconds=11)
    assert attempt(session, "editor1", PASSWORD, ip=None) is None


def test_failures_lapse_after_the_window(session, clock):
    for _ in range(4):
        attempt(session, "editor1", ip=None)
    clock.advance(minutes=15, seconds=1)
    assert [attempt(session, "editor1", ip=None) for _ in range(4)] == [BAD_CREDENTIALS] * 4
    assert throttle(session, "user:editor1").failures == 4


def test_a_success_clears_both_keys_of_the_login(session, clock):
    for _ in range(4):
        attempt(session, "editor1")
    assert attempt(session, "editor1", PASSWORD) is None
    assert throttle(session, f"ip:{ADDRESS}") is None and throttle(session, "user:editor1") is None
    assert session.scalar(select(User.failed_logins).where(User.username == "editor1")) == 0


def test_long_lapsed_rows_are_purged(session, clock):
    session.add(LoginThrottle(key="user:long-ago", failures=3, first_failure_at=clock.moment - timedelta(hours=2),
                              updated_at=clock.moment - timedelta(hours=2)))
    session.commit()
    attempt(session, "someone")
    assert throttle(session, "user:long-ago") is None


def test_concurrent_failures_lose_no_count(session, services, settings, clock):
    patient = replace(settings, login_max_failures=100)  # no block, so every guess is counted

    def guess() -> None:
        with services.session_factory() as own:
            own.info["audit_key"] = session.info["audit_key"]
            attempt(own, "ghost-user", ip=ADDRESS, settings=patient)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert throttle(session, "user:ghost-user").failures == 8
    assert throttle(session, f"ip:{ADDRESS}").failures == 8
    assert len(events(session, "login.failure")) == 8


# ------------------------------------------------------------------------------------ the web and the API


def test_the_login_page_and_the_token_api_answer_a_throttled_client_alike(client, clock):
    for _ in range(5):
        login(client, "publisher1", "wrong-password")
    pages = [login(client, name, password) for name, password in
             (("editor1", PASSWORD), ("nobody-here", "x"), ("publisher1", PASSWORD))]
    assert {page.status_code for page in pages} == {200}
    assert all(THROTTLED[1] in page.get_data(as_text=True) for page in pages)
    answers = [client.post("/api/v1/tokens", json={"username": name, "password": PASSWORD})
               for name in ("editor1", "nobody-here", "publisher1")]
    assert {(r.status_code, r.get_data(as_text=True)) for r in answers} == \
        {(401, answers[0].get_data(as_text=True))}
    assert answers[0].get_json() == {"error": "login_throttled", "message": THROTTLED[1]}


# ---------------------------------------------------------------------------------------------- unlock


@pytest.fixture
def blocked(session, clock) -> int:
    """editor1's name blocked by five failures without an address; returns editor1's id."""
    for _ in range(5):
        attempt(session, "editor1", ip=None)
    assert throttle(session, "user:editor1").blocked_until > clock.moment
    return session.scalar(select(User.id).where(User.username == "editor1"))


def test_user_unlock_lifts_the_block_on_record(session, blocked, cli):
    result = cli("user", "unlock", "editor1")
    assert result.exit_code == 0, result.output
    assert "已解除用户 editor1 的登录限制" in result.output
    assert throttle(session, "user:editor1") is None
    row = session.get(User, blocked)
    assert (row.failed_logins, row.locked_until) == (0, None)
    [entry] = events(session, "login.unlock")
    assert entry.actor_name.startswith("命令行") and entry.subject_user_id == blocked
    assert entry.details_dict["throttle"]["failures"] == 5 and entry.details_dict["username"] == "editor1"
    assert attempt(session, "editor1", PASSWORD, ip=None) is None


def test_user_unlock_of_an_unblocked_or_unknown_user(session, cli):
    assert "无需解除" in cli("user", "unlock", "editor1").output
    assert events(session, "login.unlock") == []
    result = cli("user", "unlock", "nobody-here")
    assert result.exit_code == 2 and "找不到用户" in result.output


def test_the_admin_page_lists_the_blocked_user_and_its_button_lifts_the_block(app, session, blocked):
    client = app.test_client()
    sign_in(client, session, "admin1")
    page = client.get("/admin/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "登录限制" in html and "解除锁定" in html
    assert 'action="/admin/users/editor1/unlock"' in html and 'name="csrf_token"' in html
    assert client.post("/admin/users/editor1/unlock").status_code == 400  # no CSRF token
    response = client.post("/admin/users/editor1/unlock", data={"csrf_token": csrf_token(client, "/admin/users")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    assert "已解除用户 editor1 的登录限制" in client.get("/admin/users").get_data(as_text=True)
    assert throttle(session, "user:editor1") is None
    [entry] = events(session, "login.unlock")
    assert entry.actor_name == "admin1" and entry.subject_user_id == blocked
    assert "目前没有被限制登录" in client.get("/admin/users").get_data(as_text=True)


def test_only_admins_open_the_admin_page(app, session, blocked):
    client = app.test_client()
    sign_in(client, session, "auditor1")
    assert client.get("/admin/users").status_code == 403
    response = client.post("/admin/users/editor1/unlock", data={"csrf_token": csrf_token(client, "/password")})
    assert response.status_code == 403
    assert throttle(session, "user:editor1") is not None


def test_behind_a_trusted_proxy_the_throttle_counts_the_forwarded_address(settings, services):
    from dataclasses import replace

    from reviewer.web import create_app

    app = create_app(replace(settings, trusted_proxies=1), services=services)
    client = app.test_client()
    for _ in range(5):
        client.post("/api/v1/tokens", json={"username": "publisher1", "password": "wrong-password"},
                    headers={"X-Forwarded-For": "198.51.100.7"})
    other = client.post("/api/v1/tokens", json={"username": "editor1", "password": "demo-password"},
                        headers={"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 201
