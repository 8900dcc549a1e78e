"""Signing in and out, and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from rapport.core.models import User
from rapport.core.services import user_set_language

_LANGUAGES = {code for code, _ in settings.LANGUAGES}


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's switch (cookie and redirect), and the choice kept on the user's profile."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if isinstance(user, User) and language in _LANGUAGES:
        user_set_language(user=user, language=language)
    return response
