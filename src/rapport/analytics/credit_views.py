"""Credit behaviour pages: the card on the account's 360 page and the accounts listed by grade.

Both read the profiles of the accounts the user may see (the customers' visibility rules); grade counts
are over those same accounts, so a rep sees their own book and an administrator the whole base.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.analytics.credit import DELAY_HORIZON_DAYS, GRADE_FLOORS, HISTORY_FULL_DAYS, WEIGHTS, credit_breakdown
from rapport.analytics.credit_list import GRADES, CreditFilter, credit_grade_counts, credit_page_for_user
from rapport.analytics.views import account_or_404
from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.customers.models import CreditGrade
from rapport.customers.profiles import customer_profile_for_account


def grade_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in CreditGrade.choices}


@login_required
def account_credit(request: HttpRequest, account_id: int) -> HttpResponse:
    """The credit card on the account's 360 page (loaded by HTMX, like the profile card)."""
    account = account_or_404(request, account_id)
    profile = customer_profile_for_account(account_id=account.pk)
    measured = profile is not None and profile.credit_scored_on is not None
    context = {
        "account": account,
        "profile": profile if measured else None,
        "breakdown": credit_breakdown(profile) if measured else None,
        "late_count": round((profile.late_share or 0) * (profile.invoices_due or 0)) if measured and profile else 0,
        "weights": WEIGHTS,
        "base_currency": core_selectors.base_currency(),
    }
    return render(request, "analytics/partials/account_credit.html", context)


@login_required
def credit_accounts(request: HttpRequest) -> HttpResponse:
    """Accounts by credit grade, lowest score first, filtered by grade and overdue; HTMX gets the table only."""
    user = core_selectors.actor_of(request)
    error = None
    try:
        filters = CreditFilter.from_params(request.GET)
        page = credit_page_for_user(user=user, filters=filters, cursor=request.GET.get("cursor") or None)
    except ValidationFailed as exc:
        filters, page, error = CreditFilter(), None, exc
    context: dict[str, Any] = {
        "nav_active": "analytics",
        "filters": filters,
        "page": page,
        "error": error,
        "error_field": next(iter(error.field_errors), "") if error else "",
        "grades": [(g, grade_labels()[g]) for g in GRADES],
        "base_currency": core_selectors.base_currency(),
    }
    if request.htmx and request.htmx.target == "credit-results":  # type: ignore[attr-defined]
        return render(request, "analytics/partials/credit_table.html", context, status=422 if error else 200)
    context.update(
        counts=credit_grade_counts(user=user),
        floors=GRADE_FLOORS,
        lowest_floor=GRADE_FLOORS[-2][1],
        weights=WEIGHTS,
        delay_horizon=DELAY_HORIZON_DAYS,
        history_days=HISTORY_FULL_DAYS,
    )
    return render(request, "analytics/credit.html", context, status=422 if error else 200)
