"""Writes around an opportunity: the people in it, the competitors met, what it cost."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from rapport.common.errors import ValidationFailed
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.selectors import visible_contact
from rapport.customers.validation import Errors, clean_date, clean_text
from rapport.sales.models import (
    Competitor,
    ContactRole,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    SalesCost,
    SalesCostKind,
)
from rapport.sales.services import clean_amount, clean_currency, require_editor, require_writer


def _fields(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def _upsert_link(model: Any, *, actor: User, opportunity: Opportunity, target: tuple[str, Any], field: str, value: str, via: str) -> Any:
    """Add ``target`` to the deal with ``field`` = ``value``, or change ``field`` if it is in the deal already; audited."""
    name, record = target
    names = (f"{name}_id", field)
    with transaction.atomic():
        link, created = model.objects.select_for_update().get_or_create(opportunity=opportunity, **{name: record}, defaults={field: value})
        before = {} if created else _fields(link, names)
        if not created and getattr(link, field) != value:
            setattr(link, field, value)
            link.save(update_fields=[field, "updated_at"])
        action = AuditAction.CREATE if created else AuditAction.UPDATE
        audit_record(actor=actor, action=action, record=link, changes=diff(before, _fields(link, names)), via=via)
    return link


def opportunity_contact_add(
    *, actor: User, opportunity: Opportunity, contact_id: int, role: str = ContactRole.OTHER, via: str = "web"
) -> OpportunityContact:
    """Add a person to the deal in a role, or change their role if they are in it already."""
    require_editor(actor, opportunity)
    if role not in ContactRole.values:
        raise ValidationFailed.for_field("role", f"Choose one of {', '.join(ContactRole.values)}.")
    contact = visible_contact(actor, contact_id)
    if contact is None:
        raise ValidationFailed.for_field("contact_id", f"No such contact: {contact_id}.")
    return _upsert_link(
        OpportunityContact, actor=actor, opportunity=opportunity, target=("contact", contact), field="role", value=role, via=via
    )


def opportunity_contact_remove(*, actor: User, link: OpportunityContact, via: str = "web") -> None:
    """Take a person out of a deal (``link`` from ``opportunity_contact_get_for_user``)."""
    require_editor(actor, link.opportunity)
    with transaction.atomic():
        before = _fields(link, ("contact_id", "role"))
        link_id = link.pk
        link.delete()
        link.pk = link_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=link, changes=diff(before, {}), via=via)


def competitor_create(
    *, actor: User, name: str, website: str = "", strengths: str = "", weaknesses: str = "", via: str = "web"
) -> Competitor:
    require_writer(actor)
    errors = Errors()
    values = {
        "name": clean_text(name, field="name", max_length=120, errors=errors, required=True),
        "website": clean_text(website, field="website", max_length=200, errors=errors),
        "strengths": clean_text(strengths, field="strengths", max_length=20000, errors=errors),
        "weaknesses": clean_text(weaknesses, field="weaknesses", max_length=20000, errors=errors),
    }
    if values["name"] and Competitor.objects.filter(name__iexact=values["name"]).exists():
        errors.add("name", "There is a competitor with this name already.")
    errors.raise_if_any()
    try:
        with transaction.atomic():
            competitor = Competitor.objects.create(**values)
            audit_record(actor=actor, action=AuditAction.CREATE, record=competitor, changes=diff({}, values), via=via)
    except IntegrityError as exc:
        raise ValidationFailed.for_field("name", "There is a competitor with this name already.") from exc
    return competitor


def opportunity_competitor_add(
    *, actor: User, opportunity: Opportunity, competitor_id: int, notes: str = "", via: str = "web"
) -> OpportunityCompetitor:
    """Record that we meet this competitor in the deal (or update what we know of them there)."""
    require_editor(actor, opportunity)
    errors = Errors()
    notes = clean_text(notes, field="notes", max_length=20000, errors=errors)
    competitor = Competitor.objects.filter(pk=competitor_id).first()
    if competitor is None:
        errors.add("competitor_id", f"No such competitor: {competitor_id}.")
    errors.raise_if_any()
    return _upsert_link(
        OpportunityCompetitor, actor=actor, opportunity=opportunity, target=("competitor", competitor), field="notes", value=notes, via=via
    )


def opportunity_competitor_remove(*, actor: User, link: OpportunityCompetitor, via: str = "web") -> None:
    require_editor(actor, link.opportunity)
    with transaction.atomic():
        before = _fields(link, ("competitor_id", "notes"))
        link_id = link.pk
        link.delete()
        link.pk = link_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=link, changes=diff(before, {}), via=via)


COST_FIELDS = ("kind", "amount", "currency", "incurred_on", "note")


def sales_cost_add(
    *,
    actor: User,
    opportunity: Opportunity,
    kind: str,
    amount: Any,
    currency: str,
    incurred_on: dt.date | str,
    note: str = "",
    via: str = "web",
) -> SalesCost:
    """Record money spent on the deal (travel, samples, a demo...)."""
    require_editor(actor, opportunity)
    errors = Errors()
    if kind not in SalesCostKind.values:
        errors.add("kind", f"Choose one of {', '.join(SalesCostKind.values)}.")
    code = clean_currency(currency, errors=errors)
    value = clean_amount(amount, field="amount", errors=errors, currency=code, positive=True)
    day = clean_date(incurred_on, field="incurred_on", errors=errors)
    if day is None and "incurred_on" not in errors.fields:
        errors.add("incurred_on", "When was the money spent? (YYYY-MM-DD)")
    text = clean_text(note, field="note", max_length=255, errors=errors)
    errors.raise_if_any()
    assert value is not None and day is not None  # raise_if_any has refused them missing
    with transaction.atomic():
        cost = SalesCost.objects.create(
            opportunity=opportunity, kind=kind, amount=value, currency=code, incurred_on=day, note=text, recorded_by=actor
        )
        audit_record(actor=actor, action=AuditAction.CREATE, record=cost, changes=diff({}, _fields(cost, COST_FIELDS)), via=via)
    return cost


def sales_cost_remove(*, actor: User, cost: SalesCost, via: str = "web") -> None:
    require_editor(actor, cost.opportunity)
    cost_id = cost.pk
    with transaction.atomic():
        before = _fields(cost, COST_FIELDS)
        cost.delete()
        cost.pk = cost_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=cost, changes=diff(before, {}), via=via)
