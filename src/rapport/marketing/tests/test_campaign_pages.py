"""Campaign pages: the list with each campaign's return, the form and its field errors, the campaign page with its
money, goals, parts, costs and responses, and a person's campaigns on their page; in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.marketing.campaigns import campaign_cost_add, campaign_create
from rapport.marketing.models import Campaign, CampaignCost, CampaignResponse
from rapport.marketing.responses import response_record
from rapport.marketing.tests.conftest import SHOW_START, place


def test_the_list_shows_which_campaign_paid_for_itself(users, client_for, show, buyers, catalogue):
    campaign_cost_add(actor=users["marketer"], campaign=show, data={"description": "Stand", "spent_on": "2026-02-01", "amount": "1000"})
    response_record(
        actor=users["marketer"], campaign=show, data={"kind": "card", "contact_id": buyers["buyer"].pk, "responded_on": "2026-03-10"}
    )
    place(buyers["rep"], buyers["lotus"], catalogue["laptop"], SHOW_START + dt.timedelta(days=2))
    flop = campaign_create(
        actor=users["marketer"], data={"name": "Radio spot", "kind": "online", "starts_on": "2026-05-01", "currency": "CNY"}
    )
    campaign_cost_add(actor=users["marketer"], campaign=flop, data={"description": "Air time", "spent_on": "2026-05-01", "amount": "3000"})
    page = client_for(users["north_rep"]).get("/marketing/campaigns/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="roi roi-paid"' in html and 'data-roi="-100.0"' in html
    assert "New campaign" not in html  # a rep reads campaigns; marketing plans them
    users["marketer"].language = "zh-hans"
    users["marketer"].save(update_fields=["language"])
    zh = client_for(users["marketer"]).get("/marketing/campaigns/").content.decode()
    assert "新建营销活动" in zh and "投资回报" in zh


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(users, client_for, buyers):
    client = client_for(users["marketer"])

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/marketing/campaigns/").status_code == 200
        return len(queries)

    campaign_create(actor=users["marketer"], data={"name": "First", "starts_on": "2026-01-01", "currency": "CNY"})
    few = counted()
    for n in range(10):
        made = campaign_create(actor=users["marketer"], data={"name": f"Mailing {n}", "starts_on": "2026-04-01", "currency": "CNY"})
        campaign_cost_add(actor=users["marketer"], campaign=made, data={"description": "Print", "spent_on": "2026-04-01", "amount": "10"})
        response_record(actor=users["marketer"], campaign=made, data={"contact_id": buyers["buyer"].pk, "responded_on": "2026-04-02"})
    assert counted() <= few + 2


def test_a_bad_filter_is_named_not_a_500(users, client_for):
    page = client_for(users["marketer"]).get("/marketing/campaigns/", {"status": "someday", "year": "abc"})
    assert page.status_code == 422
    assert "Choose one of" in page.content.decode()


def test_the_form_names_bad_fields_and_keeps_what_was_typed(users, client_for):
    client = client_for(users["marketer"])
    refused = client.post(
        "/marketing/campaigns/new/",
        {
            "name": "Autumn fair",
            "kind": "exhibition",
            "status": "planned",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-01",
            "currency": "CNY",
            "budget": "5000",
            "attribution_days": "180",
            "goal_minimum": "50",
            "goal_stretch": "10",
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Must be on or after the start." in html and "Must be at least the minimum goal." in html
    assert 'value="Autumn fair"' in html
    assert not Campaign.objects.exists()
    made = client.post(
        "/marketing/campaigns/new/",
        {
            "name": "Autumn fair",
            "kind": "exhibition",
            "status": "planned",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-12",
            "currency": "CNY",
            "budget": "5000",
            "attribution_days": "180",
        },
    )
    assert made.status_code == 302
    assert Campaign.objects.get().budget == 5000
    refused = client_for(users["north_rep"]).get("/marketing/campaigns/new/", follow=True)
    assert refused.redirect_chain == [("/marketing/campaigns/", 302)]
    assert "your role reads them" in refused.content.decode()


def test_a_part_is_planned_from_its_main_campaign(users, client_for, show):
    client = client_for(users["marketer"])
    form = client.get(f"/marketing/campaigns/new/?parent={show.pk}").content.decode()
    assert f'<option value="{show.pk}" selected>' in form
    client.post(
        "/marketing/campaigns/new/",
        {
            "name": "X-200 lecture",
            "kind": "lecture",
            "status": "planned",
            "parent_id": show.pk,
            "starts_on": "2026-03-11",
            "currency": "CNY",
            "attribution_days": "90",
            "goal_minimum": "20",
            "goal_stretch": "40",
        },
    )
    lecture = Campaign.objects.get(parent=show)
    page = client.get(f"/marketing/campaigns/{show.pk}/").content.decode()
    assert "data-parts" in page and "X-200 lecture" in page
    assert "data-goal" in client.get(f"/marketing/campaigns/{lecture.pk}/").content.decode()


def test_costs_and_responses_are_added_on_the_campaign_page(users, client_for, show, buyers):
    client = client_for(users["marketer"])
    url = f"/marketing/campaigns/{show.pk}/"
    bad = client.post(f"{url}costs/", {"description": "", "spent_on": "2026-02-30", "amount": "10", "currency": "CNY"})
    assert bad.status_code == 422 and "data-cost-form" in bad.content.decode()
    assert not CampaignCost.objects.exists()
    assert (
        client.post(f"{url}costs/", {"description": "Stand", "spent_on": "2026-02-01", "amount": "1200", "currency": "CNY"}).status_code
        == 302
    )
    nobody = client.post(f"{url}responses/", {"kind": "card"})
    assert nobody.status_code == 422 and "Name one person who responded" in nobody.content.decode()
    added = client.post(f"{url}responses/", {"kind": "card", "contact_id": buyers["buyer"].pk, "responded_on": "2026-03-10"})
    assert added.status_code == 302
    twice = client.post(f"{url}responses/", {"kind": "card", "contact_id": buyers["buyer"].pk})
    assert twice.status_code == 409
    page = client.get(url).content.decode()
    assert "Wei Zhang" in page and "1,200" in page
    response = CampaignResponse.objects.get()
    assert client.post(f"{url}responses/{response.pk}/remove/").status_code == 302
    assert not CampaignResponse.objects.exists()
    cost = CampaignCost.objects.get()
    assert client_for(users["north_rep"]).post(f"{url}costs/{cost.pk}/remove/").status_code == 302
    assert CampaignCost.objects.exists()  # a rep may not: the page says so and nothing is removed


def test_a_reps_page_names_only_the_people_they_see(users, client_for, show, buyers):
    response_record(actor=users["north_rep"], campaign=show, data={"kind": "attended", "contact_id": buyers["buyer"].pk})
    mine = client_for(users["north_rep"]).get(f"/marketing/campaigns/{show.pk}/").content.decode()
    theirs = client_for(users["south_rep"]).get(f"/marketing/campaigns/{show.pk}/").content.decode()
    assert "Wei Zhang" in mine
    assert "Wei Zhang" not in theirs and "not among the records you may see" in theirs


@pytest.mark.parametrize("kind", ["contact", "account"])
def test_a_persons_page_lists_the_campaigns_they_answered(users, client_for, show, buyers, kind):
    response_record(actor=users["north_rep"], campaign=show, data={"kind": "attended", "contact_id": buyers["buyer"].pk})
    record = buyers["buyer"] if kind == "contact" else buyers["lotus"]
    section = client_for(users["north_rep"]).get(f"/marketing/people/{kind}/{record.pk}/campaigns/")
    assert section.status_code == 200 and "Shanghai Industry Fair 2026" in section.content.decode()
    assert client_for(users["south_rep"]).get(f"/marketing/people/{kind}/{record.pk}/campaigns/").status_code == 404
    assert client_for(users["north_rep"]).get(f"/marketing/people/order/{record.pk}/campaigns/").status_code == 404


def test_the_campaign_page_leads_to_importing_its_cards(users, client_for, show):
    page = client_for(users["marketer"]).get(f"/marketing/campaigns/{show.pk}/").content.decode()
    assert f'href="/leads/import/?campaign={show.pk}"' in page
    form = client_for(users["marketer"]).get(f"/leads/import/?campaign={show.pk}").content.decode()
    assert f'<option value="{show.pk}" selected>' in form
    assert "data-import-cards" not in client_for(users["analyst"]).get(f"/marketing/campaigns/{show.pk}/").content.decode()


def test_the_form_books_the_day_for_whoever_runs_the_lecture(users, client_for):
    from rapport.marketing.campaigns import the_day_of

    client = client_for(users["marketer"])
    form = client.get("/marketing/campaigns/new/").content.decode()
    assert 'name="run_by_id"' in form
    client.post(
        "/marketing/campaigns/new/",
        {
            "name": "Autumn lecture",
            "kind": "lecture",
            "status": "planned",
            "starts_on": "2026-12-01",
            "currency": "CNY",
            "attribution_days": "180",
            "run_by_id": users["manager"].pk,
        },
    )
    lecture = Campaign.objects.get()
    assert the_day_of(lecture).owner == users["manager"]
    page = client.get(f"/marketing/campaigns/{lecture.pk}/").content.decode()
    assert "data-run-by" in page and "data-the-day" in page
