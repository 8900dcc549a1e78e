"""Churn features and labels from the warehouse, as Ibis expressions (DuckDB here, Spark for big bases).

Everything about an account is computed *as of a cutoff day* from facts dated on or before it; the
label looks only at the window after it. Nothing later than the cutoff reaches a feature: invoices
settled after the cutoff count as still open then, and an invoice's current status is never read.

A customer is an account that ordered in the ``ACTIVE_DAYS`` up to the cutoff (one who left long ago
is not at risk of leaving: the RFM segments call them lost). It has *churned* when it places no order
in the ``window_days`` after the cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis

from rapport.analytics.engine import Warehouse
from rapport.analytics.rfm import purchases
from rapport.customers.models import CONTACT_CHANNELS

ACTIVE_DAYS = 365
CHANNELS: tuple[str, ...] = CONTACT_CHANNELS  # Rapport's own notes are no contact with the customer
# The order of the model's columns; names are also the keys of the importance table and its labels.
FEATURES: tuple[str, ...] = (
    "recency_days",
    "tenure_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "orders_last",
    "orders_prev",
    "spend_last",
    "spend_prev",
    "spend_trend",
    *(f"interactions_{c}" for c in CHANNELS),
    "interactions_inbound",
    "returns",
    "invoices_overdue",
    "payment_delay_avg",
    "payment_delay_max",
    "care_calls",
    "cases",
    "complaints",
    "csat_satisfied",
    "csat_dissatisfied",
)


@dataclass(frozen=True)
class ChurnSources:
    """The facts the features read; the optional ones are absent from small or older warehouses."""

    order_lines: ibis.Table
    interactions: ibis.Table | None = None
    invoices: ibis.Table | None = None
    returns: ibis.Table | None = None
    # (account_id, day): care calls completed for the account (the loop's own outcome).
    care_calls: ibis.Table | None = None
    cases: ibis.Table | None = None
    surveys: ibis.Table | None = None

    @classmethod
    def of(cls, warehouse: Warehouse, *, care_calls: ibis.Table | None = None) -> ChurnSources:
        tables = warehouse.manifest["tables"]

        def optional(name: str) -> ibis.Table | None:
            return warehouse.table(name) if name in tables else None

        return cls(
            order_lines=warehouse.table("fact_order_line"),
            interactions=optional("fact_interaction"),
            invoices=optional("fact_invoice"),
            returns=optional("fact_return"),
            care_calls=care_calls,
            cases=optional("fact_case"),
            surveys=optional("fact_survey"),
        )


def _count_if(condition: ibis.BooleanValue) -> ibis.IntegerValue:
    return condition.ifelse(1, 0).sum()


def churn_features(sources: ChurnSources, *, cutoff: date, window_days: int) -> ibis.Table:
    """One row per customer at ``cutoff``: ``account_id`` and every column of ``FEATURES``."""
    window = timedelta(days=window_days)
    # Amounts stay decimal until summed: exact sums do not depend on the engine's parallel order.
    orders = purchases(sources.order_lines, as_of=cutoff)
    active = orders.filter(orders.day > cutoff - timedelta(days=ACTIVE_DAYS)).select("account_id").distinct()
    orders = orders.semi_join(active, "account_id")
    last_start, prev_start = cutoff - window, cutoff - 2 * window
    in_last = orders.day > last_start
    in_prev = (orders.day > prev_start) & ~in_last
    per = orders.group_by("account_id").agg(
        last_order=orders.day.max(),
        first_order=orders.day.min(),
        frequency=orders.count(),
        monetary=orders.amount.sum(),
        orders_last=_count_if(in_last),
        orders_prev=_count_if(in_prev),
        spend_last=in_last.ifelse(orders.amount, 0).sum(),
        spend_prev=in_prev.ifelse(orders.amount, 0).sum(),
    )
    per = per.mutate(
        monetary=per.monetary.cast("float64"), spend_last=per.spend_last.cast("float64"), spend_prev=per.spend_prev.cast("float64")
    )
    day = ibis.literal(cutoff)
    per = per.mutate(
        recency_days=day.delta(per.last_order, unit="day"),
        tenure_days=day.delta(per.first_order, unit="day"),
        avg_order_value=per.monetary / per.frequency,
        # -1 (stopped buying) .. +1 (started buying) comparing the last window with the one before.
        spend_trend=(per.spend_last - per.spend_prev) / (per.spend_last + per.spend_prev + 1.0),
    )
    extras = [
        _interactions(sources.interactions, cutoff=cutoff, since=prev_start),
        _returns(sources.returns, cutoff=cutoff),
        _payments(sources.invoices, cutoff=cutoff),
        _care_calls(sources.care_calls, cutoff=cutoff),
        _cases(sources.cases, cutoff=cutoff, since=prev_start),
        _satisfaction(sources.surveys, cutoff=cutoff, since=prev_start),
    ]
    result = per
    for extra, columns in extras:
        if extra is None:
            result = result.mutate(**{c: ibis.literal(0.0) for c in columns})
            continue
        joined = result.left_join(extra, result.account_id == extra.account_id)
        result = joined.select(*[result[c] for c in result.columns], *[extra[c].cast("float64").coalesce(0.0).name(c) for c in columns])
    return result.select("account_id", *FEATURES).order_by("account_id")


def _interactions(interactions: ibis.Table | None, *, cutoff: date, since: date) -> tuple[ibis.Table | None, list[str]]:
    columns = [*(f"interactions_{c}" for c in CHANNELS), "interactions_inbound"]
    if interactions is None:
        return None, columns
    recent = interactions.filter(interactions.account_id.notnull(), interactions.day <= cutoff, interactions.day > since)
    aggregates = {f"interactions_{c}": _count_if(recent.channel == c) for c in CHANNELS}
    aggregates["interactions_inbound"] = _count_if(recent.direction == "inbound")
    return recent.group_by("account_id").agg(**aggregates), columns


def _returns(returns: ibis.Table | None, *, cutoff: date) -> tuple[ibis.Table | None, list[str]]:
    if returns is None:
        return None, ["returns"]
    before = returns.filter(returns.account_id.notnull(), returns.day <= cutoff)
    return before.group_by("account_id").agg(returns=before.count()), ["returns"]


def _payments(invoices: ibis.Table | None, *, cutoff: date) -> tuple[ibis.Table | None, list[str]]:
    """Days paid after the due day, as known at the cutoff (a later settlement is not known yet)."""
    columns = ["invoices_overdue", "payment_delay_avg", "payment_delay_max"]
    if invoices is None:
        return None, columns
    due = invoices.filter(invoices.account_id.notnull(), invoices.issued_on <= cutoff, invoices.due_on < cutoff)
    day = ibis.literal(cutoff)
    settled_then = due.settled_on.notnull() & (due.settled_on <= cutoff)
    paid_or_now = settled_then.ifelse(due.settled_on, day)
    delay = ibis.greatest(paid_or_now.delta(due.due_on, unit="day"), 0)
    due = due.mutate(delay=delay, open_then=~settled_then)
    return (
        due.group_by("account_id").agg(
            invoices_overdue=_count_if(due.open_then),
            payment_delay_avg=due.delay.mean(),
            payment_delay_max=due.delay.max(),
        ),
        columns,
    )


def _care_calls(care_calls: ibis.Table | None, *, cutoff: date) -> tuple[ibis.Table | None, list[str]]:
    if care_calls is None:
        return None, ["care_calls"]
    before = care_calls.filter(care_calls.day <= cutoff)
    return before.group_by("account_id").agg(care_calls=before.count()), ["care_calls"]


def _cases(cases: ibis.Table | None, *, cutoff: date, since: date) -> tuple[ibis.Table | None, list[str]]:
    """Cases and complaints the customer raised in the last two windows (opened on or before the cutoff)."""
    columns = ["cases", "complaints"]
    if cases is None:
        return None, columns
    recent = cases.filter(cases.account_id.notnull(), cases.day <= cutoff, cases.day > since)
    return recent.group_by("account_id").agg(cases=recent.count(), complaints=_count_if(recent.kind == "complaint")), columns


def _satisfaction(surveys: ibis.Table | None, *, cutoff: date, since: date) -> tuple[ibis.Table | None, list[str]]:
    """Satisfaction answers in the last two windows: satisfied (4 or 5) and dissatisfied (1 or 2), as counts, since
    most customers never answer a survey and a mean would have to invent a score for them."""
    columns = ["csat_satisfied", "csat_dissatisfied"]
    if surveys is None:
        return None, columns
    recent = surveys.filter(surveys.account_id.notnull(), surveys.day <= cutoff, surveys.day > since)
    return recent.group_by("account_id").agg(
        csat_satisfied=_count_if(recent.score >= 4), csat_dissatisfied=_count_if(recent.score <= 2)
    ), columns


def churn_labels(order_lines: ibis.Table, *, cutoff: date, window_days: int) -> ibis.Table:
    """Per customer at ``cutoff``: ``churned`` is true when it ordered nothing in the window after."""
    end = cutoff + timedelta(days=window_days)
    since = cutoff - timedelta(days=ACTIVE_DAYS)
    recent = order_lines.filter(order_lines.account_id.notnull(), order_lines.day <= cutoff, order_lines.day > since)
    customers = recent.select("account_id").distinct()
    after = order_lines.filter(order_lines.day > cutoff, order_lines.day <= end)
    buyers = after.select("account_id").distinct().mutate(bought=ibis.literal(True))
    joined = customers.left_join(buyers, customers.account_id == buyers.account_id)
    return joined.select(customers.account_id, churned=buyers.bought.isnull()).order_by("account_id")
