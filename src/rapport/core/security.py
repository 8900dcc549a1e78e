"""Security headers on every response, and throttling of sign-ins, codes and reset requests.

The Content-Security-Policy allows scripts only from our own origin: the UI
has no inline scripts and no CDN, so an injected ``<script>`` or ``onclick``
does not run even if some text escaped escaping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
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


@dataclass(frozen=True)
class Throttle:
    """Attempts counted per account and per client address, in the cache, for a window.

    One implementation for every door that guesses at a secret or sends mail:
    sign-ins, second-factor codes, password changes and reset requests. The
    account key is hashed (usernames and addresses may hold any character) and
    counted whether or not the account exists, so a lockout reveals nothing.
    """

    name: str
    per_account: str  # names of the settings holding the limits and the window
    per_address: str
    window: str

    def _account_key(self, account: str) -> str:
        return f"{self.name}:user:" + hashlib.sha256(account.strip().lower().encode()).hexdigest()

    def _keys(self, account: str, request: HttpRequest | None) -> list[tuple[str, int]]:
        address = _client_address(request)
        return [
            (self._account_key(account), getattr(settings, self.per_account)),
            (f"{self.name}:addr:" + hashlib.sha256(address.encode()).hexdigest(), getattr(settings, self.per_address)),
        ]

    def locked_for(self, account: str, request: HttpRequest | None) -> int:
        """Seconds until another attempt is allowed for this account or address; 0 when allowed."""
        for key, limit in self._keys(account, request):
            if (cache.get(key) or 0) >= limit:
                return int(getattr(settings, self.window))
        return 0

    def count(self, account: str, request: HttpRequest | None) -> None:
        timeout = int(getattr(settings, self.window))
        for key, _ in self._keys(account, request):
            if cache.add(key, 1, timeout=timeout):
                continue
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=timeout)

    def clear_account(self, account: str) -> None:
        cache.delete(self._account_key(account))


# Failed sign-ins (password, and the API's token request) and failed second-factor codes share one
# counter: a stolen password does not buy a fresh allowance of code guesses.
LOGIN = Throttle(
    "login-fail", "RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT", "RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS", "RAPPORT_LOGIN_LOCKOUT_SECONDS"
)
# Every reset request counts (there is no "failure"), per typed address and per client address.
PASSWORD_RESET = Throttle(
    "password-reset",
    "RAPPORT_PASSWORD_RESET_MAX_PER_ACCOUNT",
    "RAPPORT_PASSWORD_RESET_MAX_PER_ADDRESS",
    "RAPPORT_PASSWORD_RESET_WINDOW_SECONDS",
)


def login_locked_for(username: str, request: HttpRequest | None) -> int:
    """Seconds until another login attempt is allowed for this account or address; 0 when allowed."""
    return LOGIN.locked_for(username, request)


def login_failed(username: str, request: HttpRequest | None) -> None:
    LOGIN.count(username, request)


def login_succeeded(username: str, request: HttpRequest | None) -> None:
    LOGIN.clear_account(username)


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

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request, with the team every page's menu names (one query, not two)."""
        user = get_user_model()._default_manager.select_related("team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
