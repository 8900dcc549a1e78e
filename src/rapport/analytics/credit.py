"""Credit behaviour per account: how late it pays, what it owes, and a simple score anyone can recompute.

Read from the operational invoices (not the warehouse): what is overdue must be true today, not as of
last night's build. Per account, over its invoices that are not void (docs/analytics/credit-and-anomalies.md):

* an invoice has *come due* when it is settled (paid in full) or still open past its due date;
* its *delay* is the days past the due date it was settled, or, open and overdue, has waited so far
  (0 when paid on time);
* *days to pay* is issue to settlement, over settled invoices: median and 90th percentile (nearest rank);
* outstanding and overdue amounts are converted to the base currency at the rate valid on the as-of day.

The score (0-100) is the sum of four parts, each rounded half up to whole points:

    punctuality  40 x (1 - share of invoices come due that were late)
    delay        30 x max(0, 1 - average delay / 60 days)
    exposure     20 x (1 - overdue / outstanding)        (20 when nothing is outstanding)
    history      10 x min(1, days since the first invoice / 365)

Grades: A >= 85, B >= 70, C >= 55, D >= 40, E below. An account with no invoice come due has no score
(there is no payment behaviour to judge yet) but its outstanding amount is still recorded.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from rapport.analytics.to_base import ToBase
from rapport.core.selectors import base_currency
from rapport.customers.profiles import customer_profiles_write
from rapport.sales.selectors import invoice_facts_for_credit

WEIGHTS = {"punctuality": 40, "delay": 30, "exposure": 20, "history": 10}
DELAY_HORIZON_DAYS = 60
HISTORY_FULL_DAYS = 365
GRADE_FLOORS = (("A", 85), ("B", 70), ("C", 55), ("D", 40), ("E", 0))
ONE_DECIMAL = Decimal("0.1")
CENTS = Decimal("0.01")


@dataclass
class CreditMetrics:
    """One account's payment behaviour on ``as_of``; amounts in the base currency."""

    account_id: int
    credit_since: date | None = None
    invoices_due: int = 0
    late: int = 0
    delays: list[int] = field(default_factory=list)
    days_to_pay: list[int] = field(default_factory=list)
    outstanding: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)

    @property
    def late_share(self) -> float | None:
        return self.late / self.invoices_due if self.invoices_due else None

    @property
    def delay_avg(self) -> Decimal | None:
        if not self.delays:
            return None
        return (Decimal(sum(self.delays)) / len(self.delays)).quantize(ONE_DECIMAL, ROUND_HALF_UP)

    @property
    def delay_max(self) -> int | None:
        return max(self.delays) if self.delays else None

    def days_to_pay_quantile(self, q: float) -> Decimal | None:
        """Nearest rank: the smallest value with at least ``q`` of the settled invoices at or below it."""
        if not self.days_to_pay:
            return None
        ordered = sorted(self.days_to_pay)
        if q == 0.5 and len(ordered) % 2 == 0:
            middle = len(ordered) // 2
            return (Decimal(ordered[middle - 1] + ordered[middle]) / 2).quantize(ONE_DECIMAL)
        return Decimal(ordered[max(1, math.ceil(q * len(ordered))) - 1]).quantize(ONE_DECIMAL)


@dataclass(frozen=True)
class CreditScore:
    score: int
    grade: str
    points: dict[str, int]


def _points(weight: int, fraction: Decimal) -> int:
    return int((weight * max(Decimal(0), min(Decimal(1), fraction))).quantize(Decimal(1), ROUND_HALF_UP))


def credit_grade(score: int) -> str:
    return next(grade for grade, floor in GRADE_FLOORS if score >= floor)


def credit_score(
    *, late_share: float | None, delay_avg: Decimal | None, outstanding: Decimal, overdue: Decimal, history_days: int
) -> CreditScore | None:
    """The documented formula (module docstring); None without any invoice come due."""
    if late_share is None or delay_avg is None:
        return None
    points = {
        "punctuality": _points(WEIGHTS["punctuality"], 1 - Decimal(repr(late_share))),
        "delay": _points(WEIGHTS["delay"], 1 - delay_avg / DELAY_HORIZON_DAYS),
        "exposure": _points(WEIGHTS["exposure"], 1 - overdue / outstanding) if outstanding > 0 else WEIGHTS["exposure"],
        "history": _points(WEIGHTS["history"], Decimal(history_days) / HISTORY_FULL_DAYS),
    }
    total = sum(points.values())
    return CreditScore(score=total, grade=credit_grade(total), points=points)


def credit_metrics(facts: Iterable[Mapping[str, Any]], *, as_of: date, to_base: Any = None) -> dict[int, CreditMetrics]:
    """Per-account metrics from invoice facts (``sales.selectors.invoice_facts_for_credit``)."""
    convert = to_base or ToBase()
    found: dict[int, CreditMetrics] = {}
    for fact in facts:
        if fact["issued_on"] > as_of:
            continue
        metrics = found.get(fact["account_id"]) or found.setdefault(fact["account_id"], CreditMetrics(fact["account_id"]))
        metrics.credit_since = min(metrics.credit_since or fact["issued_on"], fact["issued_on"])
        owed = fact["amount"] - fact["credited"] - fact["paid"]
        settled = fact["status"] == "paid" and fact["settled_on"] is not None and fact["settled_on"] <= as_of
        if settled:
            delay = max(0, (fact["settled_on"] - fact["due_on"]).days)
            metrics.days_to_pay.append((fact["settled_on"] - fact["issued_on"]).days)
        elif owed > 0:
            in_base = convert(owed, fact["currency"], as_of) or Decimal(0)
            metrics.outstanding += in_base
            if fact["due_on"] >= as_of:
                continue
            metrics.overdue += in_base
            delay = (as_of - fact["due_on"]).days
        else:
            continue  # credited in full by a return: nothing was ever to be paid
        metrics.invoices_due += 1
        metrics.late += delay > 0
        metrics.delays.append(delay)
    return found


def credit_profile_row(metrics: CreditMetrics, *, as_of: date) -> dict[str, Any]:
    history = (as_of - metrics.credit_since).days if metrics.credit_since else 0
    scored = credit_score(
        late_share=metrics.late_share,
        delay_avg=metrics.delay_avg,
        outstanding=metrics.outstanding,
        overdue=metrics.overdue,
        history_days=history,
    )
    return {
        "account_id": metrics.account_id,
        "credit_scored_on": as_of,
        "credit_score": scored.score if scored else None,
        "credit_grade": scored.grade if scored else "",
        "credit_since": metrics.credit_since,
        "invoices_due": metrics.invoices_due,
        "days_to_pay_median": metrics.days_to_pay_quantile(0.5),
        "days_to_pay_p90": metrics.days_to_pay_quantile(0.9),
        "payment_delay_avg": metrics.delay_avg,
        "payment_delay_max": metrics.delay_max,
        "late_share": None if metrics.late_share is None else round(metrics.late_share, 4),
        "outstanding_base": metrics.outstanding.quantize(CENTS),
        "overdue_base": metrics.overdue.quantize(CENTS),
    }


def credit_breakdown(profile: Any, *, as_of: date | None = None) -> CreditScore | None:
    """The score's parts, recomputed from what the profile stores (what the card and the API explain)."""
    if profile is None or profile.credit_score is None:
        return None
    day = as_of or profile.credit_scored_on or timezone.localdate()
    return credit_score(
        late_share=profile.late_share,
        delay_avg=profile.payment_delay_avg,
        outstanding=profile.outstanding_base or Decimal(0),
        overdue=profile.overdue_base or Decimal(0),
        history_days=(day - profile.credit_since).days if profile.credit_since else 0,
    )


@dataclass
class CreditRun:
    as_of: date
    written: int = 0
    grades: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unrated: int = 0
    missing_rates: list[str] = field(default_factory=list)
    worst: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "base_currency": base_currency(),
            "accounts_written": self.written,
            "grades": {grade: self.grades.get(grade, 0) for grade, _ in GRADE_FLOORS},
            "not_rated": self.unrated,
            "missing_exchange_rates": self.missing_rates,
            "lowest_scores": self.worst,
        }


def _rows(metrics: dict[int, CreditMetrics], run: CreditRun) -> Iterator[dict[str, Any]]:
    worst: list[dict[str, Any]] = []
    for account_id in sorted(metrics):
        row = credit_profile_row(metrics[account_id], as_of=run.as_of)
        if row["credit_grade"]:
            run.grades[row["credit_grade"]] += 1
            worst.append(row)
        else:
            run.unrated += 1
        yield row
    worst.sort(key=lambda r: (r["credit_score"], r["account_id"]))
    run.worst = [
        {
            "account_id": r["account_id"],
            "score": r["credit_score"],
            "grade": r["credit_grade"],
            "late_share": r["late_share"],
            "delay_avg_days": str(r["payment_delay_avg"]),
            "overdue": str(r["overdue_base"]),
        }
        for r in worst[:10]
    ]


def credit_refresh(*, as_of: date | None = None, account_ids: Iterable[int] | None = None, scored_at: datetime | None = None) -> CreditRun:
    """Measure every account's credit behaviour (or only ``account_ids``) and write it to their profiles.

    A full run also clears the credit fields of accounts that no longer have invoices; a run for a few
    accounts (after a payment) touches only those.
    """
    scored_at = scored_at or timezone.now()
    run = CreditRun(as_of=as_of or timezone.localdate(scored_at))
    converter = ToBase()
    wanted = None if account_ids is None else sorted(set(account_ids))
    metrics = credit_metrics(invoice_facts_for_credit(account_ids=wanted), as_of=run.as_of, to_base=converter)
    for account_id in wanted or ():
        metrics.setdefault(account_id, CreditMetrics(account_id))  # its invoices were voided: its record is emptied
    rows = _rows(metrics, run)
    run.written = customer_profiles_write(rows=rows, scored_at=scored_at, via="analytics", replace=wanted is None)
    run.missing_rates = sorted(converter.missing)
    return run
