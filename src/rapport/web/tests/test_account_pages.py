"""The Security page: change the password, log out, log out everywhere (page door)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from rapport.core.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-much-longer-new-secret"


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _signed_out(client: Client) -> bool:
    response = client.get("/contacts/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


def _field_error(html: str, field: str) -> str:
    found = re.search(
        rf'<div class="field has-error">\s*<label for="id_{field}">.*?<div class="field-error" role="alert">(.*?)</div>', html, re.S
    )
    assert found, f"no error at {field}"
    return found.group(1)


def test_the_security_page_speaks_english_and_chinese(users):
    rep = users["north_rep"]
    page = _signed_in(rep).get("/account/security/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Change your password", "Two-step sign-in", "Log out everywhere", 'autocomplete="current-password"'):
        assert text in html
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    html = _signed_in(rep).get("/account/security/").content.decode()
    for text in ("修改密码", "两步登录", "在所有设备上退出"):
        assert text in html


def test_changing_the_password_keeps_this_session_and_ends_the_others(users, api_for):
    rep = users["north_rep"]
    this, other, token = _signed_in(rep), _signed_in(rep), api_for(rep)

    response = this.post(
        "/account/security/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}, follow=True
    )

    assert response.redirect_chain == [("/account/security/", 302)]
    assert "Your password is changed." in response.content.decode()
    assert this.get("/contacts/").status_code == 200
    assert _signed_out(other)
    assert token.get("users/me").status_code == 401
    assert Client().login(username="north_rep", password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current_password": "wrong", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}, "current_password", "not right"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": "different"}, "new_password_again", "differ"),
        ({"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"}, "new_password", "too short"),
        ({"current_password": PASSWORD, "new_password": "password123", "new_password_again": "password123"}, "new_password", "too common"),
        ({"current_password": "", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}, "current_password", "required"),
    ],
)
def test_a_refused_change_shows_the_error_at_its_field_and_changes_nothing(users, data, field, message):
    rep = users["north_rep"]
    this, other = _signed_in(rep), _signed_in(rep)
    response = this.post("/account/security/", data)
    assert response.status_code == 200
    assert message in _field_error(response.content.decode(), field)
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)
    assert other.get("/contacts/").status_code == 200


def test_a_refused_change_is_translated(users):
    rep = users["north_rep"]
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    browser = _signed_in(rep)
    wrong = {"current_password": "wrong", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    assert _field_error(browser.post("/account/security/", wrong).content.decode(), "current_password") == "当前密码不对。"
    differ = {**wrong, "current_password": PASSWORD, "new_password_again": "different"}
    assert _field_error(browser.post("/account/security/", differ).content.decode(), "new_password_again") == "两次输入的新密码不一致。"


def test_guessing_the_current_password_on_the_page_is_throttled(users, settings):
    settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    this = _signed_in(users["north_rep"])
    wrong = {"current_password": "guess", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    for _ in range(2):
        assert this.post("/account/security/", wrong).status_code == 200
    right = {**wrong, "current_password": PASSWORD}
    response = this.post("/account/security/", right)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    users["north_rep"].refresh_from_db()
    assert users["north_rep"].check_password(PASSWORD)


def test_logging_out_ends_this_session_and_its_cookie(users, api_for):
    rep = users["north_rep"]
    this, token = _signed_in(rep), api_for(rep)
    copied = Client()
    copied.cookies = this.cookies  # the same cookie, kept by someone else
    assert copied.get("/contacts/").status_code == 200

    assert this.post("/logout/")["Location"] == "/login/"

    assert _signed_out(this)
    stolen = Client()
    stolen.cookies["sessionid"] = copied.cookies["sessionid"].value
    assert _signed_out(stolen)
    assert token.get("users/me").status_code == 200  # a plain log-out keeps API tokens; "everywhere" ends them


def test_log_out_everywhere_ends_every_session_and_token(users, api_for):
    rep = users["north_rep"]
    this, other, token = _signed_in(rep), _signed_in(rep), api_for(rep)

    response = this.post("/account/logout-everywhere/", follow=True)

    assert response.redirect_chain == [("/login/", 302)]
    assert "You are logged out everywhere" in response.content.decode()
    assert _signed_out(this)
    assert _signed_out(other)
    assert token.get("users/me").status_code == 401
    assert not ApiToken.objects.filter(user=rep, revoked_at__isnull=True).exists()
    assert this.get("/account/logout-everywhere/").status_code == 302  # GET: sign in first, then 405


def test_a_role_downgrade_by_an_administrator_sends_the_user_to_the_login_page(users, api_for):
    manager = users["manager"]
    browser, token = _signed_in(manager), api_for(manager)
    assert api_for(users["admin"]).patch(f"users/{manager.pk}", {"role": "sales_rep"}).status_code == 200
    assert _signed_out(browser)
    assert token.get("users/me").status_code == 401


def test_a_deactivated_users_open_session_reaches_no_page(users):
    client = _signed_in(users["north_rep"])
    page = client.get("/contacts/").content.decode()
    assert "North" in page  # the menu names the rep's team, read with the user
    type(users["north_rep"]).objects.filter(pk=users["north_rep"].pk).update(is_active=False)
    assert _signed_out(client)
