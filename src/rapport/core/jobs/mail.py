"""Email over SMTP: ``email_queue`` records and enqueues, the ``send_email`` task sends.

Every message is a row (``OutboundEmail``) before it is a task, so the task
takes an id and repeats safely: a message already marked sent is not sent
again. The Message-ID is fixed when the row is written; if a worker dies
between the SMTP server's "250 OK" and marking the row sent, the retry sends
the same Message-ID and the receiving side can drop the duplicate.

Header injection: a subject or address with CR or LF would let the text after
it become a header of its own (``Bcc: everyone@...``). ``email_queue`` refuses
it naming the field, and the task checks again before anything reaches SMTP.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rapport.common.emails import normalise_email
from rapport.common.errors import NotFound, ValidationFailed
from rapport.core.jobs.retry import retrying
from rapport.core.models import OutboundEmail, OutboundEmailAttachment, OutboundEmailStatus

_LINE_BREAKS = ("\r", "\n")


def _no_line_breaks(value: str, *, field: str) -> str:
    if any(ch in value for ch in _LINE_BREAKS):
        raise ValidationFailed.for_field(field, "Line breaks (CR or LF) are not allowed in an email header.")
    return value


def _checked_address(raw: str, *, field: str) -> str:
    _no_line_breaks(raw, field=field)
    return normalise_email(raw, field=field)


def _transient(exc: BaseException) -> bool:
    """Connection trouble and 4xx replies pass; a 5xx reply (bad recipient, refused) will not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, OSError)


def email_queue(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html_body: str = "",
    from_email: str | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> OutboundEmail:
    """Check the message, store it and send it from the worker once the caller's transaction commits.

    ``attachments`` are (file name, content, MIME type), stored with the message.
    """
    if not to:
        raise ValidationFailed.for_field("to", "Name at least one recipient.")
    recipients = [_checked_address(address, field=f"to[{i}]") for i, address in enumerate(to)]
    sender = _no_line_breaks(from_email or settings.DEFAULT_FROM_EMAIL, field="from_email")
    subject = _no_line_breaks(subject, field="subject")
    if len(subject) > 998:
        raise ValidationFailed.for_field("subject", "A subject has at most 998 characters.")
    for i, (filename, _content, _type) in enumerate(attachments):
        _no_line_breaks(filename, field=f"attachments[{i}]")
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    message = OutboundEmail.objects.create(
        from_email=sender,
        to=recipients,
        subject=subject,
        body=body,
        html_body=html_body,
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
    )
    for filename, content, content_type in attachments:
        OutboundEmailAttachment.objects.create(email=message, filename=filename[:200], content_type=content_type, content=content)
    transaction.on_commit(lambda: send_email.enqueue(outbound_email_id=message.pk))
    return message


@retrying(max_attempts=6, base_delay=30.0, max_delay=1800.0, give_up_on=(ValidationFailed, NotFound), retry_if=_transient)
@task()
def send_email(outbound_email_id: int) -> str:
    """Send one queued message over SMTP; returns its Message-ID."""
    message = OutboundEmail.objects.filter(pk=outbound_email_id).first()
    if message is None:
        raise NotFound(f"No outbound email {outbound_email_id}.")
    if message.status == OutboundEmailStatus.SENT:
        return message.message_id
    try:
        # Rows written by other code than email_queue are checked here too.
        _no_line_breaks(message.subject, field="subject")
        _no_line_breaks(message.from_email, field="from_email")
        for i, address in enumerate(message.to):
            _no_line_breaks(address, field=f"to[{i}]")
    except ValidationFailed as exc:
        OutboundEmail.objects.filter(pk=message.pk).update(status=OutboundEmailStatus.FAILED, last_error=exc.message)
        raise
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email,
        to=list(message.to),
        headers={"Message-ID": message.message_id},
        connection=get_connection(fail_silently=False),
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    try:
        email.send()
    except Exception as exc:
        status = OutboundEmailStatus.QUEUED if _transient(exc) else OutboundEmailStatus.FAILED
        OutboundEmail.objects.filter(pk=message.pk).update(status=status, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    OutboundEmail.objects.filter(pk=message.pk).update(status=OutboundEmailStatus.SENT, sent_at=timezone.now(), last_error="")
    return message.message_id
