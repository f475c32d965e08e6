"""A term added in the admin page of one running service process fires on the next request of
every process, without a restart: two real ``reviewer serve`` (waitress) processes on one database."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import TEST_AUDIT_KEY, TEST_SECRET_KEY

pytestmark = pytest.mark.slow

TERM = "东关小吃街"
TEXT = f"周末去{TERM}逛逛，顺便看看文化节。"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(db_url: str, instance: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWER_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": db_url, "REVIEWER_SECRET_KEY": TEST_SECRET_KEY, "REVIEWER_AUDIT_KEY": TEST_AUDIT_KEY,
                "REVIEWER_INSTANCE": str(instance)})
    port = _port()
    process = subprocess.Popen([sys.executable, "-c", "from reviewer.cli import main; main()", "serve", "--port", str(port)],
                               cwd=instance.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return process, base
        except OSError:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.3)
    raise AssertionError("service did not start")


def _check(base: str, token: str) -> list[str]:
    request = urllib.request.Request(f"{base}/api/v1/check", data=json.dumps({"text": TEXT}).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return [f["text"] for f in json.load(response)["findings"]]


def _add_in_admin_page(base: str) -> None:
    """Log in as admin1 and submit the add form of 词库管理, as a browser would."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def token(path: str) -> str:
        with opener.open(f"{base}{path}", timeout=30) as page:
            return re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode()).group(1)

    def post(path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        with opener.open(urllib.request.Request(f"{base}{path}", data=body, method="POST"), timeout=60) as answer:
            return answer.status

    post("/login", {"username": "admin1", "password": "demo-password", "csrf_token": token("/login")})
    assert post("/admin/lexicon/entries", {"term": TERM, "category": "commercial", "csrf_token": token("/admin/lexicon")}) == 200


@pytest.fixture
def two_services(db_url: str, tmp_path: Path):
    started = [_serve(db_url, tmp_path / f"instance{n}") for n in (1, 2)]
    try:
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.communicate(timeout=20)


def test_a_term_added_in_the_admin_page_fires_in_every_process_on_the_next_request(two_services, token_for):
    first, second = two_services
    token = token_for("editor1")
    assert TERM not in _check(first, token) and TERM not in _check(second, token)  # both engines loaded
    _add_in_admin_page(first)
    assert TERM in _check(second, token)
    assert TERM in _check(first, token)
