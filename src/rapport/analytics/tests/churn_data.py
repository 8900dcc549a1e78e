"""A synthetic warehouse with a known churn signal, written straight to Parquet.

Accounts buy as Poisson processes until they leave; in the 60 days before leaving they buy at half
their rate, phone in to complain and pay late. So a model should find the customers who are about to
leave from falling spend, inbound calls and payment delays (not only from recency) — and one that
reads anything after its cutoff would find them too easily.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

AS_OF = date(2025, 6, 30)
START = date(2023, 1, 1)
WARNING_DAYS = 60


def _days(rng: np.random.Generator, start: float, end: float, rate: float) -> list[float]:
    if end <= start:
        return []
    n = rng.poisson(rate * (end - start))
    return sorted(rng.uniform(start, end, n).tolist())


def synthetic_tables(n_accounts: int = 1000, seed: int = 7, account_ids: list[int] | None = None) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    ids = account_ids or list(range(1, n_accounts + 1))
    horizon = (AS_OF - START).days + 200  # accounts may leave after the as-of day
    lines: dict[str, list] = {"order_line_id": [], "order_id": [], "account_id": [], "day": [], "amount_base": []}
    talks: dict[str, list] = {"interaction_id": [], "account_id": [], "channel": [], "direction": [], "day": []}
    bills: dict[str, list] = {"invoice_id": [], "account_id": [], "issued_on": [], "due_on": [], "settled_on": []}
    for account in ids:
        born = rng.uniform(0, 400)
        rate = rng.uniform(1 / 40, 1 / 12)
        spend = rng.uniform(50, 500)
        leaves = born + rng.exponential(900)
        warned = leaves - WARNING_DAYS
        last = min(leaves, horizon)
        for day, late in [(d, False) for d in _days(rng, born, min(warned, last), rate)] + [
            (d, True) for d in _days(rng, max(born, warned), last, rate / 2)
        ]:
            on = START + timedelta(days=int(day))
            order = len(lines["order_id"]) + 1
            lines["order_line_id"].append(order)
            lines["order_id"].append(order)
            lines["account_id"].append(account)
            lines["day"].append(on)
            lines["amount_base"].append(Decimal(f"{spend * rng.uniform(0.5, 1.5):.2f}"))
            due = on + timedelta(days=30)
            delay = int(rng.uniform(10, 60)) if late else int(rng.uniform(-10, 3))
            bills["invoice_id"].append(order)
            bills["account_id"].append(account)
            bills["issued_on"].append(on)
            bills["due_on"].append(due)
            bills["settled_on"].append(due + timedelta(days=delay))
        for channel, direction, start, end, every in (
            ("email", "outbound", born, last, 60),
            ("phone", "inbound", max(born, warned), last, 15),
        ):
            for day in _days(rng, start, end, 1 / every):
                talks["interaction_id"].append(len(talks["interaction_id"]) + 1)
                talks["account_id"].append(account)
                talks["channel"].append(channel)
                talks["direction"].append(direction)
                talks["day"].append(START + timedelta(days=int(day)))
    return {
        "fact_order_line": pa.table(lines, schema=pa.schema([
            ("order_line_id", pa.int64()), ("order_id", pa.int64()), ("account_id", pa.int64()), ("day", pa.date32()),
            ("amount_base", pa.decimal128(18, 2)),
        ])),
        "fact_interaction": pa.table(talks, schema=pa.schema([
            ("interaction_id", pa.int64()), ("account_id", pa.int64()), ("channel", pa.string()), ("direction", pa.string()),
            ("day", pa.date32()),
        ])),
        "fact_invoice": pa.table(bills, schema=pa.schema([
            ("invoice_id", pa.int64()), ("account_id", pa.int64()), ("issued_on", pa.date32()), ("due_on", pa.date32()),
            ("settled_on", pa.date32()),
        ])),
    }  # fmt: skip


def write_tables(root: Path, tables: dict[str, pa.Table], version: str = "v000001") -> Path:
    """The tables as a warehouse version, as a build leaves it (manifest, CURRENT); returns the root."""
    manifest: dict = {"format": 1, "version": version, "built_at": "2025-07-01T00:00:00+00:00", "full": True, "tables": {}}
    for name, table in tables.items():
        (root / version / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, root / version / name / "part-00000.parquet")
        manifest["tables"][name] = {"key": table.column_names[0], "parts": ["part-00000.parquet"], "rows": table.num_rows}
    (root / version / "manifest.json").write_text(json.dumps(manifest))
    (root / "CURRENT").write_text(f"{version}\n")
    return root
