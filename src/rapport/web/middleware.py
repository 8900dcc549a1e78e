"""Speak the signed-in user's language: the one saved on their profile."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

_LANGUAGES = {code for code, _ in settings.LANGUAGES}


class UserLanguageMiddleware:
    """After authentication: the profile's language wins over the browser's.

    ``LocaleMiddleware`` has already picked a language from the cookie or the
    browser, which is right for the login page; once someone is signed in, the
    language they chose (saved by the switcher) follows them to any device.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language in _LANGUAGES:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
