"""``rapport mail serve``'s receiver over real SMTP on loopback: smtplib sends, the reply says what became of it."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapport.core.tests.smtp import free_port
from rapport.customers.models import Interaction, Lead
from rapport.customers.services import contact_create
from rapport.dataops.mail_receiver import mail_receiver
from rapport.dataops.models import InboundMail

# The receiver files on its own thread: the rows must be committed for it to see them.
pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = Path(__file__).resolve().parent / "mail"


@pytest.fixture
def receiver(users: dict[str, Any], settings: Any) -> Iterator[Any]:
    settings.RAPPORT_MAX_MAIL_BYTES = 64 * 1024
    controller = mail_receiver(user=users["admin"], port=free_port())
    controller.start()
    yield controller
    controller.stop()


def _send(controller: Any, raw: bytes, sender: str = "zhang.wei@suzhou-pumps.example.cn") -> tuple[int, bytes]:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.ehlo()
        client.mail(sender)
        client.rcpt("sales@rapport.example")
        return client.data(raw)


def test_mail_sent_over_smtp_is_filed_once_and_bad_mail_is_refused_with_the_reason(users, receiver):
    zhang = contact_create(actor=users["admin"], data={"full_name": "张伟", "emails": [{"value": "zhang.wei@suzhou-pumps.example.cn"}]})
    raw = (SAMPLES / "chinese_gb2312.eml").read_bytes()

    code, reply = _send(receiver, raw)
    interaction = Interaction.objects.get()
    assert (code, reply.decode()) == (250, f"2.0.0 Filed as interaction {interaction.pk}")
    assert (interaction.contact, interaction.subject) == (zhang, "关于水泵报价单（朱镕）")
    assert InboundMail.objects.get().received_via == "smtp"

    # The sending server retried (it missed our answer): accepted, not filed again.
    assert _send(receiver, raw) == (250, b"2.0.0 Already filed")
    assert _send(receiver, (SAMPLES / "auto_reply.eml").read_bytes()) == (
        250,
        b"2.0.0 Accepted, not filed: Not filed: sent automatically (Auto-Submitted: auto-replied).",
    )
    assert _send(receiver, (SAMPLES / "new_sender_html.eml").read_bytes(), "anna@shenzhen-solar.example.com")[0] == 250
    assert Lead.objects.get().full_name == "Anna Schmidt"

    # Hostile mail: a permanent refusal that says why, so the sender's server bounces it with the reason.
    nested = b"From: eve@example.cn\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + b"".join(
        b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" for _ in range(300)
    )
    assert _send(receiver, nested) == (554, b"5.6.0 The message has more than 200 parts.")
    assert _send(receiver, b"To: x@example.cn\r\n\r\nno sender at all") == (
        250,
        b"2.0.0 Accepted, not filed: Not filed: no valid sender address.",
    )
    # Over RAPPORT_MAX_MAIL_BYTES: 552, announced (ESMTP SIZE, refused at MAIL FROM) or not (refused after DATA).
    huge = b"From: eve@example.cn\r\n\r\n" + (b"a" * 70 + b"\r\n") * 1000
    assert _send(receiver, huge)[0] == 552
    with pytest.raises(smtplib.SMTPSenderRefused) as refused, smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        client.sendmail("eve@example.cn", ["sales@rapport.example"], huge)
    assert refused.value.smtp_code == 552
    assert Interaction.objects.count() == 2
