"""Speak the signed-in user's language (the one saved on their profile); ask for the second factor."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from rapport.core.two_factor import NONE, VERIFY, session_owes

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


class SecondFactorMiddleware:
    """A password alone opens no page for someone enrolled in a second factor.

    Until the session is verified with a code, every page but the code form,
    logging out and the language switch redirects to the code form; staff who
    must enrol (``RAPPORT_REQUIRE_STAFF_TOTP``) are sent to enrol. The API
    checks the same in its session authentication (``rapport.api.auth``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/api/", "/static/")):
            return self.get_response(request)
        owes = session_owes(request)
        if owes == NONE:
            return self.get_response(request)
        target = reverse("web:login_verify" if owes == VERIFY else "web:two_factor")
        allowed = {target, reverse("web:logout"), reverse("web:set_language")}
        if request.path in allowed:
            return self.get_response(request)
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
