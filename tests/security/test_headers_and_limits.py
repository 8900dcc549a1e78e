"""Security headers, CSRF, login throttling, API rate limits and Idempotency-Key."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from rapport.api.models import IdempotentRequest
from rapport.common.testing import ApiClient
from rapport.customers.models import Contact

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def test_pages_and_api_send_security_headers(users):
    for path in ("/login/", "/api/v1/openapi.json"):
        response = Client().get(path)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(users):
    client = Client()
    response = client.post("/login/", {"username": "north_rep", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_csrf_is_enforced_on_pages_and_session_api(users):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "north_rep", "password": PASSWORD}).status_code == 403
    client.force_login(users["north_rep"])
    response = client.post("/api/v1/contacts", json.dumps({"last_name": "Forged"}), content_type="application/json")
    assert response.status_code in (401, 403)
    assert Contact.objects.count() == 0


def test_login_is_throttled_per_account_without_revealing_accounts(users, settings):
    settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    anonymous = ApiClient(None)
    for _ in range(3):
        assert anonymous.post("auth/token", {"username": "north_rep", "password": "wrong"}).status_code == 401
        assert anonymous.post("auth/token", {"username": "ghost", "password": "wrong"}).status_code == 401
    locked = anonymous.post("auth/token", {"username": "north_rep", "password": PASSWORD})
    ghost = anonymous.post("auth/token", {"username": "ghost", "password": PASSWORD})
    assert locked.status_code == ghost.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert locked.json()["detail"] == ghost.json()["detail"]
    assert anonymous.post("auth/token", {"username": "south_rep", "password": PASSWORD}).status_code == 201
    page = Client().post("/login/", {"username": "north_rep", "password": PASSWORD})
    assert page.status_code == 200  # the form again, not a session


def test_login_is_throttled_per_address(users, settings):
    settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    anonymous = ApiClient(None)
    for name in ("a", "b", "c", "d"):
        anonymous.post("auth/token", {"username": name, "password": "wrong"})
    assert anonymous.post("auth/token", {"username": "south_rep", "password": PASSWORD}).status_code == 429


def test_rate_limit_per_token_answers_429_with_retry_after(users, api_for, settings):
    settings.RAPPORT_API_RATE_PER_MINUTE = 3
    api = api_for(users["north_rep"])
    statuses = [api.get("contacts").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("contacts")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["Content-Type"] == "application/problem+json"
    assert api_for(users["south_rep"]).get("contacts").status_code == 200


def test_idempotency_key_replays_the_first_response(users, api_for):
    api = api_for(users["north_rep"])
    first = api.post("contacts", {"last_name": "Once"}, headers={"Idempotency-Key": "k-1"})
    again = api.post("contacts", {"last_name": "Once"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(last_name="Once").count() == 1


def test_idempotency_key_with_another_body_is_refused(users, api_for):
    api = api_for(users["north_rep"])
    api.post("contacts", {"last_name": "Once"}, headers={"Idempotency-Key": "k-2"})
    other = api.post("contacts", {"last_name": "Twice"}, headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422
    assert not Contact.objects.filter(last_name="Twice").exists()


def test_idempotency_key_in_flight_is_a_conflict(users, api_for):
    api = api_for(users["north_rep"])
    api.post("contacts", {"last_name": "Slow"}, headers={"Idempotency-Key": "k-3"})
    IdempotentRequest.objects.filter(key="k-3").update(in_flight=True)
    response = api.post("contacts", {"last_name": "Slow"}, headers={"Idempotency-Key": "k-3"})
    assert response.status_code == 409
    assert Contact.objects.filter(last_name="Slow").count() == 1


def test_idempotency_keys_belong_to_their_credential(users, api_for):
    api_for(users["north_rep"]).post("contacts", {"last_name": "Mine"}, headers={"Idempotency-Key": "shared"})
    theirs = api_for(users["south_rep"]).post("contacts", {"last_name": "Mine"}, headers={"Idempotency-Key": "shared"})
    assert theirs.status_code == 201
    assert Contact.objects.filter(last_name="Mine").count() == 2


def test_token_responses_are_never_stored(users):
    ApiClient(None).post("auth/token", {"username": "north_rep", "password": PASSWORD}, headers={"Idempotency-Key": "t"})
    assert IdempotentRequest.objects.count() == 0


def test_deploy_check_is_clean_for_production_settings(tmp_path):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests
    env = {
        **inherited,
        "RAPPORT_VAR_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "RAPPORT_DEBUG": "0",
        "RAPPORT_HTTPS": "1",
        "ALLOWED_HOSTS": "crm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-m", "rapport.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
