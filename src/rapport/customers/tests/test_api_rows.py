"""The API list renders its rows without Ninja's validation (``customers.api_rows``): each row must be what
the single-record answer, which Ninja validates against the schema, says of the same record."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from ninja.responses import NinjaJSONEncoder

from rapport.customers.profiles import customer_profiles_write
from rapport.customers.schemas import AccountOut, ContactOut, LeadOut
from rapport.customers.services import account_create, contact_create, lead_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(users: dict[str, Any]) -> dict[str, Any]:
    rep = users["north_rep"]
    group = account_create(actor=rep, data={"name": "鼎盛集团", "tags": ["VIP", "Partner"], "employees": 1200, "country": "cn"})
    branch = account_create(actor=rep, data={"name": "鼎盛（上海）", "parent_id": group.pk, "phones": [{"value": "021 6888 0000"}]})
    customer_profiles_write(
        rows=[{"account_id": group.pk, "rfm_segment": "champions", "clv": "1234.50", "churn_risk": 0.25, "is_vip": True}],
        scored_at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        via="analytics",
    )
    contact_create(
        actor=rep,
        data={
            "first_name": "伟",
            "last_name": "张",
            "account_id": group.pk,
            "birthday": date(1980, 5, 17),
            "tags": ["Decision maker"],
            "emails": [{"value": "Zhang.Wei@dingsheng.cn", "label": "work"}, {"value": "zw@example.com", "is_primary": True}],
            "phones": [{"value": "138 0013 8000", "label": "mobile"}],
            "custom": {},
        },
    )
    contact_create(actor=rep, data={"last_name": "Alone", "account_id": branch.pk})
    lead_create(actor=rep, data={"full_name": "Ada Lovelace", "company": "Engines Ltd", "emails": [{"value": "ada@engines.example"}]})
    return {"group": group}


@pytest.mark.parametrize(("path", "schema"), [("accounts", AccountOut), ("contacts", ContactOut), ("leads", LeadOut)])
def test_each_listed_row_is_the_records_own_answer_in_the_schemas_shape(users, api_for, records, path, schema):
    api = api_for(users["north_rep"])
    listed = api.get(path).json()["items"]
    assert listed
    for row in listed:
        assert row == api.get(f"{path}/{row['id']}").json()
        assert json.loads(json.dumps(schema.model_validate(row).model_dump(), cls=NinjaJSONEncoder)) == row
    found = api.get("search", {"q": listed[0]["full_name" if path != "accounts" else "name"]}).json()[path]
    assert found[0] == listed[0]


def test_a_row_carries_its_tags_contact_points_and_scores_in_order(users, api_for, records):
    api = api_for(users["north_rep"])
    [zhang] = [c for c in api.get("contacts").json()["items"] if c["last_name"] == "张"]
    assert zhang["tags"] == ["Decision maker"]
    assert [e["normalised"] for e in zhang["emails"]] == ["zw@example.com", "Zhang.Wei@dingsheng.cn"]  # the primary first
    assert [(p["normalised"], p["label"]) for p in zhang["phones"]] == [("+8613800138000", "mobile")]
    assert zhang["account_profile"]["rfm_segment"] == "champions" and zhang["account_profile"]["clv"] == "1234.50"
    accounts = {a["name"]: a for a in api.get("accounts").json()["items"]}
    assert accounts["鼎盛集团"]["tags"] == ["Partner", "VIP"] and accounts["鼎盛集团"]["profile"]["is_vip"] is True
    assert accounts["鼎盛（上海）"]["profile"] is None and accounts["鼎盛（上海）"]["parent_id"] == records["group"].pk


def test_one_record_is_read_with_its_own_columns_and_three_gathering_queries(users, api_for, records, django_assert_num_queries):
    api = api_for(users["north_rep"])
    [zhang] = [c for c in api.get("contacts").json()["items"] if c["last_name"] == "张"]
    # token, the contact, its contact points, its tags, its account's scores
    with django_assert_num_queries(5):
        assert api.get(f"contacts/{zhang['id']}").json() == zhang
    assert api.get("contacts/999999").status_code == 404
