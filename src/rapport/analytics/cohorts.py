"""Cohort retention: of the accounts that first bought in a month, how many bought again N months later.

The cohort is the month of an account's first order (its acquisition month). Month 0 is that month,
so its retention is always 1; month N counts the cohort's accounts with at least one order in the N-th
calendar month after it. Orders are those in the order-line fact up to the as-of day.
"""

from __future__ import annotations

from datetime import date

import ibis


def month_index(day: ibis.DateValue) -> ibis.IntegerValue:
    """Months since year 0: consecutive calendar months differ by one, whatever the engine."""
    return day.year() * 12 + day.month() - 1


def cohort_retention(order_lines: ibis.Table, *, as_of: date) -> ibis.Table:
    """(cohort month, months since, cohort size, active accounts, retention), by cohort then months."""
    lines = order_lines.filter(order_lines.day <= as_of, order_lines.account_id.notnull())
    active = lines.select(account_id=lines.account_id, month=month_index(lines.day), month_start=lines.day.truncate("M")).distinct()
    first = active.group_by("account_id").agg(cohort=active.month.min(), cohort_month=active.month_start.min())
    joined = active.join(first, "account_id")
    counts = joined.group_by(["cohort", "cohort_month", (joined.month - joined.cohort).name("months_since")]).agg(customers=joined.count())
    sizes = first.group_by("cohort").agg(cohort_size=first.count())
    result = counts.join(sizes, "cohort")
    return result.select(
        "cohort_month",
        "months_since",
        "cohort_size",
        "customers",
        retention=(result.customers.cast("float64") / result.cohort_size).round(4),
    ).order_by(["cohort_month", "months_since"])


def retention_matrix(rows: list[dict[str, object]]) -> tuple[int, list[dict[str, object]]]:
    """Rows of ``cohort_retention`` as a matrix for the heatmap: (widest months_since + 1, one entry a cohort)."""
    width = max((int(str(r["months_since"])) for r in rows), default=-1) + 1
    cohorts: dict[object, dict[str, object]] = {}
    for row in rows:
        entry = cohorts.setdefault(
            row["cohort_month"], {"cohort_month": row["cohort_month"], "size": row["cohort_size"], "cells": [None] * width}
        )
        cells = entry["cells"]
        assert isinstance(cells, list)
        cells[int(str(row["months_since"]))] = row["retention"]
    return width, list(cohorts.values())
