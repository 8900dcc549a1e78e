"""Rate limits and Idempotency-Key for the REST API.

Both key on the *credential* that sent the request (a hash of the bearer token,
else the session, else the address), because the token is only resolved to a
user later, inside Ninja.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone

from rapport.api.models import IdempotentRequest

API_PREFIX = "/api/"
# Never stored: the token endpoint's answer is a secret.
NOT_IDEMPOTENT_PATHS = ("/api/v1/auth/token",)
MAX_STORED_BODY = 1_000_000
# A request "in flight" longer than this was abandoned (its process died).
ABANDONED_AFTER = timedelta(minutes=5)


def _principal(request: HttpRequest) -> str:
    credential = request.headers.get("Authorization") or ""
    if not credential and request.session.session_key:
        credential = "session:" + request.session.session_key
    if not credential:
        credential = "addr:" + str(request.META.get("REMOTE_ADDR", ""))
    return hashlib.sha256(credential.encode()).hexdigest()


def _problem(status: int, title: str, detail: str, **headers: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    response = HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class ApiRateLimitMiddleware:
    """A fixed one-minute window of requests per credential; over it, 429 with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        limit = settings.RAPPORT_API_RATE_PER_MINUTE
        now = time.time()
        window = int(now // 60)
        key = f"api-rate:{_principal(request)}:{window}"
        if cache.add(key, 1, timeout=70):
            used = 1
        else:
            try:
                used = cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=70)
                used = 1
        if used > limit:
            retry_after = str(max(1, int((window + 1) * 60 - now)))
            return _problem(
                429, "Too many requests", f"At most {limit} requests a minute; retry after {retry_after} s.", Retry_After=retry_after
            )
        response = self.get_response(request)
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(max(0, limit - used))
        return response


def _body_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n")  # type: ignore[union-attr]
    try:
        digest.update(request.body)
    except RawPostDataException:
        # A multipart upload whose form was already parsed (the NUL check reads it): its fields and files stand for the body.
        for name, values in sorted(request.POST.lists()):
            digest.update(f"{name}={values!r}\n".encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"{name}:{upload.name}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """POST with ``Idempotency-Key``: the first response is stored and replayed for repeats.

    The same key with a different body is a client bug (422); the same key
    while the first request is still running is a race (409). Keys live for
    ``RAPPORT_IDEMPOTENCY_HOURS``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith(API_PREFIX) or request.path.startswith(NOT_IDEMPOTENT_PATHS):
            return self.get_response(request)
        if len(key) > 255 or not key.isprintable():
            return _problem(422, "Validation failed", "Idempotency-Key must be 1 to 255 printable characters.")
        principal = _principal(request)
        body_hash = _body_hash(request)
        record, replay = self._claim(principal, key, request, body_hash)
        if replay is not None:
            return replay
        assert record is not None
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotentRequest.objects.filter(pk=record.pk).delete()
            raise
        body = b"" if response.streaming else response.content
        if response.status_code >= 500 or response.streaming or len(body) > MAX_STORED_BODY:
            # Not a result worth replaying: let the client retry for real.
            IdempotentRequest.objects.filter(pk=record.pk).delete()
        else:
            IdempotentRequest.objects.filter(pk=record.pk).update(
                in_flight=False, status_code=response.status_code, content_type=response.get("Content-Type", ""), body=body
            )
        return response

    def _claim(
        self, principal: str, key: str, request: HttpRequest, body_hash: str
    ) -> tuple[IdempotentRequest | None, HttpResponse | None]:
        horizon = timezone.now() - timedelta(hours=settings.RAPPORT_IDEMPOTENCY_HOURS)
        IdempotentRequest.objects.filter(principal=principal, key=key, created_at__lt=horizon).delete()
        IdempotentRequest.objects.filter(
            principal=principal, key=key, in_flight=True, created_at__lt=timezone.now() - ABANDONED_AFTER
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    principal=principal, key=key, method=request.method or "POST", path=request.path[:500], body_hash=body_hash
                )
            return record, None
        except IntegrityError:
            pass
        existing = IdempotentRequest.objects.filter(principal=principal, key=key).first()
        if existing is None:  # expired between the two statements: treat as new next time
            return None, _problem(409, "Conflict", "This Idempotency-Key is being reused concurrently; retry.")
        if existing.body_hash != body_hash:
            return None, _problem(422, "Validation failed", "This Idempotency-Key was used with a different request; use a new key.")
        if existing.in_flight:
            return None, _problem(409, "Conflict", "A request with this Idempotency-Key is still being processed.")
        response = HttpResponse(
            bytes(existing.body), status=existing.status_code or 200, content_type=existing.content_type or "application/json"
        )
        response["Idempotent-Replayed"] = "true"
        return None, response
