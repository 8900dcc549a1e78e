"""Types shared by the apps' Ninja schemas and handlers."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from pydantic import Field

from rapport.common.errors import ValidationFailed

# Ids are 64-bit in the database; a larger number must be a 422 naming the
# parameter, not an overflow deep in the driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Field(ge=1, le=MAX_ID)]


def is_id(value: object) -> bool:
    """An id as a form or query string gives it: digits within 64 bits (beyond, the driver fails instead of finding nothing)."""
    return str(value or "").isdigit() and int(str(value)) <= MAX_ID


def expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client read, from ``If-Match`` or the body's ``version``."""
    header = request.headers.get("If-Match")
    if header:
        text = header.strip().removeprefix("W/").strip('"')
        try:
            return int(text)
        except ValueError:
            raise ValidationFailed.for_field("If-Match", 'Send the record\'s version, e.g. If-Match: "3".') from None
    return body_version
