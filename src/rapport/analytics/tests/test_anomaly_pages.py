"""The fraud-review pages: the queue (roles, filters, query budget) and a flag's review (conflict, errors)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from rapport.analytics.anomaly_review import anomaly_flag_review
from rapport.analytics.models import AnomalyFlag
from rapport.analytics.tests.anomaly_data import flag_book, spiky
from rapport.common.testing import signed_in
from rapport.core.models import User

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


def test_a_flag_opened_from_a_filtered_queue_links_back_to_the_same_filter(users, book):
    flag = book["flags"]["spiky_amount_outlier"]
    client = signed_in(users["manager"])
    queue = client.get(reverse("analytics:anomalies"), {"severity": "high", "sort": "severity", "cursor": ""}).content.decode()
    detail_url = reverse("analytics:anomaly_detail", args=[flag.pk])
    assert f'href="{detail_url}?severity=high&amp;sort=severity"' in queue
    body = client.get(detail_url, {"severity": "high", "sort": "severity"}).content.decode()
    assert f'href="{reverse("analytics:anomalies")}?severity=high&amp;sort=severity" data-back' in body
    assert f'action="{detail_url}?severity=high&amp;sort=severity"' in body
    done = client.post(f"{detail_url}?severity=high&sort=severity", {"outcome": "fraud", "version": "1"})
    assert done["Location"] == f"{detail_url}?severity=high&sort=severity"
    # The queue's defaults (open flags, newest first) add nothing to the link.
    assert f'href="{detail_url}"' in client.get(reverse("analytics:anomalies"), {"status": "fraud"}).content.decode().replace(
        "?status=fraud", ""
    )


def test_the_back_link_carries_only_a_filter_that_parses(users, book):
    flag = book["flags"]["spiky_amount_outlier"]
    client = signed_in(users["manager"])
    url = reverse("analytics:anomaly_detail", args=[flag.pk])
    queue = reverse("analytics:anomalies")
    body = client.get(url, {"severity": "high", "next": "//evil.example", "status": "all"}).content.decode()
    assert f'href="{queue}?severity=high&amp;status=all" data-back' in body  # rebuilt from the filter: "next" is dropped
    broken = client.get(url, {"severity": '"><script>alert(1)</script>'})
    assert broken.status_code == 200 and f'href="{queue}" data-back' in broken.content.decode()
    assert "<script>alert" not in broken.content.decode()
    redirected = client.post(f"{url}?detected_from=yesterday", {"outcome": "legitimate", "version": "1"})
    assert redirected["Location"] == url


def test_the_flag_page_speaks_of_the_review_in_plain_words(users, book):
    flag = book["flags"]["spiky_amount_outlier"]
    url = reverse("analytics:anomaly_detail", args=[flag.pk])
    client = signed_in(users["manager"])
    anomaly_flag_review(actor=users["manager"], flag=flag, outcome="follow_up", note="Call them", expected_version=1)
    saved = client.post(url, {"outcome": "fraud", "version": "2"}, follow=True)
    body = saved.content.decode()
    assert "Review saved. Outcome: Fraud." in body and "“" not in body and "..</p>" not in body
    flag.refresh_from_db()
    when = flag.reviewed_at.astimezone(timezone.get_current_timezone())
    day = date_format(flag.detected_on, "SHORT_DATE_FORMAT")
    assert f"decided by manager on {date_format(when, 'SHORT_DATETIME_FORMAT')}</p>" in body
    assert f"detected on {day}" in body  # the queue's format, not a long date
    assert f">{day}</time>" in client.get(reverse("analytics:anomalies"), {"status": "all"}).content.decode()
    assert "<dt>Channel</dt><dd>Online</dd>" in body
    assert "<dd>online</dd>" not in body


def test_an_empty_queue_says_new_orders_are_checked_as_they_arrive(users, book):
    body = signed_in(users["manager"]).get(reverse("analytics:anomalies"), {"status": "legitimate"}).content.decode()
    assert "data-flag=" not in body and "New orders and returns are checked as they arrive." in body
    assert "every night" not in body


def test_the_pages_speak_chinese(users, book):
    flag = book["flags"]["spiky_amount_outlier"]
    User.objects.filter(pk=users["manager"].pk).update(language="zh-hans")
    client = signed_in(User.objects.get(pk=users["manager"].pk))
    empty = client.get(reverse("analytics:anomalies"), {"status": "legitimate"}).content.decode()
    assert "新的订单和退货一到即会检查" in empty
    fresh = client.get(reverse("analytics:anomaly_detail", args=[flag.pk])).content.decode()
    # The side panel's headings are not the same word as the first label under them ("客户" / "客户").
    assert "客户信息</h2>" in fresh and "订单信息</h2>" in fresh and '<legend class="subhead">结论</legend>' in fresh
    body = client.post(reverse("analytics:anomaly_detail", args=[flag.pk]), {"outcome": "fraud", "version": "1"}, follow=True)
    text = body.content.decode()
    assert "审核已保存。结论：欺诈。" in text and "由 manager 于" in text and "<dd>线上</dd>" in text


def test_a_bad_filter_from_the_form_comes_back_as_a_table_htmx_swaps(users, book):
    """HTMX swaps only 2xx answers: the error in words replaces the table instead of leaving the old rows standing."""
    client = signed_in(users["manager"])
    headers = {"HX-Request": "true", "HX-Target": "anomaly-results"}
    response = client.get(reverse("analytics:anomalies"), {"detected_from": "2026-05-02", "detected_to": "2026-05-01"}, headers=headers)
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('<div id="anomaly-results"') and "<html" not in body
    assert 'data-error-field="detected_to"' in body and "The end of the range comes before its start." in body
