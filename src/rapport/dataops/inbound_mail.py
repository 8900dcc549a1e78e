"""Inbound email filed on the interaction timeline: one implementation for .eml files, SMTP and the API.

``inbound_mail_file`` reads a message (``common.mail_parse``: bounded,
hostile input refused with a reason), then:

- **Known sender** (an email address on a contact, lead or account the
  filing user sees, matched case-insensitively): the message becomes an
  inbound email interaction on that record's timeline (a contact's also
  shows on its account's).
- **A reply** (its In-Reply-To or References name the Message-ID of an email
  on the timeline, one we sent, a quote say, or one filed here): it is filed
  on the same records as the message it answers, whoever sent it (the
  customer writing from a new address, a colleague answering for them), and
  linked to it ("reply to ..." on the timeline). This comes before the
  sender's address: the conversation says which customer it is about.
- **A reply in a known conversation** whose message it answers is not on the
  timeline (only its thread's first message is): it joins the customer of
  the conversation's latest filed message.
- **Unknown sender**: a new lead (source "Email", routed by the assignment
  rules like any other lead, its owner gets the follow-up to-do) with the
  message on its timeline. A CRM user expects a person who writes in for the
  first time to show up as a lead to qualify, not in a separate inbox.
- **Machine-sent mail** (auto-replies, mailing lists, bounces, no valid
  sender) is not filed and creates no lead; it is recorded as skipped with
  the reason, so it is not read again.
- An address that belongs to a record the filing user may not see is not
  filed either (no duplicate lead is made), and not remembered: file it again
  as a user who sees the record.

Each Message-ID is filed once (a message without one is keyed by a digest of
its bytes): the interaction, the new lead and the ``InboundMail`` row commit
together, so a run interrupted half-way and started again files nothing twice.
Attachments are kept with the interaction by the upload rules every file
follows (``customers.attachments``: type judged by content, size bounded,
names sanitised, archives checked); one those rules refuse is listed on the
interaction with the reason, and the message is filed all the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from rapport.common.errors import PermissionDenied
from rapport.common.mail_parse import (
    MAX_HEADER_BYTES,
    MAX_REFERENCES,
    MailRefused,
    ParsedMail,
    clean_line,
    decode_text,
    decode_words,
    max_mail_bytes,
    parse_mail,
)
from rapport.core.models import User
from rapport.customers import selectors as customer_selectors
from rapport.customers import services as customer_services
from rapport.customers.attachments import interaction_attachments_discard, interaction_attachments_store
from rapport.customers.models import (
    Account,
    Channel,
    Contact,
    ContactPoint,
    ContactPointKind,
    Direction,
    Interaction,
    InteractionAttachment,
    Lead,
)
from rapport.dataops.models import InboundMail, InboundMailOutcome
from rapport.sales.assignment import lead_route

BODY_ROOM = 100_000  # interaction_log's bound on the body


@dataclass(frozen=True)
class MailFiled:
    """What became of one message, for the door to show."""

    outcome: str  # filed, duplicate, skipped
    message_id: str
    subject: str
    sender: str
    reason: str = ""
    interaction_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None
    created_lead: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _thread_id(parsed: ParsedMail) -> str:
    if parsed.references:
        return parsed.references[0]
    return parsed.in_reply_to or parsed.message_id


def _customer_of_thread(actor: User, parsed: ParsedMail) -> Account | Any | None:
    """The customer an earlier message of this conversation was filed on, if the actor sees it."""
    ids = {*parsed.references, parsed.in_reply_to} - {""}
    if not ids:
        return None
    earlier = (
        InboundMail.objects.filter(Q(message_id__in=ids) | Q(thread_id__in=ids), interaction__isnull=False)
        .order_by("-received_at", "-id")
        .values_list("interaction_id", flat=True)
    )
    for interaction_id in earlier[:5]:
        found = customer_selectors.interaction_list_for_user(user=actor).filter(pk=interaction_id).first()
        if found is not None:
            return customer_of(found)
    return None


def mail_answers(*, actor: User, parsed: ParsedMail) -> Interaction | None:
    """The interaction ``actor`` sees whose email this message answers: In-Reply-To first, then References
    from the newest back (a reply names its parent last)."""
    ids = list(dict.fromkeys(i for i in (parsed.in_reply_to, *reversed(parsed.references)) if i and i != parsed.message_id))
    if not ids:
        return None
    candidates = customer_selectors.interaction_list_for_user(user=actor).filter(message_id__in=ids).order_by("occurred_at", "id")
    found = {interaction.message_id: interaction for interaction in candidates[: 2 * MAX_REFERENCES]}
    return next((found[i] for i in ids if i in found), None)


def customer_of(interaction: Interaction) -> Contact | Lead | Account | None:
    """The record an interaction is filed on (a contact's interaction also shows on its account's timeline)."""
    return interaction.contact or interaction.lead or interaction.account


def _known_elsewhere(address: str) -> bool:
    """Some record has this address, visible or not: a new lead would be a duplicate."""
    return (
        ContactPoint.objects.annotate(address_ci=Lower("normalised"))
        .filter(kind=ContactPointKind.EMAIL, address_ci=address.lower())
        .filter(Q(contact__isnull=False) | Q(lead__isnull=False, lead__converted_at__isnull=True) | Q(account__isnull=False))
        .exists()
    )


def mail_attachments_summary(parsed: ParsedMail, kept: list[InteractionAttachment] | None = None) -> list[dict[str, Any]]:
    """What came attached and what became of it (the rows stored with the interaction, when it was filed)."""
    rows: list[InteractionAttachment | None] = list(kept) if kept is not None else [None] * len(parsed.attachments)
    return [
        {
            "filename": row.filename if row else a.filename,
            "kind": a.kind,
            "size": a.size,
            "kept": bool(row and row.kept),
            "reason": (row.refused if row else "The message was not filed.") if not (row and row.kept) else "",
        }
        for a, row in zip(parsed.attachments, rows, strict=True)
    ]


def _body(parsed: ParsedMail) -> str:
    """What the timeline shows: who wrote, the text, then what was repaired (the attachments are listed beside it)."""
    who = f"{parsed.sender_name} <{parsed.sender}>" if parsed.sender_name else parsed.sender
    tail = ""
    if parsed.notes:
        tail += "\n\n" + "\n".join(f"Note: {note}" for note in parsed.notes)
    head = f"From: {who}\n\n"
    room = BODY_ROOM - len(head) - len(tail)
    return head + parsed.body[: max(room, 0)] + tail


def _filed(entry: InboundMail, actor: User, outcome: str, parsed: ParsedMail, created_lead: bool = False) -> MailFiled:
    interaction = None
    if entry.interaction_id:
        interaction = customer_selectors.interaction_list_for_user(user=actor).filter(pk=entry.interaction_id).first()
    return MailFiled(
        outcome=outcome,
        message_id=entry.message_id,
        subject=entry.subject,
        sender=entry.sender,
        reason=entry.reason,
        interaction_id=interaction.pk if interaction else None,
        account_id=interaction.account_id if interaction else None,
        contact_id=interaction.contact_id if interaction else None,
        lead_id=interaction.lead_id if interaction else None,
        created_lead=created_lead,
        attachments=list(entry.attachments),
        notes=list(parsed.notes),
    )


def _entry(actor: User, parsed: ParsedMail, via: str, kept: list[InteractionAttachment] | None = None, **outcome: Any) -> InboundMail:
    """The message's bookkeeping row, not yet saved."""
    return InboundMail(
        message_id=parsed.message_id,
        thread_id=_thread_id(parsed),
        in_reply_to=parsed.in_reply_to,
        sender=parsed.sender,
        subject=parsed.subject,
        received_via=via,
        received_by=actor,
        attachments=mail_attachments_summary(parsed, kept),
        **outcome,
    )


def _skip(actor: User, parsed: ParsedMail, via: str, reason: str, *, raw: bytes = b"", keep: bool = True) -> InboundMail:
    """The skipped message's row; kept (so it is not read again) unless someone else may still file it.
    Its bytes are kept with it, so an administrator can file a message skipped wrongly."""
    entry = _entry(
        actor, parsed, via, outcome=InboundMailOutcome.SKIPPED, reason=reason[:300], skip_reason=parsed.automated_kind, raw=raw or None
    )
    if keep:
        entry.save()
    return entry


_FROM_LINE = re.compile(rb"^From:[ \t]*([^\r\n]{1,300})", re.IGNORECASE | re.MULTILINE)
_SUBJECT_LINE = re.compile(rb"^Subject:[ \t]*([^\r\n]{1,300})", re.IGNORECASE | re.MULTILINE)


def _head_line(pattern: re.Pattern[bytes], head: bytes) -> str:
    """One header of a message that cannot be parsed whole, read as a single clean line ("" when absent)."""
    found = pattern.search(head)
    return clean_line(decode_words(decode_text(found.group(1), None, []), [])) if found else ""


def _refused(actor: User, raw: bytes, via: str, refusal: MailRefused, *, size: int | None = None) -> None:
    """A message that cannot be read is listed as skipped too (once per bytes), with who it seems to be from
    and its subject when its head says (the page shows "(no subject)" otherwise)."""
    head = raw[:MAX_HEADER_BYTES]
    sender = parseaddr(_head_line(_FROM_LINE, head))[1][:254]
    digest = hashlib.sha256(raw)
    if size is not None:
        digest.update(f"/{size}".encode())  # only the head was read: the head and the size say which message
    key = f"sha256-{digest.hexdigest()}@rapport.invalid"
    InboundMail.objects.get_or_create(
        message_id=key,
        defaults={
            "thread_id": key,
            "sender": sender,
            "subject": _head_line(_SUBJECT_LINE, head)[:255],
            "received_via": via,
            "received_by": actor,
            "outcome": InboundMailOutcome.SKIPPED,
            "skip_reason": refusal.kind,
            "reason": f"Not filed: {refusal}"[:300],
        },
    )


def _new_lead(actor: User, parsed: ParsedMail, via: str) -> Lead:
    name = parsed.sender_name or parsed.sender.split("@", 1)[0]
    lead = customer_services.lead_create(
        actor=actor,
        data={"full_name": name[:200], "source": "Email", "emails": [{"value": parsed.sender, "label": "work"}]},
        via=via,
    )
    lead_route(lead=lead, via=via)
    return lead


def _file(actor: User, parsed: ParsedMail, via: str, raw: bytes) -> tuple[InboundMail, bool]:
    """Write the message's rows in one transaction; returns its bookkeeping row and whether a lead was made."""
    if parsed.automated:
        return _skip(actor, parsed, via, f"Not filed: {parsed.automated}.", raw=raw), False
    answers = mail_answers(actor=actor, parsed=parsed)
    customer = customer_of(answers) if answers else None
    if customer is None:
        customer = customer_selectors.customer_by_email_for_user(user=actor, address=parsed.sender)
    if customer is None:
        customer = _customer_of_thread(actor, parsed)
    created_lead = None
    if customer is None:
        if _known_elsewhere(parsed.sender):
            return _skip(
                actor, parsed, via, f"Not filed: {parsed.sender} belongs to a record {actor.username} may not see.", keep=False
            ), False
        customer = created_lead = _new_lead(actor, parsed, via)
    interaction, kept = interaction_of_mail(actor=actor, parsed=parsed, customer=customer, via=via, answers=answers)
    try:
        entry = _entry(actor, parsed, via, kept, outcome=InboundMailOutcome.FILED, interaction=interaction, created_lead=created_lead)
        entry.save()
    except Exception:
        interaction_attachments_discard(attachments=kept)
        raise
    return entry, created_lead is not None


def interaction_of_mail(
    *, actor: User, parsed: ParsedMail, customer: Contact | Lead | Account, via: str, answers: Interaction | None = None
) -> tuple[Interaction, list[InteractionAttachment]]:
    """The inbound email interaction on ``customer``'s timeline (the one way mail reaches a timeline), with its
    Message-ID, the interaction it ``answers`` and its attachments kept or listed as refused. A caller whose
    transaction fails after this discards the attachments."""
    kind = customer._meta.model_name
    interaction = customer_services.interaction_log(
        actor=actor,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        subject=parsed.subject,
        body=_body(parsed),
        occurred_at=parsed.date or timezone.now(),
        account_id=customer.pk if kind == "account" else None,
        contact_id=customer.pk if kind == "contact" else None,
        lead_id=customer.pk if kind == "lead" else None,
        message_id=parsed.message_id,
        in_reply_to_id=answers.pk if answers else None,
        via=via,
    )
    files = [(a.filename, a.payload) for a in parsed.attachments]
    kept = interaction_attachments_store(actor=actor, interaction=interaction, files=files, via=via) if files else []
    return interaction, kept


def inbound_mail_too_large(*, actor: User, head: bytes, size: int, via: str) -> MailRefused:
    """A message over ``RAPPORT_MAX_MAIL_BYTES`` that a door refused before reading it all: listed as
    skipped (from its head, where the sender is) and returned as the refusal to raise."""
    limit = max_mail_bytes()
    refusal = MailRefused(f"The message is larger than {limit // (1024 * 1024)} MB.", kind="too_large")
    _refused(actor, head[:MAX_HEADER_BYTES], via, refusal, size=size)
    return refusal


def inbound_mail_file(*, actor: User, raw: bytes, via: str) -> MailFiled:
    """File one RFC 5322 message for ``actor``; ``MailRefused`` (422 on ``file``) when it cannot be read."""
    if not actor.is_active:
        raise PermissionDenied("An inactive user files nothing.")
    try:
        parsed = parse_mail(raw)
    except MailRefused as refusal:
        _refused(actor, raw, via, refusal)
        raise
    existing = InboundMail.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return _filed(existing, actor, "duplicate", parsed)
    try:
        with transaction.atomic():
            entry, created_lead = _file(actor, parsed, via, raw)
    except IntegrityError:
        # Another delivery of the same message committed first: it is filed once, by that one.
        existing = InboundMail.objects.filter(message_id=parsed.message_id).first()
        if existing is None:
            raise
        return _filed(existing, actor, "duplicate", parsed)
    return _filed(entry, actor, entry.outcome, parsed, created_lead)
