"""Every read of sales data that other code uses, scoped to the user."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from rapport.common.errors import NotFound
from rapport.core import policies
from rapport.core.models import User
from rapport.sales.models import (
    Competitor,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    Pipeline,
    SalesCost,
    Stage,
    StageChange,
)
from rapport.sales.order_models import Invoice, InvoiceStatus, Order, OrderReturn, Payment


def pipeline_list(*, include_archived: bool = False) -> list[Pipeline]:
    """The pipelines with their stages in order; pipelines are not private.

    Without ``include_archived`` (the board, the deal forms, the report filters)
    archived pipelines and stages are left out; the settings pages and the API
    show them with their flag.
    """
    stages = Stage.objects.order_by("position", "id")
    pipelines = Pipeline.objects.order_by("-is_default", "name", "id")
    if not include_archived:
        stages, pipelines = stages.filter(is_archived=False), pipelines.filter(is_archived=False)
    return list(pipelines.prefetch_related(Prefetch("stages", queryset=stages)))


def pipeline_get(*, pipeline_id: int, include_archived: bool = True) -> Pipeline:
    found = next((p for p in pipeline_list(include_archived=include_archived) if p.pk == pipeline_id), None)
    if found is None:
        raise NotFound("No such pipeline.")
    return found


def pipeline_default() -> Pipeline | None:
    active = Pipeline.objects.filter(is_archived=False)
    return active.filter(is_default=True).first() or active.order_by("name", "id").first()


def opportunity_list_for_user(*, user: User) -> QuerySet[Opportunity]:
    return policies.restrict(Opportunity.objects.all(), user).select_related("account", "owner", "team", "pipeline", "stage")


def opportunity_figures_for_user(*, user: User) -> QuerySet[Opportunity]:
    """The deals whose figures the user's dashboards add up (``policies.figures_q``); counts only, never a door to a deal."""
    return policies.restrict_figures(Opportunity.objects.all(), user)


def opportunity_get_for_user(*, user: User, opportunity_id: int) -> Opportunity:
    found = opportunity_list_for_user(user=user).select_related("primary_contact", "partner").filter(pk=opportunity_id).first()
    if found is None:
        raise NotFound("No such opportunity.")
    return found


def visible_opportunity(user: User, opportunity_id: int) -> Opportunity | None:
    return policies.restrict(Opportunity.objects.all(), user).filter(pk=opportunity_id).first()


def stage_history_for(*, opportunity: Opportunity) -> list[StageChange]:
    """The opportunity's moves, oldest first (call with an opportunity the user may see)."""
    return list(StageChange.objects.filter(opportunity=opportunity).select_related("from_stage", "to_stage", "by").order_by("at", "id"))


def sales_costs_for(*, opportunity: Opportunity) -> list[SalesCost]:
    return list(SalesCost.objects.filter(opportunity=opportunity).select_related("recorded_by").order_by("incurred_on", "id"))


def opportunity_contacts_for(*, user: User, opportunity: Opportunity) -> list[OpportunityContact]:
    """The people in the deal whom the user may see."""
    visible = policies.restrict(OpportunityContact.objects.all(), user, prefix="contact__")
    return list(visible.filter(opportunity=opportunity).select_related("contact").order_by("id"))


def opportunity_competitors_for(*, opportunity: Opportunity) -> list[OpportunityCompetitor]:
    return list(
        OpportunityCompetitor.objects.filter(opportunity=opportunity).select_related("competitor").order_by("competitor__name", "id")
    )


def sales_cost_get_for_user(*, user: User, cost_id: int) -> SalesCost:
    found = (
        policies.restrict(SalesCost.objects.all(), user, prefix="opportunity__").select_related("opportunity").filter(pk=cost_id).first()
    )
    if found is None:
        raise NotFound("No such sales cost.")
    return found


def opportunity_contact_get_for_user(*, user: User, link_id: int) -> OpportunityContact:
    """A person's part in a deal: the user must see both the deal and the person."""
    visible = policies.restrict(OpportunityContact.objects.all(), user, prefix="opportunity__")
    found = policies.restrict(visible, user, prefix="contact__").select_related("opportunity").filter(pk=link_id).first()
    if found is None:
        raise NotFound("No such contact in a deal.")
    return found


def opportunity_competitor_get_for_user(*, user: User, link_id: int) -> OpportunityCompetitor:
    visible = policies.restrict(OpportunityCompetitor.objects.all(), user, prefix="opportunity__")
    found = visible.select_related("opportunity").filter(pk=link_id).first()
    if found is None:
        raise NotFound("No such competitor in a deal.")
    return found


def competitor_list() -> list[Competitor]:
    return list(Competitor.objects.order_by("name", "id"))


def competitor_get(*, competitor_id: int) -> Competitor:
    found = Competitor.objects.filter(pk=competitor_id).first()
    if found is None:
        raise NotFound("No such competitor.")
    return found


def invoice_facts_for_credit(*, account_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """Every invoice that is not void, as plain values, for credit analysis over the whole base (no user: a job's read).

    Streamed in id order so a base with millions of invoices is read in constant memory.
    """
    rows = Invoice.objects.exclude(status=InvoiceStatus.VOID)
    if account_ids is not None:
        rows = rows.filter(order__account_id__in=list(account_ids))
    fields = ("order__account_id", "currency", "amount", "credited_amount", "paid_amount", "issued_on", "due_on", "settled_on", "status")
    for row in rows.order_by("id").values_list(*fields).iterator(chunk_size=5_000):
        yield dict(zip(CREDIT_FACT_KEYS, row, strict=True))


CREDIT_FACT_KEYS = ("account_id", "currency", "amount", "credited", "paid", "issued_on", "due_on", "settled_on", "status")


def order_account_ids(*, order_ids: Iterable[int]) -> dict[int, int]:
    """order id -> account id, for reactions to events that name only the order (a job's read, no user)."""
    return dict(Order.objects.filter(pk__in=list(order_ids)).values_list("pk", "account_id"))


def order_facts_for_anomalies(*, account_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every order that is not cancelled (of one customer, or of the whole base: a job's read), as plain values, oldest first."""
    rows = Order.objects.exclude(status="cancelled").order_by("ordered_on", "id")
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    for order_id, account_id, day, total, currency in rows.values_list(
        "id", "account_id", "ordered_on", "grand_total", "currency"
    ).iterator(chunk_size=5_000):
        yield {"order_id": order_id, "account_id": account_id, "day": day, "amount": total, "currency": currency}


def return_facts_for_anomalies(*, account_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every return that was not rejected (of one customer, or of the whole base), with its order's date and the money
    received for that order, oldest first."""
    # Money received, before any refund paid it back: a refunded return must not look like a refund of unpaid goods.
    received = Payment.objects.filter(amount__gt=0).exclude(invoice__status=InvoiceStatus.VOID)
    rows = OrderReturn.objects.exclude(status="rejected").order_by("created_at", "id")
    if account_id is not None:
        received = received.filter(invoice__order__account_id=account_id)
        rows = rows.filter(line__order__account_id=account_id)
    paid = dict(received.values("invoice__order_id").annotate(paid=Sum("amount")).values_list("invoice__order_id", "paid"))
    fields = (
        "id",
        "line__order_id",
        "line__order__account_id",
        "created_at",
        "refund_amount",
        "line__order__ordered_on",
        "line__order__currency",
    )
    for return_id, order_id, account_id, created_at, refund, ordered_on, currency in rows.values_list(*fields).iterator(chunk_size=5_000):
        yield {
            "return_id": return_id,
            "order_id": order_id,
            "account_id": account_id,
            "day": created_at.date(),
            "refund": refund,
            "order_day": ordered_on,
            "paid_on_order": paid.get(order_id) or 0,
            "currency": currency,
        }
