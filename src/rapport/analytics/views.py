"""The analytics pages: overview (warehouse, RFM segments, cohorts, ARPU), RFM explained, drill-down.

Aggregates over the whole base are for the roles that analyse it (``AGGREGATE_ROLES``); a drill-down
to named accounts always goes through the customers' visibility selectors, so everyone sees only the
accounts they may see.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.analytics.engine import WarehouseMissing, open_warehouse
from rapport.analytics.rfm import GRID_ROWS, SEGMENT_BY_KEY, SEGMENTS, rfm_scores, segment_summary
from rapport.analytics.warehouse import warehouse_status
from rapport.analytics.warehouse.runs import can_build_warehouse, warehouse_build_latest, warehouse_build_request
from rapport.common.errors import NotFound, PermissionDenied
from rapport.core import selectors as core_selectors
from rapport.core.models import Role, User
from rapport.customers import selectors as customer_selectors
from rapport.customers.profiles import customer_profile_for_account

AGGREGATE_ROLES = {Role.ADMINISTRATOR, Role.ANALYST, Role.SALES_MANAGER, Role.MARKETER}
COHORTS_SHOWN = 12
MONTHS_SHOWN = 24
DRILL_DOWN_ROWS = 100


def account_or_404(request: HttpRequest, account_id: int) -> Any:
    """The account for a card on its 360 page, through the user's visibility (not theirs: 404)."""
    try:
        return customer_selectors.account_get_for_user(user=core_selectors.actor_of(request), account_id=account_id)
    except NotFound:
        raise Http404("account") from None


def sees_aggregates(user: User) -> bool:
    return user.is_administrator or user.role in AGGREGATE_ROLES


def _insights(as_of: date) -> dict[str, Any] | None:
    """Segment sizes, cohorts and ARPU on the current warehouse, cached per version and day."""
    # Imported here: the models are Ibis expressions (seconds to import); the other analytics pages need none.
    from rapport.analytics.arpu import arpu_by_month
    from rapport.analytics.cohorts import cohort_retention, retention_matrix

    try:
        warehouse = open_warehouse()
    except WarehouseMissing:
        return None
    key = f"analytics:overview:{warehouse.version}:{as_of.isoformat()}"
    cached: dict[str, Any] | None = cache.get(key)
    if cached is not None:
        return cached
    if "fact_order_line" not in warehouse.manifest["tables"]:
        return None
    lines = warehouse.table("fact_order_line")
    scores = rfm_scores(lines, as_of=as_of)
    summary = {row["segment"]: row for row in warehouse.rows(segment_summary(scores))}
    segments: list[dict[str, Any]] = []
    for segment in SEGMENTS:
        row = summary.get(segment.key, {})
        segments.append({"segment": segment, "customers": int(row.get("customers") or 0), "revenue": row.get("revenue") or 0})
    cohorts = warehouse.rows(cohort_retention(lines, as_of=as_of))
    recent = sorted({r["cohort_month"] for r in cohorts})[-COHORTS_SHOWN:]
    width, matrix = retention_matrix([r for r in cohorts if r["cohort_month"] in recent])
    arpu = warehouse.rows(arpu_by_month(lines, as_of=as_of))[-MONTHS_SHOWN:]
    result = {
        "version": warehouse.version,
        "segments": segments,
        "customers": sum(s["customers"] for s in segments),
        "cohort_width": width,
        "cohorts": matrix,
        "arpu": arpu,
    }
    cache.set(key, result, 3600)
    return result


def _chart_data(insights: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON for the charts script (labels already translated)."""
    return {
        "labels": {
            "customers": str(_("Customers")),
            "revenue": str(_("Revenue")),
            "arpu": str(_("ARPU")),
            "months_since": str(_("Months since first order")),
        },
        "segments": {
            "labels": [str(s["segment"].label) for s in insights["segments"]],
            "customers": [s["customers"] for s in insights["segments"]],
            "revenue": [float(s["revenue"]) for s in insights["segments"]],
        },
        "arpu": {"months": [r["month"].strftime("%Y-%m") for r in insights["arpu"]], "values": [r["arpu"] for r in insights["arpu"]]},
        "cohorts": {
            "rows": [c["cohort_month"].strftime("%Y-%m") for c in insights["cohorts"]],
            "columns": list(range(insights["cohort_width"])),
            "cells": [
                [x, y, round(v * 100, 1)] for y, c in enumerate(insights["cohorts"]) for x, v in enumerate(c["cells"]) if v is not None
            ],
        },
    }


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    context: dict[str, Any] = {
        "nav_active": "analytics",
        "status": warehouse_status(),
        "build": warehouse_build_latest(),
        "may_build": can_build_warehouse(user),
        "sees_aggregates": sees_aggregates(user),
    }
    if context["sees_aggregates"]:
        insights = _insights(timezone.localdate())
        context["insights"] = insights
        context["chart_data"] = _chart_data(insights) if insights else None
    return render(request, "analytics/overview.html", context)


@login_required
def rfm_explained(request: HttpRequest) -> HttpResponse:
    grid = [(r, [SEGMENT_BY_KEY[key] for key in row]) for r, row in GRID_ROWS.items()]
    return render(request, "analytics/rfm_explained.html", {"nav_active": "analytics", "segments": SEGMENTS, "grid": grid})


@login_required
@require_POST
def build_start(request: HttpRequest) -> HttpResponse:
    try:
        warehouse_build_request(actor=core_selectors.actor_of(request), full=request.POST.get("full") == "1")
    except PermissionDenied as exc:
        return HttpResponse(exc.message, status=403)
    if request.htmx:  # type: ignore[attr-defined]
        return build_progress(request)
    return redirect("analytics:overview")


@login_required
def build_progress(request: HttpRequest) -> HttpResponse:
    """The latest build's progress; while it runs, the fragment asks for itself again every two seconds."""
    return render(request, "analytics/partials/build_progress.html", {"build": warehouse_build_latest(), "status": warehouse_status()})


@login_required
def segment_accounts(request: HttpRequest, segment: str) -> HttpResponse:
    """The accounts of one segment that the user may see (the customers' visibility rules)."""
    found = SEGMENT_BY_KEY.get(segment)
    if found is None:
        raise Http404(segment)
    user = core_selectors.actor_of(request)
    visible = customer_selectors.account_list_for_user(user=user).filter(profile__rfm_segment=segment)
    accounts = visible.select_related("profile", "owner").order_by("-profile__monetary_value", "name", "id")[:DRILL_DOWN_ROWS]
    return render(
        request,
        "analytics/segment_accounts.html",
        {"nav_active": "analytics", "segment": found, "accounts": accounts, "limit": DRILL_DOWN_ROWS},
    )


@login_required
def account_profile(request: HttpRequest, account_id: int) -> HttpResponse:
    """The profile card on the account's 360 page (loaded by HTMX so the page's own queries stay as they are)."""
    account = account_or_404(request, account_id)
    profile = customer_profile_for_account(account_id=account.pk)
    segment = SEGMENT_BY_KEY.get(profile.rfm_segment) if profile else None
    return render(request, "analytics/partials/account_profile.html", {"account": account, "profile": profile, "segment": segment})
