"""Campaigns over the API: planned with a budget, costs booked, responses recorded and listed to who may see the
people, figures on every campaign; each bad field is a 422 naming it, a stale version a 412, nothing lost."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.marketing.models import Campaign, CampaignResponse
from rapport.marketing.tests.conftest import SHOW_START, place

NEW = {"name": "Autumn mailing", "kind": "letter", "starts_on": "2026-09-01", "currency": "CNY", "budget": "8000.00"}


def test_a_marketer_plans_a_campaign_and_everyone_reads_it(users, api_for):
    created = api_for(users["marketer"]).post("/api/v1/campaigns", NEW)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["budget"], body["owner_id"], body["figures"]["cost"]) == (
        "Autumn mailing",
        "8000.00",
        users["marketer"].pk,
        "0",
    )
    assert body["figures"]["roi"] is None
    for role in ("north_rep", "agent", "analyst"):
        found = api_for(users[role]).get(f"/api/v1/campaigns/{body['id']}")
        assert found.status_code == 200 and found.json()["name"] == "Autumn mailing"
    assert api_for(users["north_rep"]).post("/api/v1/campaigns", NEW).status_code == 403
    assert Campaign.objects.count() == 1


def test_bad_and_forged_fields_are_named(users, api_for):
    api = api_for(users["marketer"])
    forged = api.post("/api/v1/campaigns", {**NEW, "owner_id": 1, "budget": "-1"})
    assert forged.status_code == 422 and set(forged.json()["errors"]) == {"owner_id", "budget"}
    bad = api.post("/api/v1/campaigns", {**NEW, "ends_on": "2026-08-01", "kind": "rave", "currency": "XYZ"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"ends_on", "kind", "currency"}
    assert api.get("/api/v1/campaigns", {"status": "someday"}).json()["errors"].keys() == {"status"}
    assert not Campaign.objects.exists()


def test_a_stale_change_is_412_and_a_body_version_409(users, api_for):
    api = api_for(users["marketer"])
    campaign = api.post("/api/v1/campaigns", NEW).json()
    url = f"/api/v1/campaigns/{campaign['id']}"
    assert api.patch(url, {"outcome": "120 replies"}, headers={"If-Match": "1"}).status_code == 200
    assert api.patch(url, {"outcome": "lost"}, headers={"If-Match": "1"}).status_code == 412
    assert api.patch(url, {"outcome": "lost", "version": 1}).status_code == 409
    assert api.get(url).json()["outcome"] == "120 replies"


def test_costs_and_responses_make_the_figures(users, api_for, show, buyers, catalogue):
    api = api_for(users["marketer"])
    url = f"/api/v1/campaigns/{show.pk}"
    cost = api.post(f"{url}/costs", {"description": "Stand", "spent_on": "2026-02-01", "amount": "2000.00"})
    assert cost.status_code == 201 and cost.json()["currency"] == "CNY"
    assert api.post(f"{url}/costs", {"description": "", "spent_on": "2026-02-01", "amount": "0"}).status_code == 422
    answered = api.post(f"{url}/responses", {"kind": "card", "contact_id": buyers["buyer"].pk, "responded_on": "2026-03-10"})
    assert answered.status_code == 201 and answered.json()["account_id"] == buyers["lotus"].pk
    again = api.post(f"{url}/responses", {"kind": "card", "contact_id": buyers["buyer"].pk})
    assert again.status_code == 409
    order = place(buyers["rep"], buyers["lotus"], catalogue["laptop"], SHOW_START + dt.timedelta(days=4))
    figures = api.get(url).json()["figures"]
    assert (figures["cost"], figures["revenue"], figures["responses"], figures["customers"]) == ("2000.00", str(order.grand_total), 1, 1)
    assert figures["paid_for_itself"] is True
    assert [c["description"] for c in api.get(f"{url}/costs").json()] == ["Stand"]
    assert api.delete(f"{url}/costs/{cost.json()['id']}").status_code == 204
    assert api.get(url).json()["figures"]["cost"] == "0"


def test_responses_name_only_people_the_reader_may_see(users, api_for, show, buyers):
    url = f"/api/v1/campaigns/{show.pk}/responses"
    response = api_for(users["north_rep"]).post(url, {"kind": "attended", "contact_id": buyers["buyer"].pk}).json()
    assert [r["contact_id"] for r in api_for(users["north_rep"]).get(url).json()["items"]] == [buyers["buyer"].pk]
    stranger = api_for(users["south_rep"])
    assert stranger.get(url).json()["items"] == []
    assert stranger.delete(f"{url}/{response['id']}").status_code == 404
    refused = stranger.post(url, {"kind": "card", "lead_id": buyers["card"].pk})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"lead_id"}
    assert api_for(users["analyst"]).post(url, {"kind": "card", "contact_id": buyers["buyer"].pk}).status_code == 403
    assert api_for(users["marketer"]).get(f"/api/v1/campaigns/{show.pk}").json()["figures"]["responses"] == 1
    assert CampaignResponse.objects.count() == 1


def test_the_list_reads_a_page_of_figures_in_a_fixed_number_of_queries(users, api_for, buyers):
    api = api_for(users["marketer"])

    def listed() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = api.get("/api/v1/campaigns", {"limit": 50})
        assert page.status_code == 200
        return len(queries)

    api.post("/api/v1/campaigns", NEW)
    few = listed()
    for n in range(8):
        made = api.post("/api/v1/campaigns", {**NEW, "name": f"Mailing {n}"}).json()
        api.post(f"/api/v1/campaigns/{made['id']}/costs", {"description": "Print", "spent_on": "2026-09-01", "amount": "100"})
        api.post(f"/api/v1/campaigns/{made['id']}/responses", {"contact_id": buyers["buyer"].pk})
    assert listed() <= few + 3
    assert len(api.get("/api/v1/campaigns", {"kind": "letter", "year": 2026}).json()["items"]) == 9
