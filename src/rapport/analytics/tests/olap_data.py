"""A small star schema for the OLAP explorer, with its pivots worked out by hand.

    line  order  account (region)  product (category)    owner team channel  day         amount  refund
    1     100    1 (North)         10 Router (Hardware)  A     X    web      2024-02-10  100
    2     100    1 (North)         12 Install (Services) A     X    web      2024-02-10   50
    3     101    1 (North)         11 Switch (Hardware)  A     X    phone    2025-01-05  200
    4     200    2 (North)         10 Router             A     X    web      2024-05-20  300     60
    5     201    2 (North)         10 Router             A     X    web      2025-04-01  100
    6     300    3 (South)         12 Install            B     Y    phone    2025-02-14  400    100
    7     301    3 (South)         11 Switch             B     Y    phone    2025-08-30  150
    8     400    4 (no region)     12 Install            B     Y    (none)   2025-03-03   80

Revenue by year × region (customers in brackets):

            North      South     (none)   total
    2024    450 (2)                       450 (2)
    2025    300 (2)    550 (1)   80 (1)   930 (4)
    total   750 (2)    550 (1)   80 (1)  1380 (4)

Orders: 2024 2, 2025 5, total 7. Net of returns: 2024 390, 2025 830, total 1220. ARPU 2024 225,
2025 232.5, total 345. 2025 by quarter: Q1 680 (3 customers), Q2 100 (1), Q3 150 (1). By product:
Install 530, Router 500, Switch 350; with one row, "Others" is 850 from 3 customers (1, 2 and 3), not 4.
Mean CLV with accounts 1, 2, 3 at 1000, 500, 2000 (4 has none): 2024 750, 2025 1166.67.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

AS_OF = date(2025, 12, 31)
AMOUNT = pa.decimal128(18, 2)

# (line, order, account, product, owner, team, channel, day, amount)
LINES = [
    (1, 100, 1, 10, "A", "X", "web", date(2024, 2, 10), "100"),
    (2, 100, 1, 12, "A", "X", "web", date(2024, 2, 10), "50"),
    (3, 101, 1, 11, "A", "X", "phone", date(2025, 1, 5), "200"),
    (4, 200, 2, 10, "A", "X", "web", date(2024, 5, 20), "300"),
    (5, 201, 2, 10, "A", "X", "web", date(2025, 4, 1), "100"),
    (6, 300, 3, 12, "B", "Y", "phone", date(2025, 2, 14), "400"),
    (7, 301, 3, 11, "B", "Y", "phone", date(2025, 8, 30), "150"),
    (8, 400, 4, 12, "B", "Y", None, date(2025, 3, 3), "80"),
]
REGIONS = {1: ("North", "CN", "Shanghai"), 2: ("North", "CN", "Beijing"), 3: ("South", "CN", "Guangzhou"), 4: (None, None, None)}
PRODUCTS = {10: ("Router", "Hardware"), 11: ("Switch", "Hardware"), 12: ("Install", "Services")}
REFUNDS = {4: "60", 6: "100"}
CLV = {1: 1000.0, 2: 500.0, 3: 2000.0}


def write_olap_warehouse(
    root: Path, *, accounts: dict[int, int] | None = None, users: dict[str, int] | None = None, teams: dict[str, int] | None = None
) -> Path:
    """The example as a built warehouse; ``accounts``, ``users`` and ``teams`` map its ids to real ones."""
    accounts = accounts or {n: n for n in REGIONS}
    users = users or {"A": 1, "B": 2}
    teams = teams or {"X": 1, "Y": 2}
    version = root / "v000001"
    tables = {
        "fact_order_line": pa.table(
            {
                "order_line_id": [line[0] for line in LINES],
                "order_id": [line[1] for line in LINES],
                "account_id": [accounts[line[2]] for line in LINES],
                "product_id": [line[3] for line in LINES],
                "owner_id": [users[line[4]] for line in LINES],
                "team_id": [teams[line[5]] for line in LINES],
                "channel": [line[6] for line in LINES],
                "day": [line[7] for line in LINES],
                "amount_base": pa.array([Decimal(line[8]) for line in LINES], AMOUNT),
            }
        ),
        "dim_account": pa.table(
            {
                "account_id": [accounts[n] for n in REGIONS],
                "region": [r[0] for r in REGIONS.values()],
                "country": [r[1] for r in REGIONS.values()],
                "city": [r[2] for r in REGIONS.values()],
            }
        ),
        "dim_product": pa.table(
            {"product_id": list(PRODUCTS), "name": [p[0] for p in PRODUCTS.values()], "category": [p[1] for p in PRODUCTS.values()]}
        ),
        "fact_return": pa.table(
            {
                "return_id": list(range(1, len(REFUNDS) + 1)),
                "order_line_id": list(REFUNDS),
                "account_id": [accounts[LINES[line - 1][2]] for line in REFUNDS],
                "amount_base": pa.array([Decimal(v) for v in REFUNDS.values()], AMOUNT),
            }
        ),
    }
    manifest: dict[str, object] = {"format": 1, "version": "v000001", "built_at": "2026-01-01T00:00:00+00:00", "full": True, "tables": {}}
    for name, table in tables.items():
        (version / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, version / name / "part-00000.parquet")
        manifest["tables"][name] = {
            "key": table.column_names[0],
            "parts": ["part-00000.parquet"],
            "rows": table.num_rows,
            "watermark": None,
        }  # type: ignore[index]
    (version / "manifest.json").write_text(json.dumps(manifest))
    (root / "CURRENT").write_text("v000001\n")
    return root


def clv_table(accounts: dict[int, int] | None = None) -> pa.Table:
    accounts = accounts or {n: n for n in REGIONS}
    return pa.table({"account_id": pa.array([accounts[n] for n in CLV], pa.int64()), "clv": pa.array(list(CLV.values()), pa.float64())})
