"""The segmentation page: the clusters of the last fit, each with its readable profile and its accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from rapport.analytics.clustering import K_RANGE, segments_latest
from rapport.analytics.views import sees_aggregates
from rapport.core import selectors as core_selectors


@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    context: dict[str, Any] = {"nav_active": "analytics", "sees_aggregates": sees_aggregates(user), "k_range": K_RANGE}
    if context["sees_aggregates"]:
        fit = segments_latest()
        context["fit"] = fit
        if fit:
            context["chart"] = {
                "measure": str(_("Share of revenue (%)")),
                "kind": "bar",
                "categories": [f"{c['cluster']} · {c['name']}" for c in fit["clusters"]],
                "series": [{"name": str(_("Share of revenue (%)")), "data": [round(c["revenue_share"] * 100, 1) for c in fit["clusters"]]}],
            }
    return render(request, "analytics/clusters.html", context)
