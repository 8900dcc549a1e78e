"""What analytics wrote about a customer, in the account and contact API answers: read-only, no N+1."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from rapport.customers.models import CustomerProfile
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create, contact_create

pytestmark = pytest.mark.django_db

SCORED_AT = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def scored(users: dict[str, Any]) -> dict[str, Any]:
    """A north rep's VIP champion (scored, clustered) and an account never scored; the south rep's VIP."""
    vip = account_create(actor=users["north_rep"], data={"name": "Scored VIP"})
    plain = account_create(actor=users["north_rep"], data={"name": "Never scored"})
    theirs = account_create(actor=users["south_rep"], data={"name": "South VIP"})
    row = {
        "rfm_recency": 5,
        "rfm_frequency": 4,
        "rfm_monetary": 5,
        "rfm_segment": "champions",
        "monetary_value": Decimal("12500.00"),
        "clv": Decimal("3210.55"),
        "churn_risk": 0.125,
        "churn_band": "low",
        "value_decile": 10,
        "is_vip": True,
        "segment_cluster": 1,
        "segment_cluster_name": "recent-frequent-big",
    }
    customer_profiles_write(rows=[{"account_id": vip.pk, **row}, {"account_id": theirs.pk, **row}], scored_at=SCORED_AT, via="analytics")
    contact = contact_create(actor=users["north_rep"], data={"last_name": "Li", "account_id": vip.pk})
    loose = contact_create(actor=users["north_rep"], data={"last_name": "Wang"})
    return {"vip": vip, "plain": plain, "theirs": theirs, "contact": contact, "loose": loose}


EXPECTED = {
    "rfm_segment": "champions",
    "rfm_recency": 5,
    "rfm_frequency": 4,
    "rfm_monetary": 5,
    "monetary_value": "12500.00",
    "clv": "3210.55",
    "churn_probability": 0.125,
    "churn_band": "low",
    "value_decile": 10,
    "is_vip": True,
    "cluster": 1,
    "cluster_profile": "recent-frequent-big",
    "scored_at": "2025-07-01T12:00:00Z",
}


def test_account_answer_carries_the_profile(users: dict[str, Any], api_for: Any, scored: dict[str, Any]) -> None:
    api = api_for(users["north_rep"])
    answer = api.get(f"accounts/{scored['vip'].pk}").json()
    assert answer["profile"] == EXPECTED
    assert api.get(f"accounts/{scored['plain'].pk}").json()["profile"] is None


def test_contact_answer_carries_its_accounts_profile(users: dict[str, Any], api_for: Any, scored: dict[str, Any]) -> None:
    api = api_for(users["north_rep"])
    assert api.get(f"contacts/{scored['contact'].pk}").json()["account_profile"] == EXPECTED
    assert api.get(f"contacts/{scored['loose'].pk}").json()["account_profile"] is None


def test_list_filters_by_profile_and_costs_no_query_per_row(
    users: dict[str, Any], api_for: Any, scored: dict[str, Any], django_assert_num_queries: Any
) -> None:
    api = api_for(users["north_rep"])
    for n in range(5):
        account_create(actor=users["north_rep"], data={"name": f"More {n}"})
    api.get("accounts")  # token and session caches warm
    with django_assert_num_queries(7):  # token, a rep's own and team-shared page heads, accounts, contact points, tags, profiles
        everyone = api.get("accounts", {"limit": 50}).json()["items"]
    assert len(everyone) == 7
    assert {a["name"]: a["profile"] is not None for a in everyone}["Scored VIP"] is True
    vips = api.get("accounts", {"vip": "true"}).json()["items"]
    assert [(a["name"], a["profile"]["cluster"]) for a in vips] == [("Scored VIP", 1)]  # the south rep's VIP stays hidden
    assert [a["name"] for a in api.get("accounts", {"rfm_segment": "champions", "cluster": "1"}).json()["items"]] == ["Scored VIP"]


@pytest.mark.parametrize(
    "forged",
    [
        {"profile": {"is_vip": True}},
        {"is_vip": True},
        {"clv": "999999.00"},
        {"churn_probability": 0.0},
        {"rfm_segment": "champions"},
        {"cluster": 1},
    ],
)
def test_profile_fields_cannot_be_written_through_the_api(users: dict[str, Any], api_for: Any, scored: dict[str, Any], forged: Any) -> None:
    api = api_for(users["north_rep"])
    account = scored["plain"]
    changed = api.patch(f"accounts/{account.pk}", {"version": account.version, **forged})
    assert changed.status_code == 422
    assert set(forged) <= set(changed.json()["errors"])
    created = api.post("accounts", {"name": "Forged", **forged})
    assert created.status_code == 422
    assert set(forged) <= set(created.json()["errors"])
    contact = api.patch(f"contacts/{scored['loose'].pk}", {"version": scored["loose"].version, "account_profile": forged})
    assert contact.status_code == 422 and "account_profile" in contact.json()["errors"]
    assert not CustomerProfile.objects.filter(account_id=account.pk).exists()
    assert CustomerProfile.objects.filter(is_vip=True).count() == 2
