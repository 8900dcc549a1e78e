"""Lead routing's loose ends: a lead routed away from its creator, leads no rule could place yet,
custom field values carried over on conversion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.customers.models import Account, Activity, Contact, Lead
from rapport.customers.services import contact_create, custom_field_define, lead_create
from rapport.sales.assignment import assignment_rule_create
from rapport.sales.tasks import route_pending_leads

pytestmark = pytest.mark.django_db


def _south_rule(users, **data):
    return assignment_rule_create(
        actor=users["admin"],
        data={"name": "South", "conditions": [{"field": "region", "operator": "equals", "value": "Guangdong"}], **data},
    )


@pytest.mark.django_db(transaction=True)
def test_an_api_lead_routed_to_someone_else_is_202_naming_them_without_the_record(users, api_for):
    _south_rule(users, owner_id=users["south_rep"].pk)
    api = api_for(users["north_rep"])
    response = api.post("leads", {"last_name": "Chen", "company": "Secret Co", "region": "Guangdong"})
    assert response.status_code == 202
    assert response.json() == {"detail": "Lead created and assigned to south_rep.", "assigned_to": "south_rep"}
    assert Lead.objects.get().owner == users["south_rep"]
    kept = api.post("leads", {"last_name": "Li", "region": "Jiangsu"})
    assert (kept.status_code, kept.json()["last_name"]) == (201, "Li")


def test_leads_no_rule_could_place_are_routed_by_the_periodic_job(users, teams, make_user, django_capture_on_commit_callbacks):
    from rapport.core.services import team_get_or_create

    west = team_get_or_create(slug="west", name="West")
    _south_rule(users, team_id=west.pk)  # a team with nobody in it yet
    with django_capture_on_commit_callbacks(execute=True):
        waiting = lead_create(actor=users["admin"], data={"last_name": "Wu", "region": "Guangdong"}, via="api")
        unmatched = lead_create(actor=users["admin"], data={"last_name": "Ma", "region": "Hainan"}, via="api")
        old = lead_create(actor=users["admin"], data={"last_name": "Old", "region": "Guangdong"}, via="api")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    assert route_pending_leads.call() == {"routed": 0, "unmatched": 2}
    newcomer = make_user("west_rep", team=west)
    assert route_pending_leads.call() == {"routed": 1, "unmatched": 1}
    waiting.refresh_from_db()
    assert (waiting.owner, waiting.routed_by) == (newcomer, "South")
    assert Activity.objects.get().owner == newcomer
    assert Lead.objects.get(pk=unmatched.pk).owner == users["admin"]
    assert Lead.objects.get(pk=old.pk).owner == users["admin"]
    assert route_pending_leads.call() == {"routed": 0, "unmatched": 1}  # a routed lead is not routed twice


def test_job_is_registered_with_the_scheduler():
    from rapport.core.jobs.scheduler import schedule

    assert schedule.jobs["route-pending-leads"].task is route_pending_leads


def test_conversion_carries_custom_values_to_fields_of_the_same_key(users, api_for, pipeline):
    admin, rep = users["admin"], users["north_rep"]
    custom_field_define(actor=admin, entity="lead", key="booth", label="Booth")
    custom_field_define(actor=admin, entity="lead", key="budget", label="Budget", field_type="number")
    custom_field_define(actor=admin, entity="lead", key="tier", label="Tier")
    custom_field_define(actor=admin, entity="contact", key="booth", label="Booth")
    custom_field_define(actor=admin, entity="account", key="budget", label="Budget", field_type="number")
    custom_field_define(actor=admin, entity="account", key="tier", label="Tier", field_type="choice", choices=["A", "B"])
    lead = lead_create(
        actor=rep, data={"last_name": "Zhang", "company": "Acme", "custom": {"booth": "A12", "budget": 5000, "tier": "gold"}}
    )
    response = api_for(rep).post(f"leads/{lead.pk}/convert", {})
    assert response.status_code == 200, response.json()
    # booth -> contact only; budget -> account only; "gold" is not a choice of the account's tier, so it stays behind.
    assert Contact.objects.get().custom == {"booth": "A12"}
    assert Account.objects.get().custom == {"budget": 5000}


def test_conversion_fills_only_empty_custom_values_of_an_existing_contact(users, api_for, pipeline):
    admin, rep = users["admin"], users["north_rep"]
    for entity in ("lead", "contact"):
        custom_field_define(actor=admin, entity=entity, key="booth", label="Booth")
        custom_field_define(actor=admin, entity=entity, key="interest", label="Interest")
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "emails": [{"value": "z@acme.cn"}], "custom": {"booth": "B1"}})
    lead = lead_create(
        actor=rep, data={"last_name": "Zhang", "emails": [{"value": "z@acme.cn"}], "custom": {"booth": "A12", "interest": "pumps"}}
    )
    assert api_for(rep).post(f"leads/{lead.pk}/convert", {}).json()["contact_id"] == contact.pk
    contact.refresh_from_db()
    assert contact.custom == {"booth": "B1", "interest": "pumps"}
