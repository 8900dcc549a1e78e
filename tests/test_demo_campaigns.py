"""Cross-domain flow (stories 1 and 9): the demo's year of campaigns, with costs, responses on the responders'
timelines and returns read from the demo's own orders, answers which campaign paid for itself."""

from __future__ import annotations

import pytest

from rapport.customers.models import Interaction
from rapport.dataops.demo import DemoPlan, load_demo
from rapport.marketing.models import Campaign, CampaignResponse
from rapport.marketing.returns import returns_of_campaigns

pytestmark = pytest.mark.django_db

PLAN = DemoPlan(contacts=400, accounts=120, leads=40, batch_size=50, seed=11)


@pytest.fixture
def figures() -> dict[str, object]:
    load_demo(PLAN)
    campaigns = list(Campaign.objects.all())
    found = returns_of_campaigns(campaigns)
    return {c.name: found[c.pk] for c in campaigns}


def test_the_exhibition_paid_for_itself_and_the_online_ads_did_not(figures):
    fair, ads = figures["上海工业博览会 2026"], figures["Online advertising, summer"]
    assert fair.paid_for_itself and fair.roi > 1 and fair.customers >= 5  # its buyers ordered in the months after
    assert fair.cost == 52000 + 23500 + 14800 + 8000  # the lecture booked there counts in it
    assert ads.paid_for_itself is False and ads.revenue == 0
    assert figures["Autumn lecture tour"].roi is None  # planned: nothing spent yet
    assert not any(f.missing_rates for f in figures.values())


def test_the_lecture_met_its_goal_and_the_responses_are_on_the_timelines(figures):
    lecture = Campaign.objects.get(kind="lecture", parent__isnull=False)
    assert lecture.goal_minimum <= figures[lecture.name].responses
    responses = CampaignResponse.objects.count()
    assert responses > 150
    assert Interaction.objects.filter(concerns__startswith="marketing.campaign:").count() == responses
    assert load_demo(PLAN)["campaigns"] == 6  # a second load adds nothing
    assert CampaignResponse.objects.count() == responses
