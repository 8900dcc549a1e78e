"""Credit behaviour: the hand-worked book (credit_data.py) through the service, the CLI, the pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.analytics.credit import credit_grade, credit_metrics, credit_refresh, credit_score
from rapport.analytics.tasks import credit_refresh_accounts
from rapport.analytics.tests.credit_data import AS_OF, bill, credit_book
from rapport.customers.models import CustomerProfile
from rapport.sales.billing import payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(users: dict[str, Any]) -> dict[str, Any]:
    accounts = credit_book(users)
    credit_refresh(as_of=AS_OF)
    return accounts


def _profile(account: Any) -> CustomerProfile:
    return CustomerProfile.objects.get(account=account)


def _chinese(user: Any) -> Client:
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    return _client(user)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the formula --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"), [(100, "A"), (85, "A"), (84, "B"), (70, "B"), (69, "C"), (55, "C"), (54, "D"), (40, "D"), (39, "E"), (0, "E")]
)
def test_grade_floors(score: int, grade: str) -> None:
    assert credit_grade(score) == grade


def test_score_parts_round_half_up_and_cap() -> None:
    scored = credit_score(late_share=0.5, delay_avg=Decimal("90"), outstanding=Decimal(0), overdue=Decimal(0), history_days=730)
    assert scored is not None
    # 40 x 0.5 = 20; a delay beyond 60 days gives nothing (not a negative); nothing owed: full exposure; history capped at 10.
    assert scored.points == {"punctuality": 20, "delay": 0, "exposure": 20, "history": 10}
    assert (scored.score, scored.grade) == (50, "D")
    half = credit_score(late_share=0.0, delay_avg=Decimal("1"), outstanding=Decimal(10), overdue=Decimal(0), history_days=0)
    assert half is not None and half.points["delay"] == 30  # 30 x 59/60 = 29.5, half up


def test_no_invoice_come_due_means_no_score() -> None:
    assert credit_score(late_share=None, delay_avg=None, outstanding=Decimal(300), overdue=Decimal(0), history_days=5) is None


def test_metrics_from_plain_facts_skip_future_and_fully_credited_invoices() -> None:
    facts = [
        {
            "account_id": 1,
            "currency": "CNY",
            "amount": Decimal(100),
            "credited": Decimal(100),
            "paid": Decimal(0),
            "issued_on": dt.date(2026, 1, 1),
            "due_on": dt.date(2026, 1, 31),
            "settled_on": None,
            "status": "open",
        },
        {
            "account_id": 1,
            "currency": "CNY",
            "amount": Decimal(100),
            "credited": Decimal(0),
            "paid": Decimal(0),
            "issued_on": dt.date(2026, 7, 1),
            "due_on": dt.date(2026, 7, 31),
            "settled_on": None,
            "status": "open",
        },
    ]
    metrics = credit_metrics(facts, as_of=AS_OF, to_base=lambda amount, currency, on: amount)[1]
    # The credited invoice was never owed; the one issued after the as-of day is not known yet.
    assert (metrics.invoices_due, metrics.outstanding, metrics.credit_since) == (0, Decimal(0), dt.date(2026, 1, 1))


# --- the service on real invoices -----------------------------------------------------------------


def test_the_hand_worked_book(book: dict[str, Any]) -> None:
    late = _profile(book["late"])
    assert (late.invoices_due, late.late_share, late.payment_delay_avg, late.payment_delay_max) == (3, 0.6667, Decimal("20.0"), 30)
    assert (late.days_to_pay_median, late.days_to_pay_p90) == (Decimal("45.0"), Decimal("60.0"))
    assert (late.outstanding_base, late.overdue_base) == (Decimal("1810.00"), Decimal("600.00"))
    assert (late.credit_score, late.credit_grade, late.credit_since, late.credit_scored_on) == (56, "C", dt.date(2025, 7, 1), AS_OF)
    assert (_profile(book["prompt"]).credit_score, _profile(book["prompt"]).credit_grade) == (93, "A")
    assert (_profile(book["defaulter"]).credit_score, _profile(book["defaulter"]).credit_grade) == (5, "E")
    newcomer = _profile(book["newcomer"])
    assert (newcomer.credit_score, newcomer.credit_grade, newcomer.outstanding_base, newcomer.invoices_due) == (
        None,
        "",
        Decimal("300.00"),
        0,
    )


def test_a_currency_without_a_rate_is_reported_not_guessed(users: dict[str, Any]) -> None:
    from rapport.customers.services import account_create

    account = account_create(actor=users["north_rep"], data={"name": "Euro buyer"})
    bill(users["north_rep"], account, "100.00", dt.date(2026, 6, 1), currency="EUR")
    run = credit_refresh(as_of=AS_OF)
    assert run.missing_rates == ["EUR"]
    assert _profile(account).outstanding_base == Decimal("0.00")


def test_rerunning_rewrites_the_same_values_and_a_full_run_clears_accounts_without_invoices(book: dict[str, Any]) -> None:
    before = list(CustomerProfile.objects.order_by("account_id").values_list("account_id", "credit_score", "overdue_base"))
    credit_refresh(as_of=AS_OF)
    assert list(CustomerProfile.objects.order_by("account_id").values_list("account_id", "credit_score", "overdue_base")) == before
    from rapport.sales.order_models import Invoice

    Invoice.objects.filter(order__account=book["defaulter"]).update(status="void")
    credit_refresh(as_of=AS_OF)
    gone = _profile(book["defaulter"])
    assert (gone.credit_score, gone.credit_grade, gone.overdue_base) == (None, "", None)


def test_a_payment_queues_a_refresh_of_that_account_which_updates_its_card(
    book: dict[str, Any], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from rapport.sales.order_models import Invoice

    invoice = Invoice.objects.get(order__account=book["defaulter"])
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(actor=users["south_rep"], invoice=invoice, amount="2000.00", paid_on=AS_OF, method="cash", via="test")
    queued = DBTaskResult.objects.get(task_path=credit_refresh_accounts.module_path)
    assert queued.args_kwargs["kwargs"] == {"account_ids": [book["defaulter"].pk]}
    assert credit_refresh_accounts.call(account_ids=[book["defaulter"].pk]) == 1
    paid = _profile(book["defaulter"])
    # Measured today (after the as-of day of the book): paid 150 days late, nothing owed any more.
    assert (paid.overdue_base, paid.outstanding_base, paid.payment_delay_max) == (Decimal("0.00"), Decimal("0.00"), 150)
    assert _profile(book["late"]).credit_score == 56  # the other accounts are untouched


def test_a_first_invoice_queues_a_refresh_so_a_new_customers_balance_shows_before_the_night(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from rapport.analytics.tests.credit_data import bill
    from rapport.customers.services import account_create

    fresh = account_create(actor=users["north_rep"], data={"name": "First Order Ltd"})
    with django_capture_on_commit_callbacks(execute=True):
        bill(users["north_rep"], fresh, "300.00", timezone.localdate())
    queued = DBTaskResult.objects.filter(task_path=credit_refresh_accounts.module_path)
    assert [r.args_kwargs["kwargs"] for r in queued] == [{"account_ids": [fresh.pk]}]
    assert credit_refresh_accounts.call(account_ids=[fresh.pk]) == 1
    profile = _profile(fresh)
    # Not yet due: the amount owed is known at once; a grade waits until invoices come due.
    assert (profile.outstanding_base, profile.credit_grade) == (Decimal("300.00"), "")


def test_the_cli_prints_a_json_summary(users: dict[str, Any]) -> None:
    credit_book(users)
    out = StringIO()
    call_command("credit", "score", "--as-of", AS_OF.isoformat(), stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["accounts_written"] == 4
    assert result["grades"] == {"A": 1, "B": 0, "C": 1, "D": 0, "E": 1}
    assert result["not_rated"] == 1 and result["missing_exchange_rates"] == []
    assert [row["score"] for row in result["lowest_scores"]] == [5, 56, 93]


# --- pages ------------------------------------------------------------------------------------------


def test_the_card_explains_the_score_to_who_sees_the_account(book: dict[str, Any], users: dict[str, Any]) -> None:
    url = reverse("analytics:account_credit", args=[book["late"].pk])
    body = _client(users["north_rep"]).get(url).content.decode()
    assert "C: often late" in body and "Score 56 / 100" in body
    assert "2 of 3 invoices come due" in body and "median 45 days, 9 in 10 within 60" in body and "600.00 of 1,810.00 CNY owed" in body
    assert "13 / 40" in body and "20 / 30" in body and "13 / 20" in body and "10 / 10" in body
    assert _client(users["south_rep"]).get(url).status_code == 404
    newcomer = _client(users["north_rep"]).get(reverse("analytics:account_credit", args=[book["newcomer"].pk])).content.decode()
    assert "No invoice has come due yet" in newcomer


def test_the_card_before_any_measurement(users: dict[str, Any]) -> None:
    from rapport.customers.services import account_create

    account = account_create(actor=users["north_rep"], data={"name": "Fresh"})
    body = _client(users["north_rep"]).get(reverse("analytics:account_credit", args=[account.pk])).content.decode()
    assert "Not measured yet" in body


def test_the_card_in_chinese(book: dict[str, Any], users: dict[str, Any]) -> None:
    body = _chinese(users["north_rep"]).get(reverse("analytics:account_credit", args=[book["late"].pk])).content.decode()
    assert "信用表现" in body and "C：经常逾期" in body


def test_the_list_by_grade_is_scoped_filtered_and_within_budget(
    book: dict[str, Any], users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    manager = _client(users["manager"])
    with django_assert_max_num_queries(8):
        body = manager.get(reverse("analytics:credit")).content.decode()
    # The manager sees the north team's accounts, lowest score first; not the south rep's defaulter.
    assert body.index("Late Ltd") < body.index("Prompt Co") and "Defaulter Inc" not in body and "Newcomer" not in body
    admin = _client(users["admin"])
    only_e = admin.get(reverse("analytics:credit"), {"grade": "E"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="credit-results")
    assert "Defaulter Inc" in only_e.content.decode() and "Late Ltd" not in only_e.content.decode()
    assert "<html" not in only_e.content.decode()
    overdue = admin.get(reverse("analytics:credit"), {"overdue": "1"}).content.decode()
    assert "Defaulter Inc" in overdue and "Late Ltd" in overdue and "Prompt Co" not in overdue


def test_the_list_pages_by_cursor(book: dict[str, Any], users: dict[str, Any]) -> None:
    from rapport.analytics.credit_list import CreditFilter, credit_page_for_user

    first = credit_page_for_user(user=users["admin"], filters=CreditFilter(), limit=2)
    assert [p.credit_score for p in first.items] == [5, 56] and first.next_cursor
    second = credit_page_for_user(user=users["admin"], filters=CreditFilter(), cursor=first.next_cursor, limit=2)
    assert [p.credit_score for p in second.items] == [93] and second.next_cursor is None


def test_a_bad_grade_on_the_page_is_named_not_a_500(book: dict[str, Any], users: dict[str, Any]) -> None:
    response = _client(users["admin"]).get(reverse("analytics:credit"), {"grade": "Z"})
    assert response.status_code == 422
    assert 'data-error-field="grade"' in response.content.decode() and "Unknown grade Z" in response.content.decode()


def test_the_page_in_chinese(book: dict[str, Any], users: dict[str, Any]) -> None:
    body = _chinese(users["admin"]).get(reverse("analytics:credit")).content.decode()
    assert "信用表现" in body and "评分是怎样算出的" in body


# --- API ------------------------------------------------------------------------------------------


def test_api_list_filters_and_scopes(book: dict[str, Any], users: dict[str, Any], api_for: Any) -> None:
    response = api_for(users["north_rep"]).get("/api/v1/analytics/credit")
    assert response.status_code == 200
    data = response.json()
    assert data["base_currency"] == "CNY"
    assert [(i["account_name"], i["score"], i["grade"]) for i in data["items"]] == [("Late Ltd", 56, "C")]
    assert data["items"][0]["overdue"] == "600.00" and data["items"][0]["late_share"] == 0.6667
    admin = api_for(users["admin"])
    assert [i["account_name"] for i in admin.get("/api/v1/analytics/credit", {"grade": "a,e"}).json()["items"]] == [
        "Defaulter Inc",
        "Prompt Co",
    ]


@pytest.mark.parametrize(("params", "field"), [({"grade": "F"}, "grade"), ({"overdue": "maybe"}, "overdue"), ({"cursor": "x"}, "cursor")])
def test_api_list_names_the_bad_field(
    book: dict[str, Any], users: dict[str, Any], api_for: Any, params: dict[str, str], field: str
) -> None:
    response = api_for(users["admin"]).get("/api/v1/analytics/credit", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_api_detail_explains_the_score(book: dict[str, Any], users: dict[str, Any], api_for: Any) -> None:
    data = api_for(users["north_rep"]).get(f"/api/v1/accounts/{book['late'].pk}/credit").json()
    assert data["points"] == {"punctuality": 13, "delay": 20, "exposure": 13, "history": 10}
    assert (data["score"], data["grade"], data["measured_on"], data["outstanding"]) == (56, "C", "2026-06-30", "1810.00")
    assert api_for(users["south_rep"]).get(f"/api/v1/accounts/{book['late'].pk}/credit").status_code == 404


def test_api_detail_before_any_measurement_is_empty_not_missing(users: dict[str, Any], api_for: Any) -> None:
    from rapport.customers.services import account_create

    account = account_create(actor=users["north_rep"], data={"name": "Fresh"})
    data = api_for(users["north_rep"]).get(f"/api/v1/accounts/{account.pk}/credit").json()
    assert (data["score"], data["grade"], data["measured_on"], data["points"]) == (None, "", None, None)
