"""The assignment-rules, re-route and convert endpoints: who may, errors, query budget."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.customers.models import Account, Contact, Lead
from rapport.customers.services import account_create, contact_create, lead_create
from rapport.sales.models import AssignmentRule, Opportunity

pytestmark = pytest.mark.django_db


def _rule(api, **data):
    body = {"name": "Jiangsu", "conditions": [{"field": "region", "operator": "equals", "value": "Jiangsu"}], **data}
    response = api.post("assignment-rules", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_administrators_write_rules_everyone_reads_them(users, api_for):
    admin, rep = api_for(users["admin"]), api_for(users["north_rep"])
    first = _rule(admin, owner_id=users["north_rep"].pk)
    second = _rule(admin, name="South", team_id=users["south_rep"].team_id, distribution="least_loaded", conditions=[])
    assert (first["position"], second["position"], second["owner_id"], second["distribution"]) == (0, 1, None, "least_loaded")
    assert [r["name"] for r in rep.get("assignment-rules").json()] == ["Jiangsu", "South"]
    assert rep.get(f"assignment-rules/{first['id']}").json() == first
    refused = [
        rep.post("assignment-rules", {"name": "Mine", "owner_id": users["north_rep"].pk}),
        rep.patch(f"assignment-rules/{first['id']}", {"is_active": False}),
        rep.delete(f"assignment-rules/{first['id']}"),
        rep.post("assignment-rules/reorder", {"rule_ids": [second["id"], first["id"]]}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert list(AssignmentRule.objects.values_list("name", "position", "is_active")) == [("Jiangsu", 0, True), ("South", 1, True)]
    reordered = admin.post("assignment-rules/reorder", {"rule_ids": [second["id"], first["id"]]})
    assert [(r["name"], r["position"]) for r in reordered.json()] == [("South", 0), ("Jiangsu", 1)]
    patched = admin.patch(f"assignment-rules/{first['id']}", {"is_active": False, "follow_up_hours": 4})
    assert (patched.json()["is_active"], patched.json()["follow_up_hours"], patched.json()["owner_id"]) == (False, 4, users["north_rep"].pk)
    assert admin.delete(f"assignment-rules/{first['id']}").status_code == 204
    assert admin.get(f"assignment-rules/{first['id']}").status_code == 404


def test_bad_rules_are_problems_naming_the_field(users, api_for):
    api = api_for(users["admin"])
    response = api.post(
        "assignment-rules",
        {"name": "Bad", "conditions": [{"field": "colour", "operator": "equals", "value": "red"}], "owner_id": 987654},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"conditions[0].field", "owner_id"}
    unknown_operator = api.post("assignment-rules", {"name": "Bad", "conditions": [{"field": "region", "operator": "like", "value": "x"}]})
    assert unknown_operator.status_code == 422
    reorder = api.post("assignment-rules/reorder", {"rule_ids": [1, 1]})
    assert (reorder.status_code, list(reorder.json()["errors"])) == (422, ["rule_ids"])
    assert not AssignmentRule.objects.exists()


def test_which_rule_would_fire(users, api_for):
    api = api_for(users["admin"])
    rule = _rule(api, owner_id=users["north_rep"].pk)
    assert api.post("assignment-rules/test", {"region": "jiangsu"}).json() == {"rule_id": rule["id"], "rule_name": "Jiangsu"}
    assert api.post("assignment-rules/test", {"region": "Anhui"}).json() == {"rule_id": None, "rule_name": None}


def test_reroute(users, api_for):
    lead = lead_create(actor=users["admin"], data={"last_name": "Li", "region": "Jiangsu"})
    _rule(api_for(users["admin"]), owner_id=users["north_rep"].pk)
    assert api_for(users["north_rep"]).post("assignment-rules/apply").status_code == 403
    response = api_for(users["admin"]).post("assignment-rules/apply")
    assert response.json() == {"routed": 1, "unmatched": 0, "by_rule": {"Jiangsu": 1}}
    lead.refresh_from_db()
    assert (lead.owner, lead.routed_by) == (users["north_rep"], "Jiangsu")


def test_convert(users, api_for, pipeline):
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Acme"})
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "emails": [{"value": "zhang@acme.cn"}]})
    lead = lead_create(actor=rep, data={"last_name": "Zhang", "company": "ACME", "emails": [{"value": "ZHANG@acme.cn"}]})
    api = api_for(rep)
    response = api.post(f"leads/{lead.pk}/convert", {"create_opportunity": True, "amount": "800.00", "currency": "CNY"})
    assert response.status_code == 200, response.json()
    deal = Opportunity.objects.get()
    assert response.json() == {
        "lead_id": lead.pk,
        "account_id": account.pk,
        "account_created": False,
        "contact_id": contact.pk,
        "contact_created": False,
        "opportunity_id": deal.pk,
        "interactions_moved": 0,
    }
    assert (deal.name, str(deal.amount)) == ("ACME", "800.00")
    again = api.post(f"leads/{lead.pk}/convert", {})
    assert (again.status_code, again.json()["detail"]) == (409, "This lead has already been converted.")
    assert (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count()) == (1, 1, 1)


def test_convert_a_strangers_lead_is_404_and_changes_nothing(users, api_for):
    lead = lead_create(actor=users["north_rep"], data={"last_name": "Zhang", "company": "Acme"})
    response = api_for(users["south_rep"]).post(f"leads/{lead.pk}/convert", {})
    assert response.status_code == 404
    lead.refresh_from_db()
    assert (lead.status, lead.version, Account.objects.count(), Contact.objects.count()) == ("new", 1, 0, 0)
    assert api_for(users["marketer"]).post(f"leads/{lead.pk}/convert", {}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_rules_list_query_budget(users, api_for):
    api = api_for(users["admin"])
    for i in range(3):
        _rule(api, name=f"R{i}", owner_id=users["north_rep"].pk)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("assignment-rules").json()) == 3
    for i in range(3, 20):
        _rule(api, name=f"R{i}", team_id=users["south_rep"].team_id)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("assignment-rules").json()) == 20
    assert len(many) == len(few) <= 6
