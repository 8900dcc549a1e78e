"""Limits: request bodies, search text and ids are bounded, and the bound is a clean refusal."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_an_oversized_body_is_413_on_the_api_and_nothing_is_written(users, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api_for(users["north_rep"]).post("contacts", {"last_name": "Big", "notes": "x" * 20_000})
    assert (response.status_code, response["Content-Type"]) == (413, "application/problem+json")
    assert not Contact.objects.exists()


def test_an_oversized_form_is_refused_and_nothing_is_written(users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = Client(raise_request_exception=False)
    client.force_login(users["north_rep"])
    response = client.post("/contacts/new/", {"last_name": "Big", "notes": "x" * 20_000}, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 413)
    assert not Contact.objects.exists()


def test_search_text_is_bounded(users, api_for):
    api = api_for(users["north_rep"])
    assert api.get("contacts", {"q": "x" * 201}).status_code == 422
    assert api.get("search", {"q": "x" * 201}).status_code == 422
    client = Client()
    client.force_login(users["north_rep"])
    assert client.get("/contacts/", {"q": "x" * 201}).context["filter_errors"] == {"q": ["At most 200 characters."]}


def test_ids_beyond_64_bits_are_not_found_not_errors(users, api_for):
    api = api_for(users["north_rep"])
    assert api.get(f"contacts/{2**64}").status_code in (404, 422)
    assert api.get("contacts", {"owner_id": str(2**64)}).status_code == 422
    client = Client()
    client.force_login(users["north_rep"])
    assert client.get(f"/contacts/{2**64}/").status_code == 404
