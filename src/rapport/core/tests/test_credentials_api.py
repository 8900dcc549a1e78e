"""Credentials end on password change, "log out everywhere", role downgrade and deactivation (API door).

Each test holds an old API token and an old session cookie, makes the event
happen, and checks the token gets 401 and the session is sent to the login page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rapport.common.testing import ApiClient
from rapport.core.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-much-longer-new-secret"


def _browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/contacts/").status_code == 200
    return client


def _signed_out(client: Client) -> bool:
    response = client.get("/contacts/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


def test_password_change_ends_every_token_and_every_other_session(users, api_for):
    rep = users["north_rep"]
    api, other_api, browser = api_for(rep), api_for(rep), _browser(rep)

    response = api.post("auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 204
    assert api.get("users/me").status_code == 401
    assert other_api.get("users/me").status_code == 401
    assert _signed_out(browser)
    assert ApiClient(None).post("auth/token", {"username": "north_rep", "password": PASSWORD}).status_code == 401
    fresh = ApiClient(None).post("auth/token", {"username": "north_rep", "password": NEW_PASSWORD})
    assert fresh.status_code == 201
    assert ApiClient(fresh.json()["token"]).get("users/me").json()["username"] == "north_rep"


def test_password_change_from_the_session_api_keeps_that_session_only(users, api_for):
    rep = users["north_rep"]
    this, other, token = _browser(rep), _browser(rep), api_for(rep)

    response = this.post(
        "/api/v1/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 204
    assert this.get("/api/v1/users/me").status_code == 200
    assert this.get("/contacts/").status_code == 200
    assert other.get("/api/v1/users/me").status_code == 401
    assert _signed_out(other)
    assert token.get("users/me").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "not-my-password", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "password123"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
    ],
)
def test_a_refused_password_change_names_the_field_and_changes_nothing(users, api_for, body, field):
    rep = users["north_rep"]
    api, browser = api_for(rep), _browser(rep)
    before = rep.password

    response = api.post("auth/password", body)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    rep.refresh_from_db()
    assert rep.password == before
    assert api.get("users/me").status_code == 200
    assert browser.get("/contacts/").status_code == 200


def test_forged_fields_on_a_password_change_are_refused(users, api_for):
    rep = users["north_rep"]
    api = api_for(rep)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "administrator", "is_staff": True, "username": "admin"}
    response = api.post("auth/password", body)
    assert response.status_code == 422
    assert {"role", "is_staff", "username"} <= set(response.json()["errors"])
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD) and rep.role == "sales_rep" and not rep.is_staff
    assert api.post("auth/logout-everywhere", {"role": "administrator"}).status_code == 204
    rep.refresh_from_db()
    assert rep.role == "sales_rep"


def test_guessing_the_current_password_is_throttled(users, api_for, settings):
    settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    api = api_for(users["north_rep"])
    for _ in range(3):
        assert api.post("auth/password", {"current_password": "guess", "new_password": NEW_PASSWORD}).status_code == 422
    response = api.post("auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    users["north_rep"].refresh_from_db()
    assert users["north_rep"].check_password(PASSWORD)


def test_log_out_everywhere_ends_every_token_and_session(users, api_for):
    rep = users["north_rep"]
    api, other_api, browser = api_for(rep), api_for(rep), _browser(rep)

    assert api.post("auth/logout-everywhere").status_code == 204

    assert api.get("users/me").status_code == 401
    assert other_api.get("users/me").status_code == 401
    assert _signed_out(browser)
    assert not ApiToken.objects.filter(user=rep, revoked_at__isnull=True).exists()


def test_role_downgrade_ends_sessions_and_tokens_but_an_upgrade_does_not(users, api_for):
    admin_api = api_for(users["admin"])
    rep, manager = users["north_rep"], users["manager"]
    rep_api, rep_browser = api_for(rep), _browser(rep)
    manager_api, manager_browser = api_for(manager), _browser(manager)

    assert admin_api.patch(f"users/{rep.pk}", {"role": "sales_manager"}).status_code == 200
    assert admin_api.patch(f"users/{manager.pk}", {"role": "sales_rep"}).status_code == 200

    assert rep_api.get("users/me").status_code == 200
    assert rep_browser.get("/contacts/").status_code == 200
    assert manager_api.get("users/me").status_code == 401
    assert _signed_out(manager_browser)


def test_deactivation_ends_sessions_and_tokens(users, api_for):
    rep = users["north_rep"]
    rep_api, rep_browser = api_for(rep), _browser(rep)
    assert api_for(users["admin"]).delete(f"users/{rep.pk}").status_code == 204
    assert rep_api.get("users/me").status_code == 401
    assert _signed_out(rep_browser)


def test_an_administrator_taking_staff_away_in_the_admin_site_ends_sessions_and_tokens(users, api_for):
    admin = users["admin"]
    target = users["manager"]
    target.is_staff = True
    target.save(update_fields=["is_staff"])
    target_api, target_browser = api_for(target), _browser(target)
    site = Client()
    site.force_login(admin)
    page = site.get(f"/admin/core/user/{target.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value for name, value in form.initial.items() if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data |= {"date_joined_0": target.date_joined.strftime("%Y-%m-%d"), "date_joined_1": target.date_joined.strftime("%H:%M:%S")}
    data |= {"is_active": "on", "is_superuser": "", "team": target.team_id or "", "manager": target.manager_id or ""}
    data.pop("is_staff")
    data.pop("date_joined")
    data.pop("last_login", None)

    response = site.post(f"/admin/core/user/{target.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    target.refresh_from_db()
    assert target.is_staff is False
    assert target_api.get("users/me").status_code == 401
    assert _signed_out(target_browser)
