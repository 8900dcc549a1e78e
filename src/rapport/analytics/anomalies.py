"""Anomaly flags on orders and returns, for fraud review (docs/analytics/credit-and-anomalies.md).

Every rule is a pure function of plain facts (``sales.selectors.order_facts_for_anomalies`` and
``return_facts_for_anomalies``, amounts already in the base currency) that yields findings; the job
stores each finding once per rule and subject, so running it again adds nothing and never touches
a flag someone has reviewed. Robust statistics throughout: a median and the median absolute
deviation (MAD) are not pulled by the very outliers they are meant to find.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.analytics.models import AnomalyFlag, AnomalyRule
from rapport.analytics.to_base import ToBase
from rapport.sales.selectors import order_facts_for_anomalies, return_facts_for_anomalies

# Iglewicz and Hoaglin's modified z-score: 0.6745 (x - median) / MAD; above 3.5 is an outlier.
MAD_SCALE = 0.6745
Z_FLAG, Z_MEDIUM, Z_HIGH = 3.5, 5.0, 8.0
MIN_HISTORY = 5  # prior orders before a customer's own baseline is trusted; fewer: the whole base's
BURST_DAYS, BURST_LOOKBACK_DAYS, BURST_MIN_ORDERS = 7, 180, 3
BURST_P = 0.001  # Poisson tail probability at or below which a week's orders are a burst
REFUND_RATIO_FLAG, REFUND_RATIO_DAYS, REFUND_MIN_RETURNS = 0.5, 365, 2
QUICK_RETURN_DAYS, QUICK_WINDOW_DAYS, QUICK_MIN_RETURNS = 14, 90, 3


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    order_id: int
    account_id: int
    score: float
    severity: str
    evidence: dict[str, Any]
    return_id: int | None = None


def robust_z(value: float, baseline: list[float]) -> float:
    """The modified z-score of ``value`` against ``baseline``; with no spread (MAD 0), the mean absolute deviation stands in."""
    median = statistics.median(baseline)
    mad = statistics.median(abs(x - median) for x in baseline)
    if mad == 0:
        mean_ad = sum(abs(x - median) for x in baseline) / len(baseline)
        if mean_ad == 0:
            return 0.0 if value == median else math.copysign(math.inf, value - median)
        return (value - median) / (1.253314 * mean_ad)
    return MAD_SCALE * (value - median) / mad


def order_subject(order_id: int) -> str:
    return f"order:{order_id}"


def return_subject(return_id: int) -> str:
    return f"return:{return_id}"


def _severity(z: float) -> str:
    return "high" if z >= Z_HIGH else "medium" if z >= Z_MEDIUM else "low"


def poisson_tail(n: int, expected: float) -> float:
    """P(X >= n) for X ~ Poisson(expected)."""
    below = sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(n))
    return max(0.0, 1.0 - below)


def amount_outliers(orders: list[Mapping[str, Any]], *, whole_base: bool = True) -> Iterator[Finding]:
    """An order far above what the customer usually spends (or, with a short history, what the base spends).

    ``whole_base=False`` when ``orders`` are one customer's: a short history then has no baseline to compare with.
    """
    base = [float(o["amount"]) for o in orders] if whole_base else []
    history: dict[int, list[float]] = defaultdict(list)
    for order in orders:
        amount = float(order["amount"])
        own = history[order["account_id"]]
        baseline, scope = (own, "customer") if len(own) >= MIN_HISTORY else (base, "base")
        z = robust_z(amount, baseline) if len(baseline) >= MIN_HISTORY else 0.0
        if z >= Z_FLAG:
            score = min(z, 99.0)
            yield Finding(
                AnomalyRule.AMOUNT,
                order_subject(order["order_id"]),
                order["order_id"],
                order["account_id"],
                round(score, 2),
                _severity(score),
                {
                    "amount": f"{amount:.2f}",
                    "median": f"{statistics.median(baseline):.2f}",
                    "z": round(score, 2),
                    "baseline": scope,
                    "orders": len(baseline),
                },
            )
        own.append(amount)


def order_bursts(orders: list[Mapping[str, Any]]) -> Iterator[Finding]:
    """Many more orders in a week than the customer's previous half-year would predict; one flag per burst."""
    by_account: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for order in orders:
        by_account[order["account_id"]].append(order)
    for account_id, own in by_account.items():
        flagged_until: date | None = None
        days = [o["day"] for o in own]  # oldest first: counting a window is two binary searches, not a scan
        for i, order in enumerate(own):
            day = order["day"]
            if flagged_until is not None and day <= flagged_until:
                continue
            start = day - timedelta(days=BURST_DAYS - 1)
            in_week = i + 1 - bisect_left(days, start, 0, i + 1)
            before = bisect_left(days, start, 0, i) - bisect_left(days, start - timedelta(days=BURST_LOOKBACK_DAYS), 0, i)
            expected = max(before * BURST_DAYS / BURST_LOOKBACK_DAYS, 0.05)
            p = poisson_tail(in_week, expected)
            if in_week >= BURST_MIN_ORDERS and p <= BURST_P:
                flagged_until = day + timedelta(days=BURST_DAYS - 1)
                score = min(-math.log10(max(p, 1e-99)), 99.0)
                yield Finding(
                    AnomalyRule.BURST,
                    order_subject(order["order_id"]),
                    order["order_id"],
                    account_id,
                    round(score, 2),
                    "high" if score >= 6 else "medium" if score >= 4 else "low",
                    {"orders": in_week, "days": BURST_DAYS, "expected": round(expected, 2), "lookback_days": BURST_LOOKBACK_DAYS},
                )


def refund_patterns(orders: list[Mapping[str, Any]], returns: list[Mapping[str, Any]]) -> Iterator[Finding]:
    """High refund ratio, repeated quick returns and refunds above what was paid, each on the return that shows it."""
    spent: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for order in orders:
        spent[order["account_id"]].append((order["day"], float(order["amount"])))
    seen: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    refunded_on_order: dict[int, float] = defaultdict(float)
    ratio_flagged: set[int] = set()
    quick_flagged_until: dict[int, date] = {}
    for ret in returns:
        account_id, day, refund = ret["account_id"], ret["day"], float(ret["refund"])
        earlier = seen[account_id]
        earlier.append(ret)
        subject = return_subject(ret["return_id"])
        refunded_on_order[ret["order_id"]] += refund
        paid = float(ret["paid_on_order"])
        if refunded_on_order[ret["order_id"]] > paid + 0.005:
            over = refunded_on_order[ret["order_id"]] - paid
            yield Finding(
                AnomalyRule.REFUND_OVER_PAID,
                subject,
                ret["order_id"],
                account_id,
                round(over, 2),
                "high" if paid == 0 else "medium",
                {"refunds": f"{refunded_on_order[ret['order_id']]:.2f}", "paid": f"{paid:.2f}"},
                ret["return_id"],
            )
        since = day - timedelta(days=REFUND_RATIO_DAYS)
        window = [r for r in earlier if r["day"] > since]
        ordered = sum(amount for d, amount in spent[account_id] if since < d <= day)
        ratio = sum(float(r["refund"]) for r in window) / ordered if ordered else 0.0
        if account_id not in ratio_flagged and len(window) >= REFUND_MIN_RETURNS and ratio >= REFUND_RATIO_FLAG:
            ratio_flagged.add(account_id)
            yield Finding(
                AnomalyRule.REFUND_RATIO,
                subject,
                ret["order_id"],
                account_id,
                round(ratio, 3),
                "high" if ratio >= 0.8 else "medium",
                {"ratio": round(ratio, 3), "returns": len(window), "ordered": f"{ordered:.2f}", "days": REFUND_RATIO_DAYS},
                ret["return_id"],
            )
        quick = [
            r
            for r in earlier
            if r["day"] > day - timedelta(days=QUICK_WINDOW_DAYS) and (r["day"] - r["order_day"]).days <= QUICK_RETURN_DAYS
        ]
        if len(quick) >= QUICK_MIN_RETURNS and ret in quick and day > quick_flagged_until.get(account_id, date.min):
            quick_flagged_until[account_id] = day + timedelta(days=QUICK_WINDOW_DAYS)
            yield Finding(
                AnomalyRule.QUICK_RETURNS,
                subject,
                ret["order_id"],
                account_id,
                float(len(quick)),
                "high" if len(quick) >= 5 else "medium",
                {"returns": len(quick), "within_days": QUICK_RETURN_DAYS, "window_days": QUICK_WINDOW_DAYS},
                ret["return_id"],
            )


def findings_for(orders: Iterable[Mapping[str, Any]], returns: Iterable[Mapping[str, Any]], *, whole_base: bool = True) -> list[Finding]:
    order_list, return_list = list(orders), list(returns)
    return [
        *amount_outliers(order_list, whole_base=whole_base),
        *order_bursts(order_list),
        *refund_patterns(order_list, return_list),
    ]


@dataclass
class AnomalyRun:
    found: int = 0
    created: int = 0
    missing_rates: list[str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"findings": self.found, "new_flags": self.created, "missing_exchange_rates": self.missing_rates or []}


def _in_base(
    convert: ToBase, order_facts: Iterable[dict[str, Any]], return_facts: Iterable[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The facts with their amounts in the base currency; those without a rate are left out (``convert.missing``)."""
    orders = []
    for fact in order_facts:
        amount = convert(fact["amount"], fact["currency"], fact["day"])
        if amount is not None:
            orders.append({**fact, "amount": amount})
    returns = []
    for fact in return_facts:
        refund = convert(fact["refund"], fact["currency"], fact["order_day"])
        paid = convert(fact["paid_on_order"], fact["currency"], fact["order_day"])
        if refund is not None and paid is not None:
            returns.append({**fact, "refund": refund, "paid_on_order": paid})
    return orders, returns


def anomalies_detect(*, today: date | None = None) -> AnomalyRun:
    """Run every rule over the whole base and store the new findings as open flags (idempotent)."""
    convert = ToBase()
    orders, returns = _in_base(convert, order_facts_for_anomalies(), return_facts_for_anomalies())
    findings = findings_for(orders, returns)
    created = anomaly_flags_store(findings=findings, today=today or timezone.localdate())
    return AnomalyRun(found=len(findings), created=created, missing_rates=sorted(convert.missing))


def anomalies_check_new(*, account_id: int, subject: str, today: date | None = None) -> AnomalyRun:
    """Check a new order or return (``subject``) as soon as it is written, reading only its customer's history.

    The rules walk the history oldest first, so what they find on ``subject`` is what the nightly run would find,
    except that a customer with fewer than MIN_HISTORY earlier orders is not compared with the whole base here
    (that needs every order; the nightly run does it). Only findings on ``subject`` are stored, once per rule.
    """
    convert = ToBase()
    orders, returns = _in_base(convert, order_facts_for_anomalies(account_id=account_id), return_facts_for_anomalies(account_id=account_id))
    findings = [f for f in findings_for(orders, returns, whole_base=False) if f.subject == subject]
    created = anomaly_flags_store(findings=findings, today=today or timezone.localdate(), subject=subject) if findings else 0
    return AnomalyRun(found=len(findings), created=created, missing_rates=sorted(convert.missing))


def anomaly_flags_store(*, findings: Iterable[Finding], today: date, subject: str | None = None) -> int:
    """Insert the findings not yet flagged; an existing flag (open or reviewed) is left exactly as it is.

    Returns the flags added, counted among ``subject``'s flags when the findings are all on one subject.
    """
    rows = [
        AnomalyFlag(
            rule=f.rule,
            subject=f.subject,
            order_id=f.order_id,
            order_return_id=f.return_id,
            account_id=f.account_id,
            score=f.score,
            severity=f.severity,
            evidence=f.evidence,
            detected_on=today,
        )
        for f in findings
    ]
    # Naming every rule lets the (rule, subject) unique index find one subject's flags without a scan.
    counted = AnomalyFlag.objects.filter(rule__in=AnomalyRule.values, subject=subject) if subject else AnomalyFlag.objects.all()
    before = counted.count()
    with transaction.atomic():
        AnomalyFlag.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1_000)
    return counted.count() - before
