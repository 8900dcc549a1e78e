"""Checking what a user typed into a customer record, field by field.

Every door hands raw values to the services, which call these; a problem is a
``ValidationFailed`` naming each wrong field, collected so that the user sees
all of them at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from rapport.common.emails import normalise_email
from rapport.common.errors import ValidationFailed
from rapport.common.phones import normalise_phone
from rapport.customers.models import ContactPointKind, CustomFieldDefinition, CustomFieldType

# Every ISO 3166-1 alpha-2 region phonenumbers knows ("001" is its non-geographic entity).
COUNTRY_CODES = frozenset(code for code in phonenumbers.SUPPORTED_REGIONS if code.isalpha())


class Errors:
    """Collects field errors; ``raise_if_any`` raises one ValidationFailed with all of them."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def capture(self, exc: ValidationFailed, *, prefix: str = "") -> None:
        for field, messages in exc.field_errors.items():
            for message in messages:
                self.add(f"{prefix}{field}", message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields))
            raise ValidationFailed(f"{first}: {self.fields[first][0]}", field_errors=self.fields)


def clean_text(value: Any, *, field: str, max_length: int, errors: Errors, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, "Must be text.")
        return ""
    text = value.strip()
    if "\x00" in text:
        errors.add(field, "Contains a NUL character.")
        return ""
    if required and not text:
        errors.add(field, "This field is required.")
    if len(text) > max_length:
        errors.add(field, f"At most {max_length} characters (this has {len(text)}).")
    return text


def clean_choice(params: Mapping[str, Any], name: str, choices: Sequence[str], *, errors: Errors, default: str = "") -> str:
    """A list filter's choice (a status, a kind): ``default`` when not given, else one of ``choices`` or an error naming them."""
    value = str(params.get(name) or default)
    if value and value not in choices:
        errors.add(name, f"Choose one of {', '.join(choices)}.")
    return value


def clean_country(value: Any, *, errors: Errors) -> str:
    code = clean_text(value, field="country", max_length=2, errors=errors).upper()
    if code and code not in COUNTRY_CODES:
        errors.add("country", f"'{value}' is not an ISO 3166 country code such as CN or US.")
    return code


def clean_date(value: Any, *, field: str, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, f"'{value}' is not a date (YYYY-MM-DD).")
        return None


def clean_positive_int(value: Any, *, field: str, errors: Errors) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, "Must be a whole number.")
        return None
    if number < 0 or number > 2_147_483_647:
        errors.add(field, "Must be between 0 and 2,147,483,647.")
        return None
    return number


def clean_contact_points(raw: Iterable[Mapping[str, Any]] | None, *, kind: str, field: str, errors: Errors) -> list[dict[str, Any]]:
    """[{value, label, is_primary}] checked and normalised; the first is primary if none is."""
    if raw is None:
        return []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    items = list(raw)
    if len(items) > 20:
        errors.add(field, "At most 20 entries.")
        return []
    for index, item in enumerate(items):
        name = f"{field}[{index}]"
        if isinstance(item, str):
            item = {"value": item}
        value = item.get("value") if isinstance(item, Mapping) else None
        if not isinstance(value, str) or not value.strip():
            errors.add(name, "A value is required.")
            continue
        try:
            if kind == ContactPointKind.PHONE:
                normalised = normalise_phone(value, field=name)
            else:
                normalised = normalise_email(value, field=name)
        except ValidationFailed as exc:
            errors.capture(exc)
            continue
        if len(value) > 254:
            errors.add(name, "At most 254 characters.")
            continue
        key = normalised.lower()
        if key in seen:
            continue
        seen.add(key)
        label = str(item.get("label") or "")[:20]
        cleaned.append({"value": value.strip(), "normalised": normalised, "label": label, "is_primary": bool(item.get("is_primary"))})
    if cleaned and not any(p["is_primary"] for p in cleaned):
        cleaned[0]["is_primary"] = True
    elif sum(p["is_primary"] for p in cleaned) > 1:
        first = next(i for i, p in enumerate(cleaned) if p["is_primary"])
        for i, point in enumerate(cleaned):
            point["is_primary"] = i == first
    return cleaned


def clean_custom_fields(
    raw: Mapping[str, Any] | None,
    *,
    definitions: Iterable[CustomFieldDefinition],
    current: Mapping[str, Any] | None,
    errors: Errors,
) -> dict[str, Any]:
    """Values typed for the administrators' custom fields, stored as JSON-friendly values."""
    result: dict[str, Any] = dict(current or {})
    raw = raw or {}
    if not isinstance(raw, Mapping):
        errors.add("custom", "Must be an object of field keys to values.")
        return result
    by_key = {d.key: d for d in definitions}
    for key in raw:
        if key not in by_key:
            errors.add(f"custom.{key}", "No such custom field.")
    for key, definition in by_key.items():
        field = f"custom.{key}"
        if key not in raw:
            if definition.required and result.get(key) in (None, ""):
                errors.add(field, "This field is required.")
            continue
        value = raw[key]
        if value in (None, ""):
            if definition.required:
                errors.add(field, "This field is required.")
            result.pop(key, None)
            continue
        if definition.field_type == CustomFieldType.NUMBER:
            try:
                number = Decimal(str(value))
                if not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors.add(field, f"'{value}' is not a number.")
                continue
            result[key] = int(number) if number == number.to_integral_value() else float(number)
        elif definition.field_type == CustomFieldType.DATE:
            parsed = clean_date(value, field=field, errors=errors)
            if parsed is not None:
                result[key] = parsed.isoformat()
        elif definition.field_type == CustomFieldType.CHOICE:
            if str(value) not in [str(c) for c in definition.choices]:
                errors.add(field, f"'{value}' is not one of: {', '.join(map(str, definition.choices))}.")
                continue
            result[key] = str(value)
        else:
            text = clean_text(value, field=field, max_length=1000, errors=errors)
            result[key] = text
    return result


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def compose_full_name(first_name: str, last_name: str) -> str:
    """张 + 伟 -> 张伟 (family name first, no space); Wei + Zhang -> Wei Zhang."""
    if has_cjk(first_name + last_name):
        return f"{last_name}{first_name}".strip()
    return f"{first_name} {last_name}".strip()
