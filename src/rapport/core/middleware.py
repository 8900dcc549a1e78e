"""Show times in the signed-in user's time zone and language."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def activate_user_zone(user: Any) -> None:
    """Dates and times in this request are the user's: "today" for a rep in Shanghai is Shanghai's day.

    The middleware does it for page sessions; an API token is only known once the
    API has authenticated it, so the API's bearer check calls this too.
    """
    tz_name = getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
    if tz_name:
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
            return
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    timezone.deactivate()


class UserTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_user_zone(getattr(request, "user", None))
        return self.get_response(request)
