"""Quotes: lines priced from the book, stored totals, revisions, answers, the PDF and sending it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from rapport.common.errors import Conflict, NotFound, ValidationFailed

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(users, catalogue, make_account):
    from rapport.sales.quotes import quote_create

    account = make_account(users["north_rep"], "华星上海")
    return quote_create(
        actor=users["north_rep"],
        data={
            "account_id": account.pk,
            "title": "笔记本电脑更新 2026",
            "currency": "CNY",
            "valid_until": "2026-04-30",
            "lines": [
                {"product_id": catalogue["laptop"].pk, "quantity": "3", "discount_percent": "10"},
                {
                    "description": "安装服务 Installation",
                    "quantity": "2",
                    "unit_price": "333.33",
                    "discount_amount": "6.66",
                    "tax_rate": "6",
                },
            ],
        },
    )


def test_lines_take_the_price_books_price_and_the_quote_stores_the_totals(quote):
    from rapport.sales.quotes import quote_lines

    lines = quote_lines(quote=quote)
    assert [(line.description, line.unit_price, line.tax_rate, line.line_total) for line in lines] == [
        ("笔记本电脑 X-200", D("5999.00"), D("13.00"), D("18302.95")),
        ("安装服务 Installation", D("333.33"), D("6.00"), D("699.60")),
    ]
    assert (quote.subtotal, quote.discount_total, quote.tax_total, quote.grand_total) == (
        D("18663.66"),
        D("1806.36"),
        D("2145.25"),
        D("19002.55"),
    )
    assert (quote.number, quote.revision, quote.family_id, quote.status) == (f"Q-{quote.pk:06d}", 1, quote.pk, "draft")


def test_adding_and_removing_a_line_rewrites_the_totals_and_the_version(users, quote, catalogue):
    from rapport.sales.quotes import quote_line_add, quote_line_remove

    rep = users["north_rep"]
    line = quote_line_add(
        actor=rep, quote=quote, data={"product_id": catalogue["cable"].pk, "quantity": "10"}, expected_version=quote.version
    )
    quote.refresh_from_db()
    # 10 x 39.00 = 390.00, 5% tax 19.50
    assert (line.line_total, quote.grand_total, quote.tax_total, quote.version) == (D("409.50"), D("19412.05"), D("2164.75"), 3)
    quote = quote_line_remove(actor=rep, quote=quote, line_id=line.pk, expected_version=quote.version)
    assert (quote.grand_total, quote.version) == (D("19002.55"), 4)


def test_a_rep_may_not_undercut_the_price_book_but_a_manager_may(users, quote, catalogue):
    from rapport.sales.quotes import quote_line_add

    with pytest.raises(ValidationFailed) as refused:
        quote_line_add(actor=users["north_rep"], quote=quote, data={"product_id": catalogue["laptop"].pk, "unit_price": "1.00"})
    assert list(refused.value.field_errors) == ["unit_price"]
    assert quote.lines.count() == 2
    line = quote_line_add(actor=users["manager"], quote=quote, data={"product_id": catalogue["laptop"].pk, "unit_price": "5000.00"})
    assert line.unit_price == D("5000.00")


def test_bad_lines_are_named_and_nothing_is_stored(users, catalogue, make_account):
    from rapport.sales.models import Quote
    from rapport.sales.quotes import quote_create

    account = make_account(users["north_rep"])
    with pytest.raises(ValidationFailed) as refused:
        quote_create(
            actor=users["north_rep"],
            data={
                "account_id": account.pk,
                "title": "Bad",
                "currency": "CNY",
                "lines": [
                    {"product_id": catalogue["old"].pk},
                    {"product_id": catalogue["laptop"].pk, "quantity": "0"},
                    {"product_id": 99999},
                ],
            },
        )
    assert set(refused.value.field_errors) == {"lines[0].product_id", "lines[1].quantity", "lines[2].product_id"}
    assert Quote.objects.count() == 0


def test_revising_copies_the_lines_into_the_next_revision_and_supersedes_the_old(users, quote):
    from rapport.sales.quotes import quote_lines, quote_revise, quote_revisions, quote_set_status

    rep = users["north_rep"]
    sent = quote_set_status(actor=rep, quote=quote, status="sent")
    second = quote_revise(actor=rep, quote=sent)
    quote.refresh_from_db()
    assert (second.revision, second.family_id, second.status, second.number) == (2, quote.pk, "draft", f"Q-{quote.pk:06d}-2")
    assert [(line.description, line.line_total) for line in quote_lines(quote=second)] == [
        (line.description, line.line_total) for line in quote_lines(quote=quote)
    ]
    assert (second.grand_total, quote.status) == (D("19002.55"), "superseded")
    assert [q.revision for q in quote_revisions(user=rep, quote=second)] == [1, 2]
    with pytest.raises(Conflict):
        quote_revise(actor=rep, quote=quote)


def test_a_sent_quote_is_not_edited_and_strangers_cannot_touch_it(users, quote, catalogue):
    from rapport.sales.quotes import quote_get_for_user, quote_line_add, quote_set_status

    sent = quote_set_status(actor=users["north_rep"], quote=quote, status="sent")
    with pytest.raises(Conflict):
        quote_line_add(actor=users["north_rep"], quote=sent, data={"product_id": catalogue["cable"].pk})
    with pytest.raises(NotFound):
        quote_get_for_user(user=users["south_rep"], quote_id=quote.pk)
    assert quote_get_for_user(user=users["manager"], quote_id=quote.pk).pk == quote.pk


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_shows_the_chinese_text_and_the_totals(quote):
    from rapport.sales.pdf import quote_pdf

    pdf = quote_pdf(quote=quote)
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    for expected in (
        "笔记本电脑 X-200",
        "安装服务",
        "华星上海",
        "笔记本电脑更新 2026",
        quote.number,
        "18302.95",
        "699.60",
        "19002.55 CNY",
        "2145.25",
    ):
        assert expected in text, expected


def test_sending_queues_the_pdf_marks_it_sent_and_logs_the_email_on_the_timeline(users, quote):
    from rapport.core.models import OutboundEmail
    from rapport.customers.models import Interaction
    from rapport.sales.quotes import quote_send

    sent = quote_send(actor=users["north_rep"], quote=quote, to=["buyer@huaxing.example"], message="请查收报价单。")
    assert (sent.status, sent.sent_at is not None) == ("sent", True)
    email = OutboundEmail.objects.get()
    attachment = email.attachments.get()
    assert (email.to, email.subject, email.body) == (["buyer@huaxing.example"], f"{quote.number}: 笔记本电脑更新 2026", "请查收报价单。")
    assert (attachment.filename, attachment.content_type) == (f"{quote.number}.pdf", "application/pdf")
    assert "19002.55 CNY" in _pdf_text(bytes(attachment.content))
    logged = Interaction.objects.get(account=quote.account)
    assert (logged.channel, logged.direction, logged.concerns, logged.user_id) == (
        "email",
        "outbound",
        f"sales.quote:{quote.pk}",
        users["north_rep"].pk,
    )
    assert logged.subject == f"Quote sent: {quote.number}: 笔记本电脑更新 2026"


def test_a_bad_address_sends_nothing_and_leaves_the_quote_a_draft(users, quote):
    from rapport.core.models import OutboundEmail
    from rapport.customers.models import Interaction
    from rapport.sales.quotes import quote_send

    with pytest.raises(ValidationFailed):
        quote_send(actor=users["north_rep"], quote=quote, to=["not an address"])
    quote.refresh_from_db()
    assert (quote.status, OutboundEmail.objects.count(), Interaction.objects.count()) == ("draft", 0, 0)


def test_a_quote_email_is_written_in_the_contacts_language_and_logged_in_the_senders(users, quote, make_account):
    from rapport.core.models import OutboundEmail, User
    from rapport.customers.models import Contact, Interaction
    from rapport.sales.quotes import quote_send

    contact = Contact.objects.create(
        first_name="伟", last_name="张", full_name="张伟", language="zh-CN", account=quote.account, owner=users["north_rep"]
    )
    type(quote).objects.filter(pk=quote.pk).update(contact=contact)
    quote.refresh_from_db()
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    sender = User.objects.get(pk=users["north_rep"].pk)
    quote_send(actor=sender, quote=quote, to=["buyer@huaxing.example"])
    assert OutboundEmail.objects.get().body == f"随函附上我们的报价单 {quote.number}，请查收。"
    assert Interaction.objects.get(account=quote.account).subject == f"报价单已发送：{quote.number}: 笔记本电脑更新 2026"


def test_the_pdf_speaks_the_customers_language_whoever_renders_it(users, quote):
    from django.utils import translation

    from rapport.customers.models import Contact
    from rapport.sales.pdf import quote_pdf

    contact = Contact.objects.create(
        first_name="Anna", last_name="Berg", full_name="Anna Berg", language="en", account=quote.account, owner=users["north_rep"]
    )
    type(quote).objects.filter(pk=quote.pk).update(contact=contact)
    quote.refresh_from_db()
    with translation.override("zh-hans"):  # a Chinese-speaking rep downloads it
        english = _pdf_text(quote_pdf(quote=quote))
        chinese = _pdf_text(quote_pdf(quote=quote, language="zh-hans"))
    assert "Subtotal" in english and "小计" not in english
    assert "小计" in chinese and "Subtotal" not in chinese
    assert "19002.55 CNY" in english and "19002.55 CNY" in chinese
    with pytest.raises(ValidationFailed) as refused:
        quote_pdf(quote=quote, language="fr")
    assert set(refused.value.field_errors) == {"language"}


def test_a_sent_pdf_is_in_the_contacts_language_not_the_senders(users, quote):
    from rapport.core.models import OutboundEmail
    from rapport.customers.models import Contact
    from rapport.sales.quotes import quote_send

    contact = Contact.objects.create(
        first_name="伟", last_name="张", full_name="张伟", language="zh-CN", account=quote.account, owner=users["north_rep"]
    )
    type(quote).objects.filter(pk=quote.pk).update(contact=contact)
    quote.refresh_from_db()
    quote_send(actor=users["north_rep"], quote=quote, to=["buyer@huaxing.example"])  # the sender reads English
    text = _pdf_text(bytes(OutboundEmail.objects.get().attachments.get().content))
    assert "小计" in text and "Subtotal" not in text
