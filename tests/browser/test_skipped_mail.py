"""Skipped mail in a real browser: an administrator opens a message skipped wrongly from the list, finds the
contact with the record picker, files it, and sees it on the contact's timeline; in English and in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_quote_to_cash import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "rapport" / "dataops" / "tests" / "mail"


def _mail(headers: str, body: str) -> bytes:
    return (headers.strip() + "\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n").encode()


@pytest.fixture
def inbox(users):
    """What a week of the shared inbox leaves skipped, and the contact one of them really belongs to."""
    from rapport.common.mail_parse import MailRefused
    from rapport.customers.services import account_create, contact_create
    from rapport.dataops.inbound_mail import inbound_mail_file, inbound_mail_too_large

    admin = users["admin"]
    account = account_create(actor=users["north_rep"], data={"name": "深圳光伏科技"})
    li = contact_create(
        actor=users["north_rep"],
        data={"first_name": "娜", "last_name": "李", "account_id": account.pk, "emails": [{"value": "li.na@shenzhen-solar.example.com"}]},
    )
    messages = [
        (SAMPLES / "auto_reply.eml").read_bytes(),
        _mail(
            "From: Solar Weekly <news@solar-weekly.example.com>\nSubject: This week in solar: inverter prices fall\n"
            "Message-ID: <w1@solar-weekly.example.com>\nList-Id: <weekly.solar-weekly.example.com>",
            "Prices of string inverters fell 4% this week.",
        ),
        _mail(
            "From: MAILER-DAEMON@mx.example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <b1@mx.example.com>",
            "This is the mail system at host mx.example.com. Your message could not be delivered.",
        ),
        # Li Na answers from her phone, whose mail app marks every message as sent automatically: skipped wrongly.
        _mail(
            "From: 李娜 <li.na.mobile@shenzhen-solar.example.com>\nSubject: Re: 逆变器报价\nMessage-ID: <m1@shenzhen-solar.example.com>\n"
            "Auto-Submitted: auto-generated\nDate: Mon, 16 Nov 2026 09:30:00 +0800",
            "王经理您好：\n\n报价已收到，我们下周一确认 200 台的订单。\n\n李娜\n<script>alert('not run')</script>",
        ),
    ]
    for raw in messages:
        inbound_mail_file(actor=admin, raw=raw, via="file")
    with pytest.raises(MailRefused):  # refused, and listed as skipped: what the fixture wants
        inbound_mail_file(actor=admin, raw=b"this is not an email at all\n", via="file")
    inbound_mail_too_large(actor=admin, head=b"From: Big Sender <scans@files.example.com>\nSubject: Scans\n", size=30_000_000, via="file")
    return {"li": li}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_administrator_files_a_skipped_message_on_a_contact_and_sees_it_on_the_timeline(
    page, live_server, users, inbox, log_in, language
):
    from rapport.core.models import User
    from rapport.customers.models import Interaction

    User.objects.filter(username="admin").update(language=language)
    li = inbox["li"]
    page.goto(f"{live_server.url}/login/", timeout=60_000)
    log_in(page, "admin")
    page.goto(f"{live_server.url}/mail/skipped/")
    rows = page.locator("[data-skipped-mail] tbody tr")
    expect(rows).to_have_count(6)
    _shot(page, f"skipped-mail-list-{language}")

    # Only the auto-replies: the filter swaps the table in place.
    page.select_option("select[name=reason]", "auto_reply")
    expect(rows).to_have_count(2)
    page.locator("[data-skipped-mail] a", has_text="Re: 逆变器报价").click()
    expect(page.locator("[data-body]")).to_contain_text("我们下周一确认 200 台的订单")
    expect(page.locator("[data-body]")).to_contain_text("<script>alert('not run')</script>")  # shown as text, not run
    _shot(page, f"skipped-mail-detail-{language}")

    # The mobile address is on no record: find Li Na with the contact picker.
    picker = page.locator("[data-file-form] [data-picker]").filter(has=page.locator("[name=contact_id]"))
    picker.locator("[data-picker-text]").fill("李娜")
    option = picker.locator(f"[data-pick-id='{li.pk}']")
    expect(option).to_be_visible()
    _shot(page, f"skipped-mail-picker-{language}")
    option.click()
    expect(picker.locator("[name=contact_id]")).to_have_value(str(li.pk))
    page.locator("[data-file-form] button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/contacts/{li.pk}/")
    expect(page.locator(".toast-success")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Re: 逆变器报价")
    filed = Interaction.objects.get(contact=li)
    assert (filed.subject, filed.channel, filed.direction) == ("Re: 逆变器报价", "email", "inbound")
    _shot(page, f"skipped-mail-filed-{language}")

    page.goto(f"{live_server.url}/mail/skipped/")
    expect(rows).to_have_count(5)
    expect(page.locator("[data-skipped-mail]")).not_to_contain_text("逆变器报价")
