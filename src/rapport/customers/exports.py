"""CSV export of account, contact and lead lists: one implementation for the
list pages and the API, scoped by the same selectors and filters as the lists.

Rows are streamed in keyset order in chunks, so an export of a million
contacts runs in constant memory and never holds a long transaction.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet

from rapport.customers.models import CustomFieldDefinition

MAX_EXPORT_ROWS = 1_000_000
_CHUNK = 2_000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _points(record: Any, kind: str) -> str:
    return "; ".join(p.value for p in record.contact_points.all() if p.kind == kind)


COLUMNS: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {
    "account": [
        ("id", lambda r: r.pk),
        ("name", lambda r: r.name),
        ("kind", lambda r: r.kind),
        ("parent", lambda r: r.parent.name if r.parent_id else ""),
        ("industry", lambda r: r.industry),
        ("region", lambda r: r.region),
        ("country", lambda r: r.country),
        ("website", lambda r: r.website),
    ],
    "contact": [
        ("id", lambda r: r.pk),
        ("name", lambda r: r.full_name),
        ("first_name", lambda r: r.first_name),
        ("last_name", lambda r: r.last_name),
        ("account", lambda r: r.account.name if r.account_id else ""),
        ("title", lambda r: r.title),
        ("industry", lambda r: r.industry),
        ("region", lambda r: r.region),
        ("country", lambda r: r.country),
        ("consent_email", lambda r: r.consent_email),
        ("consent_phone", lambda r: r.consent_phone),
        ("consent_letter", lambda r: r.consent_letter),
    ],
    "lead": [
        ("id", lambda r: r.pk),
        ("name", lambda r: r.full_name),
        ("company", lambda r: r.company),
        ("status", lambda r: r.status),
        ("source", lambda r: r.source),
        ("industry", lambda r: r.industry),
        ("region", lambda r: r.region),
        ("country", lambda r: r.country),
    ],
}

_TRAILING: list[tuple[str, Callable[[Any], Any]]] = [
    ("emails", lambda r: _points(r, "email")),
    ("phones", lambda r: _points(r, "phone")),
    ("tags", lambda r: ", ".join(t.name for t in r.tags.all())),
    ("owner", lambda r: r.owner.get_username()),
    ("team", lambda r: r.team.slug if r.team_id else ""),
    ("created_at", lambda r: r.created_at.isoformat()),
    ("updated_at", lambda r: r.updated_at.isoformat()),
]


def spreadsheet_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is shown as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_rows(record_type: str, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """The header, then one row per visible record, walking the queryset by id in chunks."""
    custom = list(CustomFieldDefinition.objects.filter(entity=record_type).order_by("position", "id"))
    columns = COLUMNS[record_type] + _TRAILING
    yield [name for name, _ in columns] + [f"cf_{d.key}" for d in custom]
    last_id = 0
    sent = 0
    while sent < MAX_EXPORT_ROWS:
        chunk = list(queryset.filter(pk__gt=last_id).order_by("pk")[:_CHUNK])
        if not chunk:
            return
        for record in chunk:
            yield [spreadsheet_safe(get(record)) for _, get in columns] + [
                spreadsheet_safe((record.custom or {}).get(d.key, "")) for d in custom
            ]
        sent += len(chunk)
        last_id = chunk[-1].pk


def export_csv_lines(record_type: str, queryset: QuerySet[Any]) -> Iterator[str]:
    """The export as CSV text lines, with a BOM so spreadsheet programs read Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows(record_type, queryset):
        yield writer.writerow(row)
