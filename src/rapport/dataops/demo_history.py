"""Three years of orders for the demo's customers, so the analytics have something to learn from.

Each customer buys as the lifetime-value model assumes customers do: at its own rate, and after any
order it may stop for good. Baskets are drawn from the demo catalogue with the bundles a real
catalogue has, so the basket analysis finds them: a laptop goes with its dock, the extended warranty
and an office licence; a monitor with a dock; the support plan with installation. A laptop bought two
years ago wants its replacement battery (story 4). So the churn model has complaints to learn from,
some customers whose buying slowed phoned in a complaint (story 5), which the call centre took as a case; other
customers raised questions and problems, most answered in time, some late. About half of those answered gave a
satisfaction score, lower after a complaint or a late answer.

The orders are written in bulk, a batch of customers at a time (a demo phase, resumable like the
others): the sales services would price each line one by one, which the demo's size does not need.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from rapport.customers.models import Channel, Direction, Interaction
from rapport.sales.catalog_models import Product
from rapport.sales.order_models import Order, OrderChannel, OrderLine, OrderStatus
from rapport.sales.pricing import LineAmounts, document_totals, line_amounts
from rapport.service.models import RESOLVE_WITHIN, Case, CaseKind, CasePriority, CaseStatus, SatisfactionSurvey

YEARS = 3
MAX_ORDERS = 40
BUYERS = 0.8  # the other customers have not bought yet
# sku: (weight as the first product of a basket, usual quantity range)
FIRST: dict[str, tuple[float, tuple[int, int]]] = {
    "X200": (0.30, (1, 8)),
    "MON-27": (0.20, (1, 8)),
    "LIC-OFFICE": (0.18, (2, 20)),
    "DOCK-X": (0.10, (1, 6)),
    "SVC-INST": (0.10, (1, 2)),
    "SUP-PLAN": (0.07, (1, 1)),
    "WAR-EXT2": (0.05, (1, 6)),
}
# what goes with what: sku -> [(sku, probability in the same basket)]
WITH: dict[str, tuple[tuple[str, float], ...]] = {
    "X200": (("DOCK-X", 0.55), ("WAR-EXT2", 0.45), ("LIC-OFFICE", 0.30)),
    "MON-27": (("DOCK-X", 0.35),),
    "SUP-PLAN": (("SVC-INST", 0.50),),
}
BATTERY_AFTER_DAYS = 700
CASE_CHANCE = 0.35  # of the other buyers, those who raised a question or a problem in the last 18 months
QUESTIONS = (
    (CaseKind.QUESTION, "咨询：如何连接扩展坞", "Question: how to connect the dock"),
    (CaseKind.QUESTION, "咨询：发票抬头修改", "Question: changing the invoice title"),
    (CaseKind.PROBLEM, "故障：显示器无信号", "Problem: monitor shows no signal"),
    (CaseKind.PROBLEM, "故障：软件许可激活失败", "Problem: licence will not activate"),
    (CaseKind.REQUEST, "请求：上门安装预约", "Request: book an on-site installation"),
)
COMPLAINTS = (
    ("投诉：交货延迟", "Complaint: late delivery"),
    ("投诉：发票有误", "Complaint: wrong invoice"),
    ("投诉：售后响应太慢", "Complaint: slow after-sales response"),
)


@dataclass(frozen=True)
class Buyer:
    """What the history needs of an account."""

    account_id: int
    owner_id: int
    team_id: int | None
    currency: str
    zh: bool


def purchase_dates(rng: random.Random, *, today: dt.date) -> list[dt.date]:
    """One customer's order days: a first purchase in the last three years, then orders at the customer's own
    rate (Poisson) until it stops buying (after each order, with the customer's own probability)."""
    span = 365 * YEARS
    first = today - dt.timedelta(days=rng.randrange(30, span))
    per_day = rng.gammavariate(1.5, 1.0) / 35  # a month or so between orders for the median buyer
    stop_after_order = rng.betavariate(1.0, 12.0)
    days = [first]
    while len(days) < MAX_ORDERS and rng.random() >= stop_after_order:
        gap = max(1, round(rng.expovariate(max(per_day, 1 / 720))))
        nxt = days[-1] + dt.timedelta(days=gap)
        if nxt >= today:
            break
        days.append(nxt)
    return days


def basket(rng: random.Random, *, bought_laptop_on: dt.date | None, on: dt.date) -> list[tuple[str, int]]:
    """The products of one order and their quantities."""
    skus = list(FIRST)
    first = rng.choices(skus, weights=[FIRST[s][0] for s in skus])[0]
    low, high = FIRST[first][1]
    quantity = rng.randint(low, high)
    lines = [(first, quantity)]
    for sku, chance in WITH.get(first, ()):
        if rng.random() < chance:
            lines.append((sku, quantity if sku != "LIC-OFFICE" else quantity * rng.randint(1, 2)))
    if bought_laptop_on is not None and (on - bought_laptop_on).days >= BATTERY_AFTER_DAYS and rng.random() < 0.5:
        lines.append(("BAT-X200", rng.randint(1, 4)))
    seen: set[str] = set()
    return [(sku, n) for sku, n in lines if not (sku in seen or seen.add(sku))]  # type: ignore[func-returns-value]


def history_write(
    *,
    buyers: Sequence[Buyer],
    products: dict[str, Product],
    prices: dict[str, dict[str, Decimal]],
    rng: random.Random,
    today: dt.date,
    agent_id: int,
) -> int:
    """Write the orders of ``buyers``, the complaints of some who slowed down and the cases the call centre (``agent_id``)
    took; returns the orders written."""
    orders: list[Order] = []
    baskets: list[list[tuple[str, int]]] = []
    complaints: list[Interaction] = []
    cases: list[tuple[Case, dt.datetime]] = []
    for buyer in buyers:
        if rng.random() >= BUYERS:
            continue
        laptop_on: dt.date | None = None
        days = purchase_dates(rng, today=today)
        for day in days:
            lines = basket(rng, bought_laptop_on=laptop_on, on=day)
            if laptop_on is None and any(sku == "X200" for sku, _ in lines):
                laptop_on = day
            age = (today - day).days
            status = OrderStatus.DELIVERED if age > 14 else OrderStatus.SHIPPED if age > 3 else OrderStatus.CONFIRMED
            orders.append(
                Order(
                    account_id=buyer.account_id,
                    owner_id=buyer.owner_id,
                    team_id=buyer.team_id,
                    currency=buyer.currency,
                    status=status,
                    ordered_on=day,
                    channel=rng.choices([OrderChannel.SALES, OrderChannel.ONLINE, OrderChannel.PHONE], weights=[5, 3, 2])[0],
                )
            )
            baskets.append(lines)
        quiet_for = (today - days[-1]).days
        if len(days) >= 3 and 120 < quiet_for < 540 and rng.random() < 0.4:
            # A recent complaint from a customer who has gone quiet: what the churn model should learn to notice.
            zh, en = rng.choice(COMPLAINTS)
            at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=rng.randint(7, min(180, quiet_for - 5))), dt.time(10)))
            complaints.append(
                Interaction(
                    channel=Channel.PHONE,
                    direction=Direction.INBOUND,
                    subject=zh if buyer.zh else en,
                    occurred_at=at,
                    user_id=agent_id,
                    account_id=buyer.account_id,
                )
            )
            cases.append(_case(rng, buyer, agent_id, CaseKind.COMPLAINT, zh if buyer.zh else en, at, today=today))
        elif days and rng.random() < CASE_CHANCE:
            kind, zh, en = rng.choice(QUESTIONS)
            ago = min(540, 1 + int(rng.expovariate(1 / 120)))  # most recent: the queue has today's work in it
            at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=ago), dt.time(rng.randint(8, 18))))
            cases.append(_case(rng, buyer, agent_id, kind, zh if buyer.zh else en, at, today=today))
    Order.objects.bulk_create(orders, batch_size=500)
    lines_out: list[OrderLine] = []
    for order, lines in zip(orders, baskets, strict=True):
        amounts: list[LineAmounts] = []
        for position, (sku, quantity) in enumerate(lines, start=1):
            product = products[sku]
            line = line_amounts(
                quantity=Decimal(quantity),
                unit_price=prices[sku][order.currency],
                discount_percent=Decimal(0),
                discount_amount=Decimal(0),
                tax_rate=product.tax_rate,
                currency=order.currency,
            )
            amounts.append(line)
            lines_out.append(
                OrderLine(
                    order=order,
                    position=position,
                    product=product,
                    description=product.name,
                    quantity=Decimal(quantity),
                    unit=product.unit,
                    unit_price=prices[sku][order.currency],
                    tax_rate=product.tax_rate,
                    line_discount=line.discount,
                    line_tax=line.tax,
                    line_total=line.total,
                )
            )
        totals = document_totals(amounts, order.currency)
        order.number = f"SO-{order.pk:06d}"
        order.subtotal, order.discount_total = totals.subtotal, totals.discount_total
        order.tax_total, order.grand_total = totals.tax_total, totals.grand_total
    OrderLine.objects.bulk_create(lines_out, batch_size=1000)
    Order.objects.bulk_update(orders, ["number", "subtotal", "discount_total", "tax_total", "grand_total"], batch_size=500)
    Interaction.objects.bulk_create(complaints, batch_size=500)
    made = Case.objects.bulk_create([case for case, _ in cases], batch_size=500)
    for case, (_, opened) in zip(made, cases, strict=True):
        case.number, case.created_at = f"CS-{case.pk:06d}", opened  # bulk_create stamps now on created_at
    Case.objects.bulk_update(made, ["number", "created_at"], batch_size=500)
    SatisfactionSurvey.objects.bulk_create(_surveys(rng, made, now=timezone.now(), agent_id=agent_id), batch_size=500)
    return len(orders)


def _surveys(rng: random.Random, cases: Sequence[Case], *, now: dt.datetime, agent_id: int) -> list[SatisfactionSurvey]:
    """About half the customers whose case was answered gave a score: lower for complaints and for late answers."""
    answered = []
    for case in cases:
        if case.resolved_at is None or rng.random() > 0.5:
            continue
        late = case.resolved_at > case.due_at
        weights = [1, 2, 3, 5, 5] if not late else [3, 4, 3, 2, 1]
        if case.kind == CaseKind.COMPLAINT:
            weights = [w + bump for w, bump in zip(weights, (2, 2, 1, 0, 0), strict=True)]
        score = rng.choices(range(1, 6), weights=weights)[0]
        at = min(case.resolved_at + dt.timedelta(hours=rng.randint(2, 72)), now)
        answered.append(
            SatisfactionSurvey(
                case=case,
                account_id=case.account_id,
                token=secrets.token_urlsafe(32),
                score=score,
                answered_at=at,
                answered_via="phone",
                recorded_by_id=agent_id,
            )
        )
    return answered


def _case(
    rng: random.Random, buyer: Buyer, agent_id: int, kind: str, subject: str, opened: dt.datetime, *, today: dt.date
) -> tuple[Case, dt.datetime]:
    """A case the call centre took: resolved in time mostly, sometimes late, and the recent ones maybe still open."""
    priority = CasePriority.HIGH if kind == CaseKind.COMPLAINT else rng.choice([CasePriority.NORMAL, CasePriority.NORMAL, CasePriority.LOW])
    due = opened + RESOLVE_WITHIN[priority]
    age = today - opened.date()
    if age.days < 14 and rng.random() < 0.7:
        status, resolved = CaseStatus.OPEN, None
    else:
        late = rng.random() < 0.2
        resolved = due + dt.timedelta(hours=rng.randint(2, 72)) if late else opened + (due - opened) * rng.uniform(0.1, 0.9)
        status = CaseStatus.CLOSED if (today - resolved.date()).days > 14 else CaseStatus.RESOLVED
        if resolved.date() >= today:  # not answered yet
            status, resolved = CaseStatus.OPEN, None
    case = Case(
        subject=subject,
        kind=kind,
        priority=priority,
        status=status,
        channel=Channel.PHONE,
        account_id=buyer.account_id,
        owner_id=agent_id,
        due_at=due,
        resolved_at=resolved,
        resolution="" if resolved is None else ("已处理并回访客户。" if buyer.zh else "Handled; the customer confirmed."),
    )
    return case, opened
