"""Warehouse build rate (rows extracted per second) from SQLite and from PostgreSQL.

Loads accounts, contacts, interactions, orders and order lines into a fresh database with bulk
inserts, then times a full build (every table), an incremental build with nothing changed, and an
incremental build after 1% of the orders changed (their lines re-extracted, the parts that held them
rewritten). The rate is the rows the build extracted divided by its wall time, Parquet writing included.

    .venv/bin/python benchmarks/warehouse_build.py                       # both databases, 500,000 order lines
    .venv/bin/python benchmarks/warehouse_build.py --lines 50000 --db sqlite

Each database runs in its own subprocess. Results: ``benchmarks/results/warehouse_build_<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench_warehouse"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=500_000, help="order lines to load (default 500,000)")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--var-dir", default=str(Path(tempfile.gettempdir()) / "rapport-bench-warehouse"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.child:
        return _child(args)
    RESULTS.mkdir(exist_ok=True)
    for db in args.db.split(","):
        var_dir = Path(args.var_dir) / db
        shutil.rmtree(var_dir, ignore_errors=True)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rapport.settings", "RAPPORT_VAR_DIR": str(var_dir)}
        if db == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute("DROP DATABASE IF EXISTS rapport_bench_warehouse")
                admin.execute("CREATE DATABASE rapport_bench_warehouse")
            env["DATABASE_URL"] = PG_URL
        else:
            env.pop("DATABASE_URL", None)
        code = subprocess.call([sys.executable, __file__, "--child", db, "--lines", str(args.lines)], env=env)
        if code:
            return code
    return 0


def _load(lines: int) -> dict[str, int]:
    """Bulk inserts, bypassing the services: the benchmark measures the build, not the load."""
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    import numpy as np

    from rapport.core.services import user_create
    from rapport.customers.models import Account, Contact, Interaction
    from rapport.sales.models import Order, OrderLine

    rng = np.random.default_rng(11)
    owner = user_create(username="bench", password="bench-password-1", role="sales_rep", team=None, manager=None)
    n_accounts, n_orders = max(100, lines // 25), max(100, lines * 2 // 5)
    Account.objects.bulk_create([Account(name=f"Account {i}", owner=owner, region="Shanghai") for i in range(n_accounts)], batch_size=5000)
    account_ids = list(Account.objects.values_list("pk", flat=True))
    Contact.objects.bulk_create(
        [Contact(full_name=f"Contact {i}", account_id=account_ids[i % n_accounts], owner=owner) for i in range(n_accounts * 2)],
        batch_size=5000,
    )
    start = datetime(2024, 1, 1, tzinfo=UTC)
    Interaction.objects.bulk_create(
        [
            Interaction(
                channel="phone", subject="Call", account_id=account_ids[i % n_accounts], occurred_at=start + timedelta(hours=int(i))
            )
            for i in range(n_accounts * 4)
        ],
        batch_size=5000,
    )
    days = rng.integers(0, 730, size=n_orders)
    buyers = rng.integers(0, n_accounts, size=n_orders)
    Order.objects.bulk_create(
        [
            Order(account_id=account_ids[int(b)], owner=owner, currency="CNY", ordered_on=date(2024, 1, 1) + timedelta(days=int(d)))
            for b, d in zip(buyers, days, strict=True)
        ],
        batch_size=5000,
    )
    order_ids = list(Order.objects.values_list("pk", flat=True))
    batch: list[OrderLine] = []
    for i in range(lines):
        amount = Decimal(int(rng.integers(100, 100_000))) / 100
        batch.append(
            OrderLine(
                order_id=order_ids[i % n_orders],
                position=i // n_orders + 1,
                description="x",
                quantity=1,
                unit_price=amount,
                line_total=amount,
            )
        )
        if len(batch) == 5000:
            OrderLine.objects.bulk_create(batch)
            batch = []
    OrderLine.objects.bulk_create(batch)
    return {"accounts": n_accounts, "contacts": n_accounts * 2, "interactions": n_accounts * 4, "orders": n_orders, "order_lines": lines}


def _timed_build(full: bool) -> dict[str, Any]:
    from rapport.analytics.warehouse import warehouse_build

    seen = {"rows": 0}

    def progress(step: str, done: int, total: int) -> None:
        seen["rows"] = done

    started = time.perf_counter()
    manifest = warehouse_build(full=full, progress=progress)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "rows_extracted": seen["rows"],
        "rows_per_s": round(seen["rows"] / seconds) if seconds else None,
        "version": manifest["version"],
    }


def _child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from rapport.analytics.warehouse import warehouse_root
    from rapport.customers.models import Account, Contact, Interaction
    from rapport.sales.models import Order, OrderLine

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    loaded = _load(args.lines)
    load_s = time.perf_counter() - t0
    print(f"[{args.child}] loaded {loaded} in {load_s:.0f}s", flush=True)
    # As after a day's work: the rows were written an hour ago, not within the build's overlap window.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    for model in (Account, Contact, Interaction, Order, OrderLine):
        model.objects.update(updated_at=an_hour_ago)
    # pyarrow imports pandas on first use; importing it here keeps a one-off cost out of the timings.
    import pandas  # noqa: F401

    full = _timed_build(full=True)
    print(f"[{args.child}] full build: {full}", flush=True)
    unchanged = _timed_build(full=False)
    print(f"[{args.child}] incremental, nothing changed: {unchanged}", flush=True)
    changed_orders = list(Order.objects.order_by("?").values_list("pk", flat=True)[: max(1, loaded["orders"] // 100)])
    Order.objects.filter(pk__in=changed_orders).update(updated_at=timezone.now())
    changed = _timed_build(full=False)
    print(f"[{args.child}] incremental, 1% of orders changed: {changed}", flush=True)
    document = {
        "benchmark": "warehouse_build",
        "database": connection.vendor,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "loaded": loaded,
        "load_s": round(load_s, 1),
        "full_build": full,
        "incremental_nothing_changed": unchanged,
        "incremental_1pct_orders_changed": changed,
        "warehouse_bytes": sum(p.stat().st_size for p in warehouse_root().rglob("*.parquet")),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (RESULTS / f"warehouse_build_{args.child}.json").write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
