"""Writing the audit log: every create, update and delete of customer data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Model

from rapport.core.models import AuditAction, AuditEntry, User


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes between two snapshots: {"field": [before, after]}."""
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def audit_record(
    *,
    actor: User | None,
    action: str,
    record: Model,
    changes: dict[str, list[Any]],
    via: str = "web",
) -> AuditEntry | None:
    if action == AuditAction.UPDATE and not changes:
        return None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=(actor.get_username() if actor else "system"),
        action=action,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        record_repr=str(record)[:255],
        changes=changes,
        via=via,
    )


def audit_log_for(record: Model, *, limit: int = 50) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(record_type=record._meta.label_lower, record_id=record.pk).order_by("-at", "-id")[:limit])
