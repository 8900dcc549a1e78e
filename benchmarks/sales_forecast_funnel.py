"""Sales: forecast, funnel and cost analysis over 1,000,000 opportunities; the kanban board with 1,000 open deals.

    .venv/bin/python benchmarks/sales_forecast_funnel.py                         # both databases, 1,000,000 opportunities
    .venv/bin/python benchmarks/sales_forecast_funnel.py --opportunities 50000 --db sqlite --repeat 5
    .venv/bin/python benchmarks/sales_forecast_funnel.py --db postgresql --measure-only   # measure what is loaded

Each database runs in its own subprocess (settings are per process): SQLite in a
file under ``$TMPDIR/rapport-bench-sales/sqlite/``, PostgreSQL in the database
``rapport_bench_sales``. The load writes rows with ``bulk_create`` (the services
would audit and publish a million times; what is measured is the reads), then
ANALYZE. Every case is warmed up once, then timed ``--repeat`` times; the
median and the slowest call are reported, with the number of queries.
Results: ``benchmarks/results/sales_<db>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench_sales"
BOARD_DEALS = 1000
BATCH = 5000


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--measure-only", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="load and ANALYZE, measure later with --measure-only")
    parser.add_argument("--var-dir", default=str(Path(tempfile.gettempdir()) / "rapport-bench-sales"))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
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
        if subprocess.run(command, env=env, check=False).returncode != 0:
            return 1
        if args.load_only:
            continue
        _print_table(json.loads((RESULTS / f"sales_{db}.json").read_text()))
    return 0


def _prepare_database(db: str, var_dir: Path, fresh: bool) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        if fresh:
            for path in var_dir.glob("rapport.sqlite3*"):
                path.unlink()
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute("DROP DATABASE IF EXISTS rapport_bench_sales WITH (FORCE)")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'rapport_bench_sales'").fetchone():
            conn.execute("CREATE DATABASE rapport_bench_sales")


def _child(args: argparse.Namespace) -> int:
    db = args.child
    _prepare_database(db, Path(os.environ["RAPPORT_VAR_DIR"]), fresh=not args.measure_only)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)  # with --measure-only: tables added since the load
    if not args.measure_only:
        load(args.opportunities)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ensure_board()
    load_seconds = time.monotonic() - started
    if args.load_only:
        print(f"loaded in {load_seconds:.0f} s", file=sys.stderr)
        return 0
    from rapport.sales.models import Opportunity, SalesCost, StageChange

    result = {
        "goal": "sales: forecast and funnel over 1,000,000 opportunities; kanban render with 1,000 open deals",
        "database": db,
        "database_version": connection.Database.sqlite_version if db == "sqlite" else connection.cursor().connection.info.server_version,
        "rows": {m.__name__: m.objects.count() for m in (Opportunity, StageChange, SalesCost)},
        "load_seconds": round(load_seconds, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "cases": measure(args.repeat),
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (RESULTS / f"sales_{db}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


def load(n: int) -> None:
    """Reps in teams, accounts, ``n`` opportunities over three years with their stage changes and costs, and a board of 1,000."""
    from django.utils import timezone

    from rapport.core.models import ExchangeRate
    from rapport.core.services import team_get_or_create, user_create
    from rapport.customers.models import Account
    from rapport.sales.models import ForecastCategory, Opportunity, Pipeline, SalesCost, StageChange
    from rapport.sales.services import sales_setup

    rng = random.Random(20261123)
    sales_setup()
    ExchangeRate.objects.get_or_create(currency="USD", valid_from=dt.date(2020, 1, 1), defaults={"rate_to_base": Decimal("7.1")})
    region = team_get_or_create(slug="bench-sales", name="Sales")
    teams = [team_get_or_create(slug=f"bench-team-{i}", name=f"Team {i}", parent=region) for i in range(4)]
    user_create(username="bench.admin", password="bench-password", role="administrator")
    managers = [
        user_create(username=f"bench.manager{i}", password="bench-password", role="sales_manager", team=t) for i, t in enumerate(teams)
    ]
    reps = [
        user_create(username=f"bench.rep{i}", password="bench-password", role="sales_rep", team=teams[i % 4], manager=managers[i % 4])
        for i in range(40)
    ]
    accounts = Account.objects.bulk_create(
        [Account(name=f"Account {i}", owner=reps[i % 40], team=reps[i % 40].team) for i in range(max(100, n // 20))], batch_size=BATCH
    )
    account_ids = [a.pk for a in accounts]
    pipelines = list(Pipeline.objects.prefetch_related("stages"))
    weights = [8 if p.kind == "new_business" else 1 for p in pipelines]
    stages = {p.pk: sorted(p.stages.all(), key=lambda s: s.position) for p in pipelines}
    categories = [ForecastCategory.PIPELINE] * 5 + [ForecastCategory.BEST_CASE] * 2 + [ForecastCategory.COMMIT, ForecastCategory.OMITTED]
    sources = ["trade show", "web", "referral", "partner", "cold call", ""]
    now = timezone.now()
    first_day = dt.date(2025, 1, 1)
    for start in range(0, n, BATCH):
        rows, changes = [], []
        for _ in range(min(BATCH, n - start)):
            pipeline = rng.choices(pipelines, weights)[0]
            stage = rng.choice(stages[pipeline.pk])
            rep = rng.choice(reps)
            created = now - dt.timedelta(days=rng.randint(0, 1000), seconds=rng.randint(0, 86400))
            status = "won" if stage.is_won else "lost" if stage.is_lost else "open"
            rows.append(
                Opportunity(
                    name=f"Deal {start}",
                    account_id=rng.choice(account_ids),
                    amount=Decimal(rng.randint(1, 5000) * 100),
                    currency="USD" if rng.random() < 0.1 else "CNY",
                    expected_close_date=first_day + dt.timedelta(days=rng.randint(0, 3 * 365)),
                    pipeline=pipeline,
                    stage=stage,
                    status=status,
                    furthest_position=stage.position if not stage.is_lost else rng.randint(1, len(stages[pipeline.pk]) - 2),
                    stage_entered_at=created + dt.timedelta(days=rng.randint(1, 60)),
                    forecast_category="closed" if status == "won" else "omitted" if status == "lost" else rng.choice(categories),
                    closed_at=None if status == "open" else now,
                    owner=rep,
                    team_id=rep.team_id,
                    source=rng.choice(sources),
                    lost_reason="Price" if status == "lost" else "",
                )
            )
        created_rows = Opportunity.objects.bulk_create(rows, batch_size=BATCH)
        for opp in created_rows:
            first = stages[opp.pipeline_id][0]
            changes.append(StageChange(opportunity=opp, to_stage=first, at=opp.stage_entered_at, amount=opp.amount, currency=opp.currency))
            if opp.stage_id != first.pk:
                seconds = rng.randint(3600, 60 * 86400)
                changes.append(
                    StageChange(
                        opportunity=opp,
                        from_stage=first,
                        to_stage_id=opp.stage_id,
                        at=opp.stage_entered_at,
                        seconds_in_previous=seconds,
                        amount=opp.amount,
                        currency=opp.currency,
                    )
                )
        StageChange.objects.bulk_create(changes, batch_size=BATCH)
        costs = [
            SalesCost(
                opportunity=o, kind="travel", amount=Decimal(rng.randint(1, 50) * 10), currency="CNY", incurred_on=o.expected_close_date
            )
            for o in created_rows
            if rng.random() < 0.1
        ]
        SalesCost.objects.bulk_create(costs, batch_size=BATCH)
        print(f"  {start + len(rows):,} opportunities", file=sys.stderr, flush=True)
    ensure_board()


def ensure_board() -> None:
    """A pipeline with exactly 1,000 open deals for the kanban cases (made here if a load was stopped before it)."""
    from rapport.core.models import User
    from rapport.customers.models import Account
    from rapport.sales.models import Opportunity, Pipeline, Stage

    if Pipeline.objects.filter(name="Bench board").exists():
        return
    rng = random.Random(7)
    reps = list(User.objects.filter(username__startswith="bench.rep").order_by("id"))
    account_ids = list(Account.objects.values_list("pk", flat=True)[:5000])
    board = Pipeline.objects.create(name="Bench board", kind="new_business")
    board_stages = Stage.objects.bulk_create(
        [Stage(pipeline=board, name=f"Step {i}", position=i, probability=10 * i) for i in range(1, 7)]
        + [
            Stage(pipeline=board, name="Won", position=7, probability=100, is_won=True),
            Stage(pipeline=board, name="Lost", position=8, probability=0, is_lost=True),
        ]
    )
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                name=f"Board deal {i}",
                account_id=rng.choice(account_ids),
                amount=Decimal(rng.randint(1, 5000) * 100),
                currency="USD" if i % 10 == 0 else "CNY",
                expected_close_date=dt.date(2026, 12, 1) + dt.timedelta(days=i % 90),
                pipeline=board,
                stage=board_stages[i % 6],
                furthest_position=i % 6 + 1,
                owner=reps[i % len(reps)],
                team_id=reps[i % len(reps)].team_id,
            )
            for i in range(BOARD_DEALS)
        ],
        batch_size=BATCH,
    )


def _timed(call: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection

    call()  # warm-up: caches, prepared plans
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: a page request resets the query log when it starts.
    with connection.execute_wrapper(count):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "queries": len(queries)}


def measure(repeat: int) -> list[dict[str, Any]]:
    from django.test import Client

    from rapport.core.models import User
    from rapport.sales import cost_analysis, forecast, funnel
    from rapport.sales.models import Opportunity, Pipeline

    admin = User.objects.get(username="bench.admin")
    manager = User.objects.get(username="bench.manager0")
    default = Pipeline.objects.get(is_default=True)
    board = Pipeline.objects.get(name="Bench board")
    year = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    three_years = (dt.date(2025, 1, 1), dt.date(2028, 1, 1))
    cases: list[dict[str, Any]] = []

    def add(name: str, who: str, call: Any) -> None:
        case = {"case": name, "as": who, **_timed(call, repeat)}
        print(
            f"  {name} as {who}: median {case['median_ms']} ms, max {case['max_ms']} ms, {case['queries']} queries",
            file=sys.stderr,
            flush=True,
        )
        cases.append(case)

    add("forecast by month and rep, one year", "admin", lambda: forecast.forecast(user=admin, start=year[0], end=year[1]))
    add("forecast by month and rep, one year", "manager", lambda: forecast.forecast(user=manager, start=year[0], end=year[1]))
    add(
        "forecast by quarter and team, three years",
        "admin",
        lambda: forecast.forecast(user=admin, start=three_years[0], end=three_years[1], period="quarter", group_by="team"),
    )
    add(
        "funnel, new business, three years",
        "admin",
        lambda: funnel.funnel(user=admin, pipeline=default, start=three_years[0], end=three_years[1]),
    )
    add("funnel, new business, one year", "manager", lambda: funnel.funnel(user=manager, pipeline=default, start=year[0], end=year[1]))
    add("cost analysis per rep, one year", "admin", lambda: cost_analysis.cost_analysis(user=admin, start=year[0], end=year[1]))
    add(
        "cost analysis per source, one year",
        "admin",
        lambda: cost_analysis.cost_analysis(user=admin, start=year[0], end=year[1], group_by="source"),
    )

    client = Client()
    client.force_login(admin)
    open_deals = Opportunity.objects.filter(pipeline=board, status="open").count()
    assert open_deals == BOARD_DEALS, open_deals

    def board_page() -> None:
        response = client.get(f"/sales/board/{board.pk}/")
        assert response.status_code == 200 and response.content.count(b'class="deal-card"') == BOARD_DEALS

    add(f"kanban page, {BOARD_DEALS} open deals", "admin", board_page)
    deal = Opportunity.objects.filter(pipeline=board).order_by("id").first()
    assert deal is not None
    steps = list(board.stages.filter(is_won=False, is_lost=False).order_by("position"))

    def move() -> None:
        current = Opportunity.objects.get(pk=deal.pk)
        target = steps[(steps.index(current.stage) + 1) % len(steps)]
        response = client.post(
            f"/sales/opportunities/{deal.pk}/move/", {"stage_id": target.pk, "version": current.version}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200

    add("kanban move (HTMX), column figures refreshed", "admin", move)

    def forecast_page() -> None:
        assert client.get("/sales/forecast/", {"start": "2026-01", "end": "2026-12"}).status_code == 200

    add("forecast page, one year by rep", "admin", forecast_page)
    return cases


def _print_table(result: dict[str, Any]) -> None:
    print(f"\n{result['database']} ({result['database_version']}), {result['rows']['Opportunity']:,} opportunities")
    for case in result["cases"]:
        print(
            f"  {case['case']:<50} {case['as']:<8} median {case['median_ms']:>9} ms  max {case['max_ms']:>9} ms  {case['queries']:>3} queries"
        )


if __name__ == "__main__":
    sys.exit(main())
