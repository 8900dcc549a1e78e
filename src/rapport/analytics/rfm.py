"""RFM: how recently, how often and how much each account buys, scored 1-5 and named as a segment.

Measures, at an as-of date, from the order-line fact (lines on or before that day):

* recency   — days from the account's last order to the as-of date (lower is better);
* frequency — number of distinct orders;
* monetary  — sum of the lines' net amounts in the base currency (a line without a rate counts 0).

Scores are quintiles by rank, with ties defined so that equal values always get equal scores and the
result does not depend on row order or the engine: for each measure, ``rank`` is the number of
accounts strictly worse (ranked ascending for frequency and monetary, descending for recency, so the
most recent buyer ranks highest), and ``score = 1 + floor(5 × rank / n)`` over the ``n`` accounts
scored. With no ties this splits the accounts into five equal fifths; a value shared by many accounts
(say, a single order) gives all of them the score of the lowest rank among them.

Segments come from the R and F scores by the usual grid (rows R = 5..1, columns F = 1..5)::

            F=1              F=2                  F=3                  F=4               F=5
    R=5     New customers    Potential loyalists  Potential loyalists  Champions         Champions
    R=4     Promising        Potential loyalists  Potential loyalists  Loyal customers   Loyal customers
    R=3     About to sleep   About to sleep       Need attention       Loyal customers   Loyal customers
    R=2     Hibernating      Hibernating          At risk              At risk           Can't lose them
    R=1     Lost             Hibernating          At risk              At risk           Can't lose them
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Ibis takes seconds to import; the segment names and colours here are wanted by pages that run no query.
if TYPE_CHECKING:
    import ibis


@dataclass(frozen=True)
class Segment:
    key: str
    label: str | Promise
    meaning: str | Promise
    action: str | Promise


SEGMENTS = (
    Segment(
        "champions",
        _("Champions"),
        _("Bought recently, buy often and spend the most."),
        _("Reward them, ask for reviews and referrals, offer new products first. They are your VIPs."),
    ),
    Segment(
        "loyal",
        _("Loyal customers"),
        _("Buy regularly and respond to offers, though not the very latest buyers."),
        _("Offer loyalty programmes and upgrades; keep in regular touch."),
    ),
    Segment(
        "potential_loyalists",
        _("Potential loyalists"),
        _("Recent customers who have bought more than once."),
        _("Recommend related products and invite them to a membership or loyalty programme."),
    ),
    Segment(
        "new_customers",
        _("New customers"),
        _("Bought for the first time very recently."),
        _("Welcome them, help them get started, and make the second purchase easy."),
    ),
    Segment(
        "promising",
        _("Promising"),
        _("Bought recently, but only once or twice."),
        _("Build the relationship: useful content, a reason to come back, a small incentive."),
    ),
    Segment(
        "need_attention",
        _("Need attention"),
        _("Average recency and frequency: they may drift away."),
        _("Make a limited-time offer based on what they bought; call them."),
    ),
    Segment(
        "about_to_sleep",
        _("About to sleep"),
        _("Below average recency and frequency: they are going quiet."),
        _("Reconnect with popular products or a discount before you lose them."),
    ),
    Segment(
        "at_risk",
        _("At risk"),
        _("Bought often, but not for a long time."),
        _("Send a personal message or have their rep call; find out what changed."),
    ),
    Segment(
        "cant_lose",
        _("Can't lose them"),
        _("Used to be among the best customers and have not bought for a long time."),
        _("Win them back: a call from a manager, a strong offer, ask for feedback."),
    ),
    Segment(
        "hibernating",
        _("Hibernating"),
        _("Last bought long ago, and seldom."),
        _("Offer other relevant products and special prices; do not spend much on them."),
    ),
    Segment(
        "lost",
        _("Lost"),
        _("Lowest recency and frequency: one purchase, long ago."),
        _("Try one reactivation campaign; otherwise leave them out of costly campaigns."),
    ),
)
SEGMENT_BY_KEY = {segment.key: segment for segment in SEGMENTS}

# (R score, F score) -> segment key: the grid in the module's docstring.
GRID_ROWS = {
    5: ["new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"],
    4: ["promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
    1: ["lost", "hibernating", "at_risk", "at_risk", "cant_lose"],
}
SEGMENT_GRID = {(r, f): key for r, row in GRID_ROWS.items() for f, key in enumerate(row, start=1)}


def segment_of(r_score: int, f_score: int) -> str:
    return SEGMENT_GRID[(r_score, f_score)]


def purchases(order_lines: ibis.Table, *, as_of: date) -> ibis.Table:
    """One row per order up to the as-of day: account, order, day, amount in the base currency."""
    import ibis

    lines = order_lines.filter(order_lines.day <= as_of, order_lines.account_id.notnull())
    zero = ibis.literal(0).cast(lines.amount_base.type())
    return lines.group_by(["account_id", "order_id"]).agg(day=lines.day.max(), amount=lines.amount_base.sum().coalesce(zero))


def _score(value: ibis.Value, n: ibis.Value, *, descending: bool = False) -> ibis.Value:
    import ibis

    rank = ibis.rank().over(order_by=ibis.desc(value) if descending else value)
    return (rank * 5 // n + 1).cast("int8")


def rfm_scores(order_lines: ibis.Table, *, as_of: date) -> ibis.Table:
    """Per account: last order, recency days, frequency, monetary, the three scores and the segment."""
    import ibis

    orders = purchases(order_lines, as_of=as_of)
    per = orders.group_by("account_id").agg(last_order=orders.day.max(), frequency=orders.count(), monetary=orders.amount.sum())
    per = per.mutate(recency_days=ibis.literal(as_of).delta(per.last_order, unit="day"))
    n = per.count().over(ibis.window())
    scored = per.mutate(
        r_score=_score(per.recency_days, n, descending=True),
        f_score=_score(per.frequency, n),
        m_score=_score(per.monetary, n),
    )
    segment = ibis.cases(*[((scored.r_score == r) & (scored.f_score == f), key) for (r, f), key in SEGMENT_GRID.items()])
    return (
        scored.mutate(segment=segment)
        .select("account_id", "last_order", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment")
        .order_by("account_id")
    )


def segment_summary(scores: ibis.Table) -> ibis.Table:
    """Per segment: accounts, revenue and average recency/frequency/monetary."""
    return (
        scores.group_by("segment")
        .agg(
            customers=scores.count(),
            revenue=scores.monetary.sum(),
            avg_recency_days=scores.recency_days.mean(),
            avg_frequency=scores.frequency.mean(),
        )
        .order_by("segment")
    )
