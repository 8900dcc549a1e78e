"""Optimistic concurrency: an update applies only to the version the client read."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model
from django.utils import timezone

from rapport.common.errors import StaleVersion


def save_if_version(instance: Model, *, expected_version: int | None, fields: dict[str, Any]) -> None:
    """Write ``fields`` to ``instance`` if its stored version still is ``expected_version``.

    One UPDATE ... WHERE version = expected: of two concurrent writers exactly one
    matches; the other gets ``StaleVersion`` and nothing of it is written.
    ``expected_version=None`` means the caller holds the row it just read.
    """
    model = type(instance)
    current: int = instance.version  # type: ignore[attr-defined]
    expected = current if expected_version is None else expected_version
    values = dict(fields)
    values["version"] = F("version") + 1
    if hasattr(instance, "updated_at"):
        values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=instance.pk, version=expected).update(**values)
    if updated != 1:
        stored = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise StaleVersion(current_version=stored)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.refresh_from_db(fields=["version", *(["updated_at"] if hasattr(instance, "updated_at") else [])])
