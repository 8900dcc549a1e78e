"""My day: today's, overdue and coming work, a quick add, and the records the user touched lately."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers import activities, selectors
from rapport.customers.activity_selectors import my_day
from rapport.web.activity_forms import QuickAddForm
from rapport.web.htmx import is_htmx
from rapport.web.navigation import NAVIGATION
from rapport.web.views.activities import mark_changeable

RECENT = 6

# What each planned domain will hold, so a "coming soon" page still tells people something useful.
PLANNED = {
    "sales": _("Opportunities moving through your pipeline, quotes, orders, contracts, to-dos and the forecast."),
    "marketing": _("Segments, campaigns with budget and return, email and letters, events, web forms and call lists."),
    "service": _("Cases and complaints with service levels, a knowledge base, and the caller's record the moment the phone rings."),
    "loyalty": _("Loyalty programmes, tiers, points and rewards."),
    "analytics": _("Customer value, churn risk, segments, cohorts and dashboards built from your data."),
    "automation": _("Rules that turn scores and events into tasks, campaigns and reminders."),
    "data": _("Import, duplicate merging, privacy requests and backups. Each list can already be exported to CSV."),
}


def _day_context(user: User, form: QuickAddForm | None = None) -> dict[str, object]:
    day = my_day(user=user)
    mark_changeable(user, [*day.overdue, *day.today, *day.upcoming])
    return {"day": day, "quick_form": form or QuickAddForm(initial={"due_date": day.on})}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    mine = selectors.interaction_list_for_user(user=user).filter(user=user)
    context = {
        **_day_context(user),
        "interactions": list(selectors.interactions_as_shown(mine).order_by("-occurred_at", "-id")[:8]),
        "recent": [
            ("contact", list(selectors.contact_list_for_user(user=user).filter(owner=user).order_by("-updated_at", "-id")[:RECENT])),
            ("account", list(selectors.account_list_for_user(user=user).filter(owner=user).order_by("-updated_at", "-id")[:RECENT])),
            ("lead", list(selectors.lead_list_for_user(user=user).filter(owner=user).order_by("-updated_at", "-id")[:RECENT])),
        ],
        "nav_active": "home",
    }
    return render(request, "web/home.html", context)


@login_required
@require_POST
def quick_add(request: HttpRequest) -> HttpResponse:
    """My day's one-line add; over HTMX the day's lists come back with the new entry in place."""
    user = core_selectors.actor_of(request)
    form = QuickAddForm(request.POST)
    added = None
    if form.is_valid():
        due_at = form.due_at(user)
        try:
            added = activities.activity_create(
                actor=user,
                kind=form.cleaned_data["kind"],
                subject=form.cleaned_data["subject"],
                due_at=due_at,
                reminder_at=form.reminder_at(due_at),
                via="web",
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
    if is_htmx(request):
        context = _day_context(user, None if added else form)
        context["added_id"] = added.pk if added else None
        return render(request, "web/activities/_my_day.html", context)
    if added is None:
        return render(request, "web/home.html", {**_day_context(user, form), "nav_active": "home"}, status=422)
    messages.success(request, gettext("Activity “%(subject)s” added.") % {"subject": added.subject})
    return redirect("web:home")


@login_required
def coming_soon(request: HttpRequest, domain: str) -> HttpResponse:
    item = next((item for item in NAVIGATION if item.key == domain and item.url_name is None), None)
    if item is None:
        raise Http404(domain)
    return render(request, "web/coming_soon.html", {"item": item, "planned": PLANNED.get(domain, ""), "nav_active": domain})
