"""Reminders in the browser (the bell) and the user's calendar feed.

The bell polls ``reminders`` every 30 seconds; the feed is fetched by calendar
programs without a session, so its only key is the secret in its address.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rapport.core import selectors as core_selectors
from rapport.customers import activities
from rapport.customers.activity_selectors import calendar_feed_for, due_reminders_for, feed_activities
from rapport.customers.calendar import feed_ics
from rapport.web.views.activities import get_visible

SNOOZE_MINUTES = (10, 60)


def _bell(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return render(request, "web/activities/_bell.html", {"due": due_reminders_for(user=user), "snooze_minutes": SNOOZE_MINUTES})


@login_required
@never_cache
def reminders(request: HttpRequest) -> HttpResponse:
    return _bell(request)


@login_required
@require_POST
def reminder_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    activities.activity_reminder_dismiss(actor=user, activity=get_visible(user, pk))
    return _bell(request)


@login_required
@require_POST
def reminder_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    minutes = request.POST.get("minutes", "")
    activities.activity_reminder_snooze(
        actor=user, activity=get_visible(user, pk), minutes=int(minutes) if minutes.isdigit() else SNOOZE_MINUTES[0]
    )
    return _bell(request)


@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    """Issue, replace or stop the private feed link; a new link is shown once (only its hash is kept)."""
    user = core_selectors.actor_of(request)
    url = ""
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            activities.calendar_feed_revoke(user=user)
        else:
            secret = activities.calendar_feed_issue(user=user)
            url = request.build_absolute_uri(reverse("web:calendar_feed", args=[secret]))
    context = {"feed": calendar_feed_for(user=user), "url": url, "nav_active": ""}
    return render(request, "web/activities/my_calendar.html", context)


@never_cache
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The feed calendar programs subscribe to: a wrong or replaced secret is a 404, like any unknown page."""
    user = activities.calendar_feed_user(secret=secret)
    if user is None:
        raise Http404("calendar")
    name = gettext("Rapport: %(name)s") % {"name": user}
    response = HttpResponse(feed_ics(feed_activities(user=user), name=name), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    return response
