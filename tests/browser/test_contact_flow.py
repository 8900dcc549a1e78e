"""A rep's day in the browser: create a contact, find it by phone, edit it, see the edit audited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rapport.customers.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_find_by_phone_edit_and_see_the_audit(page, live_server, users, log_in):
    log_in(page, "north_rep")

    page.goto(f"{live_server.url}/contacts/new/")
    page.fill("input[name=last_name]", "张")
    page.fill("input[name=first_name]", "伟")
    page.locator("input[name=phones-value]").first.type("138 0013 8000")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    expect(page.locator("h1")).to_have_text("张伟")
    contact = Contact.objects.get()
    assert contact.contact_points.get().normalised == "+8613800138000"

    page.goto(f"{live_server.url}/")
    page.keyboard.press("/")  # the search box's shortcut
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("+8613800138000")
    hit = page.locator("#search-suggest [data-hit]", has_text="张伟")
    expect(hit).to_be_visible()
    expect(hit).to_have_class(re.compile("is-selected"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/contacts/{contact.pk}/")

    page.locator("[data-edit]").click()
    page.fill("input[name=title]", "采购总监")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/contacts/{contact.pk}/")
    expect(page.locator(".record-sub")).to_contain_text("采购总监")

    page.get_by_role("tab", name="Audit log").click()
    latest = page.locator("[data-audit] .audit-entry").first
    expect(latest).to_contain_text("Updated")
    expect(latest).to_contain_text("Job title")
    expect(latest).to_contain_text("采购总监")
    expect(latest).to_contain_text("north_rep")


def test_log_an_interaction_without_leaving_the_page(page, live_server, users, zhang_in_db, log_in):
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/contacts/{zhang_in_db.pk}/")
    page.get_by_text("Log interaction").first.click()
    page.fill("#log-form input[name=subject]", "Asked for a quote")
    page.locator("#log-form button[type=submit]").click()
    expect(page.locator("#timeline-items .tl-item").first).to_contain_text("Asked for a quote")
    assert page.url == f"{live_server.url}/contacts/{zhang_in_db.pk}/"
    assert zhang_in_db.interactions.get().subject == "Asked for a quote"
