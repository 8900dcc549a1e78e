"""The dashboards by name, in the order the pages' tabs show them: one door for the page and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.analytics.dashboards import Dashboard, Period
from rapport.analytics.dashboards.marketing import marketing_dashboard
from rapport.analytics.dashboards.sales import sales_dashboard
from rapport.analytics.dashboards.service import service_dashboard
from rapport.core.models import User


def _customers_dashboard(*, user: User, period: Period) -> Dashboard:
    # Imported when drawn: the customers board reads the warehouse (Ibis, Arrow, the churn model's window),
    # which takes seconds to import and which no other page needs.
    from rapport.analytics.dashboards.customers import customers_dashboard

    return customers_dashboard(user=user, period=period)


BOARDS: dict[str, tuple[Promise, Callable[..., Dashboard]]] = {
    "sales": (_("Sales"), sales_dashboard),
    "customers": (_("Customers"), _customers_dashboard),
    "service": (_("Service"), service_dashboard),
    "marketing": (_("Marketing"), marketing_dashboard),
}


def dashboard_for_user(*, user: User, name: str, period: str | None = None, today: dt.date | None = None) -> Dashboard:
    """The named dashboard over the figures ``user`` adds up; a bad period is a ValidationFailed naming ``period``."""
    build = BOARDS[name][1]
    return build(user=user, period=Period.of(period, today=today or timezone.localdate()))
