"""Leads routed by the assignment rules are found by their new owner's search, and no longer by their creator's."""

from __future__ import annotations

import pytest

from rapport.customers.models import Lead
from rapport.customers.tests.test_search_visibility import found, terms_of
from rapport.sales.assignment import assignment_rule_create, leads_reroute

pytestmark = pytest.mark.django_db


def test_leads_rerouted_and_routed_on_arrival_are_found_by_their_new_owner(users, api_for, django_capture_on_commit_callbacks):
    admin, north, south = users["admin"], api_for(users["north_rep"]), api_for(users["south_rep"])
    with django_capture_on_commit_callbacks(execute=True):  # no rule yet: the lead stays with its creator
        assert north.post("leads", {"first_name": "Femi", "last_name": "Adeyemi", "company": "Adeyemi Looms"}).status_code == 201
    assert found(north, "adeyemi", "leads") == ["Femi Adeyemi"]

    assignment_rule_create(actor=admin, data={"name": "Everything south", "conditions": [], "owner_id": users["south_rep"].pk})
    assert leads_reroute(actor=admin, via="api").routed == 1
    assert found(south, "adeyemi", "leads") == ["Femi Adeyemi"]
    assert found(north, "adeyemi", "leads") == []

    with django_capture_on_commit_callbacks(execute=True):  # routed on arrival, after the creating transaction commits
        north.post("leads", {"first_name": "Gale", "last_name": "Adeyemi"})
    assert found(south, "adeyemi", "leads") == ["Femi Adeyemi", "Gale Adeyemi"]
    assert found(north, "adeyemi", "leads") == []
    for lead in Lead.objects.all():
        assert terms_of("lead", lead.pk) == {(users["south_rep"].pk, users["south_rep"].team_id, False)}
