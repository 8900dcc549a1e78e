"""Closing the loop: score every account from the warehouse and write the scores back to customers.

Each run computes RFM at the as-of date (today by default) and each account's predicted 12-month
lifetime value (BG/NBD + Gamma-Gamma fitted on the whole base, ``clv``), ranks accounts by value into
deciles (10 = the top tenth, same tie rule as the RFM quintiles), marks the top decile as VIP and
upserts the lot into customer profiles through ``customers.profiles``. Value is the predicted CLV
when the base is large enough for the models to be fitted (``MIN_CLV_CUSTOMERS``) and the fit
converged; otherwise the monetary total in the base currency, and ``clv`` stays empty.
Accounts that no longer have orders in the warehouse lose their old scores (``replace``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils import timezone

from rapport.analytics.clv import fit_summary, predict_summary
from rapport.analytics.engine import Warehouse, open_warehouse
from rapport.analytics.rfm import rfm_scores
from rapport.analytics.summary import summarise_transactions
from rapport.customers.profiles import customer_profiles_write

VIP_DECILE = 10
MIN_CLV_CUSTOMERS = 50
CLV_HORIZON_MONTHS = 12
CLV_MONTHLY_DISCOUNT = 0.01


def value_deciles(scores: ibis.Table, *, value: str = "monetary") -> ibis.Table:
    """Adds ``value_decile`` and ``is_vip`` (decile 10) to per-account scores.

    ``decile = 10 - floor(10 × better / n)``, where ``better`` counts the accounts of strictly higher
    value: decile 10 holds the accounts with fewer than a tenth of the base above them, so the best
    account is always a VIP, even in a base of five, and equal values share a decile.
    """
    better = ibis.rank().over(order_by=ibis.desc(scores[value]))
    decile = (10 - better * 10 // scores.count().over(ibis.window())).cast("int8")
    return scores.mutate(value_decile=decile).mutate(is_vip=decile == VIP_DECILE)


def predicted_clv(warehouse: Warehouse, *, as_of: date) -> pa.Table | None:
    """(account_id, clv): 12-month CLV per account from the order lines up to ``as_of``, or None.

    None when there are too few customers to fit the models or a fit did not converge: a value
    ranking on a model that failed would be worse than one on what the customers spent.
    """
    lines = warehouse.table("fact_order_line")
    lines = lines.filter(lines.day <= as_of, lines.account_id.notnull(), lines.amount_base.notnull())
    per_order = lines.group_by(["account_id", "order_id"]).agg(day=lines.day.max(), amount=lines.amount_base.sum().cast("float64"))
    orders = per_order.to_pyarrow()
    if len(pc.unique(orders.column("account_id"))) < MIN_CLV_CUSTOMERS:
        return None
    summary = summarise_transactions(
        customers=orders.column("account_id").to_numpy(),
        dates=orders.column("day").to_numpy(),
        amounts=orders.column("amount").to_numpy(),
        calibration_end=np.datetime64(as_of, "D"),
        time_unit="week",
    )
    purchases, spend = fit_summary(summary)
    if not (purchases.converged and spend.converged):
        return None
    predicted = predict_summary(
        summary, purchases=purchases.params, spend=spend.params, horizon_months=CLV_HORIZON_MONTHS, discount_rate=CLV_MONTHLY_DISCOUNT
    )
    clv = np.nan_to_num(predicted.clv, nan=0.0, posinf=0.0, neginf=0.0).clip(min=0.0)
    return pa.table({"account_id": pa.array(summary.customer, pa.int64()), "clv": pa.array(clv, pa.float64())})


def profile_rows(warehouse: Warehouse, *, as_of: date) -> Iterator[dict[str, Any]]:
    scores = rfm_scores(warehouse.table("fact_order_line"), as_of=as_of)
    clv = predicted_clv(warehouse, as_of=as_of)
    if clv is None:
        expression = value_deciles(scores.mutate(clv=ibis.null("float64")))
    else:
        table = ibis.memtable(clv)
        joined = scores.left_join(table, scores.account_id == table.account_id)
        scores = joined.select(*[scores[c] for c in scores.columns], clv=table.clv.coalesce(0.0))
        expression = value_deciles(scores, value="clv").order_by("account_id")
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
                "clv": None if row["clv"] is None else Decimal(repr(row["clv"])).quantize(Decimal("0.01")),
                "value_decile": row["value_decile"],
                "is_vip": bool(row["is_vip"]),
            }


def customers_score(*, as_of: date | None = None, warehouse: Warehouse | None = None, scored_at: datetime | None = None) -> int:
    """Score every account with orders and write the profiles; returns how many were written."""
    warehouse = warehouse or open_warehouse()
    scored_at = scored_at or timezone.now()
    as_of = as_of or timezone.localdate(scored_at)
    return customer_profiles_write(rows=profile_rows(warehouse, as_of=as_of), scored_at=scored_at, via="analytics", replace=True)
