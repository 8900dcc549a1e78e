"""The angry caller in the browser: the agent types the number in any format, sees who is calling and what
they bought, logs the call, and finds it on the card; in Chinese, a wrong number is named at the field."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from rapport.customers.models import Interaction
from tests.browser.shots import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bought_x200(users, zhang_in_db):
    from rapport.customers.services import account_create, contact_update
    from rapport.sales.models import Order
    from rapport.sales.orders import order_place
    from rapport.sales.products import price_book_create, price_book_entry_set, product_create

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "鼎盛集团（北京）有限公司"})
    contact_update(actor=rep, contact=zhang_in_db, data={"account_id": account.pk}, expected_version=None)
    laptop = product_create(actor=users["admin"], data={"sku": "X-200", "name": "Laptop X-200"})
    book = price_book_create(actor=users["admin"], name="Standard CNY", currency="CNY", is_default=True)
    price_book_entry_set(actor=users["admin"], book=book, product_id=laptop.pk, unit_price="5999.00")
    order = order_place(actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": laptop.pk}]})
    Order.objects.filter(pk=order.pk).update(ordered_on=dt.date(2026, 3, 12))
    return account


def test_the_agent_sees_the_caller_and_logs_the_call(page, live_server, users, bought_x200, log_in):
    log_in(page, "agent")
    page.get_by_role("link", name="Service").click()
    page.fill("#id_number", "+86 138-0013-8000")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator(".call-name")).to_have_text("张伟")
    expect(page.locator("[data-opener]")).to_contain_text("Last bought Laptop X-200 on March 12, 2026")
    expect(page.locator("[data-purchases]")).to_contain_text("Laptop X-200")
    expect(page.locator("#account-cross-sell")).to_contain_text("Cross-sell")  # loaded after the card
    shoot(page, "screen-pop")

    page.fill("#id_subject", "X-200 rattles")
    page.fill("#id_body", "Technician booked for Friday.")
    page.get_by_role("button", name="Log call").click()
    expect(page.locator(".toast")).to_contain_text("The call is on 张伟's timeline.")
    expect(page.locator("[data-call-timeline]")).to_contain_text("X-200 rattles")
    logged = Interaction.objects.get(subject="X-200 rattles")
    assert (logged.channel, logged.user, logged.account_id) == ("phone", users["agent"], bought_x200.pk)


def test_a_wrong_number_is_named_at_the_field_in_chinese(page, live_server, users, log_in):
    users["agent"].language = "zh-hans"
    users["agent"].save(update_fields=["language"])
    log_in(page, "agent")
    page.goto(f"{live_server.url}/service/calls/")
    page.fill("#id_number", "张伟")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("[data-number-error]")).to_have_text("“张伟”不是电话号码。")
    expect(page.locator("#id_number")).to_have_value("张伟")
    shoot(page, "screen-pop-zh-error")


def test_the_agent_opens_a_case_from_the_call_and_resolves_it(page, live_server, users, bought_x200, log_in):
    from rapport.customers.models import Contact
    from rapport.service.models import Case

    log_in(page, "agent")
    page.goto(f"{live_server.url}/service/calls/?number=13800138000")
    page.locator("[data-new-case]").click()
    expect(page.locator("#id_contact_id")).to_have_value(str(Contact.objects.get(full_name="张伟").pk))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_be_visible()  # the subject is required; nothing stored
    assert not Case.objects.exists()
    page.fill("#id_subject", "X-200 rattles when warm")
    page.select_option("#id_kind", "complaint")
    page.select_option("#id_priority", "urgent")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".toast")).to_contain_text("opened")
    case = Case.objects.get()
    assert (case.kind, case.priority, case.account_id) == ("complaint", "urgent", bought_x200.pk)
    page.fill("#id_resolution", "Fan replaced on site.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("[data-resolution]")).to_have_text("Fan replaced on site.")
    shoot(page, "case-resolved")
    page.goto(f"{live_server.url}/service/calls/?number=13800138000")
    expect(page.locator("[data-open-cases]")).to_have_count(0)


def test_the_case_forms_people_follow_the_picked_account(page, live_server, users, bought_x200, log_in):
    log_in(page, "agent")
    page.goto(f"{live_server.url}/service/cases/new/")
    expect(page.locator("#id_contact_id option")).to_have_count(1)  # no account yet: "Not said" only
    page.fill("#id_account_id_label", "鼎盛")
    page.locator("[data-pick-id]", has_text="鼎盛集团（北京）有限公司").click()
    expect(page.locator("#id_contact_id option", has_text="张伟")).to_have_count(1)
