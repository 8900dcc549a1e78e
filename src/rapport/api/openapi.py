"""The error half of the API contract, added to every operation of the spec.

Ninja documents the success responses each handler declares; the errors come
from one place (``api/errors.py``), so they are documented from one place too:
every operation may answer with a problem+json body for the statuses below.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An RFC 9457 problem detail.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Field name -> messages, for 422",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "current_version": {"type": ["integer", "null"], "description": "For 409/412: the record's version now"},
    },
    "required": ["type", "title", "status", "detail"],
}

ERROR_STATUSES = {
    "400": "Bad request",
    "401": "Not authenticated",
    "403": "Not allowed for this role or token",
    "404": "Not found, or not visible to you",
    "409": "Conflict: the record changed since you read it",
    "412": "Precondition failed: If-Match names an old version",
    "413": "Payload too large",
    "422": "Validation failed; `errors` names each field",
    "429": "Too many requests; retry after the `Retry-After` seconds",
}


class RapportAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(status, {"description": description, "content": problem})
        return schema
