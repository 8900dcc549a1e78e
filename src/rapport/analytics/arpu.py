"""ARPU: average revenue per account, by month and by RFM segment.

ARPU for a month = the month's revenue (order lines' net amounts in the base currency) ÷ the accounts
acquired by the end of that month (first order on or before it), active that month or not. By segment,
both sides count only the segment's accounts, as scored by RFM at the as-of date.
"""

from __future__ import annotations

from datetime import date

import ibis

from rapport.analytics.cohorts import month_index
from rapport.analytics.rfm import purchases

ALL = "all"


def arpu_by_month(order_lines: ibis.Table, *, as_of: date, segments: ibis.Table | None = None) -> ibis.Table:
    """(month, segment, revenue, customers, arpu); ``segments`` maps account_id to segment ("all" without it)."""
    orders = purchases(order_lines, as_of=as_of)
    orders = orders.mutate(month=month_index(orders.day), month_start=orders.day.truncate("M"))
    if segments is None:
        orders = orders.mutate(segment=ibis.literal(ALL))
    else:
        orders = orders.join(segments.select("account_id", "segment"), "account_id")
    revenue = orders.group_by(["month", "month_start", "segment"]).agg(revenue=orders.amount.sum())
    first = orders.group_by(["account_id", "segment"]).agg(first_month=orders.month.min())
    acquired = first.group_by(["first_month", "segment"]).agg(acquired=first.count())
    joined = revenue.join(acquired, [revenue.segment == acquired.segment, acquired.first_month <= revenue.month])
    per = joined.group_by(["month_start", "segment"]).agg(revenue=joined.revenue.max(), customers=joined.acquired.sum())
    return per.select(
        month=per.month_start,
        segment=per.segment,
        revenue=per.revenue,
        customers=per.customers,
        arpu=(per.revenue.cast("float64") / per.customers).round(2),
    ).order_by(["month", "segment"])
