"""Inbound mail that was not filed: the administrators' list, and filing a message skipped wrongly.

Only administrators see skipped mail: it is everyone's mail, addressed to the
shared inbox and not yet on any customer's timeline, so the usual visibility
by owner and team has nothing to go by. Filing one puts it on the record the
administrator chose (an auto-reply that was really a customer's answer, a
newsletter reply from a person), exactly as if it had been filed on arrival,
and writes the audit entry. The page, the API and the CLI all call
``skipped_mail_file``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.common.mail_parse import parse_mail
from rapport.core.audit import audit_record
from rapport.core.models import AuditAction, User
from rapport.customers import selectors as customer_selectors
from rapport.customers.attachments import interaction_attachments_discard
from rapport.customers.models import Account, Contact, Interaction, Lead
from rapport.dataops.inbound_mail import customer_of, interaction_of_mail, mail_answers, mail_attachments_summary
from rapport.dataops.models import InboundMail, InboundMailOutcome, InboundMailSkip

# The fields that may name the record, in the order a message is looked for on arrival.
RECORD_FIELDS = ("contact_id", "lead_id", "account_id")
# What the list shows: never the message's bytes.
LIST_FIELDS = ("id", "message_id", "sender", "subject", "received_at", "received_via", "skip_reason", "reason")
# A message that was skipped on arrival, whether or not it has been filed since (filing keeps its reason code,
# so a stale page or a repeated request finds it and hears "filed already" instead of "no such message").
_EVER_SKIPPED = Q(outcome=InboundMailOutcome.SKIPPED) | ~Q(skip_reason="")


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
    """One message skipped on arrival (filed since or not); 404 for anyone but an administrator, so nothing says it exists."""
    if not (user.is_active and user.is_administrator):
        raise NotFound("No such message.")
    found = InboundMail.objects.filter(_EVER_SKIPPED, pk=mail_id).select_related("interaction").first()
    if found is None:
        raise NotFound("No such message.")
    return found


def skipped_mail_sender_record(*, user: User, entry: InboundMail) -> Contact | Lead | Account | None:
    """The record the sender's address belongs to, if any: the likely place to file an auto-reply."""
    return customer_selectors.customer_by_email_for_user(user=user, address=entry.sender) if entry.sender else None


def _record(actor: User, chosen: dict[str, int | None]) -> Contact | Lead | Account:
    """The one record named by ``contact_id``, ``lead_id`` or ``account_id``; 422 naming the field otherwise."""
    given = {name: value for name, value in chosen.items() if value}
    if not given:
        raise ValidationFailed.for_field("contact_id", "Choose the contact, lead or account to file it on.")
    if len(given) > 1:
        message = "Choose one record: a contact, a lead or an account."
        raise ValidationFailed(message, field_errors={name: [message] for name in given})
    ((name, record_id),) = given.items()
    finder = {
        "contact_id": customer_selectors.visible_contact,
        "lead_id": customer_selectors.visible_lead,
        "account_id": customer_selectors.visible_account,
    }[name]
    record = finder(actor, record_id)
    if record is None:
        raise ValidationFailed.for_field(name, f"No such {name.removesuffix('_id')}: {record_id}.")
    return record


def skipped_mail_file(
    *,
    actor: User,
    mail_id: int,
    contact_id: int | None = None,
    lead_id: int | None = None,
    account_id: int | None = None,
    via: str = "web",
) -> Interaction:
    """File a skipped message on the chosen contact, lead or account; its bytes are dropped once filed.

    404 for anyone but an administrator and for an unknown message; 422 naming the field for no record,
    several, or one that does not exist; 409 when the message has been filed already or could not be read.
    """
    skipped_mail_get_for_user(user=actor, mail_id=mail_id)
    record = _record(actor, {"contact_id": contact_id, "lead_id": lead_id, "account_id": account_id})
    with transaction.atomic():
        # The row lock makes two administrators filing the same message at once file it once.
        entry = InboundMail.objects.select_for_update().get(pk=mail_id)
        if entry.outcome != InboundMailOutcome.SKIPPED:
            raise Conflict("This message has been filed already.")
        if not entry.raw:
            # Nothing the request could change: the message's state is in the way, as with one filed already.
            raise Conflict("This message could not be read, so there is nothing to file.")
        parsed = parse_mail(bytes(entry.raw))
        answers = mail_answers(actor=actor, parsed=parsed)
        if answers is not None and customer_of(answers) != record:
            answers = None  # filed elsewhere than the message it answers: not shown as a reply to it
        interaction, kept = interaction_of_mail(actor=actor, parsed=parsed, customer=record, via=via, answers=answers)
        try:
            _mark_filed(actor, entry, interaction, str(record._meta.model_name), mail_attachments_summary(parsed, kept), via)
        except Exception:
            interaction_attachments_discard(attachments=kept)
            raise
    return interaction


def _mark_filed(actor: User, entry: InboundMail, interaction: Interaction, kind: str, attachments: list[dict[str, Any]], via: str) -> None:
    before = {"outcome": entry.outcome, "interaction": None}
    entry.outcome = InboundMailOutcome.FILED
    entry.interaction = interaction
    entry.reason = f"Filed by {actor.username} on the {kind} after it was skipped ({entry.skip_reason or 'skipped'})."[:300]
    entry.raw = None
    entry.attachments = attachments
    entry.save(update_fields=["outcome", "interaction", "reason", "raw", "attachments"])
    after = {"outcome": entry.outcome, "interaction": interaction.pk}
    audit_record(actor=actor, action=AuditAction.UPDATE, record=entry, changes={key: [before[key], after[key]] for key in before}, via=via)
