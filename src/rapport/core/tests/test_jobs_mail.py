"""Email over real SMTP: an aiosmtpd server on loopback receives what the worker sends."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.common.errors import ValidationFailed
from rapport.core.jobs.mail import email_queue, send_email
from rapport.core.models import OutboundEmail, OutboundEmailStatus
from rapport.core.tests.smtp import free_port, make_worker

pytestmark = pytest.mark.django_db


def queue(django_capture_on_commit_callbacks: Any, **kwargs: Any) -> tuple[OutboundEmail, DBTaskResult]:
    with django_capture_on_commit_callbacks(execute=True):
        message = email_queue(**kwargs)
    return message, DBTaskResult.objects.get(task_path=send_email.module_path, args_kwargs__kwargs__outbound_email_id=message.pk)


def test_queued_email_is_delivered_over_smtp_by_the_worker(smtp, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    message, result = queue(
        django_capture_on_commit_callbacks,
        to=["Li.Na@Example.COM", "ops@example.com"],
        subject="Your quote Q-1042 — 报价",
        body="Dear Ms Li,\nplease find the quote attached.",
        html_body="<p>Dear Ms Li,</p>",
    )
    assert message.to == ["Li.Na@example.com", "ops@example.com"]

    make_worker().run_once()

    result.refresh_from_db()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == message.message_id
    message.refresh_from_db()
    assert message.status == OutboundEmailStatus.SENT
    assert message.sent_at is not None
    assert len(inbox.received) == 1
    recipients, received = inbox.received[0]
    assert recipients == ["Li.Na@example.com", "ops@example.com"]
    assert received["Message-ID"] == message.message_id
    assert received["From"] == "Rapport <crm@localhost>"
    assert received["To"] == "Li.Na@example.com, ops@example.com"
    assert str(make_header(decode_header(received["Subject"]))) == "Your quote Q-1042 — 报价"
    assert received.is_multipart()
    assert [part.get_content_type() for part in received.get_payload()] == ["text/plain", "text/html"]

    # Run again (a retry after a lost "success"): nothing is sent twice.
    assert send_email.call(outbound_email_id=message.pk) == message.message_id
    assert len(inbox.received) == 1


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"subject": "Hello\r\nBcc: everyone@example.com"}, "subject"),
        ({"subject": "Hello\nX-Injected: 1"}, "subject"),
        ({"to": ["a@example.com\r\nBcc: everyone@example.com"]}, "to[0]"),
        ({"from_email": "crm@example.com\nBcc: everyone@example.com"}, "from_email"),
        # Display names: the text before <address> is a header too.
        ({"from_email": "Rapport Sales\r\nBcc: everyone@example.com <crm@example.com>"}, "from_email"),
        ({"from_email": "Rapport\r <crm@example.com>"}, "from_email"),
        ({"to": ["ops@example.com", "Li Na\r\nBcc: everyone@example.com <li@example.com>"]}, "to[1]"),
        # An attachment's file name lands in a Content-Disposition header.
        ({"attachments": [("quote.pdf\r\nX-Injected: 1", b"%PDF-1.4", "application/pdf")]}, "attachments[0]"),
    ],
)
def test_line_breaks_in_headers_are_refused_and_nothing_is_queued(smtp, django_capture_on_commit_callbacks, fields, field_name):
    inbox, _ = smtp
    message = {"to": ["a@example.com"], "subject": "Hello", "body": "Hi", **fields}
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as error:
        email_queue(**message)
    assert error.value.field_errors == {field_name: ["Line breaks (CR or LF) are not allowed in an email header."]}
    assert OutboundEmail.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert inbox.received == []


def test_the_task_refuses_a_stored_message_with_an_injected_header_without_retrying(smtp):
    inbox, _ = smtp
    message = OutboundEmail.objects.create(
        from_email="crm@example.com", to=["a@example.com"], subject="Hi\r\nBcc: x@example.com", body="b", message_id="<m1@example.com>"
    )
    result = send_email.enqueue(outbound_email_id=message.pk)
    make_worker().run_once()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 1
    assert "subject: Line breaks (CR or LF) are not allowed in an email header." in row.traceback
    message.refresh_from_db()
    assert message.status == OutboundEmailStatus.FAILED
    assert inbox.received == []


def test_smtp_connection_errors_are_retried_until_the_server_answers(smtp, settings, django_capture_on_commit_callbacks):
    inbox, controller = smtp
    settings.EMAIL_PORT = free_port()  # nobody listens there
    message, result = queue(django_capture_on_commit_callbacks, to=["a@example.com"], subject="Reminder", body="Call Mr Wang")
    worker = make_worker()

    before = timezone.now()
    worker.run_once()
    result.refresh_from_db()
    assert result.status == TaskResultStatus.READY
    assert result.exception_class_path == "builtins.ConnectionRefusedError"
    # send_email waits 30 s after its first failure, less up to half for jitter.
    assert before + timedelta(seconds=15) <= result.run_after <= timezone.now() + timedelta(seconds=30)
    message.refresh_from_db()
    assert message.status == OutboundEmailStatus.QUEUED
    assert message.last_error.startswith("ConnectionRefusedError:")

    settings.EMAIL_PORT = controller.port
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now())  # the retry is due
    worker.run_once()
    result.refresh_from_db()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert len(result.worker_ids) == 2
    assert [r for r, _ in inbox.received] == [["a@example.com"]]
    message.refresh_from_db()
    assert (message.status, message.last_error) == (OutboundEmailStatus.SENT, "")


def test_a_refused_recipient_fails_the_message_without_retrying(smtp, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    message, result = queue(django_capture_on_commit_callbacks, to=["nobody@refused.example"], subject="Hi", body="b")
    make_worker().run_once()
    result.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "smtplib.SMTPRecipientsRefused"
    message.refresh_from_db()
    assert message.status == OutboundEmailStatus.FAILED
    assert "No such user" in message.last_error
    assert inbox.received == []
