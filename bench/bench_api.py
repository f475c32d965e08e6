"""Throughput and latency of POST /api/v1/check under concurrent clients, against waitress.

Starts ``reviewer serve --demo`` in a subprocess on a free 127.0.0.1 port (fresh instance folder),
takes a token, then runs N client threads, each on its own keep-alive connection, posting a
2,000-character notice for a fixed time. Prints requests/s and p50/p95/p99 latency, and the ratio
to the targets (>= 100 requests/s, p99 < 200 ms on a 2-core machine).

    python bench/bench_api.py [--clients 8] [--seconds 20] [--threads 6]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGET_RPS = 100.0
TARGET_P99_MS = 200.0

PARAGRAPHS = (
    "为进一步丰富群众节日文化生活，示例市文化和旅游局将于国庆假期在人民公园、滨江广场等地举办第五届文化旅游节。",
    "本次活动设有非遗技艺展示、地方戏曲展演、文创市集和夜间灯会四个板块，所有活动均免费向市民游客开放。",
    "节日期间，全市A级旅游景区实行预约、限流、错峰措施，游客可通过官方公众号查询实时客流和停车信息。",
    "市交通运输部门将加密开往主要景区的公交班次，并在人民公园周边设置临时停车场，请市民尽量选择公共交通出行。",
    "市场监管部门提醒广大游客理性消费，如遇价格欺诈、强制购物等情况，可拨打12345政务服务便民热线投诉举报。",
    "气象部门预计假期前三天以多云天气为主，后期有小到中雨，请游客关注天气变化，合理安排出行计划，注意防范安全风险。",
    "活动期间如遇恶劣天气，部分户外项目可能调整或取消，具体安排以示例市文化和旅游局官方发布的信息为准。",
    "各景区将设置志愿服务点，为老年人、残疾人等群体提供咨询、轮椅借用和应急救助服务，让游客游得安心、玩得舒心。",
)


def notice(length: int = 2000) -> str:
    """A realistic notice of exactly ``length`` characters, built from the paragraphs above."""
    text = ""
    i = 0
    while len(text) < length:
        text += PARAGRAPHS[i % len(PARAGRAPHS)]
        i += 1
    return text[:length]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None,
            token: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def start_server(port: int, threads: int, instance: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REVIEWER_CONFIG")}
    env["REVIEWER_INSTANCE"] = instance
    # stderr to a file, never a pipe nobody reads: waitress logs "Task queue depth" whenever requests
    # wait for a thread, and a full pipe would stop the server in the middle of the run
    with open(Path(instance) / "server.log", "w", encoding="utf-8") as log:
        return subprocess.Popen(
            [sys.executable, "-c", "from reviewer.cli import main; main()", "serve", "--demo", "--port", str(port),
             "--threads", str(threads)],
            cwd=instance, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)


def wait_ready(port: int, process: subprocess.Popen, instance: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"服务启动失败：{(Path(instance) / 'server.log').read_text(encoding='utf-8')}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if request(conn, "GET", "/healthz", None)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("服务在规定时间内没有就绪")


def client_loop(port: int, token: str, body: dict, stop_at: float, latencies: list[float], errors: list[int],
                lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[float] = []
    bad: list[int] = []
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        status, _ = request(conn, "POST", "/api/v1/check", body, token)
        mine.append(time.perf_counter() - started)
        if status != 200:
            bad.append(status)
    conn.close()
    with lock:
        latencies.extend(mine)
        errors.extend(bad)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=6, help="waitress worker threads")
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as instance:
        process = start_server(port, args.threads, instance)
        try:
            wait_ready(port, process, instance)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, raw = request(conn, "POST", "/api/v1/tokens",
                                  {"username": "editor1", "password": "demo-password"})
            token = json.loads(raw)["token"]
            body = {"text": notice(), "kind": "post"}
            status, raw = request(conn, "POST", "/api/v1/check", body, token)
            assert status == 200, raw[:200]
            findings = len(json.loads(raw)["findings"])
            lock = threading.Lock()
            warm: list[float] = []
            run_clients(port, token, body, args.clients, args.warmup, warm, [], lock)
            latencies: list[float] = []
            errors: list[int] = []
            started = time.monotonic()
            run_clients(port, token, body, args.clients, args.seconds, latencies, errors, lock)
            elapsed = time.monotonic() - started
        finally:
            process.terminate()
            process.wait(timeout=20)

    rps = len(latencies) / elapsed
    p50, p95, p99 = (percentile(latencies, q) * 1000 for q in (50, 95, 99))
    print(f"POST /api/v1/check, {len(body['text'])} 字正文（{findings} 条发现）, {args.clients} 个并发客户端, "
          f"waitress {args.threads} 线程, {elapsed:.1f} s")
    print(f"requests        {len(latencies)}  (errors {len(errors)})")
    print(f"requests/s      {rps:8.1f}   target >= {TARGET_RPS:.0f}   ratio {rps / TARGET_RPS:.2f}")
    print(f"p50 latency ms  {p50:8.1f}")
    print(f"p95 latency ms  {p95:8.1f}")
    print(f"p99 latency ms  {p99:8.1f}   target <  {TARGET_P99_MS:.0f}   ratio {p99 / TARGET_P99_MS:.2f}")
    print(f"mean latency ms {statistics.fmean(latencies) * 1000:8.1f}   max {max(latencies) * 1000:.1f}")


def run_clients(port: int, token: str, body: dict, clients: int, seconds: float, latencies: list[float],
                errors: list[int], lock: threading.Lock) -> None:
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(port, token, body, stop_at, latencies, errors, lock))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
