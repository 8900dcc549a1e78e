"""The fraud-review pages: the queue (roles, filters, query budget) and a flag's review (conflict, errors)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from rapport.analytics.anomaly_review import anomaly_flag_review
from rapport.analytics.models import AnomalyFlag
from rapport.analytics.tests.anomaly_data import flag_book, spiky
from rapport.common.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(users: dict[str, Any]) -> dict[str, Any]:
    return flag_book(users)


def test_the_queue_lists_the_managers_flags_in_a_fixed_number_of_queries(users, book, django_assert_max_num_queries):
    client = signed_in(users["manager"])
    client.get(reverse("analytics:anomalies"))
    with django_assert_max_num_queries(14):
        body = client.get(reverse("analytics:anomalies")).content.decode()
    assert body.count("data-flag=") == 3 and "Southern" not in body and "Fraud review" in body
    for number in range(4):
        spiky(users["north_rep2"], f"More {number}")
    from rapport.analytics.anomalies import anomalies_detect

    anomalies_detect()
    with django_assert_max_num_queries(14):
        body = client.get(reverse("analytics:anomalies"), {"status": "all"}).content.decode()
    assert body.count("data-flag=") > 3


def test_a_rep_sees_no_flag_and_no_sidebar_entry(users, book):
    client = signed_in(users["north_rep"])
    body = client.get(reverse("analytics:anomalies")).content.decode()
    assert "data-not-allowed" in body and "data-flag=" not in body
    assert client.get(reverse("analytics:anomaly_detail", args=[book["flags"]["spiky_order_burst"].pk])).status_code == 404
    assert reverse("analytics:anomalies") in signed_in(users["analyst"]).get(reverse("web:home")).content.decode()


def test_a_bad_filter_names_the_field(users, book):
    client = signed_in(users["manager"])
    response = client.get(reverse("analytics:anomalies"), {"severity": "extreme"})
    assert response.status_code == 422
    assert 'data-error-field="severity"' in response.content.decode() and "Choose severities from the list." in response.content.decode()


def test_an_analyst_reads_the_detail_without_review_buttons(users, book):
    flag = book["flags"]["spiky_amount_outlier"]
    client = signed_in(users["analyst"])
    body = client.get(reverse("analytics:anomaly_detail", args=[flag.pk])).content.decode()
    assert "data-evidence" in body and "data-review-form" not in body and "data-read-only" in body
    assert client.post(reverse("analytics:anomaly_detail", args=[flag.pk]), {"outcome": "fraud", "version": "1"}).status_code == 403
    assert AnomalyFlag.objects.get(pk=flag.pk).status == "open"


def test_a_manager_reviews_and_a_stale_form_keeps_what_was_typed(users, book):
    flag = book["flags"]["spiky_order_burst"]
    url = reverse("analytics:anomaly_detail", args=[flag.pk])
    client = signed_in(users["manager"])
    missing = client.post(url, {"note": "Checked", "version": "1"})
    assert missing.status_code == 422 and 'data-error-field="outcome"' in missing.content.decode()
    anomaly_flag_review(actor=users["admin"], flag=flag, outcome="legitimate", note="Known buyer", expected_version=1)
    stale = client.post(url, {"outcome": "fraud", "note": "Card stolen", "version": "1"})
    body = stale.content.decode()
    assert stale.status_code == 409 and "data-conflict" in body and "Card stolen" in body and 'value="2"' in body
    assert AnomalyFlag.objects.get(pk=flag.pk).status == "legitimate"
    done = client.post(url, {"outcome": "fraud", "note": "Card stolen", "version": "2"})
    assert done.status_code == 302
    assert AnomalyFlag.objects.get(pk=flag.pk).status == "fraud"
