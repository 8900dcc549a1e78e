"""What an HTMX request asks for (django-htmx's ``request.htmx``, typed)."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def wants_partial(request: HttpRequest, target: str) -> bool:
    """An HTMX request that will swap ``#target``: send that fragment, not the page."""
    details = getattr(request, "htmx", None)
    return bool(details) and getattr(details, "target", None) == target
