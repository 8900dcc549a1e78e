"""The opportunities API: visibility, concurrent moves, errors, filters and query budgets."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from rapport.sales.models import Opportunity, SalesCost, StageChange


def _create(api, account_id, **data):
    body = {"name": "Deal", "account_id": account_id, "amount": "1000.00", "currency": "CNY", "expected_close_date": "2026-03-15", **data}
    response = api.post("opportunities", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_get_patch_and_delete(users, api_for, make_account, stages):
    api = api_for(users["north_rep"])
    account = make_account(users["north_rep"])
    created = _create(api, account.pk, name="Boilers", source="trade show")
    assert (created["stage_name"], created["probability"], created["account_name"], created["version"]) == ("Prospecting", 10, "Acme", 1)
    got = api.get(f"opportunities/{created['id']}")
    assert got.json() == created
    patched = api.patch(f"opportunities/{created['id']}", {"amount": "1200.00", "next_step": "Demo"}, headers={"If-Match": '"1"'})
    assert (patched.status_code, patched.json()["amount"], patched.json()["version"]) == (200, "1200.00", 2)
    stale = api.patch(f"opportunities/{created['id']}", {"amount": "1.00"}, headers={"If-Match": '"1"'})
    assert (stale.status_code, stale.json()["current_version"]) == (412, 2)
    assert api.delete(f"opportunities/{created['id']}", headers={"If-Match": '"1"'}).status_code == 412
    assert api.delete(f"opportunities/{created['id']}").status_code == 204
    assert api.get(f"opportunities/{created['id']}").status_code == 404


def test_bad_input_is_a_problem_naming_the_fields(users, api_for, make_account):
    api = api_for(users["north_rep"])
    account = make_account(users["north_rep"])
    response = api.post(
        "opportunities",
        {"name": "X", "account_id": account.pk, "currency": "ABC", "expected_close_date": "2026-01-01", "forecast_category": "maybe"},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"currency", "forecast_category"}
    assert api.post("opportunities", {"name": "X", "account_id": account.pk, "amount": "-1"}).json()["errors"].keys() == {"amount"}
    assert Opportunity.objects.count() == 0


def test_a_move_by_someone_who_cannot_see_the_deal_is_404_and_changes_nothing(users, api_for, make_account, stages):
    owner_api = api_for(users["north_rep"])
    deal = _create(owner_api, make_account(users["north_rep"]).pk)
    for outsider in ("south_rep", "north_rep2"):
        response = api_for(users[outsider]).post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Won"].pk, "version": 1})
        assert response.status_code == 404, outsider
        assert response.json()["title"] == "Not found"
    stored = Opportunity.objects.get(pk=deal["id"])
    assert (stored.stage, stored.version, stored.status) == (stages["Prospecting"], 1, "open")
    assert StageChange.objects.filter(opportunity=stored).count() == 1
    # The manager of the north team sees and moves it.
    moved = api_for(users["manager"]).post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Proposal"].pk, "version": 1})
    assert (moved.status_code, moved.json()["stage_name"]) == (200, "Proposal")


def test_concurrent_moves_of_one_card_one_wins_nothing_is_lost(users, api_for, make_account, stages):
    api = api_for(users["north_rep"])
    deal = _create(api, make_account(users["north_rep"]).pk)
    first = api.post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Proposal"].pk, "version": 1})
    second = api_for(users["manager"]).post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Negotiation"].pk, "version": 1})
    with_header = api.post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Negotiation"].pk}, headers={"If-Match": '"1"'})
    assert (first.status_code, second.status_code, with_header.status_code) == (200, 409, 412)
    assert second.json()["current_version"] == 2
    history = api.get(f"opportunities/{deal['id']}/history").json()
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [
        (None, stages["Prospecting"].pk),
        (stages["Prospecting"].pk, stages["Proposal"].pk),
    ]
    assert api.get(f"opportunities/{deal['id']}").json()["stage_name"] == "Proposal"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers on a real server")
def test_simultaneous_moves_on_postgresql(users, api_for, make_account, stages):
    api = api_for(users["north_rep"])
    deal = _create(api, make_account(users["north_rep"]).pk)
    clients = [api_for(users["north_rep"]), api_for(users["manager"])]
    targets = [stages["Proposal"].pk, stages["Negotiation"].pk]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def move(index: int) -> None:
        barrier.wait()
        codes.append(clients[index].post(f"opportunities/{deal['id']}/move", {"stage_id": targets[index], "version": 1}).status_code)
        connection.close()

    threads = [threading.Thread(target=move, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409]
    stored = Opportunity.objects.get(pk=deal["id"])
    assert stored.version == 2 and stored.stage_id in targets
    assert list(StageChange.objects.filter(opportunity=stored).order_by("at", "id").values_list("to_stage_id", flat=True))[1:] == [
        stored.stage_id
    ]


def test_move_errors(users, api_for, make_account, stages):
    api = api_for(users["north_rep"])
    deal = _create(api, make_account(users["north_rep"]).pk)
    lost = api.post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Lost"].pk, "version": 1})
    assert (lost.status_code, list(lost.json()["errors"])) == (422, ["lost_reason"])
    elsewhere = api.post(f"opportunities/{deal['id']}/move", {"stage_id": 999999, "version": 1})
    assert (elsewhere.status_code, list(elsewhere.json()["errors"])) == (422, ["stage_id"])
    readonly = api_for(users["analyst"]).post(f"opportunities/{deal['id']}/move", {"stage_id": stages["Won"].pk, "version": 1})
    assert readonly.status_code == 403
    assert Opportunity.objects.get(pk=deal["id"]).version == 1


def test_list_filters_and_pagination(users, api_for, make_account, stages):
    api = api_for(users["north_rep"])
    account = make_account(users["north_rep"])
    for i in range(5):
        _create(api, account.pk, name=f"Deal {i}", expected_close_date=f"2026-0{i + 1}-10", source="web" if i % 2 else "trade show")
    _create(api_for(users["south_rep"]), make_account(users["south_rep"], name="Hidden").pk, name="Not yours")
    page = api.get("opportunities", {"limit": 2}).json()
    assert [o["name"] for o in page["items"]] == ["Deal 0", "Deal 1"]
    rest = api.get("opportunities", {"limit": 10, "cursor": page["next_cursor"]}).json()
    assert [o["name"] for o in rest["items"]] == ["Deal 2", "Deal 3", "Deal 4"] and rest["next_cursor"] is None
    assert [o["name"] for o in api.get("opportunities", {"close_month": "2026-03"}).json()["items"]] == ["Deal 2"]
    assert [o["name"] for o in api.get("opportunities", {"source": "web", "sort": "-amount"}).json()["items"]] == ["Deal 3", "Deal 1"]
    assert len(api.get("opportunities", {"owner_id": users["north_rep"].pk, "stage_id": stages["Prospecting"].pk}).json()["items"]) == 5
    assert api.get("opportunities", {"owner_id": users["south_rep"].pk}).json()["items"] == []
    assert len(api_for(users["admin"]).get("opportunities").json()["items"]) == 6
    for params, field in [({"close_month": "March"}, "close_month"), ({"status": "maybe"}, "status"), ({"sort": "owner"}, "sort")]:
        response = api.get("opportunities", params)
        assert (response.status_code, list(response.json()["errors"])) == (422, [field])


def test_list_query_budget_does_not_grow_with_rows(users, api_for, make_account, django_assert_max_num_queries, pipeline):
    api = api_for(users["manager"])
    for owner in ("north_rep", "north_rep2", "manager"):
        account = make_account(users[owner], name=f"Account of {owner}")
        for i in range(10):
            _create(api_for(users[owner]), account.pk, name=f"{owner} {i}")
    # token, user, team tree, subordinates, the page (owner/team/account/stage joined)
    with django_assert_max_num_queries(7):
        response = api.get("opportunities", {"limit": 200})
    assert len(response.json()["items"]) == 30
    with django_assert_max_num_queries(4):
        assert len(api.get("pipelines").json()) == 3


def test_costs_contacts_and_competitors_endpoints(users, api_for, make_account, pipeline):
    api = api_for(users["north_rep"])
    account = make_account(users["north_rep"])
    deal = _create(api, account.pk)
    cost = api.post(
        f"opportunities/{deal['id']}/costs", {"kind": "samples", "amount": "99.90", "currency": "CNY", "incurred_on": "2026-02-01"}
    )
    assert cost.status_code == 201 and cost.json()["amount"] == "99.90"
    assert (
        api.post(
            f"opportunities/{deal['id']}/costs", {"kind": "gift", "amount": "1", "currency": "CNY", "incurred_on": "2026-02-01"}
        ).status_code
        == 422
    )
    assert [c["kind"] for c in api.get(f"opportunities/{deal['id']}/costs").json()] == ["samples"]
    outsider = api_for(users["south_rep"])
    assert outsider.get(f"opportunities/{deal['id']}/costs").status_code == 404
    assert (
        outsider.post(
            f"opportunities/{deal['id']}/costs", {"kind": "demo", "amount": "5", "currency": "CNY", "incurred_on": "2026-02-01"}
        ).status_code
        == 404
    )
    assert SalesCost.objects.count() == 1

    contact = api.post("contacts", {"last_name": "Wang", "account_id": account.pk}).json()
    assert api.post(f"opportunities/{deal['id']}/contacts", {"contact_id": contact["id"], "role": "champion"}).status_code == 201
    [link] = api.get(f"opportunities/{deal['id']}/contacts").json()
    assert link == {"id": link["id"], "contact_id": contact["id"], "full_name": "Wang", "role": "champion"}
    assert outsider.delete(f"opportunity-contacts/{link['id']}").status_code == 404
    assert api.delete(f"opportunity-contacts/{link['id']}").status_code == 204
    assert api.get(f"opportunities/{deal['id']}/contacts").json() == []

    rival = api.post("competitors", {"name": "Initech", "strengths": "Price", "weaknesses": "Quality"}).json()
    assert api.post("competitors", {"name": "initech"}).status_code == 422
    tracked = api.post(f"opportunities/{deal['id']}/competitors", {"competitor_id": rival["id"], "notes": "Incumbent"}).json()
    expected = {"id": tracked["id"], "competitor_id": rival["id"], "name": "Initech", "notes": "Incumbent"}
    assert api.get(f"opportunities/{deal['id']}/competitors").json() == [expected]
    assert outsider.delete(f"opportunity-competitors/{tracked['id']}").status_code == 404
    assert api.delete(f"opportunity-competitors/{tracked['id']}").status_code == 204
    assert outsider.delete(f"sales-costs/{cost.json()['id']}").status_code == 404
    assert SalesCost.objects.count() == 1
    assert api.delete(f"sales-costs/{cost.json()['id']}").status_code == 204
    assert SalesCost.objects.count() == 0
    assert [c["name"] for c in api.get("competitors").json()] == ["Initech"]
