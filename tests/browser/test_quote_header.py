"""A draft quote's header changed in place in a real browser: the form opens in the Details card,
saves without a page load (the title above follows), and a save that crosses a colleague's change
says what they changed and keeps what the rep typed; in English and in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_quote_to_cash import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(users):
    from rapport.customers.services import account_create, contact_create
    from rapport.sales.quotes import quote_create

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "上海华通科技"})
    contact = contact_create(actor=rep, data={"first_name": "伟", "last_name": "张", "account_id": account.pk})
    quote = quote_create(actor=rep, data={"account_id": account.pk, "title": "Laptops", "currency": "CNY"})
    return {"quote": quote, "contact": contact}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rep_changes_the_header_in_place_and_meets_a_colleague_s_change(page, live_server, users, draft, log_in, language):
    from rapport.core.models import User
    from rapport.sales.catalog_models import Quote
    from rapport.sales.quotes import quote_update

    User.objects.filter(username="north_rep").update(language=language)
    quote = draft["quote"]
    page.goto(f"{live_server.url}/login/", timeout=60_000)
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/quotes/{quote.pk}/")
    _shot(page, f"quote-header-{language}")

    page.click("[data-edit-header]")
    form = page.locator("[data-header-form]")
    expect(form.locator("[name=title]")).to_have_value("Laptops")
    form.locator("[name=title]").fill("Laptops for the sales floor")
    form.locator("[name=valid_until]").fill("2026-06-30")
    form.locator("[name=contact_id]").select_option(str(draft["contact"].pk))
    form.locator("[name=currency]").select_option("USD")
    form.locator("[name=notes]").fill("Delivery and set-up included.\n含安装。")
    _shot(page, f"quote-header-form-{language}")
    form.locator("[data-save-header]").click()
    expect(page.locator("[data-header-saved]")).to_be_visible()
    expect(page.locator("#quote-title h1")).to_contain_text("Laptops for the sales floor")
    expect(page.locator("[data-addressee]")).to_have_text(draft["contact"].full_name)
    expect(page.locator("[data-grand-total]")).to_have_text("0.00 USD")
    assert Quote.objects.get(pk=quote.pk).currency == "USD"

    # A colleague changes the title while the rep has the form open: the rep's text stays, the conflict is named.
    page.click("[data-edit-header]")
    page.locator("[data-header-form] [name=title]").fill("My better title")
    quote_update(actor=users["manager"], quote=Quote.objects.get(pk=quote.pk), data={"title": "Manager's title"}, expected_version=None)
    page.locator("[data-save-header]").click()
    conflict = page.locator("[data-header-conflict]")
    expect(conflict).to_contain_text("Manager's title")
    expect(conflict).to_contain_text("manager")
    expect(page.locator("[data-header-form] [name=title]")).to_have_value("My better title")
    _shot(page, f"quote-header-conflict-{language}")
    page.locator("[data-save-header]").click()
    expect(page.locator("#quote-title h1")).to_contain_text("My better title")
    assert Quote.objects.get(pk=quote.pk).title == "My better title"
    page.reload()
    expect(page.locator("#quote-title h1")).to_contain_text("My better title")
    expect(page.locator("[data-currency]")).to_have_text("USD")
