"""Replies thread onto what they answer, over real SMTP both ways: a quote goes out through the worker to a loopback
server, the customer's answer comes back through ``rapport mail serve``'s receiver and lands beside it."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client

from rapport.core.tests.smtp import free_port, make_worker
from rapport.customers.models import Interaction, Lead
from rapport.customers.services import account_create, contact_create, lead_create
from rapport.dataops.mail_receiver import mail_receiver

# The receiver files on its own thread: the rows must be committed for it to see them.
pytestmark = pytest.mark.django_db(transaction=True)

ZHANG = "zhang.wei@huaxing.example.cn"


@pytest.fixture
def receiver(users: dict[str, Any]) -> Iterator[Any]:
    controller = mail_receiver(user=users["admin"], port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def sent_quote(users: dict[str, Any], smtp: Any) -> dict[str, Any]:
    """A quote emailed to Zhang Wei of 华星上海, sent over SMTP by the worker; what the customer's mailbox received."""
    from rapport.sales.quotes import quote_create, quote_send

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "华星上海"})
    zhang = contact_create(actor=rep, data={"full_name": "张伟", "account_id": account.pk, "emails": [{"value": ZHANG}]})
    quote = quote_create(
        actor=rep,
        data={
            "account_id": account.pk,
            "contact_id": zhang.pk,
            "title": "水泵 2026",
            "currency": "CNY",
            "valid_until": "2026-12-31",
            "lines": [{"description": "水泵 P-40", "quantity": "2", "unit_price": "1200.00"}],
        },
    )
    quote_send(actor=rep, quote=quote, to=[ZHANG], message="请查收报价单。")
    make_worker().run_once()
    inbox, _controller = smtp
    (_recipients, delivered) = inbox.received[-1]
    return {"account": account, "zhang": zhang, "quote": quote, "delivered": delivered, "sent": Interaction.objects.get()}


def reply(*, sender: str, message_id: str, in_reply_to: str = "", references: str = "", text: str = "价格可以接受。") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "sales@rapport.example"
    message["Subject"] = "Re: 报价单"
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(text)
    return message.as_bytes()


def _send(controller: Any, raw: bytes, sender: str) -> tuple[int, bytes]:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.ehlo()
        client.mail(sender)
        client.rcpt("sales@rapport.example")
        return client.data(raw)


def test_the_quote_email_keeps_its_message_id_on_the_timeline(sent_quote):
    sent = sent_quote["sent"]
    assert (sent.direction, sent.contact, sent.account) == ("outbound", sent_quote["zhang"], sent_quote["account"])
    # What the customer's mail program received, and will quote in In-Reply-To.
    assert f"<{sent.message_id}>" == sent_quote["delivered"]["Message-ID"]


def test_a_reply_from_the_known_address_is_filed_beside_the_quote_and_linked_to_it(users, sent_quote, receiver):
    sent = sent_quote["sent"]
    raw = reply(sender=f"张伟 <{ZHANG}>", message_id="r1@huaxing.example.cn", in_reply_to=sent_quote["delivered"]["Message-ID"])

    code, answer = _send(receiver, raw, ZHANG)
    answered = Interaction.objects.get(message_id="r1@huaxing.example.cn")
    assert (code, answer.decode()) == (250, f"2.0.0 Filed as interaction {answered.pk}")
    assert (answered.in_reply_to, answered.contact, answered.account, answered.direction) == (
        sent,
        sent_quote["zhang"],
        sent_quote["account"],
        "inbound",
    )

    client = Client()
    client.force_login(users["north_rep"])
    for url in (f"/contacts/{sent_quote['zhang'].pk}/", f"/accounts/{sent_quote['account'].pk}/", "/timeline/"):
        page = client.get(url).content.decode()
        link = f'href="/contacts/{sent_quote["zhang"].pk}/#interaction-{sent.pk}"'
        assert "Reply to" in page and link in page and f"Quote sent: {sent_quote['quote'].number}: 水泵 2026" in page, url
    api = client.get(f"/api/v1/interactions/{answered.pk}")  # the session also signs in to the API
    assert (api.json()["in_reply_to_id"], api.json()["message_id"]) == (sent.pk, "r1@huaxing.example.cn")


def test_a_reply_from_an_unknown_address_joins_the_quotes_records_and_makes_no_lead(users, sent_quote, receiver):
    sent = sent_quote["sent"]
    quoted = sent_quote["delivered"]["Message-ID"]
    # Zhang answers from his private address, which no record has; his mail program sends References only.
    private = "zhangwei1980@mail.example.cn"
    assert _send(receiver, reply(sender=private, message_id="r2@mail.example.cn", references=quoted), private)[0] == 250
    first = Interaction.objects.get(message_id="r2@mail.example.cn")
    assert (first.in_reply_to, first.contact, first.account) == (sent, sent_quote["zhang"], sent_quote["account"])
    assert not Lead.objects.exists()

    # His colleague answers his answer: linked to the message she answers, not to the quote.
    colleague = "li.na@huaxing.example.cn"
    raw = reply(
        sender=colleague,
        message_id="r3@huaxing.example.cn",
        in_reply_to="<r2@mail.example.cn>",
        references=f"{quoted} <r2@mail.example.cn>",
    )
    assert _send(receiver, raw, colleague)[0] == 250
    second = Interaction.objects.get(message_id="r3@huaxing.example.cn")
    assert (second.in_reply_to, second.contact) == (first, sent_quote["zhang"])
    assert not Lead.objects.exists()


def test_the_conversation_decides_the_record_even_when_the_sender_is_known_elsewhere(users, sent_quote, receiver):
    """Zhang's address is also on an old lead: his answer to the quote still belongs beside the quote."""
    lead_create(actor=users["admin"], data={"full_name": "Old lead", "emails": [{"value": "zw@old.example.cn"}]})
    raw = reply(sender="zw@old.example.cn", message_id="r4@old.example.cn", in_reply_to=sent_quote["delivered"]["Message-ID"])
    assert _send(receiver, raw, "zw@old.example.cn")[0] == 250
    filed = Interaction.objects.get(message_id="r4@old.example.cn")
    assert (filed.in_reply_to, filed.contact, filed.lead) == (sent_quote["sent"], sent_quote["zhang"], None)


def test_a_reply_to_mail_we_never_sent_is_filed_by_its_sender_without_a_link(users, sent_quote, receiver):
    raw = reply(sender=ZHANG, message_id="r5@huaxing.example.cn", in_reply_to="<someone-else@elsewhere.example>")
    assert _send(receiver, raw, ZHANG)[0] == 250
    filed = Interaction.objects.get(message_id="r5@huaxing.example.cn")
    assert (filed.in_reply_to, filed.contact) == (None, sent_quote["zhang"])
