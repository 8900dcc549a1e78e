"""Global search finds what a user may see, and follows every change of owner, team or sharing.

The search terms carry their record's owner, team and shared flag (search
walks them instead of probing each record), so each door that changes those
must bring the terms along: the record API and pages, reassignment, lead
routing (tested in sales), and the migration that filled existing terms.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from rapport.customers.models import SearchTerm

pytestmark = pytest.mark.django_db


def found(api: Any, query: str, key: str = "contacts") -> list[str]:
    response = api.get("search", {"q": query})
    assert response.status_code == 200, response.json()
    return sorted(row["name" if key == "accounts" else "full_name"] for row in response.json()[key])


def terms_of(record_type: str, record_id: int) -> set[tuple[int | None, int | None, bool]]:
    return set(
        SearchTerm.objects.filter(record_type=record_type, record_id=record_id).values_list("owner_id", "team_id", "shared_with_team")
    )


def test_each_role_finds_exactly_what_it_may_see(users, api_for):
    north_rep = api_for(users["north_rep"])
    north_rep.post("contacts", {"first_name": "Anna", "last_name": "Smithers"})
    north_rep.post("contacts", {"first_name": "Bo", "last_name": "Smithson", "shared_with_team": True})
    api_for(users["south_rep"]).post("contacts", {"first_name": "Cy", "last_name": "Smithfield"})

    assert found(north_rep, "smith") == ["Anna Smithers", "Bo Smithson"]
    assert found(api_for(users["north_rep2"]), "smith") == ["Bo Smithson"]  # shared with the team only
    assert found(api_for(users["south_rep"]), "smith") == ["Cy Smithfield"]
    assert found(api_for(users["manager"]), "smith") == ["Anna Smithers", "Bo Smithson"]  # the north team and reports
    everyone = ["Anna Smithers", "Bo Smithson", "Cy Smithfield"]
    assert found(api_for(users["admin"]), "smith") == everyone
    assert found(api_for(users["agent"]), "smith") == everyone
    # Several words: each must start a term of the same visible record.
    assert found(api_for(users["north_rep2"]), "bo smith") == ["Bo Smithson"]
    assert found(api_for(users["north_rep2"]), "anna smith") == []


def test_sharing_and_unsharing_through_the_api(users, api_for):
    owner, teammate = api_for(users["north_rep"]), api_for(users["north_rep2"])
    contact = owner.post("contacts", {"first_name": "Dana", "last_name": "Okafor"}).json()
    assert found(teammate, "okaf") == []

    shared = owner.patch(f"contacts/{contact['id']}", {"shared_with_team": True, "version": contact["version"]})
    assert shared.status_code == 200, shared.json()
    assert found(teammate, "okaf") == ["Dana Okafor"]
    assert terms_of("contact", contact["id"]) == {(users["north_rep"].pk, users["north_rep"].team_id, True)}

    unshared = owner.patch(f"contacts/{contact['id']}", {"shared_with_team": False, "version": shared.json()["version"]})
    assert unshared.status_code == 200, unshared.json()
    assert found(teammate, "okaf") == []
    assert found(owner, "okaf") == ["Dana Okafor"]


def test_reassignment_through_the_api_moves_the_record_between_searches(users, api_for):
    rep, manager, south = api_for(users["north_rep"]), api_for(users["manager"]), api_for(users["south_rep"])
    account = rep.post("accounts", {"name": "Okafor Textiles"}).json()
    assert found(rep, "okafor", "accounts") == ["Okafor Textiles"]

    moved = manager.patch(f"accounts/{account['id']}", {"owner_id": users["north_rep2"].pk, "version": account["version"]})
    assert moved.status_code == 200, moved.json()
    assert found(rep, "okafor", "accounts") == []
    assert found(api_for(users["north_rep2"]), "okafor", "accounts") == ["Okafor Textiles"]

    # An administrator hands it to the other team: the north manager loses it, the south rep does not see it unshared.
    admin = api_for(users["admin"])
    version = moved.json()["version"]
    to_south = admin.patch(
        f"accounts/{account['id']}", {"owner_id": users["manager"].pk, "team_id": users["south_rep"].team_id, "version": version}
    )
    assert to_south.status_code == 200, to_south.json()
    assert found(south, "okafor", "accounts") == []
    assert found(api_for(users["north_rep2"]), "okafor", "accounts") == []
    assert found(manager, "okafor", "accounts") == ["Okafor Textiles"]  # still the owner
    shared = admin.patch(f"accounts/{account['id']}", {"shared_with_team": True, "version": to_south.json()["version"]})
    assert shared.status_code == 200, shared.json()
    assert found(south, "okafor", "accounts") == ["Okafor Textiles"]
    assert terms_of("account", account["id"]) == {(users["manager"].pk, users["south_rep"].team_id, True)}


def test_a_renamed_record_keeps_its_visibility_on_old_and_new_terms(users, api_for):
    rep = api_for(users["north_rep"])
    account = rep.post("accounts", {"name": "Tanaka Steel", "shared_with_team": True}).json()
    renamed = rep.patch(f"accounts/{account['id']}", {"name": "Tanabe Steel", "version": account["version"]})
    assert renamed.status_code == 200, renamed.json()
    assert found(api_for(users["north_rep2"]), "tanabe", "accounts") == ["Tanabe Steel"]
    assert found(api_for(users["north_rep2"]), "tanaka", "accounts") == []
    assert terms_of("account", account["id"]) == {(users["north_rep"].pk, users["north_rep"].team_id, True)}


def test_a_rep_search_costs_the_same_queries_however_many_records_others_own(users, api_for, django_assert_num_queries):
    rep, other = api_for(users["north_rep"]), api_for(users["south_rep"])
    rep.post("contacts", {"last_name": "Ngata", "shared_with_team": True})
    for i in range(12):
        other.post("contacts", {"last_name": f"Ngata{i}"})
    # token; per record type its own terms and its team's shared terms; the contacts found with tags and contact points
    with django_assert_num_queries(10):
        assert found(rep, "ngata") == ["Ngata"]
    admin = api_for(users["admin"])
    with django_assert_num_queries(8):  # token and its first use; one walk per record type; the contacts found with tags and points
        assert len(found(admin, "ngata")) == 8  # the default limit


def test_the_migration_gives_existing_terms_their_records_visibility(users, api_for):
    rep = api_for(users["north_rep"])
    contact = rep.post("contacts", {"last_name": "Mbeki", "shared_with_team": True}).json()
    account = rep.post("accounts", {"name": "Mbeki Mining"}).json()
    SearchTerm.objects.update(owner_id=None, team_id=None, shared_with_team=False)  # as the column was added
    SearchTerm.objects.create(record_type="contact", record_id=10**9, term="orphan")  # a term left by a deleted record

    migration = importlib.import_module("rapport.customers.migrations.0011_search_term_visibility")
    # The editor's statements, not its context: entering it would leave the test's transaction on SQLite.
    migration.copy_visibility(apps, connection.schema_editor())

    north = (users["north_rep"].pk, users["north_rep"].team_id)
    assert terms_of("contact", contact["id"]) == {(*north, True)}
    assert terms_of("account", account["id"]) == {(*north, False)}
    assert terms_of("contact", 10**9) == {(None, None, False)}
    assert found(api_for(users["north_rep2"]), "mbeki") == ["Mbeki"]
