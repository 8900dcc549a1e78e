"""The Chinese UI after one click, and the navigation folded away on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rapport.core.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switching_to_chinese(page, live_server, users, log_in):
    log_in(page, "north_rep")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator(".sidebar")).to_contain_text("我的一天")
    expect(page.locator(".sidebar")).to_contain_text("联系人")
    expect(page.locator("#global-search")).to_have_attribute("placeholder", "搜索姓名、邮箱、公司或电话")
    assert User.objects.get(username="north_rep").language == "zh-hans"
    page.get_by_role("button", name="English").click()
    expect(page.locator(".sidebar")).to_contain_text("My day")


def test_a_phone_sees_the_menu_button_and_the_navigation_on_demand(browser, live_server, users, log_in):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        log_in(phone, "north_rep")
        sidebar = phone.locator("#sidebar")
        toggle = phone.locator("[data-nav-toggle]")
        expect(toggle).to_be_visible()
        expect(sidebar).not_to_be_in_viewport()  # folded away off screen
        toggle.click()
        expect(phone.locator("body")).to_have_class("nav-open")
        expect(sidebar).to_be_in_viewport(ratio=1)
        phone.get_by_role("link", name="Contacts").click()
        phone.wait_for_url(f"{live_server.url}/contacts/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    finally:
        context.close()
