"""The fraud-review queue and the review, through the service and the API (anomaly_data's flags)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rapport.analytics.anomaly_queue import AnomalyFilter, anomaly_flag_get_for_user, anomaly_flag_page_for_user
from rapport.analytics.anomaly_review import anomaly_flag_review
from rapport.analytics.models import AnomalyFlag
from rapport.analytics.tests.anomaly_data import flag_book, spiky
from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/anomalies"


@pytest.fixture
def book(users: dict[str, Any]) -> dict[str, Any]:
    return flag_book(users)


def _row(flag: AnomalyFlag) -> tuple[Any, ...]:
    fresh = AnomalyFlag.objects.get(pk=flag.pk)
    return (fresh.status, fresh.note, fresh.reviewed_by_id, fresh.version)


def _names(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((item["account_name"], item["rule"]) for item in items)


NORTH = [("Refunder", "refund_over_paid"), ("Spiky", "amount_outlier"), ("Spiky", "order_burst")]
SOUTH = [("Southern", "amount_outlier"), ("Southern", "order_burst")]


@pytest.mark.parametrize(
    ("role", "seen"),
    [("admin", sorted(NORTH + SOUTH)), ("manager", NORTH), ("analyst", NORTH), ("north_rep", []), ("marketer", []), ("agent", [])],
)
def test_the_queue_shows_each_role_what_it_may_review_or_read(users, book, api_for, role, seen):
    response = api_for(users[role]).get(URL)
    assert response.status_code == 200
    assert _names(response.json()["items"]) == seen


def test_the_queue_filters_by_rule_severity_status_and_dates(users, book, api_for):
    api = api_for(users["admin"])
    assert _names(api.get(URL, {"rule": "order_burst,refund_over_paid"}).json()["items"]) == [
        ("Refunder", "refund_over_paid"),
        ("Southern", "order_burst"),
        ("Spiky", "order_burst"),
    ]
    high = {(f.account.name, f.rule) for f in AnomalyFlag.objects.filter(severity="high").select_related("account")}
    assert set(_names(api.get(URL, {"severity": "high"}).json()["items"])) == high
    flag = book["flags"]["spiky_amount_outlier"]
    anomaly_flag_review(actor=users["admin"], flag=flag, outcome="legitimate", note="Year-end stock-up", expected_version=1)
    assert _names(api.get(URL, {"status": "legitimate"}).json()["items"]) == [("Spiky", "amount_outlier")]
    assert _names(api.get(URL, {"status": "reviewed"}).json()["items"]) == [("Spiky", "amount_outlier")]
    assert len(api.get(URL, {"status": "open"}).json()["items"]) == 4
    today = flag.detected_on
    assert len(api.get(URL, {"detected_from": today.isoformat(), "detected_to": today.isoformat()}).json()["items"]) == 5
    assert api.get(URL, {"detected_from": (today + dt.timedelta(days=1)).isoformat()}).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"rule": "amount_outlier,guesswork"}, "rule"),
        ({"severity": "extreme"}, "severity"),
        ({"status": "closed"}, "status"),
        ({"sort": "oldest"}, "sort"),
        ({"detected_from": "23/11/2026"}, "detected_from"),
        ({"detected_from": "2026-11-23", "detected_to": "2026-11-01"}, "detected_to"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(users, book, api_for, params, field):
    response = api_for(users["admin"]).get(URL, params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_keyset_pages_walk_the_whole_queue_most_severe_first(users, book, api_for):
    api = api_for(users["admin"])
    for number in range(3):  # more flags on more days, so that severity and date both decide the order
        account = spiky(users["north_rep"], f"Later {number}")
        AnomalyFlag.objects.filter(account=account).update(detected_on=dt.date(2026, 1, 1) + dt.timedelta(days=number))
    from rapport.analytics.anomalies import anomalies_detect

    anomalies_detect(today=dt.date(2026, 2, 1))
    expected = list(AnomalyFlag.objects.order_by("-severity_rank", "-detected_on", "-id").values_list("pk", flat=True))
    assert len(expected) >= 8
    seen: list[int] = []
    cursor = None
    while True:
        body = api.get(URL, {"sort": "severity", "limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    newest = [item["id"] for item in api.get(URL, {"limit": 200}).json()["items"]]
    assert newest == list(AnomalyFlag.objects.order_by("-detected_on", "-id").values_list("pk", flat=True))


def test_the_list_endpoint_reads_a_page_in_a_fixed_number_of_queries(users, book, api_for, django_assert_max_num_queries):
    api = api_for(users["manager"])
    api.get(URL)  # warm the token and the user's scope caches of a first request
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"limit": 200})
    assert len(response.json()["items"]) == 3
    for number in range(4):
        spiky(users["north_rep2"], f"More {number}")
    from rapport.analytics.anomalies import anomalies_detect

    anomalies_detect()
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"limit": 200})
    assert len(response.json()["items"]) > 3


def test_the_detail_explains_the_flag_in_plain_words(users, book, api_for):
    flag = book["flags"]["spiky_amount_outlier"]
    body = api_for(users["manager"]).get(f"{URL}/{flag.pk}").json()
    assert body["account_name"] == "Spiky" and body["order_number"] == flag.order.number and body["version"] == 1
    assert body["explanation"] == (
        "This order came to 2,000.00 CNY, while this customer's median over their 5 earlier orders is 100.00 CNY: "
        "a modified z-score of 99.00, where 3.5 or more counts as unusual."
    )
    facts = {fact["label"]: fact["value"] for fact in body["facts"]}
    assert facts["Order amount"] == "2,000.00 CNY" and facts["Compared with"] == "this customer's earlier orders"
    assert (facts["Median order"], facts["Orders compared"], facts["Flagged from"]) == ("100.00 CNY", "5", "3.5")
    refund = book["flags"]["refunder_refund_over_paid"]
    body = api_for(users["admin"]).get(f"{URL}/{refund.pk}", headers={"Accept-Language": "zh-hans"}).json()
    assert body["return_id"] == refund.order_return_id
    assert body["explanation"] == "该订单的退款合计 100.00 CNY，但只付过 0.00 CNY。"


def test_a_manager_reviews_a_flag_and_it_is_audited(users, book, api_for):
    flag = book["flags"]["spiky_order_burst"]
    response = api_for(users["manager"]).post(f"{URL}/{flag.pk}/review", {"outcome": "fraud", "note": "Card reported stolen", "version": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["note"], body["reviewed_by_id"], body["version"]) == (
        "fraud",
        "Card reported stolen",
        users["manager"].pk,
        2,
    )
    assert _row(flag) == ("fraud", "Card reported stolen", users["manager"].pk, 2)
    entry = AuditEntry.objects.get(record_type="analytics.anomalyflag", record_id=flag.pk)
    assert (entry.actor, entry.via, entry.changes["status"]) == (users["manager"], "api", ["open", "fraud"])
    again = api_for(users["admin"]).post(f"{URL}/{flag.pk}/review", {"outcome": "follow_up", "version": 2}, headers={"If-Match": '"2"'})
    assert again.status_code == 200 and again.json()["status"] == "follow_up"


def test_a_stale_version_is_a_409_and_nothing_changes(users, book, api_for):
    flag = book["flags"]["spiky_order_burst"]
    anomaly_flag_review(actor=users["admin"], flag=flag, outcome="legitimate", note="Known buyer", expected_version=1)
    before = _row(flag)
    response = api_for(users["manager"]).post(f"{URL}/{flag.pk}/review", {"outcome": "fraud", "note": "Mine", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert _row(flag) == before
    with_header = api_for(users["manager"]).post(f"{URL}/{flag.pk}/review", {"outcome": "fraud"}, headers={"If-Match": '"1"'})
    assert with_header.status_code == 412 and _row(flag) == before


@pytest.mark.parametrize("body", [{"outcome": "maybe", "version": 1}, {"version": 1}, {"outcome": "fraud", "note": "x" * 2001}])
def test_a_bad_review_is_a_422_naming_the_field(users, book, api_for, body):
    flag = book["flags"]["spiky_order_burst"]
    before = _row(flag)
    response = api_for(users["manager"]).post(f"{URL}/{flag.pk}/review", body)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["note" if "note" in body else "outcome"]
    assert _row(flag) == before


def test_the_service_refuses_an_unknown_outcome_naming_it(users, book):
    flag = book["flags"]["spiky_order_burst"]
    with pytest.raises(ValidationFailed) as refused:
        anomaly_flag_review(actor=users["manager"], flag=flag, outcome="open", note="", expected_version=1)
    assert list(refused.value.field_errors) == ["outcome"]
    with pytest.raises(StaleVersion):
        anomaly_flag_review(actor=users["manager"], flag=flag, outcome="fraud", expected_version=7)
    assert _row(flag) == ("open", "", None, 1)


def test_an_analyst_reads_but_may_not_review(users, book, api_for):
    flag = book["flags"]["spiky_order_burst"]
    api = api_for(users["analyst"])
    assert api.get(f"{URL}/{flag.pk}").status_code == 200
    response = api.post(f"{URL}/{flag.pk}/review", {"outcome": "fraud", "version": 1})
    assert response.status_code == 403
    assert _row(flag) == ("open", "", None, 1)
    with pytest.raises(PermissionDenied):
        anomaly_flag_review(actor=users["analyst"], flag=flag, outcome="fraud", expected_version=1)


@pytest.mark.parametrize(
    ("role", "flag_name"), [("north_rep", "spiky_order_burst"), ("manager", "southern_order_burst"), ("marketer", "spiky_order_burst")]
)
def test_a_flag_outside_the_users_review_is_404_and_unchanged(users, book, api_for, role, flag_name):
    flag = book["flags"][flag_name]
    api = api_for(users[role])
    assert api.get(f"{URL}/{flag.pk}").status_code == 404
    assert api.post(f"{URL}/{flag.pk}/review", {"outcome": "fraud", "version": 1}).status_code == 404
    assert _row(flag) == ("open", "", None, 1)
    with pytest.raises(NotFound):
        anomaly_flag_get_for_user(user=users[role], flag_id=flag.pk)


def test_the_selector_pages_the_same_list_as_the_api(users, book):
    page = anomaly_flag_page_for_user(user=users["manager"], filters=AnomalyFilter(rules=("order_burst",)), limit=10)
    assert [(f.account.name, f.rule) for f in page.items] == [("Spiky", "order_burst")] and page.next_cursor is None
