"""Accounts, leads, interactions, custom fields, consent and export through the API."""

from __future__ import annotations

import csv
import io

import pytest

from rapport.core.models import AuditEntry
from rapport.customers.models import Account, ConsentRecord, Contact, Interaction, Lead

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_corporate_group_hierarchy(users, api_for):
    api = api_for(users["north_rep"])
    group = api.post("accounts", {"name": "华星集团", "industry": "Manufacturing", "region": "Zhejiang", "country": "cn"}).json()
    subsidiary = api.post("accounts", {"name": "华星电子", "parent_id": group["id"]})
    assert subsidiary.status_code == 201
    assert subsidiary.json()["parent_id"] == group["id"]
    assert group["country"] == "CN"
    listed = api.get("accounts", {"parent_id": group["id"]}).json()["items"]
    assert [a["name"] for a in listed] == ["华星电子"]
    self_parent = api.patch(f"accounts/{group['id']}", {"parent_id": group["id"]})
    assert self_parent.status_code == 422
    assert "parent_id" in self_parent.json()["errors"]
    blocked = api.delete(f"accounts/{group['id']}")
    assert blocked.status_code == 422
    assert Account.objects.filter(pk=group["id"]).exists()


def test_foreign_keys_to_invisible_records_are_refused(users, api_for):
    south_account = api_for(users["south_rep"]).post("accounts", {"name": "South Co"}).json()
    north = api_for(users["north_rep"])
    contact = north.post("contacts", {"last_name": "Zhou", "account_id": south_account["id"]})
    assert contact.status_code == 422
    assert contact.json()["errors"] == {"account_id": [f"No such record: {south_account['id']}."]}
    assert Contact.objects.count() == 0


def test_rep_cannot_give_records_away_but_manager_can(users, api_for):
    rep = api_for(users["north_rep"])
    refused = rep.post("contacts", {"last_name": "Sun", "owner_id": users["south_rep"].pk})
    assert refused.status_code == 422
    assert "owner_id" in refused.json()["errors"]
    created = rep.post("contacts", {"last_name": "Sun"}).json()
    manager = api_for(users["manager"])
    moved = manager.patch(f"contacts/{created['id']}", {"owner_id": users["north_rep2"].pk})
    assert moved.status_code == 200
    assert moved.json()["owner_id"] == users["north_rep2"].pk
    assert rep.get(f"contacts/{created['id']}").status_code == 404


def test_shared_with_team_is_visible_to_teammates(users, api_for):
    rep = api_for(users["north_rep"])
    created = rep.post("leads", {"last_name": "Chen", "company": "Acme", "shared_with_team": True}).json()
    assert api_for(users["north_rep2"]).get(f"leads/{created['id']}").status_code == 200
    assert api_for(users["south_rep"]).get(f"leads/{created['id']}").status_code == 404


def test_lead_status_must_be_known(users, api_for):
    api = api_for(users["north_rep"])
    response = api.post("leads", {"last_name": "Chen", "status": "hot"})
    assert response.status_code == 422
    assert "status" in response.json()["errors"]
    assert Lead.objects.count() == 0
    ok = api.post("leads", {"first_name": "Ann", "last_name": "Lee", "company": "Lee & Sons", "source": "Trade show"})
    assert ok.status_code == 201
    assert ok.json()["status"] == "new"
    assert api.get("leads", {"source": "Trade show"}).json()["items"][0]["full_name"] == "Ann Lee"
    assert api.get("leads", {"status": "wrong"}).status_code == 422


def test_interactions_timeline_and_visibility(users, api_for):
    rep = api_for(users["north_rep"])
    account = rep.post("accounts", {"name": "Acme"}).json()
    contact = rep.post("contacts", {"last_name": "Zhang", "account_id": account["id"]}).json()
    call = rep.post("interactions", {"channel": "phone", "subject": "Complaint about X-200", "contact_id": contact["id"]})
    assert call.status_code == 201
    assert call.json()["account_id"] == account["id"]
    rep.post(
        "interactions",
        {
            "channel": "email",
            "direction": "outbound",
            "subject": "Apology",
            "contact_id": contact["id"],
            "occurred_at": "2030-01-01T09:00:00+08:00",
        },
    )
    timeline = rep.get("interactions", {"account_id": account["id"]}).json()["items"]
    assert [i["subject"] for i in timeline] == ["Apology", "Complaint about X-200"]
    agent = api_for(users["agent"])
    assert agent.get(f"interactions/{call.json()['id']}").status_code == 200
    south = api_for(users["south_rep"])
    assert south.get(f"interactions/{call.json()['id']}").status_code == 404
    assert south.get("interactions").json()["items"] == []
    sneaky = south.post("interactions", {"channel": "phone", "subject": "x", "contact_id": contact["id"]})
    assert sneaky.status_code == 422
    bad = rep.post("interactions", {"channel": "pigeon", "subject": "", "contact_id": contact["id"]})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"channel", "subject"}
    assert Interaction.objects.count() == 2


def test_custom_fields_in_api_filters_and_export(users, api_for):
    admin = api_for(users["admin"])
    assert (
        admin.post("custom-fields", {"entity": "contact", "key": "shoe_size", "label": "Shoe size", "field_type": "number"}).status_code
        == 201
    )
    assert (
        admin.post(
            "custom-fields", {"entity": "contact", "key": "tier", "label": "Tier", "field_type": "choice", "choices": ["gold", "silver"]}
        ).status_code
        == 201
    )
    assert api_for(users["north_rep"]).post("custom-fields", {"entity": "contact", "key": "x", "label": "X"}).status_code == 403
    rep = api_for(users["north_rep"])
    bad = rep.post("contacts", {"last_name": "Wu", "custom": {"shoe_size": "big", "tier": "bronze", "nope": 1}})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"custom.shoe_size", "custom.tier", "custom.nope"}
    good = rep.post("contacts", {"last_name": "Wu", "custom": {"shoe_size": "42", "tier": "gold"}})
    assert good.json()["custom"] == {"shoe_size": 42, "tier": "gold"}
    rep.post("contacts", {"last_name": "Ma", "custom": {"shoe_size": 39}})
    assert [c["full_name"] for c in rep.get("contacts", {"cf_shoe_size": "42"}).json()["items"]] == ["Wu"]
    assert [c["full_name"] for c in rep.get("contacts", {"cf_tier": "gold"}).json()["items"]] == ["Wu"]
    assert rep.get("contacts", {"cf_unknown": "1"}).status_code == 422
    rows = _csv(rep.get("contacts/export.csv"))
    assert {r["name"]: r["cf_shoe_size"] for r in rows} == {"Wu": "42", "Ma": "39"}


def test_export_is_scoped_and_safe(users, api_for):
    rep = api_for(users["north_rep"])
    rep.post("contacts", {"last_name": '=HYPERLINK("http://evil")', "phones": [{"value": "13800138000"}]})
    api_for(users["south_rep"]).post("contacts", {"last_name": "Hidden"})
    response = rep.get("contacts/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    rows = _csv(response)
    assert [r["name"] for r in rows] == ['\'=HYPERLINK("http://evil")']
    assert rows[0]["phones"] == "13800138000"
    assert [r["name"] for r in _csv(api_for(users["south_rep"]).get("contacts/export.csv"))] == ["Hidden"]


def test_consent_history(users, api_for):
    rep = api_for(users["north_rep"])
    contact = rep.post("contacts", {"last_name": "Lin"}).json()
    given = rep.post(f"contacts/{contact['id']}/consent", {"channel": "email", "granted": True, "method": "Signed form at trade show"})
    assert given.status_code == 201
    assert rep.get(f"contacts/{contact['id']}").json()["consent_email"] is True
    bad = rep.post(f"contacts/{contact['id']}/consent", {"channel": "pigeon", "granted": True, "method": "x"})
    assert bad.status_code == 422
    assert (
        api_for(users["south_rep"])
        .post(f"contacts/{contact['id']}/consent", {"channel": "email", "granted": False, "method": "x"})
        .status_code
        == 404
    )
    assert ConsentRecord.objects.count() == 1
    assert AuditEntry.objects.filter(record_id=contact["id"], action="update").get().changes == {"consent_email": [False, True]}


@pytest.mark.parametrize("typed", ["+8613800138000", "138 0013 8000", "0086 138-0013-8000", "+86 (138) 0013 8000", "13800138000"])
def test_search_finds_a_phone_in_any_format(users, api_for, typed):
    api = api_for(users["north_rep"])
    api.post("contacts", {"first_name": "伟", "last_name": "张", "phones": [{"value": "138 0013 8000"}]})
    api.post("contacts", {"last_name": "Other", "phones": [{"value": "+1 650 253 0000"}]})
    found = api.get("search", {"q": typed}).json()["contacts"]
    assert [c["full_name"] for c in found] == ["张伟"]


def test_search_by_name_email_and_company(users, api_for):
    api = api_for(users["north_rep"])
    account = api.post("accounts", {"name": "Globex Corporation"}).json()
    api.post(
        "contacts",
        {"first_name": "Hank", "last_name": "Scorpio", "account_id": account["id"], "emails": [{"value": "hank@globex.example"}]},
    )
    api.post("leads", {"first_name": "Marge", "last_name": "Simpson", "company": "Globex Corporation"})
    assert [c["full_name"] for c in api.get("search", {"q": "scorp"}).json()["contacts"]] == ["Hank Scorpio"]
    assert [c["full_name"] for c in api.get("search", {"q": "hank@globex"}).json()["contacts"]] == ["Hank Scorpio"]
    by_company = api.get("search", {"q": "globex"}).json()
    assert [a["name"] for a in by_company["accounts"]] == ["Globex Corporation"]
    assert [c["full_name"] for c in by_company["contacts"]] == ["Hank Scorpio"]
    assert [lead["full_name"] for lead in by_company["leads"]] == ["Marge Simpson"]
    assert api.get("contacts", {"q": "hank scor"}).json()["items"][0]["full_name"] == "Hank Scorpio"


def test_list_endpoints_have_constant_query_counts(users, api_for, django_assert_max_num_queries):
    api = api_for(users["north_rep"])
    account = api.post("accounts", {"name": "Acme"}).json()
    for i in range(20):
        api.post(
            "contacts",
            {
                "last_name": f"P{i}",
                "account_id": account["id"],
                "tags": ["vip"],
                "phones": [{"value": f"1380013{8000 + i}"}],
                "emails": [{"value": f"p{i}@x.example"}],
            },
        )
    # token lookup, scope, page, tags prefetch, contact points prefetch (+ team/user lookups for visibility)
    with django_assert_max_num_queries(8):
        response = api.get("contacts", {"limit": 50})
    assert len(response.json()["items"]) == 20
    with django_assert_max_num_queries(8):
        assert api.get("accounts").status_code == 200
    with django_assert_max_num_queries(8):
        assert api.get("leads").status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get("interactions").status_code == 200


def test_filters_name_their_bad_parameter(users, api_for):
    api = api_for(users["north_rep"])
    for params, field in [
        ({"owner_id": "abc"}, "owner_id"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_000}, "limit"),
        ({"sort": "password"}, "sort"),
    ]:
        response = api.get("contacts", params)
        assert response.status_code == 422, params
        assert field in response.json()["errors"], response.json()


def test_delete_is_audited(users, api_for):
    api = api_for(users["north_rep"])
    created = api.post("leads", {"last_name": "Gone"}).json()
    assert api.delete(f"leads/{created['id']}", headers={"If-Match": '"7"'}).status_code == 412
    assert api.delete(f"leads/{created['id']}").status_code == 204
    entry = AuditEntry.objects.get(record_type="customers.lead", record_id=created["id"], action="delete")
    assert entry.changes["full_name"] == ["Gone", None]
    assert api.get(f"leads/{created['id']}").status_code == 404
