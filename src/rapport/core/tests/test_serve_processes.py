"""A real ``rapport serve``: several processes answer, they share login throttles, SIGTERM finishes what is in flight.

The server runs as a subprocess on a free port against the test database (see ``shared_db``).
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from rapport.core.tests.conftest import SharedDatabase, process_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Starting means importing Django and the apps: seconds on a quiet machine, far longer on 2 shared cores.
STARTUP = 180
ACCESS_PID = re.compile(r'"(?P<agent>[^"]*)" \d+ms pid=<(?P<pid>\d+)>$')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, folder: Path):
        self.process, self.port, self.folder = process, port, folder

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in sorted(self.folder.glob("*.log")))

    def request(self, method: str, path: str, body: dict[str, str] | None = None, agent: str = "test") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"User-Agent": agent, "Connection": "close", "Content-Type": "application/json"}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def served_by(self) -> dict[str, set[int]]:
        """User agent -> the pids of the web processes that answered it, from the access log."""
        found: dict[str, set[int]] = {}
        for line in (self.folder / "access.log").read_text().splitlines():
            if match := ACCESS_PID.search(line):
                found.setdefault(match["agent"], set()).add(int(match["pid"]))
        return found

    def web_processes(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return {int(pid) for pid in children}


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, server: Server) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        if server.process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"timed out or exited waiting for {what}\n{server.logs()}")


@pytest.fixture
def start_server(shared_db: SharedDatabase, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        command = [sys.executable, "-m", "rapport.cli", "serve", "--port", str(port), "--access-log", str(tmp_path / "access.log"), *args]
        with open(tmp_path / "server.log", "wb") as log:
            process = subprocess.Popen(command, env={**shared_db.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        server = Server(process, port, tmp_path)
        started.append(server)
        wait_for(lambda: server.request("GET", "/login/")[0] == 200, timeout=STARTUP, what="the login page", server=server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)


def test_two_web_processes_answer_and_share_the_login_throttle(start_server):
    server = start_server("--workers", "2", "--threads", "2", env={"RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT": "3"})
    # gunicorn forks its workers a random 0-100 ms apart: the first may answer before the second exists.
    wait_for(lambda: len(server.web_processes()) == 2, timeout=STARTUP, what="two web processes", server=server)
    workers = server.web_processes()

    # Whichever process accepts a connection first answers it: a few rounds of concurrent requests reach both.
    with ThreadPoolExecutor(8) as pool:
        for round_ in range(20):
            agent = f"round {round_}"
            statuses = list(pool.map(lambda n, agent=agent: server.request("GET", "/login/", agent=agent)[0], range(8)))
            assert statuses == [200] * 8
            answered = set().union(*server.served_by().values())
            if len(answered) == 2:
                break
    assert answered == workers, server.logs()
    status, _ = server.request("GET", "/static/web/rapport.css")
    assert status == 200  # static files come from the same processes (whitenoise)

    # Three wrong passwords lock an account even when different processes counted them.
    with ThreadPoolExecutor(3) as pool:
        for attempt in range(10):
            account = f"ghost{attempt}"

            def fail(n: int, account: str = account) -> int:
                return server.request("POST", "/api/v1/auth/token", {"username": account, "password": "wrong"}, agent=f"{account} {n}")[0]

            assert list(pool.map(fail, range(3))) == [401] * 3, server.logs()
            # gunicorn writes the access line after the response: wait until all three are there.
            agents = {f"{account} {n}" for n in range(3)}
            wait_for(lambda agents=agents: agents <= set(server.served_by()), timeout=30, what="the access log", server=server)
            by_agent = server.served_by()
            if len(set().union(*(by_agent[f"{account} {n}"] for n in range(3)))) == 2:
                break
        else:
            pytest.fail(f"no account's failures were spread over both processes\n{server.logs()}")
    status, body = server.request("POST", "/api/v1/auth/token", {"username": account, "password": "wrong"})
    assert status == 429, body


def test_sigterm_lets_a_request_in_flight_finish_then_stops(start_server):
    server = start_server("--workers", "2", "--threads", "2", "--graceful-timeout", "60")
    workers = server.web_processes()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    # One complete request first: the connection is then held by a web process, not waiting to be accepted.
    conn.request("GET", "/login/")
    assert conn.getresponse().read()
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    conn.putrequest("POST", "/api/v1/auth/token")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[:10])  # the client is slow: the view waits for the rest of the body
    time.sleep(1)

    server.process.send_signal(signal.SIGTERM)
    time.sleep(3)
    assert server.process.poll() is None, server.logs()  # still waiting for the request in flight
    conn.send(body[10:])
    response = conn.getresponse()
    assert response.status == 401, server.logs()
    assert json.loads(response.read())["status"] == 401
    conn.close()

    assert server.process.wait(timeout=60) == 0, server.logs()
    assert "Handling signal: term" in server.logs()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the quick start is SQLite on a laptop; it ignores DATABASE_URL only when unset")
def test_quickstart_is_one_command_that_migrates_loads_demo_data_and_starts_a_worker(tmp_path):
    env = process_env(tmp_path / "var", None)
    port = free_port()
    command = [sys.executable, "-m", "rapport.cli", "serve", "--quickstart", "--demo-contacts", "20", "--port", str(port)]
    with open(tmp_path / "quickstart.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(process, port, tmp_path)
    try:
        wait_for(lambda: server.request("GET", "/login/")[0] == 200, timeout=STARTUP * 2, what="the quick start", server=server)
        log = (tmp_path / "quickstart.log").read_text()
        assert "Demo login: admin / rapport-demo" in log
        assert "Worker started" in log
        children = server.web_processes()  # the web server's master and the background worker
        assert len(children) == 2, server.logs()
        assert (tmp_path / "var" / "rapport.sqlite3").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0, server.logs()
        assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_the_server_freezes_what_it_loaded_out_of_the_collectors_reach_before_it_forks():
    import gc

    from rapport.core.serving import RapportServer, ServeOptions

    options = ServeOptions(
        host="127.0.0.1", port=free_port(), workers=1, threads=1, timeout=30, graceful_timeout=5, max_requests=0, access_log=None
    )
    gc.unfreeze()
    try:
        application = RapportServer(options).load()
        # Django, the apps and the URL conf: a full collection in a worker no longer walks them.
        assert callable(application) and gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()


def test_a_process_freezes_once_more_after_its_first_hundred_requests(client, monkeypatch):
    import gc
    import itertools

    from rapport.core import gc_freeze

    monkeypatch.setattr(gc_freeze, "_requests_served", itertools.count(gc_freeze.SETTLE_AFTER_REQUESTS - 1))
    gc.unfreeze()
    try:
        assert client.get("/login/").status_code == 200  # the 99th: nothing yet
        assert gc.get_freeze_count() == 0
        from django.http import HttpResponse

        sent = gc_freeze.FreezeAfterWarmUpMiddleware(lambda request: HttpResponse("page"))(None)  # the 100th
        assert gc.get_freeze_count() == 0  # not while the client waits for the page
        sent.close()  # the server has written it
        frozen = gc.get_freeze_count()
        assert frozen > 50_000
        client.get("/login/")
        assert gc.get_freeze_count() <= frozen  # once only (frozen objects freed by reference counting still go)
    finally:
        gc.unfreeze()
