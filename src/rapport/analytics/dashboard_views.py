"""The executive dashboards' pages: one per dashboard, tabs between them, a period to choose."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.analytics.dashboards import PERIODS
from rapport.analytics.dashboards.registry import BOARDS, dashboard_for_user
from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors


@login_required
def dashboard(request: HttpRequest, name: str) -> HttpResponse:
    user = core_selectors.actor_of(request)
    chosen = request.GET.get("period") or None
    error = None
    try:
        board = dashboard_for_user(user=user, name=name, period=chosen)
    except ValidationFailed as exc:
        error = exc.field_errors.get("period", [exc.message])[0]
        board = dashboard_for_user(user=user, name=name)
    context: dict[str, Any] = {
        "nav_active": "dashboards",
        "board": board,
        "boards": [(key, label) for key, (label, _build) in BOARDS.items()],
        "periods": list(PERIODS.items()),
        "period_error": error,
        "chart_data": {"currency": board.currency, "charts": board.as_json()["charts"]},
    }
    if getattr(request, "htmx", False) and request.htmx.target == "dashboard-body":  # type: ignore[attr-defined]
        # A new period swaps the tabs, tiles and charts in place; the page around them stays.
        return render(request, "analytics/partials/dashboard_body.html", context)
    return render(request, "analytics/dashboard.html", context)
