"""The churn page (the model explained, its report, the customers at risk, care calls) and the cross-sell card.

Model figures over the whole base are for the roles that see aggregates; the list of customers at
risk goes through the customers' visibility selectors, so everyone sees only the accounts they may see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.analytics.churn.care import care_segment, care_tasks_create, may_plan_care
from rapport.analytics.crosssell import cross_sell_for_account
from rapport.analytics.engine import WarehouseMissing
from rapport.analytics.models import ChurnModelRun
from rapport.analytics.views import account_or_404, sees_aggregates
from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import Role, User
from rapport.customers import selectors as customer_selectors
from rapport.customers.models import Channel, ChurnBand

AT_RISK_ROWS = 25

# The churn model's modules (pandas, scikit-learn, Ibis: seconds to import) are imported by the views that
# use them, not when the URL conf is loaded: every other page is served without them.


def may_fit_churn(user: User) -> bool:
    return user.is_administrator or user.role == Role.ANALYST


def feature_labels() -> dict[str, str]:
    """The model's columns in the users' words (translated)."""
    from rapport.analytics.churn.features import CHANNELS, FEATURES

    labels = {
        "recency_days": _("Days since the last order"),
        "tenure_days": _("Days since the first order"),
        "frequency": _("Orders"),
        "monetary": _("Total spent"),
        "avg_order_value": _("Average order value"),
        "orders_last": _("Orders in the last window"),
        "orders_prev": _("Orders in the window before"),
        "spend_last": _("Spend in the last window"),
        "spend_prev": _("Spend in the window before"),
        "spend_trend": _("Trend of spend"),
        "interactions_inbound": _("Inbound contacts"),
        "returns": _("Returns"),
        "invoices_overdue": _("Invoices overdue"),
        "payment_delay_avg": _("Average payment delay (days)"),
        "payment_delay_max": _("Longest payment delay (days)"),
        "care_calls": _("Care calls received"),
        "cases": _("Cases opened"),
        "complaints": _("Complaints"),
        "csat_satisfied": _("Satisfied answers (4–5)"),
        "csat_dissatisfied": _("Dissatisfied answers (1–2)"),
    }
    for channel in Channel:
        if channel.value not in CHANNELS:
            continue
        labels[f"interactions_{channel.value}"] = _("Contacts by %(channel)s") % {"channel": str(channel.label).lower()}
    assert set(labels) == set(FEATURES)
    return labels


def _chart_data(run: ChurnModelRun) -> dict[str, Any]:
    names = feature_labels()
    importance = [row for row in run.importance if row["mean"] > 0][:12]
    return {
        "labels": {
            "lift": _("Lift"),
            "decile": _("Tenth of customers, riskiest first"),
            "predicted": _("Predicted churn"),
            "observed": _("Observed churn"),
            "perfect": _("Perfect calibration"),
            "importance": _("Drop in AUC when shuffled"),
        },
        "lift": {
            "deciles": [row["decile"] for row in run.metrics["lift"]],
            "values": [round(row["lift"], 2) for row in run.metrics["lift"]],
        },
        "calibration": [[round(row["predicted"], 3), round(row["observed"], 3), row["customers"]] for row in run.metrics["calibration"]],
        "importance": {
            "features": [names.get(row["feature"], row["feature"]) for row in importance],
            "values": [round(row["mean"], 4) for row in importance],
        },
    }


@login_required
def churn_page(request: HttpRequest) -> HttpResponse:
    from rapport.analytics.churn.model import BANDS
    from rapport.analytics.churn.runs import churn_run_latest

    user = core_selectors.actor_of(request)
    run = churn_run_latest()
    at_risk = (
        customer_selectors.account_list_for_user(user=user)
        .filter(profile__churn_band=ChurnBand.HIGH)
        .select_related("profile")
        .order_by("-profile__churn_risk", "name", "id")[:AT_RISK_ROWS]
    )
    context: dict[str, Any] = {
        "nav_active": "analytics",
        "run": run,
        "sees_aggregates": sees_aggregates(user),
        "at_risk": at_risk,
        "at_risk_limit": AT_RISK_ROWS,
        "may_fit": may_fit_churn(user),
        "may_plan_care": may_plan_care(user),
        "bands": [(name, round(floor * 100)) for name, floor in BANDS],
    }
    if context["may_plan_care"]:
        context["care_preview"] = care_segment().count()
    if run is not None and context["sees_aggregates"]:
        names = feature_labels()
        context["chart_data"] = _chart_data(run)
        context["importance"] = [{**row, "label": names.get(row["feature"], row["feature"])} for row in run.importance]
    return render(request, "analytics/churn.html", context)


@login_required
@require_POST
def churn_fit_now(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    if not may_fit_churn(user):
        return HttpResponse(_("Only administrators and analysts fit the churn model."), status=403)
    from rapport.analytics.churn.runs import churn_refresh

    try:
        run = churn_refresh(actor=user)
    except (WarehouseMissing, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Churn model fitted: %(n)d customers scored.") % {"n": run.scored})
    return redirect("analytics:churn")


@login_required
@require_POST
def care_tasks_start(request: HttpRequest) -> HttpResponse:
    from rapport.analytics.churn.runs import churn_run_latest

    user = core_selectors.actor_of(request)
    try:
        created = care_tasks_create(actor=user, run=churn_run_latest())
    except PermissionDenied as exc:
        return HttpResponse(exc.message, status=403)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d care calls created for the call centre.") % {"n": created})
    return redirect("analytics:churn")


@login_required
def account_cross_sell(request: HttpRequest, account_id: int) -> HttpResponse:
    """The cross-sell card on the account's 360 page (loaded by HTMX, like the profile card)."""
    account = account_or_404(request, account_id)
    return render(
        request, "analytics/partials/cross_sell.html", {"account": account, "cross_sell": cross_sell_for_account(account_id=account.pk)}
    )
