"""Security headers on every response, and login throttling.

The Content-Security-Policy allows scripts only from our own origin: the UI
has no inline scripts and no CDN, so an injected ``<script>`` or ``onclick``
does not run even if some text escaped escaping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # style attributes are set by htmx transitions and Swagger UI; no script can ride on them.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = _refuse_nul(request) or self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _refuse_nul(request: HttpRequest) -> HttpResponse | None:
    """A NUL character in a parameter is never data: PostgreSQL refuses it mid-query (a 500, or a
    streamed export cut short), so it is answered up front — 422 like any invalid API value, 400 on pages."""
    fields = [request.GET]
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.append(request.POST)
    bad = next((key for params in fields for key, values in params.lists() if "\x00" in key or any("\x00" in v for v in values)), None)
    if bad is None:
        return None
    name = bad.replace("\x00", "")
    if request.path.startswith("/api/"):
        detail = f"{name}: NUL characters are not allowed."
        body = {"type": "about:blank", "title": "Validation failed", "status": 422, "detail": detail, "errors": {name: [detail]}}
        return JsonResponse(body, status=422, content_type="application/problem+json")
    return HttpResponse("NUL characters are not allowed.", status=400, content_type="text/plain; charset=utf-8")


def _client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "unknown"
    # Behind a proxy, set RAPPORT_TRUSTED_PROXY_HEADER (e.g. HTTP_X_REAL_IP) to the header it fills in.
    header = getattr(settings, "RAPPORT_TRUSTED_PROXY_HEADER", "")
    return str((header and request.META.get(header)) or request.META.get("REMOTE_ADDR") or "unknown")


def _account_key(username: str) -> str:
    # Hashed: usernames may hold any character, cache keys may not.
    return "login-fail:user:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    return [
        (_account_key(username), settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT),
        ("login-fail:addr:" + hashlib.sha256(address.encode()).hexdigest(), settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS),
    ]


def login_locked_for(username: str, request: HttpRequest | None) -> int:
    """Seconds until another login attempt is allowed for this account or address; 0 when allowed."""
    for key, limit in _keys(username, _client_address(request)):
        if (cache.get(key) or 0) >= limit:
            return settings.RAPPORT_LOGIN_LOCKOUT_SECONDS
    return 0


def login_failed(username: str, request: HttpRequest | None) -> None:
    for key, _ in _keys(username, _client_address(request)):
        if cache.add(key, 1, timeout=settings.RAPPORT_LOGIN_LOCKOUT_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.RAPPORT_LOGIN_LOCKOUT_SECONDS)


def login_succeeded(username: str, request: HttpRequest | None) -> None:
    cache.delete(_account_key(username))


class LoginLockedOut(PermissionDenied):
    def __init__(self, retry_after: int):
        super().__init__("Too many failed sign-ins; try again later.")
        self.retry_after = retry_after


class ThrottledModelBackend(ModelBackend):
    """Django's backend behind a per-account and per-address failure limit.

    Unknown usernames count like known ones, and a locked-out attempt is refused
    before the password is checked, so neither the answer nor its timing tells
    whether an account exists.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        name = username or kwargs.get("email") or ""
        if wait := login_locked_for(name, request):
            raise LoginLockedOut(wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failed(name, request)
        else:
            login_succeeded(name, request)
        return user
