"""The segmentation page: the clusters of the last fit, each with its readable profile and its accounts;
analysts and administrators start a fit there, which the worker runs while the page shows its progress."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.analytics.kept_segments import K_RANGE, segments_latest
from rapport.analytics.segment_runs import can_fit_segments, segments_fit_request, segments_run_latest
from rapport.analytics.views import sees_aggregates
from rapport.common.errors import PermissionDenied
from rapport.core import selectors as core_selectors


@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    context: dict[str, Any] = {
        "nav_active": "analytics",
        "sees_aggregates": sees_aggregates(user),
        "k_range": K_RANGE,
        "may_fit": can_fit_segments(user),
        "run": segments_run_latest(),
    }
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


@login_required
@require_POST
def clusters_fit(request: HttpRequest) -> HttpResponse:
    try:
        segments_fit_request(actor=core_selectors.actor_of(request))
    except PermissionDenied as exc:
        return HttpResponse(exc.message, status=403)
    if request.htmx:  # type: ignore[attr-defined]
        return clusters_progress(request)
    return redirect("analytics:clusters")


@login_required
def clusters_progress(request: HttpRequest) -> HttpResponse:
    """The latest fit's progress; while it runs, the fragment asks for itself again every two seconds."""
    fresh = bool(request.htmx)  # type: ignore[attr-defined]
    return render(request, "analytics/partials/segment_progress.html", {"run": segments_run_latest(), "fresh": fresh})
