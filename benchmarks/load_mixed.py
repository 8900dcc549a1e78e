"""Mixed load on loopback: reps browsing, call-centre agents looking up callers, API clients writing.

Starts `rapport serve` (gunicorn: a process per core, --threads each) on 127.0.0.1 against DATABASE_URL (PostgreSQL
with the demo data: `rapport demo --contacts N`), runs N concurrent simulated
users for T seconds, and stops by itself. Each user is a thread with its own
keep-alive connection:

* reps (50 %): sign in with a session, then contacts list, search page, a contact's 360;
* agents (25 %): phone lookup through the search dropdown, then the caller's 360;
* API clients (25 %): list contacts, create a contact, patch it (with its version).

Zero errors are expected. p50/p95/p99 and the error count per endpoint go to
benchmarks/results/load_mixed.json (``--output``), and the same as a Markdown
table for docs/benchmarks.md on stderr. The issue's configuration:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_load rapport demo --contacts 1000000
    DATABASE_URL=... python benchmarks/load_mixed.py --users 50 --seconds 300

Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything else
PASSWORD = "rapport-demo"
REPS = ["rep.north", "rep.east", "rep.south", "rep.intl", "manager"]
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CONTACT_LINK = re.compile(rb'href="/contacts/(\d+)/"')
# Sign-ins hash the password (PBKDF2, deliberately slow): 50 at once on a small machine would queue
# past the client's timeout. People arrive a few at a time; so do these.
SIGN_INS = threading.Semaphore(max(2, os.cpu_count() or 2))


class Session:
    """One keep-alive connection with cookies: a browser or an API client, as far as the server can tell."""

    def __init__(self, port: int, stats: Stats):
        self.port, self.stats = port, stats
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def call(
        self, name: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected) as exc:
                # The server closed an idle keep-alive connection before reading the request (gunicorn keeps one
                # open for a few seconds). A browser opens a new one and sends the request again; so does this.
                self._reconnect()
                if attempt == 2:
                    return self._failed(name, started, exc)
            except (OSError, http.client.HTTPException) as exc:
                self._reconnect()
                return self._failed(name, started, exc)
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        signed_out = response.status == 302 and "/login/" in (response.getheader("Location") or "") and not path.startswith("/login/")
        ok = response.status < 400 and not signed_out
        self.stats.record(name, elapsed, ok=ok, note="" if ok else f"{response.status} {path}" + (" (signed out)" if signed_out else ""))
        return response.status, data

    def _reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)

    def _failed(self, name: str, started: float, exc: Exception) -> tuple[int, bytes]:
        self.stats.record(name, time.perf_counter() - started, ok=False, note=f"{type(exc).__name__}: {exc}")
        return 0, b""


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def record(self, name: str, seconds: float, *, ok: bool, note: str = "") -> None:
        with self.lock:
            self.times[name].append(seconds)
            if not ok:
                self.errors[name].append(note)

    def summary(self, wall: float) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, values in sorted(self.times.items()):
            ordered = sorted(values)
            q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
            out[name] = {
                "requests": len(ordered),
                "errors": len(self.errors[name]),
                "per_second": round(len(ordered) / wall, 2),
                "p50_ms": round(q[49] * 1000, 1),
                "p95_ms": round(q[94] * 1000, 1),
                "p99_ms": round(q[98] * 1000, 1),
                "first_errors": self.errors[name][:3],
            }
        return out


def markdown_table(endpoints: dict[str, dict[str, object]]) -> str:
    """The table docs/benchmarks.md shows, busiest endpoint first."""
    rows = ["| endpoint | requests | errors | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for name, e in sorted(endpoints.items(), key=lambda item: -int(item[1]["requests"])):  # type: ignore[call-overload]
        label = name.replace("<", "&lt;").replace(">", "&gt;")
        cells = [f"{e['requests']:,}", f"{e['errors']:,}", *(f"{float(e[k]):,.0f}" for k in ("p50_ms", "p95_ms", "p99_ms"))]  # type: ignore[arg-type]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def signed_in(port: int, stats: Stats, username: str) -> Session:
    """A browser session after the real login form (CSRF token included)."""
    s = Session(port, stats)
    _, page = s.call("GET /login/", "GET", "/login/")
    token = CSRF.search(page)
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode() if token else ""}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{port}/login/"}
    with SIGN_INS:
        status, _ = s.call("POST /login/", "POST", "/login/", urllib.parse.urlencode(form).encode(), headers)
    if status != 302:
        stats.record("POST /login/", 0.0, ok=False, note=f"sign-in as {username} answered {status}")
    return s


def rep(port: int, stats: Stats, stop: float, rng: random.Random, username: str) -> None:
    s = signed_in(port, stats, username)
    words = ["wang", "li", "zhang", "liu", "chen", "smith", "上海", "north"]
    while time.time() < stop:
        _, listing = s.call("GET /contacts/", "GET", "/contacts/?sort=" + rng.choice(["name", "-updated_at", "-created_at"]))
        s.call("GET /search/", "GET", "/search/?q=" + urllib.parse.quote(rng.choice(words)))
        ids = CONTACT_LINK.findall(listing)
        if ids:
            s.call("GET /contacts/<id>/ (360)", "GET", f"/contacts/{rng.choice(ids).decode()}/")


def agent(port: int, stats: Stats, stop: float, rng: random.Random, username: str, phones: list[str]) -> None:
    s = signed_in(port, stats, username)
    while time.time() < stop:
        _, found = s.call("GET /search/suggest/ (phone)", "GET", "/search/suggest/?q=" + urllib.parse.quote(rng.choice(phones)))
        ids = CONTACT_LINK.findall(found)
        if ids:
            s.call("GET /contacts/<id>/ (360)", "GET", f"/contacts/{ids[0].decode()}/")


def api_client(port: int, stats: Stats, stop: float, rng: random.Random, token: str) -> None:
    s = Session(port, stats)
    s.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    n = 0
    while time.time() < stop:
        s.call("GET /api/v1/contacts", "GET", "/api/v1/contacts?limit=50&sort=" + rng.choice(["name", "-updated_at"]))
        n += 1
        status, created = s.call(
            "POST /api/v1/contacts",
            "POST",
            "/api/v1/contacts",
            json.dumps({"last_name": f"Load {rng.random():.12f}", "country": "CN"}).encode(),
        )
        if status == 201:
            record = json.loads(created)
            body = json.dumps({"title": f"Buyer {n}", "version": record["version"]}).encode()
            s.call("PATCH /api/v1/contacts/<id>", "PATCH", f"/api/v1/contacts/{record['id']}", body)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _setup(env: dict[str, str]) -> tuple[list[str], list[str]]:
    """API tokens for the API clients and phone numbers for the agents, from the demo data."""
    code = (
        "import django, json; django.setup()\n"
        "from rapport.core.models import User\n"
        "from rapport.core.services import token_issue\n"
        "from rapport.customers.models import ContactPoint\n"
        "users = list(User.objects.filter(username__in=['rep.north','rep.east','rep.south','rep.intl','manager']))\n"
        "tokens = [token_issue(user=u, name='load test')[1] for u in users]\n"
        "phones = list(ContactPoint.objects.filter(kind='phone', contact__isnull=False).order_by('?').values_list('value', flat=True)[:300])\n"
        "print(json.dumps({'tokens': tokens, 'phones': phones}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if not data["tokens"] or not data["phones"]:
        sys.exit("No demo users or phones: load the demo data first (rapport demo --contacts N).")
    return data["tokens"], data["phones"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts in the demo data (recorded with the results)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "load_mixed.json"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database holding the demo data.")
    port = _free_port()
    # The load is the point here: lift the per-token API rate limit for the run.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rapport.settings", "RAPPORT_API_RATE_PER_MINUTE": "1000000"}
    tokens, phones = _setup(env)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "rapport"), "serve", "--host", HOST, "--port", str(port), "--threads", str(args.threads)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        stats = Stats()
        stop = time.time() + args.seconds
        threads = []
        for i in range(args.users):
            rng = random.Random(i)
            kind = ("rep", "rep", "agent", "api")[i % 4]
            if kind == "rep":
                target, extra = rep, (REPS[i % len(REPS)],)
            elif kind == "agent":
                target, extra = agent, ("agent", phones)
            else:
                target, extra = api_client, (tokens[i % len(tokens)],)
            threads.append(threading.Thread(target=target, args=(port, stats, stop, rng, *extra), daemon=True))
        started = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        wall = time.time() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    endpoints = stats.summary(wall)
    total = sum(e["requests"] for e in endpoints.values())  # type: ignore[index]
    errors = sum(e["errors"] for e in endpoints.values())  # type: ignore[index]
    result = {
        "benchmark": "load_mixed",
        "database": "postgresql",
        "contacts": args.contacts,
        "users": args.users,
        "seconds": args.seconds,
        "threads_per_process": args.threads,
        "cpus": os.cpu_count(),
        "requests": total,
        "errors": errors,
        "requests_per_second": round(total / wall, 1),
        "endpoints": endpoints,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\n{total:,} requests, {errors:,} errors\n\n{markdown_table(endpoints)}", file=sys.stderr)  # type: ignore[arg-type]
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
