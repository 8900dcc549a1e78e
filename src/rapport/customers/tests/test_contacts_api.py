"""The contacts API: create, read, update, delete, list, with its errors."""

from __future__ import annotations

import pytest

from rapport.core.models import AuditEntry
from rapport.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_create_contact_with_chinese_name_and_local_phone(users, api_for):
    api = api_for(users["north_rep"])
    response = api.post(
        "contacts",
        {"first_name": "伟", "last_name": "张", "phones": [{"value": "138 0013 8000"}], "emails": [{"value": "Zhang.Wei@Example.COM"}]},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "张伟"
    assert body["phones"] == [{"value": "138 0013 8000", "normalised": "+8613800138000", "label": "", "is_primary": True}]
    assert body["emails"][0]["normalised"] == "Zhang.Wei@example.com"
    assert body["owner_id"] == users["north_rep"].pk
    assert body["team_id"] == users["north_rep"].team_id
    assert body["version"] == 1
    entry = AuditEntry.objects.get(record_type="customers.contact", record_id=body["id"])
    assert entry.action == "create"
    assert entry.changes["full_name"] == [None, "张伟"]


def test_invalid_email_phone_and_country_are_named(users, api_for):
    api = api_for(users["north_rep"])
    response = api.post(
        "contacts", {"last_name": "Smith", "emails": [{"value": "not-an-email"}], "phones": [{"value": "12"}], "country": "XX"}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert set(errors) == {"emails[0]", "phones[0]", "country"}
    assert Contact.objects.count() == 0


def test_read_only_and_unknown_fields_are_refused(users, api_for):
    api = api_for(users["north_rep"])
    response = api.post("contacts", {"last_name": "Smith", "created_at": "2020-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert "created_at" in response.json()["errors"]
    assert Contact.objects.count() == 0


def test_update_with_stale_version_changes_nothing(users, api_for):
    api = api_for(users["north_rep"])
    contact = api.post("contacts", {"last_name": "Smith", "title": "Buyer"}).json()
    first = api.patch(f"contacts/{contact['id']}", {"title": "Head buyer", "version": 1})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = api.patch(f"contacts/{contact['id']}", {"title": "CEO", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    stale_header = api.patch(f"contacts/{contact['id']}", {"title": "CEO"}, headers={"If-Match": '"1"'})
    assert stale_header.status_code == 412
    assert Contact.objects.get(pk=contact["id"]).title == "Head buyer"


def test_another_teams_rep_gets_404_everywhere(users, api_for):
    owner = api_for(users["north_rep"])
    contact = owner.post("contacts", {"last_name": "Li", "phones": [{"value": "+86 139 0000 0001"}]}).json()
    stranger = api_for(users["south_rep"])
    assert stranger.get(f"contacts/{contact['id']}").status_code == 404
    assert stranger.patch(f"contacts/{contact['id']}", {"title": "x"}).status_code == 404
    assert stranger.delete(f"contacts/{contact['id']}").status_code == 404
    assert stranger.get("contacts").json()["items"] == []
    assert stranger.get("search", {"q": "+8613900000001"}).json()["contacts"] == []
    assert Contact.objects.get(pk=contact["id"]).title == ""


def test_manager_sees_team_and_reports(users, api_for):
    rep = api_for(users["north_rep"])
    created = rep.post("contacts", {"last_name": "Wang"}).json()
    manager = api_for(users["manager"])
    assert manager.get(f"contacts/{created['id']}").status_code == 200
    assert api_for(users["north_rep2"]).get(f"contacts/{created['id']}").status_code == 404


def test_keyset_pagination_walks_every_row_once(users, api_for):
    api = api_for(users["north_rep"])
    for i in range(7):
        assert api.post("contacts", {"last_name": f"Person {i:02d}"}).status_code == 201
    seen, cursor = [], None
    while True:
        page = api.get("contacts", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [c["full_name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Person {i:02d}" for i in range(7)]


def test_read_only_token_cannot_write(users, api_for):
    api = api_for(users["north_rep"], scope="read")
    response = api.post("contacts", {"last_name": "Smith"})
    assert response.status_code == 403
    assert Contact.objects.count() == 0


def test_oversized_payload_is_refused_cleanly(users, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    api = api_for(users["north_rep"])
    response = api.post("contacts", {"last_name": "Smith", "notes": "x" * 20_000})
    assert response.status_code in (413, 422)
    assert Contact.objects.count() == 0


def test_unknown_ids_are_404_problems(users, api_for):
    api = api_for(users["admin"])
    for path in ("contacts/999999", "accounts/999999", "leads/999999", "interactions/999999", "users/999999", "teams/999999"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"
    assert api.patch("contacts/999999", {"title": "x"}).status_code == 404
    assert api.get("contacts/not-a-number").status_code == 422


def test_new_first_or_last_name_renames_a_derived_full_name(users, api_for):
    api = api_for(users["north_rep"])
    contact = api.post("contacts", {"first_name": "伟", "last_name": "张"}).json()
    renamed = api.patch(f"contacts/{contact['id']}", {"first_name": "敏", "version": 1})
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["full_name"] == "张敏"
    assert [c["id"] for c in api.get("search", {"q": "张敏"}).json()["contacts"]] == [contact["id"]]
    entry = AuditEntry.objects.filter(record_id=contact["id"], action="update").get()
    assert entry.changes["full_name"] == ["张伟", "张敏"]


def test_a_typed_full_name_survives_a_name_change_and_an_unchanged_one_sent_back(users, api_for):
    api = api_for(users["north_rep"])
    contact = api.post("contacts", {"first_name": "Wei", "last_name": "Wang", "full_name": "Dr. Wang Wei"}).json()
    renamed = api.patch(f"contacts/{contact['id']}", {"first_name": "W.", "version": 1}).json()
    assert renamed["full_name"] == "Dr. Wang Wei"
    # A form sends every field: the full name it shows, unchanged, is not a typed one.
    plain = api.post("contacts", {"first_name": "Anna", "last_name": "Berg"}).json()
    resent = api.patch(f"contacts/{plain['id']}", {"first_name": "Anne", "last_name": "Berg", "full_name": "Anna Berg", "version": 1})
    assert resent.json()["full_name"] == "Anne Berg"
    cleared = api.patch(f"contacts/{contact['id']}", {"full_name": "", "version": 2}).json()
    assert cleared["full_name"] == "W. Wang"
