"""Per-customer purchase summary (frequency, recency, T, monetary value) from raw transactions.

The definitions are those of the BG/NBD and Gamma-Gamma papers as the ``lifetimes`` library computes
them, so the two agree customer by customer: transactions are first grouped into periods (days or
weeks, weeks starting on Monday), several purchases in one period count as one purchase whose amount
is their sum, the first period is the customer's birth and not a repeat purchase, and anything after
the calibration end is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

TimeUnit = Literal["day", "week"]
TIME_UNITS: tuple[TimeUnit, ...] = ("day", "week")

# 1970-01-01 was a Thursday: shifting by three days makes weeks start on Monday, as pandas' "W" periods do.
_WEEK_SHIFT_DAYS = 3


@dataclass(frozen=True)
class CustomerSummary:
    """One row per customer, ordered by customer id; times are in ``time_unit`` periods."""

    customer: npt.NDArray[np.generic]
    frequency: npt.NDArray[np.float64]
    recency: npt.NDArray[np.float64]
    T: npt.NDArray[np.float64]
    monetary_value: npt.NDArray[np.float64]
    time_unit: TimeUnit

    def __len__(self) -> int:
        return len(self.customer)


def period_index(dates: npt.NDArray[np.datetime64], time_unit: TimeUnit) -> npt.NDArray[np.int64]:
    days = dates.astype("datetime64[D]").astype(np.int64)
    if time_unit == "day":
        return days
    return (days + _WEEK_SHIFT_DAYS) // 7


def factorize(values: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.generic]]:
    """Codes numbering the distinct values in sorted order, and the sorted distinct values."""
    array = np.asarray(values)
    if array.dtype.kind in "iub" and len(array):
        low, high = int(array.min()), int(array.max())
        if high - low <= 4 * len(array) + 1024:
            # Ids in a compact range (the usual case) are numbered by counting, without sorting.
            present = np.bincount(array - low, minlength=high - low + 1) > 0
            code_of = np.cumsum(present) - 1
            return code_of[array - low], (np.flatnonzero(present) + low).astype(array.dtype)
    if array.dtype != object:
        uniques, codes = np.unique(array, return_inverse=True)
        return codes.astype(np.int64, copy=False).ravel(), uniques
    # Sorting a million Python strings inside np.unique is slow; a dict numbers them in one pass.
    seen: dict[object, int] = {}
    first_seen = np.fromiter((seen.setdefault(v, len(seen)) for v in array.tolist()), dtype=np.int64, count=len(array))
    distinct = np.empty(len(seen), dtype=object)
    distinct[:] = list(seen)
    order = np.argsort(distinct.astype(str), kind="stable") if len(distinct) else np.zeros(0, dtype=np.int64)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[first_seen], distinct[order]


def summarise_transactions(
    *,
    customers: npt.ArrayLike,
    dates: npt.NDArray[np.datetime64],
    amounts: npt.ArrayLike | None = None,
    calibration_end: np.datetime64 | str,
    time_unit: TimeUnit = "week",
) -> CustomerSummary:
    """Summarise a transaction log for the BG/NBD and Gamma-Gamma models."""
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}")
    periods = period_index(np.asarray(dates), time_unit)
    end = int(period_index(np.asarray([calibration_end], dtype="datetime64[D]"), time_unit)[0])
    spend = np.zeros(len(periods)) if amounts is None else np.asarray(amounts, dtype=np.float64)
    if not (len(periods) == len(spend) == len(np.asarray(customers))):
        raise ValueError("customers, dates and amounts must have the same length")
    kept = periods <= end
    codes, ids = factorize(np.asarray(customers)[kept])
    periods, spend = periods[kept], spend[kept]
    if len(codes) == 0:
        empty = np.zeros(0)
        return CustomerSummary(ids[:0], empty, empty, empty, empty, time_unit)

    first_period = int(periods.min())
    span = end - first_period + 1
    # One sortable key per (customer, period): grouping by it merges purchases made in the same period.
    keys = codes * span + (periods - first_period)
    # A stable sort runs in linear time on logs that already come customer by customer or day by day.
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new_pair = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    pair_keys = sorted_keys[new_pair]
    pair_spend = np.bincount(np.cumsum(new_pair) - 1, weights=spend[order], minlength=len(pair_keys))
    pair_customer = pair_keys // span
    pair_period = pair_keys % span + first_period

    starts = np.flatnonzero(np.r_[True, pair_customer[1:] != pair_customer[:-1]])
    ends = np.r_[starts[1:], len(pair_keys)]
    purchases = ends - starts
    born = pair_period[starts]
    frequency = (purchases - 1).astype(np.float64)
    repeat_spend = np.add.reduceat(pair_spend, starts) - pair_spend[starts]
    monetary = np.divide(repeat_spend, frequency, out=np.zeros_like(repeat_spend), where=frequency > 0)
    return CustomerSummary(
        customer=ids[pair_customer[starts]],
        frequency=frequency,
        recency=(pair_period[ends - 1] - born).astype(np.float64),
        T=(end - born).astype(np.float64),
        monetary_value=monetary,
        time_unit=time_unit,
    )
