"""Stories 1 and 9 in the browser: marketing plans the exhibition, books its stand, records the buyer who left a card
(picked by name), and the campaign page and list say it paid for itself once the buyer ordered. Then story 2's
ending: the customer answers the satisfaction survey from the emailed link, without signing in."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.shots import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_marketer_plans_a_campaign_and_sees_it_pay_for_itself(page, live_server, users, zhang_in_db, log_in):
    from rapport.customers.services import account_create, contact_update
    from rapport.marketing.models import Campaign
    from rapport.sales.models import Order
    from rapport.sales.orders import order_place

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "鼎盛集团（北京）有限公司"})
    contact_update(actor=rep, contact=zhang_in_db, data={"account_id": account.pk}, expected_version=None)
    log_in(page, "marketer")
    page.get_by_role("link", name="Marketing").click()
    page.get_by_role("link", name="New campaign").first.click()  # the page head's (the empty list offers one too)
    page.fill("#id_name", "Shanghai Industry Fair")
    page.select_option("#id_kind", "exhibition")
    page.fill("#id_starts_on", "2026-03-10")
    page.fill("#id_ends_on", "2026-03-01")
    page.fill("#id_budget", "50000")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_contain_text("Must be on or after the start.")  # nothing stored
    assert not Campaign.objects.exists()
    page.fill("#id_ends_on", "2026-03-12")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Shanghai Industry Fair")

    page.locator(".inline-add summary", has_text="Book a cost").click()
    page.fill("#id_description", "Stand")
    page.fill("#id_spent_on", "2026-02-20")
    page.fill("#id_amount", "2000")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("[data-cost]")).to_contain_text("2,000")

    page.locator(".inline-add summary", has_text="Record a response").click()
    page.fill("#id_contact_id_label", "张伟")
    page.locator("[data-pick-id]").first.click()
    page.select_option("#id_kind", "card")
    page.fill("#id_responded_on", "2026-03-10")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator("[data-responses-table]")).to_contain_text("张伟")

    order = order_place(
        actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [{"description": "X-200 × 2", "unit_price": "12000.00"}]}
    )
    Order.objects.filter(pk=order.pk).update(ordered_on=dt.date(2026, 3, 20))
    page.reload()
    expect(page.locator(".kpi-roi")).to_contain_text("Paid for itself")
    shoot(page, "campaign-detail")
    page.get_by_role("link", name="Campaigns").first.click()
    expect(page.locator("[data-campaigns] .roi-paid")).to_have_text("+500%")


def test_the_customer_answers_the_survey_from_the_link(page, live_server, users, zhang_in_db):
    from rapport.customers.services import account_create, contact_update
    from rapport.service.cases import case_open, case_resolve
    from rapport.service.models import SatisfactionSurvey

    account = account_create(actor=users["north_rep"], data={"name": "Lotus Trading"})
    contact_update(actor=users["north_rep"], contact=zhang_in_db, data={"account_id": account.pk}, expected_version=None)
    case = case_open(actor=users["agent"], data={"subject": "X-200 rattles", "account_id": account.pk, "contact_id": zhang_in_db.pk})
    case_resolve(actor=users["agent"], case=case, resolution="Fan replaced.")
    survey = SatisfactionSurvey.objects.get(case=case)
    page.goto(f"{live_server.url}/service/survey/{survey.token}/")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".field-error")).to_be_visible()  # a score is needed
    page.locator(".score-option", has_text="4").click()
    page.fill("#id_comment", "Quick visit")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("[data-thanks]")).to_contain_text("4")
    shoot(page, "survey-answered")
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Quick visit")
