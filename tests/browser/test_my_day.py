"""My day in the browser: add a to-do with the quick add, tick it off, undo; a due reminder rings the bell."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.customers import activities
from rapport.customers.models import Activity
from tests.browser.shots import SHOTS, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_todo_on_my_day_and_complete_it(page, live_server, users, zhang_in_db, log_in):
    rep = users["north_rep"]
    activities.activity_create(
        actor=rep,
        kind="call",
        subject="Call Mr Zhang about the X-200",
        due_at=timezone.now() - timedelta(days=1),
        contact_id=zhang_in_db.pk,
    )
    activities.activity_create(
        actor=rep,
        kind="meeting",
        subject="Product lecture",
        due_at=timezone.now() + timedelta(days=1),
        location="Hall 3",
        reminder_at=timezone.now() - timedelta(minutes=1),
    )
    log_in(page, "north_rep")
    expect(page.locator(".act-overdue")).to_contain_text("Call Mr Zhang about the X-200")

    page.fill("[data-quick-add] input[name=subject]", "Send the brochure to Fresh Farms")
    page.locator("[data-quick-add] input[name=due_time]").fill("23:30")
    page.locator("[data-quick-add] button[type=submit]").click()
    row = page.locator("[data-activity]", has_text="Send the brochure to Fresh Farms")
    expect(row).to_be_visible()
    expect(page.locator("[data-quick-add] input[name=subject]")).to_have_value("")
    added = Activity.objects.get(subject="Send the brochure to Fresh Farms")
    assert (added.owner, added.kind, added.status) == (rep, "task", "open")
    shoot(page, "my-day-desktop")

    row.get_by_role("button", name="Mark “Send the brochure to Fresh Farms” done").click()
    expect(row).to_have_class("act-item is-closed")
    added.refresh_from_db()
    assert (added.status, added.completed_at is not None) == ("done", True)
    row.get_by_role("button", name="Reopen “Send the brochure to Fresh Farms”").click()
    expect(row).not_to_have_class("act-item is-closed")
    added.refresh_from_db()
    assert added.status == "open"

    # The bell polls on load: the lecture's reminder is due.
    expect(page.locator("#bell-count")).to_have_text("1")
    page.locator("[data-bell] summary").click()
    expect(page.locator("#bell-items")).to_contain_text("Product lecture")
    shoot(page, "bell-desktop")
    page.locator("#bell-items").get_by_role("button", name="Dismiss").click()
    expect(page.locator("#bell-items")).to_contain_text("No reminders due.")
    expect(page.locator("#bell-count")).to_be_hidden()

    if SHOTS:
        page.goto(f"{live_server.url}/contacts/{zhang_in_db.pk}/")
        expect(page.locator("#record-activities")).to_contain_text("Open activities")
        shoot(page, "contact-360-desktop")
        page.goto(f"{live_server.url}/activities/?status=")
        shoot(page, "activities-desktop")
        page.goto(f"{live_server.url}/activities/new/?contact={zhang_in_db.pk}&kind=meeting")
        shoot(page, "form-desktop")
        page.goto(f"{live_server.url}/my-calendar/")
        page.get_by_role("button", name="Create my calendar address").click()
        shoot(page, "my-calendar-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        for name, url in (("my-day", "/"), ("activities", "/activities/"), ("contact-360", f"/contacts/{zhang_in_db.pk}/")):
            page.goto(f"{live_server.url}{url}")
            page.wait_for_timeout(300)
            shoot(page, f"{name}-phone")
