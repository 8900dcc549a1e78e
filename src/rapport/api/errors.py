"""Every API error is ``application/problem+json`` (RFC 9457) with field details."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db.utils import DataError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rapport.common.errors import RapportError, StaleVersion, Throttled

PROBLEM = "application/problem+json"


def problem(
    api: NinjaAPI, request: HttpRequest, *, status: int, title: str, detail: str, errors: dict[str, list[str]] | None = None, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


def _location(loc: list[Any] | tuple[Any, ...]) -> str:
    # Ninja prefixes "body"/"query"/"payload"; the client wants the field name.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload", "data")]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(RapportError)
    def rapport_error(request: HttpRequest, exc: RapportError) -> HttpResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, StaleVersion):
            extra["current_version"] = exc.current_version
            status = 412 if request.headers.get("If-Match") else 409
            return problem(api, request, status=status, title="Conflict" if status == 409 else exc.title, detail=exc.message, **extra)
        if isinstance(exc, Throttled):
            response = problem(api, request, status=429, title=exc.title, detail=exc.message)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return problem(api, request, status=exc.status, title=exc.title, detail=exc.message, errors=exc.field_errors or None)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            errors.setdefault(_location(item.get("loc", ())), []).append(str(item.get("msg", "Invalid value.")))
        first = next(iter(errors.items()), ("body", ["Invalid value."]))
        return problem(api, request, status=422, title="Validation failed", detail=f"{first[0]}: {first[1][0]}", errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            api,
            request,
            status=401,
            title="Unauthorized",
            detail="Send 'Authorization: Bearer <token>' (POST /api/v1/auth/token) or sign in.",
        )
        response["WWW-Authenticate"] = 'Bearer realm="rapport"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, status=exc.status_code, title="Error", detail=str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(api, request, status=413, title="Payload too large", detail="The request body is larger than this server accepts.")

    @api.exception_handler(DataError)
    def out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
        # A value the schema let through but the column cannot hold (a safety
        # net: schemas bound ids and lengths, so this should not be reached).
        return problem(api, request, status=422, title="Validation failed", detail="A value is out of range for its field.")

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        return problem(api, request, status=422, title="Validation failed", detail="A number is too large.")
