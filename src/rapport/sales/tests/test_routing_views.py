"""The lead routing pages and the lead's Convert page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.customers.models import Account, Contact, Lead
from rapport.customers.services import account_create, contact_create, lead_create
from rapport.sales.assignment import assignment_rule_create
from rapport.sales.models import AssignmentRule, Opportunity

pytestmark = pytest.mark.django_db


def _form(name="Jiangsu", **extra):
    data = {
        "name": name,
        "is_active": "on",
        "target": "owner",
        "owner_id": "",
        "team_id": "",
        "distribution": "round_robin",
        "create_follow_up": "on",
        "follow_up_hours": "24",
        "condition_rows": "3",
        "cond-0-field": "region",
        "cond-0-operator": "in",
        "cond-0-value": "Jiangsu, Zhejiang",
        "cond-1-field": "company_size",
        "cond-1-operator": "between",
        "cond-1-value": "50, 500",
        "cond-2-field": "",
        "cond-2-operator": "equals",
        "cond-2-value": "",
    }
    data.update(extra)
    return data


def test_administrator_adds_edits_moves_and_deletes_rules(users, client_for):
    client = client_for(users["admin"])
    assert client.get("/sales/routing/new/").status_code == 200
    response = client.post("/sales/routing/new/", _form(owner_id=users["north_rep"].pk))
    assert (response.status_code, response["Location"]) == (302, "/sales/routing/")
    rule = AssignmentRule.objects.get()
    assert (rule.name, rule.owner, rule.team, rule.position) == ("Jiangsu", users["north_rep"], None, 0)
    assert rule.conditions == [
        {"field": "region", "operator": "in", "value": ["Jiangsu", "Zhejiang"]},
        {"field": "company_size", "operator": "between", "value": ["50", "500"]},
    ]
    form = client.get(f"/sales/routing/{rule.pk}/edit/")
    assert [r["field"] for r in form.context["rows"]] == ["region", "company_size", "", ""]
    client.post(
        f"/sales/routing/{rule.pk}/edit/", _form(name="East", target="team", team_id=users["south_rep"].team_id, **{"cond-1-field": ""})
    )
    rule.refresh_from_db()
    assert (rule.name, rule.owner, rule.team, len(rule.conditions)) == ("East", None, users["south_rep"].team, 1)
    second = assignment_rule_create(actor=users["admin"], data={"name": "Second", "owner_id": users["south_rep"].pk})
    client.post(f"/sales/routing/{second.pk}/move/", {"direction": "up"})
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["Second", "East"]
    page = client.get("/sales/routing/")
    assert page.status_code == 200
    assert [r.name for r, _ in page.context["rules"]] == ["Second", "East"]
    assert page.context["rules"][1][1] == ["Region / province is one of Jiangsu, Zhejiang"]
    assert client.get(f"/sales/routing/{second.pk}/delete/").status_code == 200
    assert client.post(f"/sales/routing/{second.pk}/delete/").status_code == 302
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["East"]


def test_bad_rule_shows_errors_and_saves_nothing(users, client_for):
    client = client_for(users["admin"])
    response = client.post("/sales/routing/new/", _form(name="", **{"cond-1-value": "500, 50"}))
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name"}
    response = client.post("/sales/routing/new/", _form(**{"cond-1-value": "500, 50"}))
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"__all__", "owner_id"}
    assert b"The low bound comes first." in response.content
    assert not AssignmentRule.objects.exists()


def test_more_conditions_adds_a_row_without_saving(users, client_for):
    response = client_for(users["admin"]).post("/sales/routing/new/", {**_form(), "add_condition": "1"})
    assert len(response.context["rows"]) == 5
    assert not AssignmentRule.objects.exists()


def test_others_read_the_rules_but_cannot_change_them(users, client_for):
    rule = assignment_rule_create(actor=users["admin"], data={"name": "All", "owner_id": users["south_rep"].pk})
    client = client_for(users["north_rep"])
    page = client.get("/sales/routing/")
    assert (page.status_code, page.context["may_edit"], page.context["may_reroute"]) == (200, False, False)
    assert b"/sales/routing/new/" not in page.content
    assert client.get("/sales/routing/new/").status_code == 302
    assert client.post("/sales/routing/new/", _form(owner_id=users["north_rep"].pk)).status_code == 302
    for url in (f"/sales/routing/{rule.pk}/edit/", f"/sales/routing/{rule.pk}/delete/", f"/sales/routing/{rule.pk}/move/"):
        assert client.post(url, {"direction": "up"}).status_code == 404
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["All"]


def test_sample_lead_test_and_reroute(users, client_for):
    assignment_rule_create(
        actor=users["admin"],
        data={
            "name": "Big",
            "owner_id": users["north_rep"].pk,
            "conditions": [{"field": "company_size", "operator": "gte", "value": "500"}],
        },
    )
    client = client_for(users["admin"])
    assert client.get("/sales/routing/", {"company_size": "900"}).context["fired"].name == "Big"
    assert client.get("/sales/routing/", {"company_size": "9"}).context["fired"] is False
    lead = lead_create(actor=users["admin"], data={"last_name": "Big Co", "company_size": 800})
    response = client.post("/sales/routing/reroute/", follow=True)
    assert "1 leads routed; 0 matched no rule" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.owner, lead.routed_by) == (users["north_rep"], "Big")


def test_rules_page_query_budget(users, client_for):
    client = client_for(users["admin"])
    for i in range(2):
        assignment_rule_create(actor=users["admin"], data={"name": f"R{i}", "owner_id": users["north_rep"].pk})
    with CaptureQueriesContext(connection) as few:
        client.get("/sales/routing/")
    for i in range(2, 12):
        assignment_rule_create(actor=users["admin"], data={"name": f"R{i}", "team_id": users["south_rep"].team_id})
    with CaptureQueriesContext(connection) as many:
        client.get("/sales/routing/")
    assert len(many) == len(few) <= 12


def test_convert_page_shows_the_matches_then_converts(users, client_for, pipeline):
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Acme"})
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "phones": [{"value": "+86 139 1234 5678"}]})
    lead = lead_create(actor=rep, data={"last_name": "Zhang", "company": "ACME", "phones": [{"value": "13912345678"}]})
    client = client_for(rep)
    detail = client.get(f"/leads/{lead.pk}/")
    assert f'href="/sales/leads/{lead.pk}/convert/"'.encode() in detail.content
    page = client.get(f"/sales/leads/{lead.pk}/convert/")
    assert (page.context["plan"].account, page.context["plan"].contact) == (account, contact)
    text = page.content.decode()
    assert "Will attach to the existing account" in text and "already exists (same phone +8613912345678)" in text
    bad = client.post(f"/sales/leads/{lead.pk}/convert/", {"create_opportunity": "on", "amount": "-1", "currency": "CNY"})
    assert bad.status_code == 422 and "amount" in bad.context["form"].errors
    assert Opportunity.objects.count() == 0
    response = client.post(
        f"/sales/leads/{lead.pk}/convert/",
        {"create_opportunity": "on", "opportunity_name": "Acme lathes", "amount": "900", "currency": "CNY", "close_date": "2026-08-01"},
    )
    deal = Opportunity.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/sales/opportunities/{deal.pk}/")
    assert (Account.objects.count(), Contact.objects.count(), deal.account, deal.primary_contact) == (1, 1, account, contact)
    done = client.get(f"/sales/leads/{lead.pk}/convert/")
    assert "This lead was converted on" in done.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "converted"


def test_a_stranger_gets_404_on_the_convert_page(users, client_for):
    lead = lead_create(actor=users["north_rep"], data={"last_name": "Zhang", "company": "Acme"})
    client = client_for(users["south_rep"])
    assert client.get(f"/sales/leads/{lead.pk}/convert/").status_code == 404
    assert client.post(f"/sales/leads/{lead.pk}/convert/", {"currency": "CNY"}).status_code == 404
    assert (Lead.objects.get(pk=lead.pk).status, Account.objects.count(), Contact.objects.count()) == ("new", 0, 0)
