"""How API clients prove who they are: a bearer token, or the page session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from rapport.common.errors import PermissionDenied
from rapport.core.middleware import activate_user_zone
from rapport.core.models import TokenScope
from rapport.core.services import token_authenticate
from rapport.core.two_factor import NONE, session_owes

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(token.strip())
        if found is None:
            return None
        if found.scope == TokenScope.READ and request.method not in SAFE_METHODS:
            raise PermissionDenied("This token may only read; issue a read_write token to make changes.")
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        activate_user_zone(found.user)
        return found.user


class Session(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        if user is not None and session_owes(request) != NONE:
            return None  # signed in with the password, but the second factor is still owed
        return user


AUTH = [BearerToken(), Session()]
