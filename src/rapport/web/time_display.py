"""A moment on a page: a ``<time>`` element with the exact local time as its tooltip."""

from __future__ import annotations

from datetime import datetime

from django.utils.html import format_html
from django.utils.safestring import SafeString

# The same in both languages and unambiguous; formatting the language's DATETIME_FORMAT took 55 µs a
# value, a sixth of a list page's cells.
EXACT = "%Y-%m-%d %H:%M"


def time_element(local: datetime, shown: str) -> SafeString:
    """``shown`` (a date, "3 days ago") for a moment already in the user's zone."""
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), local.strftime(EXACT), shown)
