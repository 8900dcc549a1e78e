"""How a customer record is named and reached on a page: shared by the templates' filters and the list cells."""

from __future__ import annotations

from typing import Any

from rapport.common.prefetched import prefetched


def record_name(record: Any) -> str:
    """An account's name or a person's full name (not ``str()``, which adds a lead's company)."""
    return getattr(record, "name", None) or getattr(record, "full_name", "") or str(record)


def points_of(record: Any, kind: str) -> list[Any]:
    """The prefetched emails or phones of a record, primary first, without another query."""
    return [p for p in prefetched(record, "contact_points") if p.kind == kind]


def first_point(record: Any, kind: str) -> Any:
    return next((p for p in prefetched(record, "contact_points") if p.kind == kind), None)
