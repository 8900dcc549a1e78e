"""Writes to accounts, contacts, leads, interactions, consent and custom fields.

Each public function names the entity and the action; the shared machinery
(validation, policy, version check, audit, search terms, events) is in
``records.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.common import events
from rapport.common.concurrency import save_if_version
from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, Team, User
from rapport.customers import search, selectors
from rapport.customers.events import CustomerRecordUpdated, InteractionLogged
from rapport.customers.models import (
    CONTACT_CHANNELS,
    Account,
    AccountKind,
    Channel,
    ConsentChannel,
    ConsentRecord,
    Contact,
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
    Direction,
    Interaction,
    Lead,
    LeadStatus,
)
from rapport.customers.records import COMMON_FIELDS, FieldSpec, RecordSpec, record_check, record_create, record_delete, record_update
from rapport.customers.validation import Errors, clean_text, compose_full_name

PERSON_FIELDS = (
    FieldSpec("first_name", max_length=100),
    FieldSpec("last_name", max_length=100),
    FieldSpec("full_name", max_length=200),
    FieldSpec("title", max_length=120),
    FieldSpec("language", max_length=10),
    FieldSpec("consent_email", kind="bool"),
    FieldSpec("consent_phone", kind="bool"),
    FieldSpec("consent_letter", kind="bool"),
)


def _person_name(values: dict[str, Any], record: Any) -> None:
    """Derive ``full_name`` from first and last name unless one was typed.

    ``values`` are the fields being written and ``record`` the record as stored before them (on
    create, the new record). A full name someone typed by hand ("Dr. Wang Wei") survives a change
    of first or last name; one that was only ever derived follows the new names.
    """
    first = values.get("first_name", record.first_name) or ""
    last = values.get("last_name", record.last_name) or ""
    if not (values.get("full_name") or "").strip():
        names_changed = "first_name" in values or "last_name" in values
        was_derived = not record.full_name or record.full_name == compose_full_name(record.first_name or "", record.last_name or "")
        if "full_name" in values or not record.full_name or (names_changed and was_derived):
            values["full_name"] = compose_full_name(first, last)
            record.full_name = values["full_name"]
    if not (values.get("full_name", record.full_name) or "").strip():
        raise ValidationFailed.for_field("last_name", "Give a first name, a last name or both.")


ACCOUNT = RecordSpec(
    record_type="account",
    model=Account,
    fields=(
        FieldSpec("name", max_length=200, required=True),
        FieldSpec("kind", kind="choice", max_length=10, choices=tuple(AccountKind.values)),
        FieldSpec("website", max_length=200),
        FieldSpec("employees", kind="int"),
        *COMMON_FIELDS,
    ),
    references={"parent_id": selectors.visible_account},
    search_texts=lambda r, emails: [r.name, *(e["normalised"] for e in emails)],
)

CONTACT = RecordSpec(
    record_type="contact",
    model=Contact,
    fields=(*PERSON_FIELDS, FieldSpec("department", max_length=120), FieldSpec("birthday", kind="date"), *COMMON_FIELDS),
    references={"account_id": selectors.visible_account},
    search_texts=lambda r, emails: [
        r.full_name,
        r.first_name,
        r.last_name,
        r.account.name if r.account_id else "",
        *(e["normalised"] for e in emails),
    ],
    prepare=_person_name,
)

LEAD = RecordSpec(
    record_type="lead",
    model=Lead,
    fields=(
        *PERSON_FIELDS,
        FieldSpec("company", max_length=200),
        FieldSpec("source", max_length=80),
        FieldSpec("status", kind="choice", max_length=12, choices=tuple(LeadStatus.values)),
        FieldSpec("company_size", kind="int"),
        *COMMON_FIELDS,
    ),
    search_texts=lambda r, emails: [r.full_name, r.first_name, r.last_name, r.company, *(e["normalised"] for e in emails)],
    prepare=_person_name,
)

SPECS = {"account": ACCOUNT, "contact": CONTACT, "lead": LEAD}


def account_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Account:
    return record_create(ACCOUNT, actor=actor, data=data, via=via)


def account_update(*, actor: User, account: Account, data: Mapping[str, Any], expected_version: int | None, via: str = "web") -> Account:
    return record_update(ACCOUNT, actor=actor, record=account, data=data, expected_version=expected_version, via=via)


def account_delete(*, actor: User, account: Account, expected_version: int | None = None, via: str = "web") -> None:
    record_delete(ACCOUNT, actor=actor, record=account, expected_version=expected_version, via=via)


def contact_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Contact:
    return record_create(CONTACT, actor=actor, data=data, via=via)


def contact_update(*, actor: User, contact: Contact, data: Mapping[str, Any], expected_version: int | None, via: str = "web") -> Contact:
    return record_update(CONTACT, actor=actor, record=contact, data=data, expected_version=expected_version, via=via)


def contact_delete(*, actor: User, contact: Contact, expected_version: int | None = None, via: str = "web") -> None:
    record_delete(CONTACT, actor=actor, record=contact, expected_version=expected_version, via=via)


def lead_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Lead:
    return record_create(LEAD, actor=actor, data=data, via=via)


def lead_check(*, actor: User, data: Mapping[str, Any]) -> None:
    """Raise the ``ValidationFailed`` that ``lead_create`` would raise for ``data``; writes nothing."""
    record_check(LEAD, actor=actor, data=data)


def lead_update(*, actor: User, lead: Lead, data: Mapping[str, Any], expected_version: int | None, via: str = "web") -> Lead:
    return record_update(LEAD, actor=actor, record=lead, data=data, expected_version=expected_version, via=via)


def lead_delete(*, actor: User, lead: Lead, expected_version: int | None = None, via: str = "web") -> None:
    record_delete(LEAD, actor=actor, record=lead, expected_version=expected_version, via=via)


def interaction_log(
    *,
    actor: User,
    channel: str,
    subject: str,
    direction: str = Direction.INBOUND,
    body: str = "",
    occurred_at: datetime | None = None,
    account_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
    concerns: str = "",
    message_id: str = "",
    in_reply_to_id: int | None = None,
    via: str = "web",
) -> Interaction:
    """Put one contact with a customer on the timeline.

    Every role that sees the customer may log an interaction: the call centre
    and marketing write to the same timeline as sales. An email carries its
    Message-ID (so a reply can find it) and, when it answers one, the
    interaction it answers.
    """
    errors = Errors()
    if channel not in CONTACT_CHANNELS:
        errors.add("channel", f"'{channel}' is not one of: {', '.join(CONTACT_CHANNELS)}.")
    if direction not in Direction.values:
        errors.add("direction", f"'{direction}' is not one of: {', '.join(Direction.values)}.")
    subject = clean_text(subject, field="subject", max_length=255, errors=errors, required=True)
    body = clean_text(body, field="body", max_length=100_000, errors=errors)
    concerns = clean_text(concerns, field="concerns", max_length=80, errors=errors)
    message_id = clean_text(message_id, field="message_id", max_length=255, errors=errors).strip("<>")
    answered = selectors.interaction_list_for_user(user=actor).filter(pk=in_reply_to_id).first() if in_reply_to_id else None
    if in_reply_to_id and answered is None:
        errors.add("in_reply_to_id", f"No such interaction: {in_reply_to_id}.")
    account = selectors.visible_account(actor, account_id) if account_id else None
    contact = selectors.visible_contact(actor, contact_id) if contact_id else None
    lead = selectors.visible_lead(actor, lead_id) if lead_id else None
    if account_id and account is None:
        errors.add("account_id", f"No such account: {account_id}.")
    if contact_id and contact is None:
        errors.add("contact_id", f"No such contact: {contact_id}.")
    if lead_id and lead is None:
        errors.add("lead_id", f"No such lead: {lead_id}.")
    if not (account_id or contact_id or lead_id):
        errors.add("contact_id", "Say which account, contact or lead this interaction is with.")
    if occurred_at is not None and timezone.is_naive(occurred_at):
        errors.add("occurred_at", "Give a time zone (e.g. 2026-03-12T10:00:00+08:00).")
    errors.raise_if_any()
    if account is None and contact is not None and contact.account_id:
        account = contact.account
    with transaction.atomic():
        interaction = Interaction.objects.create(
            channel=channel,
            direction=direction,
            subject=subject,
            body=body,
            occurred_at=occurred_at or timezone.now(),
            user=actor,
            account=account,
            contact=contact,
            lead=lead,
            concerns=concerns,
            message_id=message_id,
            in_reply_to=answered,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=interaction,
            changes=diff({}, {"channel": channel, "direction": direction, "subject": subject, "body": body}),
            via=via,
        )
        events.publish(InteractionLogged(interaction.pk, channel, interaction.account_id, interaction.contact_id, interaction.lead_id))
    return interaction


def timeline_note(*, account_id: int, subject: str, body: str = "", concerns: str = "") -> Interaction:
    """Note on an account's timeline something Rapport did by itself (a contract renewed overnight).

    No person wrote it, so no one's view of the account decides whether it is kept: a job calls
    this, and the note shows as "Automatic" rather than as a contact with the customer.
    """
    with transaction.atomic():
        interaction = Interaction.objects.create(
            channel=Channel.SYSTEM,
            direction=Direction.OUTBOUND,
            subject=subject[:255],
            body=body,
            account_id=account_id,
            concerns=concerns[:80],
        )
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            record=interaction,
            changes=diff({}, {"channel": Channel.SYSTEM.value, "subject": interaction.subject, "body": body}),
            via="job",
        )
        events.publish(InteractionLogged(interaction.pk, Channel.SYSTEM.value, account_id, None, None))
    return interaction


def interaction_update(
    *, actor: User, interaction: Interaction, data: Mapping[str, Any], expected_version: int | None, via: str = "web"
) -> Interaction:
    """Correct an interaction's subject or details; only its author or an administrator may."""
    if interaction.user_id != actor.pk and not actor.is_administrator:
        raise PermissionDenied("Only the person who logged an interaction may correct it.")
    errors = Errors()
    values: dict[str, Any] = {}
    for key in data:
        if key not in {"subject", "body"}:
            errors.add(key, "Only subject and body can be corrected.")
    if "subject" in data:
        values["subject"] = clean_text(data["subject"], field="subject", max_length=255, errors=errors, required=True)
    if "body" in data:
        values["body"] = clean_text(data["body"], field="body", max_length=100_000, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        before = {k: getattr(interaction, k) for k in values}
        save_if_version(interaction, expected_version=expected_version, fields=values)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=interaction, changes=diff(before, values), via=via)
    return interaction


def interaction_delete(*, actor: User, interaction: Interaction, via: str = "web") -> None:
    if not actor.is_administrator:
        raise PermissionDenied("The timeline is a record of what happened: only administrators delete from it.")
    with transaction.atomic():
        pk = interaction.pk
        interaction.delete()
        interaction.pk = pk
        audit_record(actor=actor, action=AuditAction.DELETE, record=interaction, changes={"subject": [interaction.subject, None]}, via=via)


def consent_record(*, actor: User, person: Contact | Lead, channel: str, granted: bool, method: str, via: str = "web") -> ConsentRecord:
    """Record that a person gave or withdrew consent on a channel, and update their flag."""
    if channel not in ConsentChannel.values:
        raise ValidationFailed.for_field("channel", f"'{channel}' is not one of: {', '.join(ConsentChannel.values)}.")
    if not policies.can_see(actor, person):
        raise PermissionDenied("You may not change this person's consent.")
    errors = Errors()
    method = clean_text(method, field="method", max_length=120, errors=errors, required=True)
    errors.raise_if_any()
    flag = f"consent_{channel}"
    with transaction.atomic():
        before = getattr(person, flag)
        type(person)._default_manager.filter(pk=person.pk).update(**{flag: granted})
        setattr(person, flag, granted)
        link = {"contact": person} if isinstance(person, Contact) else {"lead": person}
        record = ConsentRecord.objects.create(channel=channel, granted=granted, method=method, recorded_by=actor, **link)
        audit_record(
            actor=actor, action=AuditAction.UPDATE, record=person, changes={flag: [before, granted]} if before != granted else {}, via=via
        )
    return record


def custom_field_define(
    *,
    actor: User,
    entity: str,
    key: str,
    label: str,
    field_type: str = CustomFieldType.TEXT,
    choices: list[str] | None = None,
    required: bool = False,
) -> CustomFieldDefinition:
    if not actor.is_administrator:
        raise PermissionDenied("Only administrators define custom fields.")
    errors = Errors()
    if entity not in CustomFieldEntity.values:
        errors.add("entity", f"Choose one of {', '.join(CustomFieldEntity.values)}.")
    if field_type not in CustomFieldType.values:
        errors.add("field_type", f"Choose one of {', '.join(CustomFieldType.values)}.")
    key = clean_text(key, field="key", max_length=50, errors=errors, required=True).lower()
    if key and not key.replace("_", "").isalnum():
        errors.add("key", "Use letters, digits and underscores only.")
    label = clean_text(label, field="label", max_length=100, errors=errors, required=True)
    if field_type == CustomFieldType.CHOICE and not choices:
        errors.add("choices", "A choice field needs at least one choice.")
    if CustomFieldDefinition.objects.filter(entity=entity, key=key).exists():
        errors.add("key", f"{entity} already has a field '{key}'.")
    errors.raise_if_any()
    position = CustomFieldDefinition.objects.filter(entity=entity).count()
    return CustomFieldDefinition.objects.create(
        entity=entity, key=key, label=label, field_type=field_type, choices=list(choices or []), required=required, position=position
    )


def custom_field_remove(*, actor: User, field_id: int) -> None:
    """Forget a custom field's definition; values already stored on records are kept in ``custom``."""
    if not actor.is_administrator:
        raise PermissionDenied("Only administrators define custom fields.")
    deleted, _ = CustomFieldDefinition.objects.filter(pk=field_id).delete()
    if not deleted:
        raise NotFound("No such custom field.")


def lead_assign(*, actor: User | None, lead: Lead, owner: User, team: Team | None, rule_label: str = "", via: str = "web") -> Lead:
    """Give a lead to ``owner`` (and ``team``), noting the assignment rule that chose them.

    ``actor=None`` is routing on arrival: an administrator's rule decided, so
    whoever created the lead needs no right to hand it over; a person
    reassigning needs the usual right to give records to that owner and team.
    """
    if actor is not None:
        if not (actor.is_administrator or policies.can_delete(actor, lead)):
            raise PermissionDenied("You may not reassign this lead.")
        if not policies.can_assign_to(actor, owner=owner, team=team):
            raise ValidationFailed.for_field("owner_id", "You may not assign records to this owner or team.")
    if not owner.is_active:
        raise ValidationFailed.for_field("owner_id", "This user is no longer active.")
    fields = {"owner_id": owner.pk, "team_id": team.pk if team else None, "routed_by": rule_label[:120]}
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        before = {name: getattr(locked, name) for name in fields}
        save_if_version(locked, expected_version=None, fields=fields)
        search.index_visibility(record_type="lead", record=locked)
        changes = diff(before, fields)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=changes, via=via)
        if changes:
            events.publish(CustomerRecordUpdated("lead", locked.pk, actor.pk if actor else None, tuple(changes), via))
    return locked


def interactions_reassign(*, actor: User, from_lead: Lead, to_contact: Contact | None, to_account: Account | None, via: str = "web") -> int:
    """Move a lead's timeline and consent history onto the contact (and account) it became.

    Returns how many interactions moved. Each moved interaction is audited, so
    the timeline shows where an entry came from.
    """
    if to_contact is None and to_account is None:
        raise ValidationFailed.for_field("contact_id", "Say which contact or account the timeline moves to.")
    if not policies.can_edit(actor, from_lead):
        raise PermissionDenied("You may not move this lead's timeline.")
    for record in (to_contact, to_account):
        if record is not None and not policies.can_see(actor, record):
            raise PermissionDenied("You may not move a timeline onto a record you cannot see.")
    with transaction.atomic():
        moved = list(Interaction.objects.select_for_update().filter(lead=from_lead).order_by("id"))
        for interaction in moved:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                record=interaction,
                changes={
                    "lead_id": [from_lead.pk, None],
                    "contact_id": [interaction.contact_id, to_contact.pk if to_contact else interaction.contact_id],
                    "account_id": [interaction.account_id, to_account.pk if to_account else interaction.account_id],
                },
                via=via,
            )
        target: dict[str, Any] = {"lead": None}
        if to_contact is not None:
            target["contact"] = to_contact
        if to_account is not None:
            target["account"] = to_account
        Interaction.objects.filter(pk__in=[i.pk for i in moved]).update(**target)
        if to_contact is not None:
            ConsentRecord.objects.filter(lead=from_lead).update(lead=None, contact=to_contact)
    return len(moved)


def lead_mark_converted(
    *, actor: User, lead: Lead, account: Account | None, contact: Contact, opportunity_ref: str = "", via: str = "web"
) -> Lead:
    """Close a lead as converted, keeping where it went; a lead is converted once."""
    if not policies.can_edit(actor, lead):
        raise PermissionDenied("You may see this lead but not change it.")
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.status == LeadStatus.CONVERTED:
            raise Conflict("This lead has already been converted.", field_errors={"status": ["This lead has already been converted."]})
        fields = {
            "status": LeadStatus.CONVERTED,
            "converted_at": timezone.now(),
            "converted_account_id": account.pk if account else None,
            "converted_contact_id": contact.pk,
            "converted_opportunity": opportunity_ref[:80],
        }
        before = {name: getattr(locked, name) for name in fields}
        save_if_version(locked, expected_version=None, fields=fields)
        changes = diff(before, fields)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=changes, via=via)
        events.publish(CustomerRecordUpdated("lead", locked.pk, actor.pk, tuple(changes), via))
    return locked
