"""The timeline page: every interaction the user may see, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.customers import selectors
from rapport.customers.models import Channel, Direction
from rapport.web.htmx import wants_partial
from rapport.web.paging import ListPage, list_page


@login_required
def interaction_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    queryset = selectors.interactions_as_shown(selectors.interaction_list_for_user(user=user))
    channel, direction = request.GET.get("channel", ""), request.GET.get("direction", "")
    if channel in Channel.values:
        queryset = queryset.filter(channel=channel)
    if direction in Direction.values:
        queryset = queryset.filter(direction=direction)
    if request.GET.get("mine"):
        queryset = queryset.filter(user=user)
    errors: dict[str, list[str]] = {}
    try:
        page = list_page(queryset, sort="-occurred_at", after=request.GET.get("cursor"), before=request.GET.get("before"))
    except ValidationFailed as exc:
        errors = exc.field_errors
        page = ListPage(items=[], next_cursor=None, previous_cursor=None, is_first=True)
    context = {
        "page": page,
        "channels": Channel.choices,
        "directions": Direction.choices,
        "filter_errors": errors,
        "nav_active": "interactions",
    }
    if wants_partial(request, "results"):
        return render(request, "web/timeline/_table.html", context)
    return render(request, "web/timeline/list.html", context)
