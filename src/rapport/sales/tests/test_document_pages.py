"""The quote, order and invoice pages: lists within query budgets, the HTMX line editor,
the customer's answer, versions, sending, ordering, invoicing, payments and the account 360 panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rapport.customers.models import Interaction
from rapport.sales.catalog_models import Quote, QuoteLine, QuoteStatus
from rapport.sales.order_models import Invoice, Order, OrderStatus, Payment

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "quote-editor"}


@pytest.fixture
def quote(users, make_account, catalogue):
    from rapport.sales.quotes import quote_create

    account = make_account(users["north_rep"], name="上海华通科技")
    return quote_create(
        actor=users["north_rep"],
        data={
            "account_id": account.pk,
            "title": "Laptops",
            "currency": "CNY",
            "lines": [{"product_id": catalogue["laptop"].pk, "quantity": "2"}],
        },
        via="test",
    )


@pytest.fixture
def invoice(users, quote):
    from rapport.sales.billing import invoice_issue, order_from_quote
    from rapport.sales.quotes import quote_set_status

    quote_set_status(actor=users["north_rep"], quote=quote, status="accepted")
    order = order_from_quote(actor=users["north_rep"], quote=quote)
    return invoice_issue(actor=users["north_rep"], order=order, issued_on="2026-01-05", due_in_days=30)


def test_quote_from_an_opportunity_and_from_an_account(users, client_for, make_deal, catalogue):
    rep = users["north_rep"]
    deal = make_deal(rep, name="Laptops for the floor", currency="USD")
    client = client_for(rep)
    form = client.get(f"/sales/quotes/new/?opportunity={deal.pk}").context["form"]
    assert (form.initial["title"], form.initial["currency"], form.initial["account_id"]) == (
        "Laptops for the floor",
        "USD",
        deal.account_id,
    )
    missing = client.post("/sales/quotes/new/", {"opportunity_id": deal.pk, "account_id": deal.account_id, "title": "", "currency": "USD"})
    assert missing.status_code == 422 and "title" in missing.context["form"].errors
    assert Quote.objects.count() == 0
    made = client.post(
        "/sales/quotes/new/", {"opportunity_id": deal.pk, "account_id": deal.account_id, "title": "Laptops", "currency": "USD"}
    )
    quote = Quote.objects.get()
    assert made["Location"] == f"/sales/quotes/{quote.pk}/"
    assert (quote.opportunity_id, quote.account_id, quote.currency, quote.owner) == (deal.pk, deal.account_id, "USD", rep)
    page = client.get(f"/sales/quotes/new/?account={deal.account_id}")
    assert page.status_code == 200 and page.context["account"].pk == deal.account_id
    nobody = client.post("/sales/quotes/new/", {"account_id": "", "title": "X", "currency": "CNY"})
    assert nobody.status_code == 422 and nobody.context["form"].errors["account_id"] == ["Choose an account you can see."]


def test_the_line_editor_adds_edits_and_removes_lines_with_server_totals(users, client_for, quote, catalogue):
    client = client_for(users["north_rep"])
    price = client.get(f"/sales/quotes/{quote.pk}/lines/price/?product_id={catalogue['cable'].pk}&quantity=3")
    assert price.context["line_form"].initial["unit_price"] == Decimal("39.00") and b'value="5"' in price.content
    added = client.post(f"/sales/quotes/{quote.pk}/lines/", {"product_id": catalogue["cable"].pk, "quantity": "3"}, **HTMX)
    assert added.status_code == 200 and b'id="quote-editor"' in added.content and b'hx-swap-oob="true"' in added.content
    quote.refresh_from_db()
    # 2 x 5,999.00 at 13 % + 3 x 39.00 at 5 %
    assert (quote.subtotal, quote.tax_total, quote.grand_total) == (Decimal("12115.00"), Decimal("1565.59"), Decimal("13680.59"))
    cable = quote.lines.get(product=catalogue["cable"])
    form = client.get(f"/sales/quote-lines/{cable.pk}/", **HTMX).context["line_form"]
    assert (form.initial["quantity"], form.initial["discount_percent"]) == ("3", "0")
    changed = client.post(
        f"/sales/quote-lines/{cable.pk}/",
        {"product_id": catalogue["cable"].pk, "quantity": "3", "unit_price": "39.00", "discount_percent": "10"},
        **HTMX,
    )
    assert changed.status_code == 200
    quote.refresh_from_db()
    assert (quote.discount_total, quote.grand_total) == (Decimal("11.70"), Decimal("13668.30"))  # 5 % of 105.30 is 5.265: half-even 5.26
    assert "13,668.30" in changed.content.decode()
    client.post(f"/sales/quote-lines/{cable.pk}/remove/", **HTMX)
    quote.refresh_from_db()
    assert (quote.lines.count(), quote.grand_total) == (1, Decimal("13557.74"))


def test_the_line_editor_shows_errors_at_the_fields_and_refuses_a_rep_s_own_price(users, client_for, quote, catalogue):
    client = client_for(users["north_rep"])
    before = quote.version
    empty = client.post(f"/sales/quotes/{quote.pk}/lines/", {"quantity": "0", "discount_percent": "120"}, **HTMX)
    errors = empty.context["line_form"].errors
    assert set(errors) == {"quantity", "product_id", "unit_price", "discount_percent"}
    assert b"field-error" in empty.content
    own_price = client.post(
        f"/sales/quotes/{quote.pk}/lines/", {"product_id": catalogue["laptop"].pk, "quantity": "1", "unit_price": "1.00"}
    )
    assert own_price.status_code == 422
    assert own_price.context["line_form"].errors["unit_price"] == ["Only a sales manager may set a price other than the price book's."]
    quote.refresh_from_db()
    assert (quote.version, quote.lines.count()) == (before, 1)
    free = client.get(f"/sales/quotes/{quote.pk}/lines/price/?product_id={catalogue['laptop'].pk}")
    assert free.context["line_form"].fields["unit_price"].widget.attrs.get("readonly") is True


def test_answers_versions_and_the_lines_of_a_sent_quote_are_fixed(users, client_for, quote, catalogue):
    client = client_for(users["north_rep"])
    declined = client.post(f"/sales/quotes/{quote.pk}/answer/", {"status": "rejected", "version": quote.version})
    assert declined.status_code == 302
    refused = client.post(f"/sales/quotes/{quote.pk}/lines/", {"product_id": catalogue["cable"].pk, "quantity": "1"}, **HTMX)
    assert "This quote is rejected, so its lines are fixed. Make a new version to change it." in refused.content.decode()
    again = client.post(f"/sales/quotes/{quote.pk}/answer/", {"status": "accepted", "version": Quote.objects.get(pk=quote.pk).version})
    assert again.status_code == 409 and again.context["page_error"] == "This quote is rejected: it cannot be marked “Accepted”."
    revised = client.post(f"/sales/quotes/{quote.pk}/revise/")
    copy = Quote.objects.get(family_id=quote.pk, revision=2)
    assert revised["Location"] == f"/sales/quotes/{copy.pk}/"
    assert (Quote.objects.get(pk=quote.pk).status, copy.status, copy.lines.count()) == ("superseded", "draft", 1)
    stale = client.post(f"/sales/quotes/{copy.pk}/answer/", {"status": "accepted", "version": copy.version - 1})
    assert stale.status_code == 409 and Quote.objects.get(pk=copy.pk).status == "draft"
    detail = client.get(f"/sales/quotes/{copy.pk}/")
    assert [r.revision for r in detail.context["revisions"]] == [1, 2]


def test_send_by_email_checks_the_address_and_logs_it_on_the_timeline(users, client_for, quote):
    from rapport.core.models import OutboundEmail

    client = client_for(users["north_rep"])
    bad = client.post(f"/sales/quotes/{quote.pk}/send/", {"to": "not-an-address", "message": "Hello"})
    assert bad.status_code == 422 and bad.context["send_form"].errors["to"]
    assert (OutboundEmail.objects.count(), Quote.objects.get(pk=quote.pk).status) == (0, "draft")
    sent = client.post(f"/sales/quotes/{quote.pk}/send/", {"to": "zhang@example.com, li@example.com", "message": "Please see attached."})
    assert sent.status_code == 302
    mail = OutboundEmail.objects.get()
    assert mail.to == ["zhang@example.com", "li@example.com"]
    logged = Interaction.objects.get(account=quote.account)
    assert logged.subject.startswith(f"Quote sent: {quote.number}")
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.SENT


def test_pdf_download(users, client_for, quote):
    from io import BytesIO

    from pypdf import PdfReader

    response = client_for(users["north_rep"]).get(f"/sales/quotes/{quote.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "上海华通科技" in text and "13557.74" in text


def test_the_pdf_buttons_name_the_language_and_offer_the_others(users, client_for, api_for, quote):
    from io import BytesIO

    from pypdf import PdfReader

    client = client_for(users["north_rep"])
    page = client.get(f"/sales/quotes/{quote.pk}/")
    # No contact on the quote: the document speaks the reader's language (English here), Chinese is one click away.
    assert 'data-pdf title="In the customer' in page.content.decode() and "PDF · English" in page.content.decode()
    assert f'href="/sales/quotes/{quote.pk}/pdf/?language=zh-hans"' in page.content.decode()
    chinese = client.get(f"/sales/quotes/{quote.pk}/pdf/", {"language": "zh-hans"})
    assert "小计" in "".join(p.extract_text() for p in PdfReader(BytesIO(chinese.content)).pages)
    refused = client.get(f"/sales/quotes/{quote.pk}/pdf/", {"language": "klingon"})
    assert refused.status_code == 422 and "Choose one of en, zh-hans." in refused.content.decode()
    api = api_for(users["north_rep"])
    assert api.get(f"quotes/{quote.pk}/pdf?language=zh-hans")["Content-Type"] == "application/pdf"
    bad = api.get(f"quotes/{quote.pk}/pdf?language=klingon")
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"language"}


def test_order_from_quote_status_actions_and_their_refusals(users, client_for, quote):
    client = client_for(users["north_rep"])
    early = client.post(f"/sales/quotes/{quote.pk}/order/")
    assert early.status_code == 409 and early.context["page_error"] == "Only an accepted quote becomes an order."
    client.post(f"/sales/quotes/{quote.pk}/answer/", {"status": "accepted"})
    made = client.post(f"/sales/quotes/{quote.pk}/order/")
    order = Order.objects.get()
    assert made["Location"] == f"/sales/orders/{order.pk}/"
    assert (order.quote_id, order.grand_total, order.lines.count()) == (quote.pk, Decimal("13557.74"), 1)
    twice = client.post(f"/sales/quotes/{quote.pk}/order/")
    assert twice.status_code == 409 and Order.objects.count() == 1
    detail = client.get(f"/sales/orders/{order.pk}/")
    assert [s for s, _label in detail.context["actions"]] == ["shipped", "cancelled"]
    assert "<dt>Channel</dt><dd>Sales team</dd>" in detail.content.decode()  # the label, not the stored "sales"
    skipped = client.post(f"/sales/orders/{order.pk}/status/", {"status": "delivered", "version": order.version})
    assert skipped.status_code == 409
    assert skipped.context["error"] == "This order is confirmed: it cannot be moved to “Delivered”."
    assert client.post(f"/sales/orders/{order.pk}/status/", {"status": "shipped", "version": order.version}).status_code == 302
    assert Order.objects.get().status == OrderStatus.SHIPPED
    late = client.post(f"/sales/orders/{order.pk}/status/", {"status": "cancelled"})
    assert late.status_code == 409 and Order.objects.get().status == OrderStatus.SHIPPED
    assert b"sales/orders/_order_sections.html" not in detail.content  # the extension point renders nothing by itself


def test_cancelling_a_paid_order_is_refused_in_words(users, client_for, invoice):
    from rapport.sales.billing import payment_record

    payment_record(actor=users["north_rep"], invoice=invoice, amount="100.00", paid_on="2026-01-10", method="cash")
    response = client_for(users["north_rep"]).post(f"/sales/orders/{invoice.order_id}/status/", {"status": "cancelled"})
    assert response.status_code == 409
    assert response.context["error"] == "Money was received for this order; record a return and refund instead."


def test_invoice_and_payment_forms(users, client_for, quote):
    from rapport.sales.billing import order_from_quote
    from rapport.sales.quotes import quote_set_status

    quote_set_status(actor=users["north_rep"], quote=quote, status="accepted")
    order = order_from_quote(actor=users["north_rep"], quote=quote)
    client = client_for(users["north_rep"])
    bad = client.post(f"/sales/orders/{order.pk}/invoice/", {"issued_on": "yesterday", "due_in_days": "30"})
    assert bad.status_code == 422 and bad.context["invoice_form"].errors["issued_on"] == ["“yesterday” is not a date (YYYY-MM-DD)."]
    issued = client.post(f"/sales/orders/{order.pk}/invoice/", {"issued_on": "2026-01-05", "due_in_days": "30"})
    invoice = Invoice.objects.get()
    assert issued["Location"] == f"/sales/invoices/{invoice.pk}/" and invoice.amount == Decimal("13557.74")
    full = client.post(f"/sales/orders/{order.pk}/invoice/", {"due_in_days": "30"})
    assert full.status_code == 409 and full.context["error"] == "The order is invoiced in full."
    too_much = client.post(f"/sales/invoices/{invoice.pk}/payments/", {"amount": "20000", "paid_on": "2026-01-20", "method": "alipay"})
    assert too_much.status_code == 422 and too_much.context["form"].errors["amount"] == ["Only 13557.74 CNY is outstanding."]
    no_date = client.post(f"/sales/invoices/{invoice.pk}/payments/", {"amount": "100", "paid_on": "", "method": "alipay"})
    assert no_date.status_code == 422 and "paid_on" in no_date.context["form"].errors
    assert Payment.objects.count() == 0
    paid = client.post(f"/sales/invoices/{invoice.pk}/payments/", {"amount": "13557.74", "paid_on": "2026-01-20", "method": "alipay"})
    assert paid.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.outstanding) == ("paid", Decimal("0.00"))
    assert client.get(f"/sales/invoices/{invoice.pk}/").context["may_pay"] is False


def test_account_panel_shows_balance_and_overdue_invoices(users, client_for, invoice):
    client = client_for(users["north_rep"])
    response = client.get(f"/sales/accounts/{invoice.order.account_id}/sales/")
    assert response.status_code == 200
    (balance,) = response.context["balances"]
    assert (balance.outstanding, balance.overdue) == (Decimal("13557.74"), Decimal("13557.74"))  # due 2026-02-04
    assert [i.pk for i in response.context["overdue"]] == [invoice.pk]
    assert client_for(users["south_rep"]).get(f"/sales/accounts/{invoice.order.account_id}/sales/").status_code == 404
    page = client.get(f"/accounts/{invoice.order.account_id}/")
    assert f"/sales/accounts/{invoice.order.account_id}/sales/" in page.content.decode()


@pytest.mark.parametrize(
    ("url", "budget"),
    [("/sales/quotes/", 9), ("/sales/orders/", 9), ("/sales/invoices/", 9), ("/sales/quotes/?status=draft&q=Q-", 9)],
)
def test_lists_stay_within_budget_and_show_only_what_the_user_sees(
    users, client_for, make_account, catalogue, url, budget, django_assert_max_num_queries
):
    from rapport.sales.billing import invoice_issue, order_from_quote
    from rapport.sales.quotes import quote_create, quote_set_status

    for owner in (users["north_rep"], users["north_rep"], users["north_rep"], users["south_rep"]):
        account = make_account(owner, name=f"Account of {owner.username}")
        made = quote_create(
            actor=owner, data={"account_id": account.pk, "title": "Q", "currency": "CNY", "lines": [{"product_id": catalogue["cable"].pk}]}
        )
        if not url.startswith("/sales/quotes/?"):
            quote_set_status(actor=owner, quote=made, status="accepted")
            invoice_issue(actor=owner, order=order_from_quote(actor=owner, quote=made))
    client = client_for(users["north_rep"])
    client.get(url)  # warm the session and the content types
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    items = response.context["page"].items
    assert len(items) == 3
    assert "Account of south_rep" not in response.content.decode()
    partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert partial.content.decode().startswith('<div id="results"')


def test_list_filters_name_a_bad_parameter(users, client_for):
    client = client_for(users["north_rep"])
    response = client.get("/sales/orders/?status=lost&owner_id=x")
    assert response.status_code == 422
    assert set(response.context["filter_errors"]) == {"status"}
    assert client.get("/sales/invoices/?owner_id=99999999999999999999").status_code == 422
    assert "No quotes yet" in client.get("/sales/quotes/").content.decode()
    assert "Nothing matches" in client.get("/sales/orders/?q=zzz").content.decode()


LISTS = ["/sales/quotes/", "/sales/orders/", "/sales/invoices/", "/sales/contracts/", "/sales/opportunities/"]


@pytest.mark.parametrize("url", LISTS)
def test_a_refused_filter_comes_back_as_a_422_table_naming_the_filter(users, client_for, url):
    from rapport.core.models import User

    client = client_for(users["north_rep"])
    partial = client.get(url, {"status": "lost-in-space"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = " ".join(partial.content.decode().split())
    assert partial.status_code == 422 and partial["Content-Type"].startswith("text/html") and body.startswith('<div id="results"')
    assert '<div class="alert alert-danger" role="alert" data-filter-errors><div><strong>Status</strong>: Choose one of ' in body
    assert client.get(url, {"owner_id": "x"}).status_code == 422
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    chinese = client.get(url, {"owner_id": "x"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert "<strong>负责人</strong>：" in chinese and "Owner" not in chinese


@pytest.mark.parametrize(
    ("url", "params", "said"),
    [
        ("/sales/products/", {"q": "x" * 201}, "<strong>Name or SKU</strong>: At most 200 characters."),
        ("/sales/returns/", {"status": "lost"}, "<strong>Status</strong>: Choose one of requested, refunded, rejected."),
        ("/sales/returns/", {"cursor": "garbage"}, "<strong>Page</strong>: The cursor is not valid; start again from the first page."),
    ],
)
def test_products_and_returns_name_a_refused_filter_like_the_other_lists(users, client_for, url, params, said):
    client = client_for(users["north_rep"])
    partial = client.get(url, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = " ".join(partial.content.decode().split())
    assert partial.status_code == 422 and body.startswith('<div id="results"') and said in body
    whole = client.get(url, params)
    assert whole.status_code == 422 and "<html" in whole.content.decode() and said in " ".join(whole.content.decode().split())


def test_pages_speak_chinese(users, client_for, invoice):
    from rapport.core.models import User

    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    client = client_for(User.objects.get(pk=users["north_rep"].pk))
    body = client.get(f"/sales/invoices/{invoice.pk}/").content.decode()
    assert "记录收款" in body and "未付金额" in body
    assert "<dd>销售团队</dd>" in client.get(f"/sales/orders/{invoice.order_id}/").content.decode()
    refused = client.post(f"/sales/orders/{invoice.order_id}/status/", {"status": "delivered"})
    assert refused.context["error"] == "该订单当前为已确认：不能改为“已交付”。"


def test_a_rep_cannot_reach_another_team_s_documents(users, client_for, invoice):
    stranger = client_for(users["south_rep"])
    for url in (f"/sales/quotes/{invoice.order.quote_id}/", f"/sales/orders/{invoice.order_id}/", f"/sales/invoices/{invoice.pk}/"):
        assert stranger.get(url).status_code == 404
    assert (
        stranger.post(f"/sales/invoices/{invoice.pk}/payments/", {"amount": "1", "paid_on": "2026-01-01", "method": "cash"}).status_code
        == 404
    )
    assert Payment.objects.count() == 0


def test_overdue_list_uses_today(users, invoice):
    from rapport.sales.billing import invoice_overdue_for

    account = invoice.order.account
    assert invoice_overdue_for(user=users["north_rep"], account=account, today=dt.date(2026, 2, 4)) == []
    assert invoice_overdue_for(user=users["north_rep"], account=account, today=dt.date(2026, 2, 5)) == [invoice]
    assert QuoteLine.objects.count() == 1


def test_the_api_replaces_a_line_like_the_page(users, api_for, quote, catalogue):
    line = quote.lines.get()
    api = api_for(users["north_rep"])
    changed = api.put(f"/api/v1/quote-lines/{line.pk}", {"product_id": catalogue["laptop"].pk, "quantity": "1", "discount_percent": "50"})
    assert changed.status_code == 200 and changed.json()["line_total"] == "3389.44"  # 2,999.50 + 13 % tax
    assert Quote.objects.get(pk=quote.pk).grand_total == Decimal("3389.44")
    bad = api.put(f"/api/v1/quote-lines/{line.pk}", {"quantity": "1"})
    assert bad.status_code == 422 and Quote.objects.get(pk=quote.pk).grand_total == Decimal("3389.44")
    assert (
        api_for(users["south_rep"])
        .put(f"/api/v1/quote-lines/{line.pk}", {"quantity": "1", "description": "x", "unit_price": "1"})
        .status_code
        == 404
    )
