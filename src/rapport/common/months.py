"""Calendar months: the periods forecasts, funnels and quotas are counted in."""

from __future__ import annotations

import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before, when negative) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
