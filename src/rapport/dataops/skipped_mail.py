"""Inbound mail that was not filed: the administrators' list, and filing a message skipped wrongly.

Only administrators see skipped mail: it is everyone's mail, addressed to the
shared inbox and not yet on any customer's timeline, so the usual visibility
by owner and team has nothing to go by. Filing one puts it on the record the
administrator chose (an auto-reply that was really a customer's answer, a
newsletter reply from a person), exactly as if it had been filed on arrival,
and writes the audit entry.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.common.mail_parse import parse_mail
from rapport.core.audit import audit_record
from rapport.core.models import AuditAction, User
from rapport.customers import selectors as customer_selectors
from rapport.customers.models import Account, Contact, Interaction, Lead
from rapport.dataops.inbound_mail import interaction_of_mail
from rapport.dataops.models import InboundMail, InboundMailOutcome, InboundMailSkip

RECORD_KINDS = ("contact", "lead", "account")
# What the list shows: never the message's bytes.
LIST_FIELDS = ("id", "message_id", "sender", "subject", "received_at", "received_via", "skip_reason", "reason")


def _require_administrator(user: User) -> None:
    if not (user.is_active and user.is_administrator):
        raise PermissionDenied("Only administrators see skipped mail.")


def skipped_mail_list_for_user(*, user: User, reason: str = "") -> QuerySet[InboundMail]:
    """Skipped messages, newest first; ``reason`` one of ``InboundMailSkip`` or "" for all."""
    _require_administrator(user)
    if reason and reason not in InboundMailSkip.values:
        raise ValidationFailed.for_field("reason", f"'{reason}' is not one of: {', '.join(InboundMailSkip.values)}.")
    rows = InboundMail.objects.filter(outcome=InboundMailOutcome.SKIPPED).only(*LIST_FIELDS)
    return rows.filter(skip_reason=reason) if reason else rows


def skipped_mail_get_for_user(*, user: User, mail_id: int) -> InboundMail:
    """One skipped message; 404 for anyone else (nothing says it exists)."""
    if not (user.is_active and user.is_administrator):
        raise NotFound("No such message.")
    found = InboundMail.objects.filter(pk=mail_id, outcome=InboundMailOutcome.SKIPPED).first()
    if found is None:
        raise NotFound("No such message.")
    return found


def _record(actor: User, kind: str, record_id: int) -> Contact | Lead | Account:
    if kind not in RECORD_KINDS:
        raise ValidationFailed.for_field("record_kind", f"'{kind}' is not one of: {', '.join(RECORD_KINDS)}.")
    finder = {
        "contact": customer_selectors.visible_contact,
        "lead": customer_selectors.visible_lead,
        "account": customer_selectors.visible_account,
    }[kind]
    record = finder(actor, record_id)
    if record is None:
        raise ValidationFailed.for_field("record_id", f"No {kind} with id {record_id} that you can see.")
    return record


def skipped_mail_file(*, actor: User, mail_id: int, record_kind: str, record_id: int, via: str = "web") -> Interaction:
    """File a skipped message on the chosen contact, lead or account; its bytes are dropped once filed."""
    _require_administrator(actor)
    record = _record(actor, record_kind, record_id)
    with transaction.atomic():
        entry = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
        if entry is None:
            raise NotFound("No such message.")
        if entry.outcome != InboundMailOutcome.SKIPPED:
            raise Conflict("This message has been filed already.")
        if not entry.raw:
            raise ValidationFailed.for_field("message", "This message could not be read, so there is nothing to file.")
        parsed = parse_mail(bytes(entry.raw))
        interaction = interaction_of_mail(actor=actor, parsed=parsed, customer=record, via=via)
        before = {"outcome": entry.outcome, "interaction": None}
        entry.outcome = InboundMailOutcome.FILED
        entry.interaction = interaction
        entry.reason = f"Filed by {actor.username} on the {record_kind} after it was skipped ({entry.skip_reason or 'skipped'})."[:300]
        entry.raw = None
        entry.save(update_fields=["outcome", "interaction", "reason", "raw"])
        after = {"outcome": entry.outcome, "interaction": interaction.pk}
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=entry,
            changes={key: [before[key], after[key]] for key in before},
            via=via,
        )
    return interaction
