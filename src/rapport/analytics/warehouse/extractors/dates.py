"""Dates in the installation's time zone: a fact's day is the local day it happened on."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

# Every fact carries its local day and the date dimension's key (YYYYMMDD) beside its UTC timestamp.
DATE_FIELDS = (pa.field("day", pa.date32()), pa.field("date_key", pa.int32()))


def with_local_date(table: pa.Table, moment: str) -> pa.Table:
    local = pc.local_timestamp(table.column(moment).cast(pa.timestamp("us", tz=settings.TIME_ZONE)))
    return with_date_key(table.append_column("_local_day", local.cast(pa.date32())), "_local_day").drop_columns(["_local_day"])


def with_date_key(table: pa.Table, day: str) -> pa.Table:
    """For facts dated by a day (an order's date): the day under the common name, and its key."""
    days = table.column(day).cast(pa.date32())
    key = pc.add(pc.add(pc.multiply(pc.year(days), 10000), pc.multiply(pc.month(days), 100)), pc.day(days)).cast(pa.int32())
    return table.append_column(DATE_FIELDS[0], days).append_column(DATE_FIELDS[1], key)
