"""Dimensions computed rather than extracted: dates (every day of the years the facts cover) and channels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.utils import translation

from rapport.analytics.warehouse.sources import derived
from rapport.customers.models import Channel


def _fact_days(build: Path) -> tuple[np.datetime64, np.datetime64] | None:
    low: np.datetime64 | None = None
    high: np.datetime64 | None = None
    for fact in sorted(build.glob("fact_*")):
        for part in sorted(fact.glob("*.parquet")):
            if "day" not in pq.read_schema(part).names:
                continue
            days = pq.read_table(part, columns=["day"]).column("day").drop_null().to_numpy()
            if len(days):
                low = days.min() if low is None else min(low, days.min())
                high = days.max() if high is None else max(high, days.max())
    return None if low is None or high is None else (low, high)


@derived("dim_date", key="date_key")
def dates(build: Path) -> pa.Table:
    """Whole calendar years from the first fact's to the last fact's, one row a day."""
    span = _fact_days(build)
    if span is None:
        days = np.empty(0, dtype="datetime64[D]")
    else:
        first = span[0].astype("datetime64[Y]").astype("datetime64[D]")
        last = (span[1].astype("datetime64[Y]") + 1).astype("datetime64[D]")
        days = np.arange(first, last, dtype="datetime64[D]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    weekday = (days.astype(np.int64) + 3) % 7 + 1  # 1970-01-01 was a Thursday; 1 is Monday
    return pa.table(
        {
            "date_key": pa.array(years * 10000 + months * 100 + day_of_month, pa.int32()),
            "day": pa.array(days, pa.date32()),
            "year": pa.array(years, pa.int16()),
            "quarter": pa.array((months - 1) // 3 + 1, pa.int8()),
            "month": pa.array(months, pa.int8()),
            "month_start": pa.array(days.astype("datetime64[M]").astype("datetime64[D]"), pa.date32()),
            "weekday": pa.array(weekday, pa.int8()),
            "is_weekend": pa.array(weekday >= 6),
        }
    )


@derived("dim_channel", key="channel")
def channels(build: Path) -> pa.Table:
    """The interaction channels, and whatever channels orders were taken through (free text in sales)."""
    with translation.override("en"):
        names = {str(code): str(label) for code, label in Channel.choices}
    for fact in sorted(build.glob("fact_*")):
        for part in sorted(fact.glob("*.parquet")):
            if "channel" in pq.read_schema(part).names:
                for code in pq.read_table(part, columns=["channel"]).column("channel").unique().drop_null().to_pylist():
                    names.setdefault(code, code.replace("_", " ").capitalize())
    codes = sorted(names)
    return pa.table({"channel": pa.array(codes, pa.string()), "name": pa.array([names[c] for c in codes], pa.string())})
