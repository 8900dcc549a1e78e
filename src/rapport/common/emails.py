"""Email addresses, checked by ``email-validator`` (syntax only: no network)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from rapport.common.errors import ValidationFailed


def normalise_email(raw: str, *, field: str = "email") -> str:
    """The normalised address (domain lower-cased, IDNA-decoded) or a field error."""
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed.for_field(field, "An email address is required.")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.for_field(field, str(exc)) from exc
    return result.normalized
