"""The audit log as people read it: field labels, names instead of ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from rapport.core.models import AuditEntry, Team, User

_SPECIAL_LABELS = {
    "emails": _("Emails"),
    "phones": _("Phones"),
    "tags": _("Tags"),
    "custom": _("Custom fields"),
    "owner_id": _("Owner"),
    "team_id": _("Team"),
    "parent_id": _("Parent account"),
    "account_id": _("Account"),
}


@dataclass(frozen=True)
class Change:
    label: Any
    before: Any
    after: Any


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    changes: list[Change]


def field_label(model: type[Any], name: str) -> Any:
    if name in _SPECIAL_LABELS:
        return _SPECIAL_LABELS[name]
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def describe(entries: list[AuditEntry], model: type[Any]) -> list[AuditLine]:
    """Each entry with its changes labelled; owner and team ids shown as names (two queries at most)."""
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    for entry in entries:
        for name, ids in (("owner_id", user_ids), ("team_id", team_ids)):
            for value in entry.changes.get(name, []):
                if isinstance(value, int):
                    ids.add(value)
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    names: dict[str, dict[int, str]] = {"owner_id": users, "team_id": teams}
    lines = []
    for entry in entries:
        changes = []
        for name, pair in sorted(entry.changes.items()):
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            if name in names:
                before, after = names[name].get(before, before), names[name].get(after, after)  # type: ignore[arg-type]
            changes.append(Change(field_label(model, name), before, after))
        lines.append(AuditLine(entry, changes))
    return lines


def changes_since(entries: list[AuditEntry], model: type[Any], since: str) -> list[AuditLine]:
    """What others changed after the form was opened (``since`` is the ISO time it was)."""
    try:
        moment = dt.datetime.fromisoformat(since)
    except ValueError:
        return describe(entries[:1], model)
    return describe([e for e in entries if e.at > moment and e.action == "update"], model)
