"""How a customer record is named and reached on a page: shared by the templates' filters and the list cells."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.urls import reverse

from rapport.common.phones import format_phone_international
from rapport.common.prefetched import prefetched


def record_name(record: Any) -> str:
    """An account's name or a person's full name (not ``str()``, which adds a lead's company)."""
    return getattr(record, "name", None) or getattr(record, "full_name", "") or str(record)


def points_of(record: Any, kind: str) -> list[Any]:
    """The prefetched emails or phones of a record, primary first, without another query."""
    return [p for p in prefetched(record, "contact_points") if p.kind == kind]


def first_point(record: Any, kind: str) -> Any:
    return next((p for p in prefetched(record, "contact_points") if p.kind == kind), None)


def phone_display(point: Any) -> str:
    """A phone as the world dials it (+86 138 0013 8000); an email unchanged."""
    if getattr(point, "kind", "") == "phone" and point.normalised:
        return format_phone_international(point.normalised)
    return getattr(point, "value", "")


@cache
def url_prefix(url_name: str) -> str:
    """The URL of ``url_name`` for a record id, without the id: drawing many links, the id is appended
    to this instead of reversing each (``web:contact_detail`` -> ``/contacts/``)."""
    return reverse(url_name, args=[0]).rsplit("0/", 1)[0]
