"""Errors that services raise and every door (API, page, CLI) translates."""

from __future__ import annotations

from collections.abc import Mapping


class RapportError(Exception):
    """Base for the errors a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str = "", *, field_errors: Mapping[str, list[str]] | None = None):
        super().__init__(message or self.title)
        self.message = message or self.title
        self.field_errors: dict[str, list[str]] = {k: list(v) for k, v in (field_errors or {}).items()}


class ValidationFailed(RapportError):
    """Input is wrong; ``field_errors`` names each field and what is wrong with it."""

    status = 422
    title = "Validation failed"

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", field_errors={field: [message]})


class AuthenticationFailed(RapportError):
    """Wrong credentials; one message whatever was wrong, so accounts cannot be enumerated."""

    status = 401
    title = "Unauthorized"


class NotFound(RapportError):
    """The record does not exist or the user may not see it: the two look the same."""

    status = 404
    title = "Not found"


class PermissionDenied(RapportError):
    """The user sees the record but may not do this to it."""

    status = 403
    title = "Forbidden"


class StaleVersion(RapportError):
    """Someone else changed the record since the client read it."""

    status = 412
    title = "Precondition failed"

    def __init__(self, message: str = "", *, current_version: int | None = None):
        super().__init__(message or "The record was changed by someone else; reload and try again.")
        self.current_version = current_version


class Conflict(RapportError):
    status = 409
    title = "Conflict"


class Throttled(RapportError):
    """Too many attempts; the client should wait ``retry_after`` seconds."""

    status = 429
    title = "Too many requests"

    def __init__(self, message: str = "", *, retry_after: int):
        super().__init__(message or "Too many attempts; try again later.")
        self.retry_after = retry_after
