"""The one write path for accounts, contacts and leads.

``RecordSpec`` says which fields a record type has and how each is checked;
``record_create``, ``record_update`` and ``record_delete`` do the policy
check, validation, the write, the audit entry, the search terms and the domain
event for any of them. The public services in ``services.py`` name the entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from rapport.common import events
from rapport.common.concurrency import save_if_version
from rapport.common.errors import PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, Team, User
from rapport.customers import search
from rapport.customers.events import CustomerRecordCreated, CustomerRecordDeleted, CustomerRecordUpdated
from rapport.customers.models import ContactPoint, ContactPointKind, CustomFieldDefinition, Tag
from rapport.customers.validation import (
    Errors,
    clean_contact_points,
    clean_country,
    clean_custom_fields,
    clean_date,
    clean_positive_int,
    clean_text,
)

# Fields a client may never set: the server owns them.
READ_ONLY_FIELDS = frozenset({"id", "version", "created_at", "updated_at", "created_by", "search_key", "is_staff", "role"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str = "text"  # text, bool, choice, int, date, country
    max_length: int = 255
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSpec:
    record_type: str
    model: type[models.Model]
    fields: tuple[FieldSpec, ...]
    # name of a FK field -> function(actor, id) returning the visible target or None
    references: Mapping[str, Callable[[User, int], models.Model | None]] = field(default_factory=dict)
    search_texts: Callable[[Any, list[dict[str, Any]]], list[str]] = lambda record, emails: []
    prepare: Callable[[dict[str, Any], Any], None] | None = None  # fills derived fields before saving

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


COMMON_FIELDS = (
    FieldSpec("industry", max_length=80),
    FieldSpec("region", max_length=80),
    FieldSpec("country", kind="country"),
    FieldSpec("address_line"),
    FieldSpec("city", max_length=120),
    FieldSpec("postal_code", max_length=20),
    FieldSpec("notes", max_length=20000),
    FieldSpec("shared_with_team", kind="bool"),
)


def _clean_value(spec: FieldSpec, value: Any, errors: Errors) -> Any:
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "on", "1", 1):
            return True
        if value in ("false", "off", "0", 0, "", None):
            return False
        errors.add(spec.name, "Must be true or false.")
        return False
    if spec.kind == "int":
        return clean_positive_int(value, field=spec.name, errors=errors)
    if spec.kind == "date":
        return clean_date(value, field=spec.name, errors=errors)
    if spec.kind == "country":
        return clean_country(value, errors=errors)
    text = clean_text(value, field=spec.name, max_length=spec.max_length, errors=errors, required=spec.required)
    if spec.kind == "choice" and text and text not in spec.choices:
        errors.add(spec.name, f"'{text}' is not one of: {', '.join(spec.choices)}.")
    return text


def _clean_tags(raw: Any, errors: Errors) -> list[str] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list | tuple):
        errors.add("tags", "Must be a list of tag names.")
        return None
    names: list[str] = []
    for item in raw:
        name = str(item).strip()
        if not name:
            continue
        if len(name) > 60:
            errors.add("tags", f"Tag '{name[:20]}…' is longer than 60 characters.")
            continue
        if name not in names:
            names.append(name)
    if len(names) > 50:
        errors.add("tags", "At most 50 tags.")
    return names


@dataclass
class _Cleaned:
    values: dict[str, Any]
    emails: list[dict[str, Any]] | None
    phones: list[dict[str, Any]] | None
    tags: list[str] | None
    custom: dict[str, Any] | None
    owner: User | None
    team: Team | None
    team_given: bool


def _clean(spec: RecordSpec, *, actor: User, data: Mapping[str, Any], record: Any | None) -> _Cleaned:
    errors = Errors()
    values: dict[str, Any] = {}
    known = {f.name for f in spec.fields} | set(spec.references) | {"emails", "phones", "tags", "custom", "owner_id", "team_id"}
    for key in data:
        if key in READ_ONLY_FIELDS:
            errors.add(key, "This field is set by the server and cannot be changed.")
        elif key not in known:
            errors.add(key, "Unknown field.")
    for field_spec in spec.fields:
        if field_spec.name in data:
            values[field_spec.name] = _clean_value(field_spec, data[field_spec.name], errors)
        elif record is None and field_spec.required:
            errors.add(field_spec.name, "This field is required.")
    for name, resolve in spec.references.items():
        if name not in data:
            continue
        raw = data[name]
        if raw in (None, ""):
            values[name] = None
            continue
        try:
            target_id = int(raw)
        except (TypeError, ValueError):
            errors.add(name, "Must be an id.")
            continue
        target = resolve(actor, target_id)
        if target is None:
            errors.add(name, f"No such record: {target_id}.")
        elif record is not None and type(target) is type(record) and target.pk == record.pk:
            errors.add(name, "A record cannot be its own parent.")
        else:
            values[name] = target_id
    emails = phones = None
    if "emails" in data:
        emails = clean_contact_points(data["emails"], kind=ContactPointKind.EMAIL, field="emails", errors=errors)
    if "phones" in data:
        phones = clean_contact_points(data["phones"], kind=ContactPointKind.PHONE, field="phones", errors=errors)
    tags = _clean_tags(data.get("tags"), errors) if "tags" in data else None
    custom = None
    if "custom" in data or record is None:
        definitions = CustomFieldDefinition.objects.filter(entity=spec.record_type)
        custom = clean_custom_fields(data.get("custom"), definitions=definitions, current=getattr(record, "custom", None), errors=errors)
    owner, team, team_given = _clean_assignment(actor=actor, data=data, record=record, errors=errors)
    errors.raise_if_any()
    return _Cleaned(values, emails, phones, tags, custom, owner, team, team_given)


def _clean_assignment(*, actor: User, data: Mapping[str, Any], record: Any | None, errors: Errors) -> tuple[User | None, Team | None, bool]:
    owner: User | None = None
    team: Team | None = None
    if "owner_id" in data and data["owner_id"] not in (None, ""):
        try:
            owner = User.objects.filter(pk=int(data["owner_id"]), is_active=True).select_related("team").first()
        except (TypeError, ValueError):
            owner = None
        if owner is None:
            errors.add("owner_id", "No such user.")
    team_given = "team_id" in data
    if team_given and data["team_id"] not in (None, ""):
        try:
            team = Team.objects.filter(pk=int(data["team_id"])).first()
        except (TypeError, ValueError):
            team = None
        if team is None:
            errors.add("team_id", "No such team.")
    if "owner_id" in data or team_given:
        target_owner = owner or (record.owner if record is not None else actor)
        target_team = team if team_given else (record.team if record is not None else target_owner.team)
        changed = record is None or target_owner.pk != record.owner_id or (target_team.pk if target_team else None) != record.team_id
        if changed and not errors.fields and not policies.can_assign_to(actor, owner=target_owner, team=target_team):
            errors.add("owner_id" if "owner_id" in data else "team_id", "You may not assign records to this owner or team.")
    return owner, team, team_given


def snapshot(spec: RecordSpec, record: Any) -> dict[str, Any]:
    """The record as the audit log compares it: fields, owner, tags, emails, phones."""
    data = {f.name: getattr(record, f.name) for f in spec.fields}
    for name in spec.references:
        data[name] = getattr(record, name)
    data["owner_id"] = record.owner_id
    data["team_id"] = record.team_id
    data["custom"] = dict(record.custom or {})
    if record.pk:
        data["tags"] = sorted(record.tags.values_list("name", flat=True))
        points = list(record.contact_points.order_by("kind", "-is_primary", "id").values_list("kind", "value"))
        data["emails"] = [v for k, v in points if k == ContactPointKind.EMAIL]
        data["phones"] = [v for k, v in points if k == ContactPointKind.PHONE]
    return data


def _write_contact_points(record: Any, record_type: str, kind: str, points: list[dict[str, Any]]) -> None:
    record.contact_points.filter(kind=kind).delete()
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                kind=kind,
                label=p["label"],
                value=p["value"],
                normalised=p["normalised"],
                is_primary=p["is_primary"],
                **{record_type: record},
            )
            for p in points
        ]
    )


def _write_tags(record: Any, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    record.tags.set([existing[n] for n in names])


def _reindex(spec: RecordSpec, record: Any) -> None:
    emails = list(record.contact_points.filter(kind=ContactPointKind.EMAIL).values_list("normalised", flat=True))
    search.index_record(record_type=spec.record_type, record=record, texts=spec.search_texts(record, [{"normalised": e} for e in emails]))


def _require_writer(actor: User) -> None:
    if actor.role in policies.READ_ONLY and not actor.is_administrator:
        raise PermissionDenied("Your role may read customer records but not change them.")


def _require_creator(spec: RecordSpec, actor: User) -> None:
    if not policies.can_create(actor, spec.record_type):
        raise PermissionDenied("Your role may read customer records but not change them.")


def record_check(spec: RecordSpec, *, actor: User, data: Mapping[str, Any]) -> None:
    """Raise what ``record_create`` would refuse ``data`` for, writing nothing (an import's dry run)."""
    _require_creator(spec, actor)
    cleaned = _clean(spec, actor=actor, data=data, record=None)
    record = spec.model(owner=cleaned.owner or actor, custom=cleaned.custom or {}, **cleaned.values)
    if spec.prepare:
        spec.prepare(cleaned.values, record)


def record_create(spec: RecordSpec, *, actor: User, data: Mapping[str, Any], via: str) -> Any:
    _require_creator(spec, actor)
    cleaned = _clean(spec, actor=actor, data=data, record=None)
    owner = cleaned.owner or actor
    team = cleaned.team if cleaned.team_given else owner.team
    record = spec.model(owner=owner, team=team, custom=cleaned.custom or {}, **cleaned.values)
    if spec.prepare:
        spec.prepare(cleaned.values, record)
    with transaction.atomic():
        record.save()
        if cleaned.emails:
            _write_contact_points(record, spec.record_type, ContactPointKind.EMAIL, cleaned.emails)
        if cleaned.phones:
            _write_contact_points(record, spec.record_type, ContactPointKind.PHONE, cleaned.phones)
        if cleaned.tags:
            _write_tags(record, cleaned.tags)
        _reindex(spec, record)
        after = snapshot(spec, record)
        audit_record(actor=actor, action=AuditAction.CREATE, record=record, changes=diff({}, after), via=via)
        events.publish(CustomerRecordCreated(spec.record_type, record.pk, actor.pk, via))
    return record


def record_update(spec: RecordSpec, *, actor: User, record: Any, data: Mapping[str, Any], expected_version: int | None, via: str) -> Any:
    """Apply ``data`` (only the fields given) if ``expected_version`` is still current."""
    _require_writer(actor)
    if not policies.can_edit(actor, record):
        raise PermissionDenied("You may see this record but not change it.")
    if ("owner_id" in data or "team_id" in data) and not (actor.is_administrator or policies.can_delete(actor, record)):
        raise PermissionDenied("You may not reassign this record.")
    cleaned = _clean(spec, actor=actor, data=data, record=record)
    with transaction.atomic():
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(current_version=locked.version)
        before = snapshot(spec, locked)
        values = dict(cleaned.values)
        if cleaned.custom is not None:
            values["custom"] = cleaned.custom
        if cleaned.owner is not None:
            values["owner_id"] = cleaned.owner.pk
        if cleaned.team_given:
            values["team_id"] = cleaned.team.pk if cleaned.team else None
        if spec.prepare:
            # prepare sees only what changes, against the record as stored: a form sends every
            # field, and an unchanged full name beside a new first name is not a typed one.
            changing = {key: value for key, value in values.items() if getattr(locked, key, None) != value}
            spec.prepare(changing, locked)
            values.update(changing)
        for key, value in values.items():
            setattr(locked, key, value)
        save_if_version(locked, expected_version=locked.version, fields=values)
        if cleaned.emails is not None:
            _write_contact_points(locked, spec.record_type, ContactPointKind.EMAIL, cleaned.emails)
        if cleaned.phones is not None:
            _write_contact_points(locked, spec.record_type, ContactPointKind.PHONE, cleaned.phones)
        if cleaned.tags is not None:
            _write_tags(locked, cleaned.tags)
        _reindex(spec, locked)
        changes = diff(before, snapshot(spec, locked))
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=changes, via=via)
        if changes:
            events.publish(CustomerRecordUpdated(spec.record_type, locked.pk, actor.pk, tuple(changes), via))
    return locked


def record_delete(spec: RecordSpec, *, actor: User, record: Any, expected_version: int | None, via: str) -> None:
    _require_writer(actor)
    if not policies.can_delete(actor, record):
        raise PermissionDenied("You may not delete this record.")
    with transaction.atomic():
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(current_version=locked.version)
        before = snapshot(spec, locked)
        record_id = locked.pk
        try:
            locked.delete()
        except models.ProtectedError as exc:
            raise ValidationFailed(
                "This record has records that depend on it (e.g. subsidiaries); move or delete them first.",
                field_errors={"id": ["Other records depend on this one."]},
            ) from exc
        locked.pk = record_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=locked, changes=diff(before, {}), via=via)
        search.unindex_record(record_type=spec.record_type, record_id=record_id)
        events.publish(CustomerRecordDeleted(spec.record_type, record_id, actor.pk, via))
