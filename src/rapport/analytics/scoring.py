"""Closing the loop: score every account from the warehouse and write the scores back to customers.

Each run computes RFM at the as-of date (today by default), ranks accounts by value into deciles
(10 = the top tenth, same tie rule as the RFM quintiles), marks the top decile as VIP and upserts the
lot into customer profiles through ``customers.profiles``. Value is the monetary total in the base
currency; when a CLV model writes ``clv`` the ranking can move to it without touching the pages.
Accounts that no longer have orders in the warehouse lose their old scores (``replace``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import ibis
from django.utils import timezone

from rapport.analytics.engine import Warehouse, open_warehouse
from rapport.analytics.rfm import rfm_scores
from rapport.customers.profiles import customer_profiles_write

VIP_DECILE = 10


def value_deciles(scores: ibis.Table, *, value: str = "monetary") -> ibis.Table:
    """Adds ``value_decile`` and ``is_vip`` (decile 10) to per-account scores.

    ``decile = 10 - floor(10 × better / n)``, where ``better`` counts the accounts of strictly higher
    value: decile 10 holds the accounts with fewer than a tenth of the base above them, so the best
    account is always a VIP, even in a base of five, and equal values share a decile.
    """
    better = ibis.rank().over(order_by=ibis.desc(scores[value]))
    decile = (10 - better * 10 // scores.count().over(ibis.window())).cast("int8")
    return scores.mutate(value_decile=decile).mutate(is_vip=decile == VIP_DECILE)


def profile_rows(warehouse: Warehouse, *, as_of: date) -> Iterator[dict[str, Any]]:
    expression = value_deciles(rfm_scores(warehouse.table("fact_order_line"), as_of=as_of))
    # One Arrow table (a few narrow columns per account) rather than streamed batches: ibis 12's batch
    # reader calls a method DuckDB 2 no longer has.
    for batch in expression.to_pyarrow().to_batches(max_chunksize=50_000):
        for row in batch.to_pylist():
            yield {
                "account_id": row["account_id"],
                "rfm_recency": row["r_score"],
                "rfm_frequency": row["f_score"],
                "rfm_monetary": row["m_score"],
                "rfm_segment": row["segment"],
                "monetary_value": Decimal(row["monetary"]).quantize(Decimal("0.01")),
                "value_decile": row["value_decile"],
                "is_vip": bool(row["is_vip"]),
            }


def customers_score(*, as_of: date | None = None, warehouse: Warehouse | None = None, scored_at: datetime | None = None) -> int:
    """Score every account with orders and write the profiles; returns how many were written."""
    warehouse = warehouse or open_warehouse()
    scored_at = scored_at or timezone.now()
    as_of = as_of or timezone.localdate(scored_at)
    return customer_profiles_write(rows=profile_rows(warehouse, as_of=as_of), scored_at=scored_at, via="analytics", replace=True)
