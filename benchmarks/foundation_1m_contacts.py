"""The foundation's performance goal at 1,000,000 contacts, on SQLite and PostgreSQL.

Loads the demo data (``rapport demo``) into a fresh database, then measures
the server time of whole requests, handled in-process by Django's test
client (middleware, session, view, template, every query): phone lookup in
three formats, global search, the first page of the contact list with
filters, and the customer 360 pages, as a sales rep and as an administrator.

Targets: lookup p99 < 5 ms; list and 360 page p99 < 50 ms.

    .venv/bin/python benchmarks/foundation_1m_contacts.py                  # both databases, 1,000,000 contacts
    .venv/bin/python benchmarks/foundation_1m_contacts.py --contacts 20000 --db sqlite
    .venv/bin/python benchmarks/foundation_1m_contacts.py --fresh          # drop what an earlier run loaded

Each database runs in its own subprocess (settings are per process). A load
interrupted by Ctrl+C resumes on the next run; ``--fresh`` starts over.
Results: ``benchmarks/results/foundation_<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench"
TARGETS_MS = {"lookup": 5.0, "search": 50.0, "list": 50.0, "360": 50.0}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts to load (default 1,000,000)")
    parser.add_argument("--leads", type=int, default=None, help="leads to load (default: one per ten contacts)")
    parser.add_argument("--interactions-per-contact", type=float, default=2.0)
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per case (default 200)")
    parser.add_argument("--fresh", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--var-dir", default=str(Path(tempfile.gettempdir()) / "rapport-bench"))
    parser.add_argument("--measure-only", action="store_true", help="measure what the database holds now (e.g. a load stopped with Ctrl+C)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.child:
        return _child(args)
    RESULTS.mkdir(exist_ok=True)
    for db in args.db.split(","):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rapport.settings", "RAPPORT_VAR_DIR": str(Path(args.var_dir) / db)}
        env.pop("DATABASE_URL", None)
        if db == "postgresql":
            env["DATABASE_URL"] = PG_URL
        command = [sys.executable, __file__, "--child", db, *(argv if argv is not None else sys.argv[1:])]
        done = subprocess.run(command, env=env, check=False)
        if done.returncode != 0:
            return done.returncode
        _print_table(json.loads((RESULTS / f"foundation_{db}.json").read_text()))
    return 0


def _fresh_database(db: str, var_dir: Path) -> None:
    if db == "sqlite":
        for path in var_dir.glob("rapport.sqlite3*"):
            path.unlink()
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS rapport_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE rapport_bench")


def _child(args: argparse.Namespace) -> int:
    db = args.child
    var_dir = Path(os.environ["RAPPORT_VAR_DIR"])
    var_dir.mkdir(parents=True, exist_ok=True)
    if args.fresh and not args.measure_only:
        _fresh_database(db, var_dir)
    elif db == "postgresql":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'rapport_bench'").fetchone():
                conn.execute("CREATE DATABASE rapport_bench")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    leads = args.leads if args.leads is not None else max(20, args.contacts // 10)
    started = time.monotonic()
    if not args.measure_only:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo", contacts=args.contacts, leads=leads, interactions_per_contact=args.interactions_per_contact)
    load_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load; SQLite needs it for its planner statistics

    cases = measure_all(repeat=args.repeat)
    from rapport.customers.models import Account, Contact, ContactPoint, Interaction, Lead, SearchTerm
    from rapport.dataops.models import DemoLoadPhase

    rows = {m.__name__: m.objects.count() for m in (Account, Contact, Lead, ContactPoint, Interaction, SearchTerm)}
    phases = {p.phase: {"rows": p.rows_done, "finished": p.finished} for p in DemoLoadPhase.objects.exclude(phase="plan")}
    result = {
        "goal": "foundation: lookup p99 < 5 ms, list and 360 page p99 < 50 ms at 1,000,000 contacts",
        "database": db,
        "database_version": connection.Database.sqlite_version if db == "sqlite" else connection.cursor().connection.info.server_version,
        "contacts": rows["Contact"],
        "contacts_planned": args.contacts,
        "rows": rows,
        "load_phases": phases,
        "leads": leads,
        "interactions_per_contact": args.interactions_per_contact,
        "load_seconds_this_run": round(load_seconds, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "targets_ms": TARGETS_MS,
        "cases": cases,
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (RESULTS / f"foundation_{db}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


def _timed(call: Any, repeat: int) -> tuple[float, float, dict[str, Any]]:
    """Median and p99 of ``call`` in ms, and how much of the slowest calls the garbage collector took."""
    import gc

    for _ in range(min(10, repeat)):  # warm caches, connections and the template loader
        call()
    pauses: list[float] = []
    began: list[float] = []

    def collector(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began.append(time.perf_counter())
        elif began:
            pauses.append((time.perf_counter() - began.pop()) * 1000)

    samples = []
    gc.callbacks.append(collector)
    try:
        for _ in range(repeat):
            seen = len(pauses)
            started = time.perf_counter()
            call()
            samples.append(((time.perf_counter() - started) * 1000, sum(pauses[seen:])))
    finally:
        gc.callbacks.remove(collector)
    samples.sort()
    times = [total for total, _ in samples]
    slowest = samples[-3:]  # what decides the p99 of 200
    collector_share = {
        "gc_ms_total": round(sum(pauses), 1),
        "slowest_ms": [round(total, 1) for total, _ in slowest],
        "gc_ms_in_slowest": [round(gc_ms, 1) for _, gc_ms in slowest],
    }
    return statistics.median(times), times[max(0, -(-99 * len(times) // 100) - 1)], collector_share


def _queries(call: Any) -> tuple[int, dict[str, Any]]:
    """The number of queries of one call and the slowest one, with its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
    plan: list[str] = []
    if slowest["sql"].lstrip().upper().startswith("SELECT"):
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
        try:
            with connection.cursor() as cursor:
                cursor.execute(explain + slowest["sql"])
                plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        except Exception as exc:  # a query Django printed with its parameters may not parse back
            plan = [f"(no plan: {exc})"]
    return len(captured.captured_queries), {"sql": slowest["sql"][:2000], "ms": round(float(slowest["time"]) * 1000, 2), "plan": plan}


class ServerClient:
    """GET requests through Django's WSGI handler, called as gunicorn calls it, with a logged-in session's cookie.

    Django's test client connects two signal receivers for every request, and each connection leaves a
    ``weakref.finalize`` behind for as long as the client lives: after 3,000 requests the process held
    12,000 of them, and every full garbage collection walked them (25-100 ms, the slowest call of most
    cases). A server does none of that.
    """

    def __init__(self, logged_in: Any) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in logged_in.cookies.items())

    def get(self, path: str) -> int:
        import io
        from urllib.parse import quote

        route, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": quote(route).encode().decode("latin-1"),
            "QUERY_STRING": quote(query, safe="=&+%"),
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_COOKIE": self.cookie,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []
        response = self.handler(environ, lambda line, headers, exc_info=None: status.append(line))
        try:
            for _ in response:  # the body, as the server writes it
                pass
        finally:
            response.close()  # request_finished, as the server sends it
        return int(status[0].split()[0])


def measure_all(*, repeat: int) -> list[dict[str, Any]]:
    from django.test import Client
    from django.urls import Resolver404, resolve

    from rapport.core.gc_freeze import freeze_loaded_objects
    from rapport.core.models import User
    from rapport.customers import selectors
    from rapport.customers.models import ContactPoint

    users = {name: User.objects.get(username=name) for name in ("rep.north", "admin")}
    clients = {}
    for name, user in users.items():
        logged_in = Client()
        logged_in.force_login(user)
        clients[name] = ServerClient(logged_in)
    rep = users["rep.north"]
    # What the server does before it forks its workers (core.gc_freeze; its middleware freezes again after the
    # first 100 requests, which the warm-up calls are): without it, one request in a hundred
    # paid for a full garbage collection over every object the process had loaded (100-200 ms).
    freeze_loaded_objects()
    zhang_point = ContactPoint.objects.select_related("contact__account").filter(kind="phone", normalised="+8613800138000").first()
    if zhang_point is None:  # the load stopped before Mr Zhang's story: take another of rep.north's business contacts
        zhang_point = (
            ContactPoint.objects.select_related("contact__account")
            .filter(kind="phone", normalised__startswith="+861", contact__owner=rep, contact__account__isnull=False)
            .order_by("pk")
            .first()
        )
    assert zhang_point is not None and zhang_point.contact is not None
    zhang = zhang_point.contact
    print(f"  lookup and 360 pages for contact {zhang.pk} ({zhang.full_name}, {zhang_point.value})", flush=True)
    digits = zhang_point.normalised[3:]
    formats = (zhang_point.normalised, f"{digits[:3]} {digits[3:7]} {digits[7:]}", f"0086 {digits[:3]}-{digits[3:7]}-{digits[7:]}")
    group = zhang.account.parent if zhang.account and zhang.account.parent else zhang.account
    email = ContactPoint.objects.filter(kind="email", contact__owner=rep).order_by("pk").values_list("normalised", flat=True)[0]
    english = ContactPoint.objects.filter(kind="email", contact__owner=rep, contact__language="en").select_related("contact").first()
    name_prefix = english.contact.last_name[:4] if english else "Smit"
    cases: list[dict[str, Any]] = []

    def add(kind: str, name: str, who: str, call: Any, check: Any = None) -> None:
        status = check() if check else None
        median, p99, collector = _timed(call, repeat)
        count, slowest = _queries(call)
        cases.append(
            {
                "kind": kind,
                "name": name,
                "as": who,
                "median_ms": round(median, 2),
                "p99_ms": round(p99, 2),
                "queries": count,
                "status": status,
                "slowest_query": slowest,
                **collector,
            }
        )
        print(
            f"  {kind:<7} {name:<58} {who:<10} median {median:7.2f} ms  p99 {p99:7.2f} ms  {count} queries"
            f"  slowest {collector['slowest_ms']} (gc {collector['gc_ms_in_slowest']})",
            flush=True,
        )

    def page(kind: str, name: str, path: str, who: str) -> None:
        try:
            resolve(path.split("?")[0])
        except Resolver404:
            print(f"  skipped {path}: no such page", flush=True)
            return
        client = clients[who]
        add(kind, name or path, who, lambda: client.get(path), lambda: client.get(path))

    for typed in formats:
        for who, user in users.items():
            add(
                "lookup",
                f"screen-pop lookup contacts_by_phone('{typed}')",
                who,
                lambda u=user, t=typed: selectors.contacts_by_phone(user=u, phone=t),
            )
    # Global search with a phone number: a whole API request, which the 5 ms of the lookup does not cover
    # (an authenticated GET /api/v1/users/me alone takes 4.5 ms here); it stays under the search target.
    for typed in formats:
        for who in users:
            page("search", f"GET /api/v1/search?q={typed}", f"/api/v1/search?q={typed.replace('+', '%2B').replace(' ', '+')}", who)
    for query in (name_prefix, "张伟", email):
        for who in users:
            page("search", f"GET /api/v1/search?q={query}", f"/api/v1/search?q={query}", who)
            page("search", f"GET /search/?q={query}", f"/search/?q={query}", who)
    for who in users:
        page("list", "GET /contacts/?region=Beijing&owner_id=<rep.north>", f"/contacts/?region=Beijing&owner_id={rep.pk}", who)
        page("list", "GET /contacts/?tag=VIP", "/contacts/?tag=VIP", who)
        page("list", "GET /contacts/ (no filter)", "/contacts/", who)
        page("list", "GET /contacts/?region=Beijing", "/contacts/?region=Beijing", who)
        page("list", "GET /api/v1/contacts?region=Beijing&owner_id=<rep.north>", f"/api/v1/contacts?region=Beijing&owner_id={rep.pk}", who)
        page("list", "GET /timeline/ (every interaction, newest first)", "/timeline/", who)
        page("360", "GET /contacts/<Mr Zhang>/", f"/contacts/{zhang.pk}/", who)
        page("360", "GET /accounts/<his company>/", f"/accounts/{zhang.account_id}/", who)
        for selector, kwargs in (("contact_360", {"contact_id": zhang.pk}), ("account_360", {"account_id": zhang.account_id})):
            add("360", f"selector {selector}", who, lambda s=selector, k=kwargs, u=users[who]: getattr(selectors, s)(user=u, **k))
    if group is not None:
        page("360", "GET /accounts/<corporate group, 20 subsidiaries>/", f"/accounts/{group.pk}/", "admin")
    return cases


def _print_table(result: dict[str, Any]) -> None:
    print(f"\n{result['database']} — {result['contacts']:,} contacts, {result['repeat']} requests per case")
    print(f"{'case':<58} {'as':<10} {'median':>8} {'p99':>8} {'target':>7} {'q':>3}  ok")
    for case in result["cases"]:
        target = TARGETS_MS[case["kind"]]
        ok = "yes" if case["p99_ms"] < target else "NO"
        print(
            f"{case['name']:<58} {case['as']:<10} {case['median_ms']:>8.2f} {case['p99_ms']:>8.2f} {target:>7.0f} {case['queries']:>3}  {ok}"
        )
    print(f"median of medians: {statistics.median(c['median_ms'] for c in result['cases']):.2f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
