"""The screen pop: the caller found by any format of their number, the card drawn through the visibility
rules, the call logged on the timeline; the page and the API answer alike, and bad numbers name the field."""

from __future__ import annotations

import pytest

from rapport.common.errors import ValidationFailed
from rapport.customers.models import Interaction
from rapport.service.screen_pop import screen_pop_for_number
from rapport.service.tests.conftest import LOTUS_SWITCHBOARD


@pytest.mark.parametrize("typed", ["+86 138 0013 8000", "13800138000", "138-0013-8000", "0086 138 0013 8000", "(+86) 138 0013 8000"])
def test_the_caller_is_found_whatever_the_format_of_the_number(users, zhang, typed):
    card = screen_pop_for_number(user=users["agent"], number=typed)
    assert [c.key for c in card.callers] == [f"contact:{zhang['contact'].pk}"]
    assert card.caller is not None and card.caller.name == "Wei Zhang"
    assert card.caller.account == zhang["account"]
    assert card.e164 == "+8613800138000"


def test_the_card_says_what_they_bought_newest_first_and_their_value(users, zhang):
    card = screen_pop_for_number(user=users["agent"], number="13800138000")
    assert [(p.product, p.ordered_on.isoformat(), str(p.quantity)) for p in card.purchases] == [
        ("笔记本电脑 X-200", "2026-03-12", "1.000"),
        ("USB-C cable", "2026-01-08", "3.000"),
    ]
    assert card.last_purchase is not None and card.last_purchase.order_id == zhang["orders"][1].pk
    assert card.profile is not None and card.profile.is_vip and card.profile.churn_band == "high"


def test_a_cancelled_order_is_not_among_what_they_bought(users, zhang):
    from rapport.sales.models import Order

    Order.objects.filter(pk=zhang["orders"][1].pk).update(status="cancelled")
    card = screen_pop_for_number(user=users["agent"], number="13800138000")
    assert [p.product for p in card.purchases] == ["USB-C cable"]


def test_a_shared_number_lists_its_records_until_one_is_chosen(users, zhang):
    from rapport.customers.services import contact_create

    colleague = contact_create(
        actor=zhang["rep"],
        data={"last_name": "Li", "first_name": "Na", "account_id": zhang["account"].pk, "phones": [{"value": LOTUS_SWITCHBOARD}]},
    )
    card = screen_pop_for_number(user=users["agent"], number="010 6552 9988")
    assert [c.key for c in card.callers] == [f"contact:{colleague.pk}", f"account:{zhang['account'].pk}"]
    assert card.caller is None and card.purchases == []
    chosen = screen_pop_for_number(user=users["agent"], number="010 6552 9988", caller=f"contact:{colleague.pk}")
    assert chosen.caller is not None and chosen.caller.record == colleague
    assert len(chosen.purchases) == 2  # the company's orders
    # A caller that is not behind this number shows no one's card.
    stale = screen_pop_for_number(user=users["agent"], number="010 6552 9988", caller=f"contact:{zhang['contact'].pk}")
    assert stale.caller is None


def test_an_open_lead_is_found_and_a_converted_one_is_not(users):
    from rapport.customers.models import Lead
    from rapport.customers.services import lead_create

    lead = lead_create(actor=users["agent"], data={"last_name": "Wang", "company": "Peony Ltd", "phones": [{"value": "+44 20 7946 0958"}]})
    card = screen_pop_for_number(user=users["agent"], number="0044 20 7946 0958")
    assert card.caller is not None and card.caller.key == f"lead:{lead.pk}" and card.caller.account is None
    assert card.purchases == [] and card.profile is None
    Lead.objects.filter(pk=lead.pk).update(status="converted")
    assert screen_pop_for_number(user=users["agent"], number="+442079460958").callers == []


def test_a_rep_finds_only_callers_they_may_see(users, zhang):
    assert screen_pop_for_number(user=users["south_rep"], number="13800138000").callers == []
    assert screen_pop_for_number(user=users["north_rep2"], number="13800138000").callers == []
    assert screen_pop_for_number(user=users["manager"], number="13800138000").caller is not None


@pytest.mark.parametrize(("typed", "message"), [("", "A phone number is required."), ("Zhang", "'Zhang' is not a phone number.")])
def test_a_bad_number_is_refused_naming_the_field(users, typed, message):
    with pytest.raises(ValidationFailed) as caught:
        screen_pop_for_number(user=users["agent"], number=typed)
    assert caught.value.field_errors == {"number": [message]}


def test_the_page_shows_the_card_in_a_bounded_number_of_queries(users, zhang, client_for, django_assert_max_num_queries):
    client = client_for(users["agent"])
    with django_assert_max_num_queries(16):
        response = client.get("/service/calls/", {"number": "138 0013 8000"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Wei Zhang" in page and "Lotus Trading" in page
    assert "data-vip" in page and "data-churn-band" in page
    assert "Last bought 笔记本电脑 X-200" in page
    # Value and cross-sell come from analytics' own cards, as on the 360 page.
    assert f"/analytics/accounts/{zhang['account'].pk}/cross-sell/" in page
    assert f"/analytics/accounts/{zhang['account'].pk}/profile/" in page


def test_the_page_names_the_number_field_on_bad_input(users, client_for):
    client = client_for(users["agent"])
    response = client.get("/service/calls/", {"number": "not a number"})
    assert response.status_code == 422
    assert "data-number-error" in response.content.decode()
    assert "is not a phone number" in response.content.decode()
    assert client.get("/service/calls/").status_code == 200  # the empty lookup


def test_an_unknown_number_offers_to_add_the_caller(users, client_for):
    response = client_for(users["agent"]).get("/service/calls/", {"number": "+86 139 0000 0000"})
    assert response.status_code == 200
    assert "data-unknown-caller" in response.content.decode()


def test_the_page_speaks_chinese(users, zhang, client_for):
    users["agent"].language = "zh-hans"
    users["agent"].save(update_fields=["language"])
    page = client_for(users["agent"]).get("/service/calls/", {"number": "abc"}).content.decode()
    assert "来电" in page
    assert "“abc”不是电话号码" in page


def test_logging_the_call_puts_it_on_the_timeline_and_shows_the_card_again(users, zhang, client_for):
    client = client_for(users["agent"])
    key = f"contact:{zhang['contact'].pk}"
    response = client.post(
        "/service/calls/log/",
        {"number": "13800138000", "caller": key, "subject": "Laptop will not start", "body": "Told him to hold power 10 s."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/service/calls/?number=13800138000&caller=contact%3A{zhang['contact'].pk}"
    logged = Interaction.objects.get(subject="Laptop will not start")
    assert (logged.channel, logged.direction, logged.contact_id, logged.account_id) == (
        "phone",
        "inbound",
        zhang["contact"].pk,
        zhang["account"].pk,
    )
    assert logged.user == users["agent"]
    card_page = client.get(response["Location"]).content.decode()
    assert "Laptop will not start" in card_page


def test_a_call_log_without_a_subject_keeps_what_was_typed(users, zhang, client_for):
    client = client_for(users["agent"])
    key = f"contact:{zhang['contact'].pk}"
    response = client.post("/service/calls/log/", {"number": "13800138000", "caller": key, "subject": "", "body": "Angry about delivery"})
    assert response.status_code == 422
    form = response.context["log_form"]
    assert set(form.errors) == {"subject"}
    assert "Angry about delivery" in response.content.decode()
    assert not Interaction.objects.filter(body="Angry about delivery").exists()


def test_a_call_cannot_be_logged_on_a_record_the_user_does_not_see(users, zhang, client_for):
    response = client_for(users["south_rep"]).post(
        "/service/calls/log/", {"number": "13800138000", "caller": f"contact:{zhang['contact'].pk}", "subject": "Sneaky"}
    )
    assert response.status_code == 422
    assert not Interaction.objects.filter(subject="Sneaky").exists()


def test_the_api_gives_the_same_card(users, zhang, api_for):
    api = api_for(users["agent"])
    response = api.get("/api/v1/service/screen-pop?number=138%200013%208000")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == "+8613800138000"
    assert body["caller"]["key"] == f"contact:{zhang['contact'].pk}"
    assert body["caller"]["account_name"] == "Lotus Trading"
    assert [p["product"] for p in body["purchases"]] == ["笔记本电脑 X-200", "USB-C cable"]
    assert body["profile"]["is_vip"] is True and body["profile"]["churn_band"] == "high"


def test_the_api_names_a_bad_number(users, api_for):
    response = api_for(users["agent"]).get("/api/v1/service/screen-pop?number=hello")
    assert response.status_code == 422
    assert "number" in response.json()["errors"]
    assert api_for(users["agent"]).get("/api/v1/service/screen-pop").status_code == 422


def test_the_cross_sell_api_follows_the_account_visibility(users, zhang, api_for):
    account_id = zhang["account"].pk
    seen = api_for(users["agent"]).get(f"/api/v1/accounts/{account_id}/cross-sell")
    assert seen.status_code == 200
    assert seen.json() == {"account_id": account_id, "next_best": [], "also_bought": []}
    assert api_for(users["south_rep"]).get(f"/api/v1/accounts/{account_id}/cross-sell").status_code == 404
