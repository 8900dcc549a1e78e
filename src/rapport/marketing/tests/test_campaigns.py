"""Campaigns: planned by marketing, costs booked in any currency, responses recorded on people's timelines, and a
return counted from the orders of the customers who answered; each bad field is named and nothing is stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.common.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.customers.models import Channel, Interaction
from rapport.marketing.campaigns import campaign_cost_add, campaign_cost_remove, campaign_create, campaign_update
from rapport.marketing.models import Campaign, CampaignCost, CampaignResponse
from rapport.marketing.responses import campaigns_of_person, response_record, response_remove, responses_of_campaign
from rapport.marketing.returns import return_of_campaign, returns_of_campaigns
from rapport.marketing.tests.conftest import SHOW_START, place


def test_marketers_and_managers_plan_campaigns_reps_and_analysts_read(users):
    data = {"name": "Spring mailing", "kind": "letter", "starts_on": "2026-04-01", "currency": "CNY"}
    for role in ("marketer", "manager", "admin"):
        assert campaign_create(actor=users[role], data=data).owner == users[role]
    for role in ("north_rep", "agent", "analyst"):
        with pytest.raises(PermissionDenied):
            campaign_create(actor=users[role], data=data)
    assert Campaign.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"name", "starts_on", "currency"}),
        ({"name": "x", "starts_on": "someday", "currency": "XXX"}, {"starts_on", "currency"}),
        (
            {"name": "x", "starts_on": "2026-05-01", "ends_on": "2026-04-01", "currency": "CNY", "budget": "-5", "kind": "rave"},
            {"ends_on", "budget", "kind"},
        ),
        ({"name": "x", "starts_on": "2026-05-01", "currency": "JPY", "budget": "10.5"}, {"budget"}),
        ({"name": "x", "starts_on": "2026-05-01", "currency": "CNY", "goal_minimum": 50, "goal_stretch": 20}, {"goal_stretch"}),
        (
            {"name": "x", "starts_on": "2026-05-01", "currency": "CNY", "attribution_days": 5000, "owner_id": 1},
            {"attribution_days", "owner_id"},
        ),
        ({"name": "x", "starts_on": "2026-05-01", "currency": "CNY", "parent_id": 999999}, {"parent_id"}),
    ],
)
def test_bad_input_names_each_field_and_stores_nothing(users, data, fields):
    with pytest.raises(ValidationFailed) as caught:
        campaign_create(actor=users["marketer"], data=data)
    assert set(caught.value.field_errors) == fields
    assert not Campaign.objects.exists()


def test_parts_go_one_level_deep(users, show):
    lecture = campaign_create(
        actor=users["marketer"],
        data={"name": "X-200 lecture", "kind": "lecture", "starts_on": "2026-03-11", "currency": "CNY", "parent_id": show.pk},
    )
    assert lecture.parent == show
    with pytest.raises(ValidationFailed) as caught:
        campaign_create(
            actor=users["marketer"], data={"name": "Q&A", "starts_on": "2026-03-11", "currency": "CNY", "parent_id": lecture.pk}
        )
    assert caught.value.field_errors == {"parent_id": ["Choose a main campaign: parts go one level deep."]}
    with pytest.raises(ValidationFailed) as caught:
        campaign_update(actor=users["marketer"], campaign=show, data={"parent_id": show.pk}, expected_version=None)
    assert caught.value.field_errors == {"parent_id": ["A campaign cannot be part of itself."]}


def test_a_stale_change_is_refused_and_a_good_one_audited(users, show):
    campaign_update(actor=users["marketer"], campaign=show, data={"outcome": "87 cards, 3 lectures"}, expected_version=1)
    assert show.version == 2
    stale = Campaign.objects.get(pk=show.pk)
    stale.version = 1
    with pytest.raises(StaleVersion):
        campaign_update(actor=users["manager"], campaign=stale, data={"outcome": "lost"}, expected_version=1)
    assert Campaign.objects.get(pk=show.pk).outcome == "87 cards, 3 lectures"


def test_costs_in_another_currency_count_at_the_days_rate(users, show):
    from rapport.core.services import exchange_rate_set

    exchange_rate_set(actor=users["admin"], currency="USD", rate_to_base=Decimal("7.1"), valid_from=dt.date(2026, 1, 1))
    campaign_cost_add(actor=users["marketer"], campaign=show, data={"description": "Stand", "spent_on": "2026-02-01", "amount": "30000"})
    campaign_cost_add(
        actor=users["marketer"],
        campaign=show,
        data={"description": "Flights", "spent_on": "2026-03-01", "amount": "2000", "currency": "USD"},
    )
    assert return_of_campaign(show).cost == Decimal("44200.00")
    with pytest.raises(ValidationFailed) as caught:
        campaign_cost_add(
            actor=users["marketer"], campaign=show, data={"description": "", "spent_on": "", "amount": "0", "currency": "EUR"}
        )
    assert set(caught.value.field_errors) == {"description", "spent_on", "amount"}
    with pytest.raises(PermissionDenied):
        campaign_cost_add(actor=users["north_rep"], campaign=show, data={"description": "x", "spent_on": "2026-02-01", "amount": "1"})
    assert CampaignCost.objects.count() == 2


def test_a_cost_in_a_currency_without_a_rate_is_left_out_and_named(users, show):
    campaign_cost_add(
        actor=users["marketer"], campaign=show, data={"description": "Hotel", "spent_on": "2026-03-01", "amount": "900", "currency": "EUR"}
    )
    found = return_of_campaign(show)
    assert (found.cost, found.missing_rates) == (Decimal(0), {"EUR 2026-03-01"})


def test_a_response_goes_on_the_persons_timeline_once(users, show, buyers):
    response = response_record(
        actor=users["marketer"],
        campaign=show,
        data={"kind": "card", "contact_id": buyers["buyer"].pk, "responded_on": "2026-03-10", "note": "Wants a demo"},
    )
    assert response.account == buyers["lotus"]
    entry = Interaction.objects.get(concerns=f"marketing.campaign:{show.pk}")
    assert (entry.channel, entry.contact_id, entry.body) == (Channel.FACE_TO_FACE, buyers["buyer"].pk, "Wants a demo")
    assert entry.subject == "Shanghai Industry Fair 2026: Left a business card"
    with pytest.raises(Conflict):
        response_record(actor=users["marketer"], campaign=show, data={"kind": "card", "contact_id": buyers["buyer"].pk})
    assert CampaignResponse.objects.count() == 1
    assert [r.campaign for r in campaigns_of_person(user=buyers["rep"], account=buyers["lotus"])] == [show]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "card"}, {"contact_id"}),
        ({"kind": "dance", "contact_id": 999999}, {"kind", "contact_id"}),
        ({"contact_id": 1, "lead_id": 1}, {"contact_id"}),
        ({"lead_id": "abc", "responded_on": "2030-01-01", "owner_id": 1}, {"lead_id", "responded_on", "owner_id"}),
    ],
)
def test_a_bad_response_names_the_field(users, show, data, fields):
    with pytest.raises(ValidationFailed) as caught:
        response_record(actor=users["marketer"], campaign=show, data=data)
    assert set(caught.value.field_errors) == fields
    assert not CampaignResponse.objects.exists()


def test_responders_are_listed_only_to_who_may_see_them(users, show, buyers):
    response_record(actor=users["north_rep"], campaign=show, data={"kind": "attended", "contact_id": buyers["buyer"].pk})
    assert [r.contact for r in responses_of_campaign(user=users["north_rep"], campaign=show)] == [buyers["buyer"]]
    assert list(responses_of_campaign(user=users["south_rep"], campaign=show)) == []
    with pytest.raises(ValidationFailed):
        response_record(actor=users["south_rep"], campaign=show, data={"kind": "card", "contact_id": buyers["buyer"].pk})
    with pytest.raises(PermissionDenied):
        response_record(actor=users["analyst"], campaign=show, data={"kind": "card", "contact_id": buyers["buyer"].pk})
    response = CampaignResponse.objects.get()
    response_remove(actor=users["marketer"], campaign=show, response=response)
    assert not CampaignResponse.objects.exists()


def test_the_return_counts_responders_orders_in_the_window(users, show, buyers, catalogue):
    rep, laptop = buyers["rep"], catalogue["laptop"]
    campaign_cost_add(actor=users["marketer"], campaign=show, data={"description": "Stand", "spent_on": "2026-02-01", "amount": "5000"})
    response_record(
        actor=users["marketer"], campaign=show, data={"kind": "card", "contact_id": buyers["buyer"].pk, "responded_on": "2026-03-11"}
    )
    response_record(
        actor=users["marketer"], campaign=show, data={"kind": "card", "lead_id": buyers["card"].pk, "responded_on": "2026-03-12"}
    )
    counted = [
        place(rep, buyers["lotus"], laptop, SHOW_START + dt.timedelta(days=5)),
        place(rep, buyers["newco"], laptop, SHOW_START + dt.timedelta(days=60), quantity="2"),
    ]
    place(rep, buyers["lotus"], laptop, SHOW_START - dt.timedelta(days=30))  # before the response
    place(rep, buyers["newco"], laptop, SHOW_START + dt.timedelta(days=3 + 91))  # after the window
    place(rep, buyers["lotus"], laptop, SHOW_START + dt.timedelta(days=20), status="cancelled")
    found = return_of_campaign(show, today=dt.date(2026, 11, 1))
    revenue = sum(o.grand_total for o in counted)
    assert (found.cost, found.revenue, found.orders, found.customers) == (Decimal("5000.00"), revenue, 2, 2)
    assert (found.responses, found.leads, found.converted_leads) == (2, 1, 1)
    assert found.roi == ((revenue - 5000) / Decimal(5000)).quantize(Decimal("0.0001"))
    assert found.paid_for_itself is True
    assert found.window_end == SHOW_START + dt.timedelta(days=3 + 90)


def test_a_parts_cost_and_responders_count_for_the_main_campaign(users, show, buyers, catalogue):
    lecture = campaign_create(
        actor=users["marketer"],
        data={"name": "X-200 lecture", "kind": "lecture", "starts_on": "2026-03-11", "currency": "CNY", "parent_id": show.pk},
    )
    campaign_cost_add(actor=users["marketer"], campaign=lecture, data={"description": "Room", "spent_on": "2026-03-11", "amount": "800"})
    response_record(
        actor=users["north_rep"],
        campaign=lecture,
        data={"kind": "attended", "contact_id": buyers["buyer"].pk, "responded_on": "2026-03-11"},
    )
    order = place(buyers["rep"], buyers["lotus"], catalogue["laptop"], SHOW_START + dt.timedelta(days=10))
    main, part = (returns_of_campaigns([show, lecture], today=dt.date(2026, 11, 1))[c.pk] for c in (show, lecture))
    assert (main.cost, main.revenue, main.responses) == (Decimal("800.00"), order.grand_total, 1)
    assert (part.cost, part.revenue, part.paid_for_itself) == (Decimal("800.00"), order.grand_total, True)
    nothing_spent = return_of_campaign(
        campaign_create(actor=users["marketer"], data={"name": "Free", "starts_on": "2026-01-01", "currency": "CNY"})
    )
    assert (nothing_spent.roi, nothing_spent.paid_for_itself) == (None, None)


def test_a_page_of_returns_takes_the_same_queries_for_one_campaign_or_many(users, show, buyers, catalogue):
    made = [show]
    for n in range(6):
        campaign = campaign_create(actor=users["marketer"], data={"name": f"Mailing {n}", "starts_on": "2026-04-01", "currency": "CNY"})
        campaign_cost_add(
            actor=users["marketer"], campaign=campaign, data={"description": "Print", "spent_on": "2026-04-01", "amount": "100"}
        )
        response_record(
            actor=users["marketer"],
            campaign=campaign,
            data={"kind": "replied", "contact_id": buyers["buyer"].pk, "responded_on": "2026-04-02"},
        )
        made.append(campaign)
    place(buyers["rep"], buyers["lotus"], catalogue["cable"], dt.date(2026, 4, 20))
    with CaptureQueriesContext(connection) as one:
        returns_of_campaigns(made[1:2])
    with CaptureQueriesContext(connection) as seven:
        found = returns_of_campaigns(made)
    assert len(seven) == len(one) <= 6
    assert all(found[c.pk].customers == 1 for c in made[1:])


def test_an_unknown_cost_cannot_be_removed(users, show):
    with pytest.raises(NotFound):
        campaign_cost_remove(actor=users["marketer"], campaign=show, cost_id=999999)


def test_a_lecture_is_a_meeting_on_the_list_of_whoever_runs_it_with_a_reminder_the_day_before(users, show):
    from zoneinfo import ZoneInfo

    from rapport.customers.models import Activity
    from rapport.marketing.campaigns import the_day_of

    marketer, presales = users["marketer"], users["manager"]
    lecture = campaign_create(
        actor=marketer,
        data={
            "name": "X-200 lecture",
            "kind": "lecture",
            "starts_on": "2026-03-11",
            "currency": "CNY",
            "parent_id": show.pk,
            "run_by_id": presales.pk,
            "audience": "IT managers who visited the stand",
        },
    )
    day = the_day_of(lecture)
    assert day is not None and (day.kind, day.owner, day.subject) == ("meeting", presales, "Product lecture or seminar: X-200 lecture")
    # 9:00 where the presales manager works, whatever the server's zone.
    local = day.due_at.astimezone(ZoneInfo(presales.time_zone))
    assert (local.date(), local.hour) == (dt.date(2026, 3, 11), 9) and day.reminder_at == day.due_at - dt.timedelta(days=1)
    assert list(day.attendees.all()) == [marketer] and day.details == "IT managers who visited the stand"
    campaign_update(actor=marketer, campaign=lecture, data={"starts_on": "2026-03-12"}, expected_version=None)
    moved = the_day_of(lecture)
    assert moved is not None and moved.pk == day.pk and moved.due_at.astimezone(ZoneInfo(presales.time_zone)).day == 12  # moved
    campaign_update(actor=marketer, campaign=lecture, data={"status": "cancelled"}, expected_version=None)
    assert the_day_of(lecture) is None and Activity.objects.get(pk=day.pk).status == "cancelled"
    mailing = campaign_create(
        actor=marketer, data={"name": "Mailing", "kind": "letter", "starts_on": "2026-04-01", "currency": "CNY", "run_by_id": presales.pk}
    )
    assert the_day_of(mailing) is None  # a letter is not a day anyone attends
    with pytest.raises(ValidationFailed) as caught:
        campaign_create(actor=marketer, data={"name": "x", "starts_on": "2026-04-01", "currency": "CNY", "run_by_id": 999999})
    assert caught.value.field_errors == {"run_by_id": ["No such user: 999999."]}
