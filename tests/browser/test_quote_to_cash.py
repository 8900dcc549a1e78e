"""A rep's quote to cash in a real browser: the HTMX line editor, the customer's answer, the order,
the invoice, the payment and the balance on the account 360; and the PDF, opened and read."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(users):
    from rapport.customers.services import account_create, contact_create
    from rapport.sales.products import price_book_create, price_book_entry_set, product_create
    from rapport.sales.services import opportunity_create, sales_setup

    sales_setup()
    admin, rep = users["admin"], users["north_rep"]
    laptop = product_create(actor=admin, data={"sku": "X-200", "name": "笔记本电脑 X-200", "category": "laptops", "tax_rate": "13"})
    book = price_book_create(actor=admin, name="Standard CNY", currency="CNY", is_default=True)
    price_book_entry_set(actor=admin, book=book, product_id=laptop.pk, unit_price="5999.00")
    account = account_create(actor=rep, data={"name": "上海华通科技"})
    contact_create(
        actor=rep, data={"first_name": "伟", "last_name": "张", "account_id": account.pk, "emails": [{"value": "zhang@example.com"}]}
    )
    deal = opportunity_create(
        actor=rep,
        data={"name": "Laptops for the sales floor", "account_id": account.pk, "amount": "60000", "expected_close_date": "2026-12-15"},
    )
    return {"account": account, "deal": deal, "laptop": laptop}


def _shot(page, name: str) -> None:
    folder = os.environ.get("RAPPORT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_quote_line_editor_to_payment(page, live_server, users, shop, log_in):
    from pypdf import PdfReader

    # The first request imports every app's URL conf (heavy libraries): give it time on a loaded machine.
    page.goto(f"{live_server.url}/login/", timeout=60_000)
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/opportunities/{shop['deal'].pk}/")
    page.click("[data-new-quote]")
    expect(page.locator("#id_title")).to_have_value("Laptops for the sales floor")
    _shot(page, "quote-new")
    page.click("[data-quote-form] button[type=submit]")

    # Add a line: the product picker fills the price from the customer's price book.
    editor = page.locator("[data-quote-editor]")
    page.select_option("[data-product-picker]", str(shop["laptop"].pk))
    expect(page.locator("#line-pricing [name=unit_price]")).to_have_value("5999.00")
    expect(page.locator("#line-pricing [name=tax_rate]")).to_have_value("13")
    page.fill("#line-pricing [name=quantity]", "10")
    page.click("[data-save-line]")
    expect(editor.locator("[data-grand-total]")).to_have_text("67,788.70 CNY")  # 59,990.00 + 13 % tax

    # Change the discount: the server recomputes the totals.
    editor.locator("[data-edit-line]").first.click()
    expect(page.locator("#line-pricing [name=quantity]")).to_have_value("10")
    page.fill("#line-pricing [name=discount_percent]", "10")
    page.click("[data-save-line]")
    expect(editor.locator("[data-discount]")).to_have_text("−5,999.00")
    expect(editor.locator("[data-grand-total]")).to_have_text("61,009.83 CNY")  # 53,991.00 + 7,018.83 tax
    _shot(page, "quote-detail")

    # The PDF, opened and read.
    pdf_url = page.locator("[data-pdf]").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{pdf_url}")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "上海华通科技" in text and "笔记本电脑" in text and "Total 61009.83 CNY" in text

    # The customer accepts; the order is made from the quote.
    page.click("[data-answer=accepted]")
    expect(page.locator("h1 .doc-status")).to_have_text("Accepted")
    page.click("[data-make-order]")
    expect(page.locator("h1")).to_contain_text("SO-")
    _shot(page, "order-detail")

    # Shipping a confirmed order is allowed; delivering before shipping is not offered.
    expect(page.locator("[data-status=delivered]")).to_have_count(0)
    page.click("[data-invoice-form] button[type=submit]")
    expect(page.locator("[data-outstanding]")).to_have_text("61,009.83")
    page.fill("#id_amount", "20000.00")
    page.select_option("#id_method", "alipay")
    page.click("[data-payment-form] button[type=submit]")
    expect(page.locator("[data-payments] tbody tr")).to_have_count(1)
    expect(page.locator("[data-outstanding]")).to_have_text("41,009.83")
    _shot(page, "invoice-detail")

    # The account 360 shows what the customer still owes.
    page.goto(f"{live_server.url}/accounts/{shop['account'].pk}/")
    expect(page.locator("[data-account-sales] [data-outstanding]")).to_have_text("41,009.83 CNY")
    _shot(page, "account-360")
