"""The opportunity list's filters: the API and the pages read the same ``?field=`` parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from rapport.common.errors import ValidationFailed
from rapport.common.months import add_months
from rapport.common.ninja import MAX_ID
from rapport.customers.filters import ListDefinition
from rapport.sales.models import ForecastCategory, Opportunity, OpportunityStatus

OPPORTUNITIES = ListDefinition(
    "opportunity",
    {
        "expected_close_date": "expected_close_date",
        "amount": "amount",
        "name": "name",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    "expected_close_date",
    {},
)

ID_FILTERS = ("owner_id", "team_id", "pipeline_id", "stage_id", "account_id", "partner_id")
FILTER_PARAMS = (*ID_FILTERS, "status", "forecast_category", "source", "close_month", "closes_after", "closes_before", "q")


def id_param(params: Mapping[str, Any], name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    # Beyond 64 bits the database driver fails (OverflowError, out of range) instead of finding nothing.
    if value is None or abs(value) > MAX_ID:
        raise ValidationFailed.for_field(name, f"'{raw}' is not an id.")
    return value


def month_range(text: str, *, field: str = "close_month") -> tuple[dt.date, dt.date]:
    """'2026-03' -> (1 March, 1 April): the half-open range of days in the month."""
    try:
        year, month = (int(part) for part in text.split("-"))
        start = dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationFailed.for_field(field, f"'{text}' is not a month (YYYY-MM).") from None
    return start, (start.replace(year=year + 1, month=1) if month == 12 else start.replace(month=month + 1))


def _as_date(params: Mapping[str, Any], name: str) -> dt.date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed.for_field(name, f"'{raw}' is not a date (YYYY-MM-DD).") from None


def apply_filters(queryset: QuerySet[Opportunity], params: Mapping[str, Any]) -> QuerySet[Opportunity]:
    """Narrow the opportunities by the request's filters; a bad value names its parameter."""
    for name in ID_FILTERS:
        if (ident := id_param(params, name)) is not None:
            queryset = queryset.filter(**{name: ident})
    for name, choices in (("status", OpportunityStatus.values), ("forecast_category", ForecastCategory.values)):
        if raw := params.get(name):
            if raw not in choices:
                raise ValidationFailed.for_field(name, f"Choose one of {', '.join(choices)}.")
            queryset = queryset.filter(**{name: raw})
    if source := (params.get("source") or "").strip():
        queryset = queryset.filter(source=source)
    if month := (params.get("close_month") or "").strip():
        start, end = month_range(month)
        queryset = queryset.filter(expected_close_date__gte=start, expected_close_date__lt=end)
    if (after := _as_date(params, "closes_after")) is not None:
        queryset = queryset.filter(expected_close_date__gte=after)
    if (before := _as_date(params, "closes_before")) is not None:
        queryset = queryset.filter(expected_close_date__lte=before)
    if q := (params.get("q") or "").strip():
        if len(q) > 200:
            raise ValidationFailed.for_field("q", "At most 200 characters.")
        queryset = queryset.filter(name__icontains=q)
    return queryset


def period_range(start: str | None, end: str | None, *, today: dt.date, looking: str = "ahead") -> tuple[dt.date, dt.date]:
    """First and last month (YYYY-MM, inclusive) as a half-open range of days.

    Defaults ``looking="ahead"`` (the forecast: deals closing from now on): this quarter's first month, and a year
    after the start. ``looking="back"`` (the funnel and costs: deals made so far): the twelve months up to and
    including this one, so that early in a quarter the funnel is not empty.
    """
    this_month = dt.date(today.year, today.month, 1)
    if looking == "back":
        default_first, default_after = add_months(this_month, -11), add_months(this_month, 1)
    else:
        default_first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        default_after = default_first.replace(year=default_first.year + 1)
    first = month_range(start, field="start")[0] if start else default_first
    if end:
        after = month_range(end, field="end")[1]
    else:
        after = default_after if not start else first.replace(year=first.year + 1)
    if after <= first:
        raise ValidationFailed.for_field("end", "The last month is before the first.")
    if (after - first).days > 3 * 366:
        raise ValidationFailed.for_field("end", "At most three years at a time.")
    return first, after
