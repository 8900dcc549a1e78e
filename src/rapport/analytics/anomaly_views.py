"""The fraud-review pages: the queue of anomaly flags and one flag with its evidence and the review form.

Both read through ``anomaly_queue`` (the same selectors as the API) and write through
``anomaly_review.anomaly_flag_review``. Someone outside fraud review gets the queue page with a plain
sentence saying whom it is for, and 404 for a flag, as for any record not theirs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rapport.analytics.anomaly_present import anomaly_explain
from rapport.analytics.anomaly_queue import (
    REVIEWED,
    AnomalyFilter,
    anomaly_flag_get_for_user,
    anomaly_flag_page_for_user,
    can_read_fraud_queue,
    can_review_anomalies,
)
from rapport.analytics.anomaly_review import NOTE_MAX, OUTCOMES, anomaly_flag_review
from rapport.analytics.models import AnomalyFlag, AnomalyRule, AnomalySeverity, AnomalyStatus
from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.audit import audit_log_for
from rapport.core.models import User

FILTER_ERRORS = {  # gettext_noop: translated when shown
    "rule": gettext_noop("Choose rules from the list."),
    "severity": gettext_noop("Choose severities from the list."),
    "status": gettext_noop("Choose a status from the list."),
    "sort": gettext_noop("Choose an order from the list."),
    "detected_from": gettext_noop("Give a date as YYYY-MM-DD."),
    "detected_to": gettext_noop("Give a date as YYYY-MM-DD."),
    "cursor": gettext_noop("The cursor is not valid; start again from the first page."),
}


def _filter_error(exc: ValidationFailed) -> tuple[str, str]:
    field = next(iter(exc.field_errors), "")
    if field == "detected_to" and "before" in exc.message:
        return field, _("The end of the range comes before its start.")
    return field, _(FILTER_ERRORS.get(field, "Check the filter."))


def _status_choices() -> list[tuple[str, str]]:
    return [
        *((str(v), str(label)) for v, label in AnomalyStatus.choices),
        (REVIEWED, _("Reviewed (any outcome)")),
        ("all", _("Any status")),
    ]


def _queue_query(filters: AnomalyFilter) -> str:
    """The queue's filter as a query string, without what the queue assumes (open flags, newest first): the flag page
    carries it so its link back opens the queue as the user left it."""
    pairs = [pair for pair in filters.as_query() if pair != ("sort", "newest")]
    if filters.statuses == (AnomalyStatus.OPEN,):
        pairs.remove(("status", AnomalyStatus.OPEN))
    return urlencode(pairs)


def _back_query(request: HttpRequest) -> str:
    """The queue filter a flag page was opened with, rebuilt from the parsed values (never echoed as sent); none if it does not parse."""
    try:
        return _queue_query(AnomalyFilter.from_params(request.GET, default_statuses=(AnomalyStatus.OPEN,)))
    except ValidationFailed:
        return ""


@login_required
def anomaly_queue(request: HttpRequest) -> HttpResponse:
    """Flags newest (or most severe) first, filtered by rule, severity, status and detection date; HTMX gets the table only."""
    user = core_selectors.actor_of(request)
    error: tuple[str, str] | None = None
    filters, page = AnomalyFilter(statuses=(AnomalyStatus.OPEN,)), None
    if can_read_fraud_queue(user):
        try:
            filters = AnomalyFilter.from_params(request.GET, default_statuses=(AnomalyStatus.OPEN,))
            page = anomaly_flag_page_for_user(user=user, filters=filters, cursor=request.GET.get("cursor") or None)
        except ValidationFailed as exc:
            error = _filter_error(exc)
    context: dict[str, Any] = {
        "nav_active": "fraud",
        "allowed": can_read_fraud_queue(user),
        "may_review": can_review_anomalies(user),
        "filters": filters,
        "page": page,
        "error_field": error[0] if error else "",
        "error": error[1] if error else "",
        "queue_query": _queue_query(filters),
        "next_query": urlencode([*filters.as_query(), ("cursor", page.next_cursor)]) if page and page.next_cursor else "",
        "rules": [(str(v), str(label)) for v, label in AnomalyRule.choices],
        "severities": [(str(v), str(label)) for v, label in AnomalySeverity.choices],
        "statuses": _status_choices(),
        "status_value": filters.statuses[0] if len(filters.statuses) == 1 else "all",
    }
    if request.htmx and request.htmx.target == "anomaly-results":  # type: ignore[attr-defined]
        # HTMX swaps only 2xx answers: the table with the error in words comes back as 200; a plain GET gets 422.
        return render(request, "analytics/partials/anomaly_table.html", context)
    return render(request, "analytics/anomalies.html", context, status=422 if error else 200)


def _flag_or_404(user: User, pk: int) -> AnomalyFlag:
    try:
        return anomaly_flag_get_for_user(user=user, flag_id=pk)
    except NotFound:
        raise Http404("No such anomaly flag.") from None


def _history(flag: AnomalyFlag) -> list[dict[str, Any]]:
    """The flag's reviews, newest first, from the audit log (one query)."""
    labels = dict(AnomalyStatus.choices)
    found = []
    for entry in audit_log_for(flag, limit=20):
        status = entry.changes.get("status")
        note = entry.changes.get("note")
        if not status and not note:
            continue
        before, after = status if status else (flag.status, flag.status)
        found.append(
            {
                "actor": entry.actor_name,
                "at": entry.at,
                "before": labels.get(before, "") if status else "",
                "after": labels.get(after, after),
                "note": note[1] if note else "",
            }
        )
    return found


def _detail(
    request: HttpRequest,
    user: User,
    flag: AnomalyFlag,
    *,
    posted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    currency = core_selectors.base_currency()
    context = {
        "nav_active": "fraud",
        "flag": flag,
        "explanation": anomaly_explain(flag, currency=currency),
        "base_currency": currency,
        "may_review": can_review_anomalies(user),
        "outcomes": [(str(o), str(o.label)) for o in OUTCOMES],
        "posted": posted or {"outcome": "" if flag.status == AnomalyStatus.OPEN else flag.status, "note": flag.note},
        "errors": errors or {},
        "conflict": conflict,
        "note_max": NOTE_MAX,
        "history": _history(flag),
        "queue_query": _back_query(request),
    }
    return render(request, "analytics/anomaly_detail.html", context, status=status)


def _field_message(field: str, message: str) -> str:
    if field == "outcome":
        return _("Choose an outcome: legitimate, fraud or needs follow-up.")
    if message.startswith("At most"):
        return _("The note is too long: at most %(limit)s characters.") % {"limit": NOTE_MAX}
    return _(message)


@login_required
def anomaly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One flag: what was found and why, the order, return and customer, and the review (POST reviews)."""
    user = core_selectors.actor_of(request)
    flag = _flag_or_404(user, pk)
    if request.method != "POST":
        return _detail(request, user, flag)
    posted = {"outcome": request.POST.get("outcome", ""), "note": request.POST.get("note", "")}
    version = request.POST.get("version", "")
    try:
        anomaly_flag_review(
            actor=user,
            flag=flag,
            outcome=posted["outcome"],
            note=posted["note"],
            expected_version=int(version) if version.isdigit() else None,
            via="web",
        )
    except StaleVersion:
        fresh = _flag_or_404(user, pk)
        reviewer = fresh.reviewed_by.get_full_name() or fresh.reviewed_by.get_username() if fresh.reviewed_by else ""
        conflict = _(
            "Someone else changed this flag while you were reviewing it. Outcome now: %(status)s%(by)s. "
            "Your choice and note are kept below; check the flag as it is now and send them again."
        ) % {"status": fresh.get_status_display(), "by": _(" (set by %(name)s)") % {"name": reviewer} if reviewer else ""}
        return _detail(request, user, fresh, posted=posted, conflict=conflict, status=409)
    except PermissionDenied:
        return _detail(request, user, flag, posted=posted, conflict=_("Your role may read flags but not review them."), status=403)
    except ValidationFailed as exc:
        errors = {field: _field_message(field, found[0]) for field, found in exc.field_errors.items()}
        return _detail(request, user, flag, posted=posted, errors=errors, status=422)
    messages.success(request, _("Review saved. Outcome: %(status)s.") % {"status": flag.get_status_display()})
    back = _back_query(request)
    return redirect(reverse("analytics:anomaly_detail", args=[flag.pk]) + (f"?{back}" if back else ""))
