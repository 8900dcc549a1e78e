"""The demo's campaigns: a year of marketing with costs, responses and, from the customers' orders, a return.

Story 1's exhibition, with the product lecture booked there (its audience goals met), paid for itself many
times over: the buyers who left their cards ordered in the months after. The spring mailing about broke
even; the online advertising brought a handful of clicks and no orders. The year-end email offer is
running, and the autumn lecture tour is planned with a budget and nothing spent yet. So the campaign list
answers story 9's question, which campaign paid for itself, from the demo's own orders.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from rapport.core.models import User
from rapport.customers.models import Contact, Lead
from rapport.marketing.campaigns import campaign_cost_add, campaign_create
from rapport.marketing.models import Campaign
from rapport.marketing.responses import response_record
from rapport.sales.order_models import Order

# name, kind, status, days from today to start, days long, budget (CNY), audience, min goal, stretch goal
CAMPAIGNS: tuple[tuple[str, str, str, int, int, int, str, int | None, int | None], ...] = (
    ("上海工业博览会 2026", "exhibition", "completed", -240, 4, 120_000, "制造业与能源行业的采购和IT负责人", 60, 100),
    ("Spring customer mailing", "letter", "completed", -150, 14, 15_000, "Customers who bought in the last two years", 20, 40),
    ("Online advertising, summer", "online", "completed", -120, 60, 40_000, "Small businesses searching for laptops", None, None),
    ("年终优惠邮件", "email", "running", -20, 30, 5_000, "同意接收邮件的老客户", 50, None),
    ("Autumn lecture tour", "lecture", "planned", 25, 10, 30_000, "IT managers in East and South China", 40, 80),
)
# campaign index -> the costs paid: description, days after the start, amount in CNY
COSTS = {
    0: (("展位租赁", -30, "52000"), ("展台搭建与物料", -5, "23500"), ("差旅与住宿", 0, "14800")),
    1: (("Printing and postage", -7, "38500"), ("Address list", -14, "6500")),
    2: (("Search ads", 0, "21000"), ("Display ads", 20, "16500")),
    3: (("Email design", -3, "2000"), ("Email platform", 0, "4000")),
}
# campaign index -> (contacts who responded, of which buyers, leads who responded): most who answer do not buy soon.
RESPONDERS = {0: (55, 8, 30), 1: (28, 1, 0), 2: (6, 0, 12), 3: (35, 1, 0)}
RESPONSE_KIND = {0: "card", 1: "replied", 2: "clicked", 3: "clicked"}
LECTURE = ("X-200 产品讲座", 1, 1, 8000, "到展台咨询过 X-200 的企业", 20, 40, 26)


def _people(since: dt.date, until: dt.date, *, bought: bool) -> QuerySet[Contact]:
    """Contacts at companies that ordered between the two days (or, ``bought=False``, that did not)."""
    ordered = Exists(Order.objects.filter(account_id=OuterRef("account_id"), ordered_on__gte=since, ordered_on__lte=until))
    # The stories' VIPs (Mr Zhang) keep the timelines their stories tell.
    people = Contact.objects.filter(account__isnull=False).exclude(tags__name="VIP").order_by("pk")
    return people.filter(ordered) if bought else people.exclude(ordered)


def _counted(campaign: Campaign) -> tuple[dt.date, dt.date]:
    """The days whose orders count for the campaign (its attribution window), so "did not buy" means not then."""
    return campaign.starts_on, (campaign.ends_on or campaign.starts_on) + dt.timedelta(days=campaign.attribution_days)


def _contacts(rng: random.Random, *, count: int, buyers: int, since: dt.date, until: dt.date) -> list[int]:
    """``buyers`` contacts whose companies ordered between the two days, and others whose companies did not."""
    bought = list(_people(since, until, bought=True).values_list("pk", flat=True)[:2000])
    others = list(_people(since, until, bought=False).values_list("pk", flat=True)[:2000])
    chosen = rng.sample(bought, min(buyers, len(bought))) + rng.sample(others, min(count - buyers, len(others)))
    return sorted(chosen)


def _respond(actor: User, campaign: Campaign, rng: random.Random, people: list[tuple[str, int]], kind: str, today: dt.date) -> None:
    last = min(campaign.ends_on or campaign.starts_on, today)
    span = max(0, (last - campaign.starts_on).days)
    for field, pk in people:
        day = campaign.starts_on + dt.timedelta(days=rng.randint(0, span))
        response_record(actor=actor, campaign=campaign, data={"kind": kind, field: pk, "responded_on": day}, via="cli")


def campaign_story(*, marketer: User, manager: User, today: dt.date, seed: Any) -> None:
    rng = random.Random(f"{seed}:campaigns")
    made: list[Campaign] = []
    for name, kind, status, start, days, budget, audience, low, high in CAMPAIGNS:
        starts = today + dt.timedelta(days=start)
        made.append(
            campaign_create(
                actor=marketer,
                data={
                    "name": name,
                    "kind": kind,
                    "status": status,
                    "starts_on": starts,
                    "ends_on": starts + dt.timedelta(days=days - 1),
                    "currency": "CNY",
                    "budget": Decimal(budget),
                    "audience": audience,
                    "goal_minimum": low,
                    "goal_stretch": high,
                    "attribution_days": 180,
                    # Story 1: the pre-sales manager runs the lectures; the day is on his list with a reminder.
                    "run_by_id": manager.pk if kind == "lecture" else None,
                    "outcome": "名片已导入并按区域分配给销售跟进；X-200 讲座在展会第二天举行。" if kind == "exhibition" else "",
                },
                via="cli",
            )
        )
    for index, costs in COSTS.items():
        campaign = made[index]
        for description, offset, amount in costs:
            spent = min(campaign.starts_on + dt.timedelta(days=offset), today)
            campaign_cost_add(
                actor=marketer, campaign=campaign, data={"description": description, "spent_on": spent, "amount": amount}, via="cli"
            )
    leads = list(Lead.objects.order_by("pk").values_list("pk", flat=True)[:500])
    for index, (count, buyers, lead_count) in RESPONDERS.items():
        campaign = made[index]
        window = _counted(campaign)
        people = [("contact_id", pk) for pk in _contacts(rng, count=count, buyers=buyers, since=window[0], until=window[1])]
        people += [("lead_id", pk) for pk in sorted(rng.sample(leads, min(lead_count, len(leads))))]
        _respond(marketer, campaign, rng, people, RESPONSE_KIND[index], today)
    # Story 1: the product lecture booked at the exhibition, run by the sales manager's team.
    name, offset, days, cost, audience, low, high, attended = LECTURE
    fair = made[0]
    lecture = campaign_create(
        actor=manager,
        data={
            "name": name,
            "kind": "lecture",
            "status": "completed",
            "parent_id": fair.pk,
            "starts_on": fair.starts_on + dt.timedelta(days=offset),
            "ends_on": fair.starts_on + dt.timedelta(days=offset + days - 1),
            "currency": "CNY",
            "budget": Decimal(cost),
            "audience": audience,
            "goal_minimum": low,
            "goal_stretch": high,
            "outcome": "参加人数超过最低目标；讲座后多家企业索取报价。",
        },
        via="cli",
    )
    campaign_cost_add(
        actor=manager, campaign=lecture, data={"description": "会议室与茶歇", "spent_on": lecture.starts_on, "amount": str(cost)}, via="cli"
    )
    # The lecture's audience came from the stand: a few of the buyers, and people still making up their minds.
    window = _counted(lecture)
    fair_people = set(fair.responses.filter(contact__isnull=False).values_list("contact_id", flat=True))
    fair_buyers = sorted(_people(*window, bought=True).filter(pk__in=fair_people).values_list("pk", flat=True))
    attendees = fair_buyers[:1] + sorted(fair_people - set(fair_buyers))[: attended - len(fair_buyers[:1])]
    # Marketing records the attendance: it sees every customer, the manager only their teams'.
    _respond(marketer, lecture, rng, [("contact_id", pk) for pk in attendees], "attended", today)
