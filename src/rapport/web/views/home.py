"""My day: what the user did lately and the records they touched; and the domains still to come."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from rapport.core import selectors as core_selectors
from rapport.customers import selectors
from rapport.web.context_processors import NAVIGATION

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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    mine = selectors.interaction_list_for_user(user=user).filter(user=user)
    context = {
        "interactions": list(mine.order_by("-occurred_at", "-id")[:8]),
        "recent": [
            ("contact", list(selectors.contact_list_for_user(user=user).filter(owner=user).order_by("-updated_at", "-id")[:RECENT])),
            ("account", list(selectors.account_list_for_user(user=user).filter(owner=user).order_by("-updated_at", "-id")[:RECENT])),
            ("lead", list(selectors.lead_list_for_user(user=user).filter(owner=user).order_by("-updated_at", "-id")[:RECENT])),
        ],
        "nav_active": "home",
    }
    return render(request, "web/home.html", context)


@login_required
def coming_soon(request: HttpRequest, domain: str) -> HttpResponse:
    item = next((item for item in NAVIGATION if item.key == domain and item.url_name is None), None)
    if item is None:
        raise Http404(domain)
    return render(request, "web/coming_soon.html", {"item": item, "planned": PLANNED.get(domain, ""), "nav_active": domain})
