"""Email on the timeline in a real browser: a rep sees the customer's reply under the quote it answers, with its
attachments to download and the one that was refused listed with the reason; in English and in Chinese."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.sales.tests import upload_samples as samples
from tests.browser.test_quote_to_cash import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conversation(users):
    """A quote emailed to 张伟, and his answer from his private address with a drawing, the signed quote and a disguised program."""
    from rapport.customers.services import account_create, contact_create
    from rapport.dataops.inbound_mail import inbound_mail_file
    from rapport.sales.quotes import quote_create, quote_send

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "华星水泵（苏州）有限公司"})
    zhang = contact_create(
        actor=rep,
        data={"first_name": "伟", "last_name": "张", "account_id": account.pk, "emails": [{"value": "zhang.wei@huaxing.example.cn"}]},
    )
    quote = quote_create(
        actor=rep,
        data={
            "account_id": account.pk,
            "contact_id": zhang.pk,
            "title": "离心泵 P-40 × 12",
            "currency": "CNY",
            "valid_until": "2026-12-31",
            "lines": [{"description": "离心泵 P-40", "quantity": "12", "unit_price": "4800.00"}],
        },
    )
    quote_send(actor=rep, quote=quote, to=["zhang.wei@huaxing.example.cn"], message="张经理您好，请查收报价单。")
    sent = zhang.interactions.get()
    answer = EmailMessage()
    answer["From"] = "张伟 <zhangwei1980@mail.example.cn>"
    answer["Subject"] = f"Re: {quote.number}: 离心泵 P-40 × 12"
    answer["Message-ID"] = "<answer-1@mail.example.cn>"
    answer["In-Reply-To"] = f"<{sent.message_id}>"
    answer.set_content("王经理您好：\n\n价格可以接受。附件是签字的报价单和安装图纸，请确认交货期。\n\n张伟")
    for name, data, kind in [
        ("报价单-已签字.pdf", samples.PDF, ("application", "pdf")),
        ("安装图纸.png", samples.PNG, ("image", "png")),
        ("发票.pdf", b"MZ\x90\x00" + b"\x00" * 60, ("application", "pdf")),
    ]:
        answer.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
    inbound_mail_file(actor=users["admin"], raw=answer.as_bytes(), via="smtp")
    return {"zhang": zhang, "quote": quote, "sent": sent}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rep_sees_the_reply_under_the_quote_and_downloads_its_attachment(page, live_server, users, conversation, log_in, language):
    from rapport.core.models import User

    User.objects.filter(username="north_rep").update(language=language)
    zhang, sent = conversation["zhang"], conversation["sent"]
    page.goto(f"{live_server.url}/login/", timeout=60_000)
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/contacts/{zhang.pk}/")
    reply = page.locator(".tl-item", has=page.locator(".tl-reply"))
    expect(reply).to_have_count(1)
    expect(reply.locator(".tl-reply")).to_contain_text("Reply to" if language == "en" else "回复")
    expect(reply.locator(".tl-reply a")).to_have_text(sent.subject)
    files = reply.locator(".tl-files li")
    expect(files).to_have_count(3)
    expect(files.nth(2)).to_contain_text("not kept" if language == "en" else "未保存：不接受此类文件")
    expect(files.nth(2).locator("a")).to_have_count(0)
    _shot(page, f"mail-timeline-{language}")

    with page.expect_download() as download:
        files.nth(0).locator("a").click()
    assert download.value.suggested_filename == "报价单-已签字.pdf"
    assert Path(download.value.path()).read_bytes() == samples.PDF

    # The link jumps to the quote's entry on the same timeline.
    reply.locator(".tl-reply a").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{zhang.pk}/#interaction-{sent.pk}")
