"""A flag's evidence in plain words, in the reader's language: one sentence and the numbers the rule compared.

The flag stores the rule's figures (``AnomalyFlag.evidence``, amounts in the base currency at the
order's date); the words are made when read, so a reader in Chinese sees Chinese whatever language the
job ran in. The page and the API both show what this module returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from rapport.analytics import anomalies
from rapport.analytics.models import AnomalyFlag, AnomalyRule


@dataclass(frozen=True)
class Explanation:
    summary: str
    facts: list[tuple[str, str]]  # (what, value): the numbers the rule compared


def _money(value: Any, currency: str) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


def _number(value: Any, places: int = 2) -> str:
    try:
        return formats.number_format(Decimal(str(value)), places, use_l10n=True, force_grouping=True)
    except (InvalidOperation, ValueError):
        return str(value)


def _percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return str(value)


def _amount(e: dict[str, Any], currency: str) -> Explanation:
    words: dict[str, Any] = {
        "amount": _money(e.get("amount"), currency),
        "median": _money(e.get("median"), currency),
        "orders": e.get("orders"),
    }
    words["z"] = _number(e.get("z"))
    if e.get("baseline") == "customer":
        summary = _(
            "This order came to %(amount)s, while this customer's median over their %(orders)s earlier orders is %(median)s: "
            "a modified z-score of %(z)s, where 3.5 or more counts as unusual."
        )
        baseline = _("this customer's earlier orders")
    else:
        summary = _(
            "This order came to %(amount)s. The customer has too few earlier orders to compare with, so it is compared with "
            "the median of all %(orders)s orders of the customer base, %(median)s: a modified z-score of %(z)s, "
            "where 3.5 or more counts as unusual."
        )
        baseline = _("all customers' orders")
    facts = [
        (_("Order amount"), words["amount"]),
        (_("Median order"), words["median"]),
        (_("Compared with"), baseline),
        (_("Orders compared"), str(words["orders"])),
        (_("Modified z-score"), words["z"]),
        (_("Flagged from"), _number(anomalies.Z_FLAG, 1)),
    ]
    return Explanation(summary % words, facts)


def _burst(e: dict[str, Any], score: float) -> Explanation:
    odds = _number(round(10 ** min(score, 15)), 0)
    words: dict[str, Any] = {
        "orders": e.get("orders"),
        "days": e.get("days"),
        "expected": _number(e.get("expected")),
        "lookback": e.get("lookback_days"),
        "odds": odds,
    }
    summary = _(
        "%(orders)s orders within %(days)s days. At this customer's pace over the %(lookback)s days before, about %(expected)s "
        "would be expected; the chance of so many is about 1 in %(odds)s."
    )
    facts = [
        (_("Orders in the week"), str(words["orders"])),
        (_("Expected at the usual pace"), words["expected"]),
        (_("Pace measured over (days)"), str(words["lookback"])),
        (_("Chance at the usual pace"), _("1 in %(odds)s") % {"odds": odds}),
        (_("Flagged from"), _("1 in %(odds)s") % {"odds": _number(round(1 / anomalies.BURST_P), 0)}),
    ]
    return Explanation(summary % words, facts)


def _refund_ratio(e: dict[str, Any], currency: str) -> Explanation:
    words: dict[str, Any] = {
        "ratio": _percent(e.get("ratio")),
        "ordered": _money(e.get("ordered"), currency),
        "returns": e.get("returns"),
        "days": e.get("days"),
    }
    summary = _(
        "In the %(days)s days up to this return, refunds came to %(ratio)s of the %(ordered)s this customer ordered, "
        "over %(returns)s returns."
    )
    facts = [
        (_("Refunded share of orders"), words["ratio"]),
        (_("Ordered in the period"), words["ordered"]),
        (_("Returns in the period"), str(words["returns"])),
        (_("Period (days)"), str(words["days"])),
        (_("Flagged from"), _percent(anomalies.REFUND_RATIO_FLAG)),
    ]
    return Explanation(summary % words, facts)


def _quick_returns(e: dict[str, Any]) -> Explanation:
    words: dict[str, Any] = {"returns": e.get("returns"), "within": e.get("within_days"), "window": e.get("window_days")}
    summary = _("%(returns)s returns in %(window)s days, each made within %(within)s days of its order.")
    facts = [
        (_("Quick returns"), str(words["returns"])),
        (_("Returned within (days of the order)"), str(words["within"])),
        (_("Period (days)"), str(words["window"])),
        (_("Flagged from"), str(anomalies.QUICK_MIN_RETURNS)),
    ]
    return Explanation(summary % words, facts)


def _over_paid(e: dict[str, Any], currency: str) -> Explanation:
    words: dict[str, Any] = {"refunds": _money(e.get("refunds"), currency), "paid": _money(e.get("paid"), currency)}
    summary = _("Refunds on this order come to %(refunds)s, but only %(paid)s was paid for it.")
    facts = [(_("Refunds on the order"), words["refunds"]), (_("Paid for the order"), words["paid"])]
    return Explanation(summary % words, facts)


def anomaly_explain(flag: AnomalyFlag, *, currency: str) -> Explanation:
    """The flag's reason as a sentence and a list of figures; ``currency`` is the base currency the amounts are in."""
    evidence = dict(flag.evidence or {})
    if flag.rule == AnomalyRule.AMOUNT:
        return _amount(evidence, currency)
    if flag.rule == AnomalyRule.BURST:
        return _burst(evidence, flag.score)
    if flag.rule == AnomalyRule.REFUND_RATIO:
        return _refund_ratio(evidence, currency)
    if flag.rule == AnomalyRule.QUICK_RETURNS:
        return _quick_returns(evidence)
    return _over_paid(evidence, currency)
