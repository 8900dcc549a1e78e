"""A small order-line fact, written straight to Parquet, with RFM, cohorts and ARPU worked out by hand.

As of 2025-06-30 (one line after that day, one line without a base amount):

    account  orders (day: amount)                                         recency  freq  monetary
    1        2025-05-01: 300, 2025-06-01: 200, 2025-06-25: 100 (+ null)   5        3     600
    2        2025-06-20: 50 (2025-07-02: 999 is after the as-of day)      10       1     50
    3        2025-01-10, -02-10, -03-10, -04-10: 1000 each                81       4     4000
    4        2024-07-01: 20                                               364      1     20
    5        2025-03-01: 30 + 50 (two lines), 2025-05-15: 120             46       2     200
    6        2025-03-20: 10                                               102      1     10
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

AS_OF = date(2025, 6, 30)

# (account, order, day, amount in base currency or None)
LINES = [
    (1, 101, date(2025, 5, 1), "300.00"),
    (1, 102, date(2025, 6, 1), "200.00"),
    (1, 103, date(2025, 6, 25), "100.00"),
    (1, 103, date(2025, 6, 25), None),
    (2, 201, date(2025, 6, 20), "50.00"),
    (2, 202, date(2025, 7, 2), "999.00"),
    (3, 301, date(2025, 1, 10), "1000.00"),
    (3, 302, date(2025, 2, 10), "1000.00"),
    (3, 303, date(2025, 3, 10), "1000.00"),
    (3, 304, date(2025, 4, 10), "1000.00"),
    (4, 401, date(2024, 7, 1), "20.00"),
    (5, 501, date(2025, 3, 1), "30.00"),
    (5, 501, date(2025, 3, 1), "50.00"),
    (5, 502, date(2025, 5, 15), "120.00"),
    (6, 601, date(2025, 3, 20), "10.00"),
]

# account: (recency, frequency, monetary, R, F, M, segment) — scores by 1 + floor(5 × rank / 6).
RFM = {
    1: (5, 3, Decimal("600.00"), 5, 4, 4, "champions"),
    2: (10, 1, Decimal("50.00"), 4, 1, 2, "promising"),
    3: (81, 4, Decimal("4000.00"), 2, 5, 5, "cant_lose"),
    4: (364, 1, Decimal("20.00"), 1, 1, 1, "lost"),
    5: (46, 2, Decimal("200.00"), 3, 3, 3, "need_attention"),
    6: (102, 1, Decimal("10.00"), 1, 1, 1, "lost"),
}

# (cohort month, months since, cohort size, active, retention)
COHORTS = [
    (date(2024, 7, 1), 0, 1, 1, 1.0),
    (date(2025, 1, 1), 0, 1, 1, 1.0),
    (date(2025, 1, 1), 1, 1, 1, 1.0),
    (date(2025, 1, 1), 2, 1, 1, 1.0),
    (date(2025, 1, 1), 3, 1, 1, 1.0),
    (date(2025, 3, 1), 0, 2, 2, 1.0),
    (date(2025, 3, 1), 2, 2, 1, 0.5),
    (date(2025, 5, 1), 0, 1, 1, 1.0),
    (date(2025, 5, 1), 1, 1, 1, 1.0),
    (date(2025, 6, 1), 0, 1, 1, 1.0),
]

# (month, revenue, accounts acquired by the month's end, ARPU)
ARPU = [
    (date(2024, 7, 1), Decimal("20.00"), 1, 20.0),
    (date(2025, 1, 1), Decimal("1000.00"), 2, 500.0),
    (date(2025, 2, 1), Decimal("1000.00"), 2, 500.0),
    (date(2025, 3, 1), Decimal("1090.00"), 4, 272.5),
    (date(2025, 4, 1), Decimal("1000.00"), 4, 250.0),
    (date(2025, 5, 1), Decimal("420.00"), 5, 84.0),
    (date(2025, 6, 1), Decimal("350.00"), 6, 58.33),
]

SCHEMA = pa.schema(
    [
        ("order_line_id", pa.int64()),
        ("order_id", pa.int64()),
        ("account_id", pa.int64()),
        ("day", pa.date32()),
        ("amount_base", pa.decimal128(18, 2)),
    ]
)


def write_order_lines(directory: Path, lines: list[tuple[int, int, date, str | None]] = LINES) -> Path:
    """The lines as one part of a ``fact_order_line`` table directory; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "order_line_id": list(range(1, len(lines) + 1)),
            "order_id": [line[1] for line in lines],
            "account_id": [line[0] for line in lines],
            "day": [line[2] for line in lines],
            "amount_base": [None if line[3] is None else Decimal(line[3]) for line in lines],
        },
        schema=SCHEMA,
    )
    pq.write_table(table, directory / "part-00000.parquet")
    return directory


def write_warehouse(root: Path, lines: list[tuple[int, int, date, str | None]] = LINES) -> Path:
    """A warehouse version holding only the order-line fact, as a build leaves it (manifest, CURRENT)."""
    import json

    write_order_lines(root / "v000001" / "fact_order_line", lines)
    manifest = {"format": 1, "version": "v000001", "built_at": "2025-07-01T00:00:00+00:00", "full": True, "tables": {}}
    manifest["tables"] = {
        "fact_order_line": {"key": "order_line_id", "parts": ["part-00000.parquet"], "rows": len(lines), "watermark": None}
    }
    (root / "v000001" / "manifest.json").write_text(json.dumps(manifest))
    (root / "CURRENT").write_text("v000001\n")
    return root
