"""RFM, cohort retention and ARPU over 10,000,000 synthetic order lines on DuckDB (through Ibis).

Writes a ``fact_order_line`` table straight to Parquet in the warehouse layout (parts of a million
rows, as a build writes them): 1,000,000 accounts with a skewed number of orders over three years,
2.5 lines an order on average. Then times each query end to end (plan, scan, aggregate, fetch the
result into Python), three runs each, and reports the median and the peak memory of the process.

    .venv/bin/python benchmarks/rfm_cohorts_10m.py                 # 10,000,000 lines
    .venv/bin/python benchmarks/rfm_cohorts_10m.py --lines 1000000 # quicker

Results: ``benchmarks/results/rfm_cohorts_10m.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
sys.path.insert(0, str(ROOT.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

FIRST_DAY = np.datetime64("2023-01-01")
DAYS = 3 * 365
AS_OF = date(2025, 12, 31)
PART_ROWS = 1_000_000


def generate(directory: Path, lines: int, accounts: int, seed: int = 7) -> dict[str, Any]:
    """Order lines in order-id order, written part by part so memory stays bounded."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    orders = int(lines / 2.5)
    # Skewed buyers: a few accounts place many orders (Zipf-like), most a handful.
    weights = 1.0 / np.arange(1, accounts + 1) ** 0.8
    order_account = rng.choice(np.arange(1, accounts + 1), size=orders, p=weights / weights.sum())
    order_day = FIRST_DAY + rng.integers(0, DAYS, size=orders).astype("timedelta64[D]")
    lines_per_order = np.maximum(1, rng.poisson(1.5, size=orders) + 1)
    lines_per_order[-1] += max(0, lines - int(lines_per_order.sum()))
    line_order = np.repeat(np.arange(orders), lines_per_order)[:lines]
    cents = pa.array(rng.integers(500, 200_000, size=lines)).cast(pa.decimal128(19, 0))
    amounts = pc.multiply(cents, pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))).cast(pa.decimal128(18, 2))
    written = 0
    for part, start in enumerate(range(0, lines, PART_ROWS)):
        stop = min(lines, start + PART_ROWS)
        chunk = line_order[start:stop]
        table = pa.table(
            {
                "order_line_id": pa.array(np.arange(start + 1, stop + 1)),
                "order_id": pa.array(chunk + 1),
                "account_id": pa.array(order_account[chunk]),
                "day": pa.array(order_day[chunk], pa.date32()),
                "amount_base": amounts.slice(start, stop - start),
            }
        )
        pq.write_table(table, directory / f"full-{part:05d}.parquet", compression="zstd", row_group_size=128 * 1024)
        written += table.num_rows
    return {"lines": written, "orders": orders, "accounts": accounts, "bytes": sum(p.stat().st_size for p in directory.glob("*.parquet"))}


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "rapport-bench-rfm"))
    args = parser.parse_args(argv)

    import django

    django.setup()
    import ibis

    from rapport.analytics.arpu import arpu_by_month
    from rapport.analytics.cohorts import cohort_retention
    from rapport.analytics.rfm import rfm_scores, segment_summary
    from rapport.analytics.scoring import value_deciles

    directory = Path(args.dir) / "fact_order_line"
    started = time.perf_counter()
    data = generate(directory, args.lines, args.accounts)
    generated = time.perf_counter() - started
    print(f"generated {data['lines']:,} lines in {generated:.1f}s ({data['bytes'] / 1e6:.0f} MB of Parquet)", flush=True)

    con = ibis.duckdb.connect()
    table = con.read_parquet(str(directory / "*.parquet"), table_name="fact_order_line")
    cases = {
        "rfm_scores_per_account": lambda: rfm_scores(table, as_of=AS_OF).to_pyarrow(),
        "rfm_segment_summary": lambda: segment_summary(rfm_scores(table, as_of=AS_OF)).to_pyarrow(),
        "value_deciles_and_vips": lambda: value_deciles(rfm_scores(table, as_of=AS_OF)).to_pyarrow(),
        "cohort_retention": lambda: cohort_retention(table, as_of=AS_OF).to_pyarrow(),
        "arpu_by_month": lambda: arpu_by_month(table, as_of=AS_OF).to_pyarrow(),
        "arpu_by_month_and_segment": lambda: arpu_by_month(table, as_of=AS_OF, segments=rfm_scores(table, as_of=AS_OF)).to_pyarrow(),
    }
    results: dict[str, Any] = {}
    for name, run in cases.items():
        times = []
        rows = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            rows = run().num_rows
            times.append(time.perf_counter() - t0)
        results[name] = {
            "median_s": round(statistics.median(times), 3),
            "runs_s": [round(t, 3) for t in times],
            "result_rows": rows,
            "lines_per_s": round(data["lines"] / statistics.median(times)),
        }
        print(f"{name:28s} {statistics.median(times):7.2f}s  ({rows:,} rows)", flush=True)
    document = {
        "benchmark": "rfm_cohorts_10m",
        "engine": f"ibis {ibis.__version__} on duckdb {con.version}",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "data": data,
        "generate_s": round(generated, 1),
        "as_of": AS_OF.isoformat(),
        "queries": results,
        "peak_memory_mb": _peak_mb(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rfm_cohorts_10m.json").write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
