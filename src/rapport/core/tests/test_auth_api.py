"""API tokens, users, teams and exchange rates over the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.common.testing import ApiClient
from rapport.core.models import ApiToken, ExchangeRate, Team, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def test_token_for_username_and_password_is_stored_hashed(users):
    response = ApiClient(None).post("auth/token", {"username": "north_rep", "password": PASSWORD, "scope": "read"})
    assert response.status_code == 201
    secret = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert secret.startswith("rap_")
    assert secret not in (token.key_hash, token.prefix)
    assert len(token.key_hash) == 64
    assert token.scope == "read"
    assert ApiClient(secret).get("users/me").json()["username"] == "north_rep"


def test_wrong_password_and_unknown_user_look_the_same(users):
    wrong = ApiClient(None).post("auth/token", {"username": "north_rep", "password": "nope"})
    unknown = ApiClient(None).post("auth/token", {"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert ApiToken.objects.count() == 0


def test_expired_and_revoked_tokens_are_refused(users, api_for):
    api = api_for(users["north_rep"])
    token = ApiToken.objects.get(user=users["north_rep"])
    assert api.get("users/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("users/me").status_code == 401
    other = api_for(users["north_rep"])
    other_token = ApiToken.objects.exclude(pk=token.pk).get(user=users["north_rep"])
    assert other.delete(f"auth/tokens/{other_token.pk}").status_code == 204
    assert other.get("users/me").status_code == 401


def test_role_downgrade_revokes_tokens(users, api_for):
    manager_api = api_for(users["manager"])
    admin_api = api_for(users["admin"])
    response = admin_api.patch(f"users/{users['manager'].pk}", {"role": "sales_rep"})
    assert response.status_code == 200
    assert response.json()["role"] == "sales_rep"
    assert manager_api.get("users/me").status_code == 401


def test_nobody_grants_themselves_a_role(users, api_for):
    rep = api_for(users["north_rep"])
    assert rep.patch(f"users/{users['north_rep'].pk}", {"role": "administrator"}).status_code == 403
    admin = api_for(users["admin"])
    assert admin.patch(f"users/{users['admin'].pk}", {"role": "sales_rep"}).status_code == 422
    users["north_rep"].refresh_from_db()
    assert users["north_rep"].role == "sales_rep"


def test_only_administrators_create_users(users, api_for):
    body = {"username": "newbie", "password": "long-enough-pass", "role": "sales_rep", "team_id": users["north_rep"].team_id}
    assert api_for(users["manager"]).post("users", body).status_code == 404
    created = api_for(users["admin"]).post("users", body)
    assert created.status_code == 201
    assert created.json()["team_id"] == users["north_rep"].team_id
    bad = api_for(users["admin"]).post("users", {**body, "username": "other", "role": "emperor"})
    assert bad.status_code == 422
    assert "role" in bad.json()["errors"]
    assert not User.objects.filter(username="other").exists()


def test_teams_crud_for_administrators(users, api_for, teams):
    admin = api_for(users["admin"])
    created = admin.post("teams", {"name": "West", "slug": "west", "parent_id": teams["sales"].pk})
    assert created.status_code == 201
    cycle = admin.patch(f"teams/{teams['sales'].pk}", {"parent_id": created.json()["id"]})
    assert cycle.status_code == 422
    assert "parent_id" in cycle.json()["errors"]
    assert Team.objects.get(pk=teams["sales"].pk).parent_id is None
    assert admin.delete(f"teams/{teams['north'].pk}").status_code == 422
    assert admin.delete(f"teams/{created.json()['id']}").status_code == 204
    assert api_for(users["north_rep"]).post("teams", {"name": "X", "slug": "x"}).status_code == 403


def test_exchange_rates_validate_currency(users, api_for):
    admin = api_for(users["admin"])
    bad = admin.post("exchange-rates", {"currency": "XYZ", "rate_to_base": "7.1", "valid_from": "2026-01-01"})
    assert bad.status_code == 422
    assert "currency" in bad.json()["errors"]
    negative = admin.post("exchange-rates", {"currency": "USD", "rate_to_base": "-1", "valid_from": "2026-01-01"})
    assert negative.status_code == 422
    assert ExchangeRate.objects.count() == 0
    good = admin.post("exchange-rates", {"currency": "usd", "rate_to_base": "7.12345678", "valid_from": "2026-01-01"})
    assert good.status_code == 201
    listed = admin.get("exchange-rates").json()
    assert listed["base_currency"] == "CNY"
    assert listed["rates"] == [{"currency": "USD", "rate_to_base": "7.12345678", "valid_from": "2026-01-01"}]


def test_unauthenticated_requests_get_problem_json():
    response = ApiClient(None).get("contacts")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert ApiClient("rap_forged").get("contacts").status_code == 401
