"""The fraud-review queue: who reads and reviews anomaly flags, and the one list behind the page and the API.

Fraud review is for administrators (everything), sales managers (the flags of the customers their team
and reports look after, which they review) and analysts (the same scope, read-only). Reps, service
agents and marketers see no flag at all: a suspicion is not something to show the people who deal with
the customer every day. A flag is seen through its account, with the customers' visibility rules, so
a manager of another team gets 404 as for any record not theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_date

from rapport.analytics.models import AnomalyFlag, AnomalyRule, AnomalySeverity, AnomalyStatus
from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.pagination import Page, keyset_page
from rapport.core import policies
from rapport.core.models import Role, User

READERS = {Role.SALES_MANAGER, Role.ANALYST}
REVIEWERS = {Role.SALES_MANAGER}
PAGE_ROWS = 50
REVIEWED = "reviewed"  # any outcome: the flags someone has looked at
SORTS = {"newest": ("-detected_on",), "severity": ("-severity_rank", "-detected_on")}


def can_read_fraud_queue(user: User) -> bool:
    return user.is_active and (user.is_administrator or user.role in READERS)


def can_review_anomalies(user: User) -> bool:
    return user.is_active and (user.is_administrator or user.role in REVIEWERS)


def _choices(params: Mapping[str, Any], name: str, allowed: list[str]) -> tuple[str, ...]:
    """One value or several: ``?rule=a&rule=b`` from the page's boxes, ``?rule=a,b`` from the API."""
    raw = params.getlist(name) if hasattr(params, "getlist") else [params.get(name) or ""]
    values = tuple(dict.fromkeys(v.strip() for value in raw for v in str(value or "").split(",") if v.strip()))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationFailed.for_field(name, f"Unknown value {', '.join(unknown)}; choose from {', '.join(allowed)}.")
    return values


def _day(params: Mapping[str, Any], name: str) -> date | None:
    text = str(params.get(name) or "").strip()
    if not text:
        return None
    try:
        found = parse_date(text)
    except ValueError:
        found = None
    if found is None:
        raise ValidationFailed.for_field(name, "Give a date as YYYY-MM-DD.")
    return found


@dataclass(frozen=True)
class AnomalyFilter:
    """``?rule=&severity=&status=&detected_from=&detected_to=&sort=``: one definition for the page, its partial and the API."""

    rules: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    detected_from: date | None = None
    detected_to: date | None = None
    sort: str = "newest"

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, default_statuses: tuple[str, ...] = ()) -> AnomalyFilter:
        """``default_statuses`` apply when the request does not mention the status at all (the page opens on the open flags)."""
        statuses = _choices(params, "status", [*AnomalyStatus.values, REVIEWED, "all"])
        if "status" not in params:
            statuses = default_statuses
        sort = str(params.get("sort") or "newest")
        if sort not in SORTS:
            raise ValidationFailed.for_field("sort", f"Choose one of {', '.join(SORTS)}.")
        found = cls(
            rules=_choices(params, "rule", AnomalyRule.values),
            severities=_choices(params, "severity", AnomalySeverity.values),
            statuses=() if "all" in statuses else statuses,
            detected_from=_day(params, "detected_from"),
            detected_to=_day(params, "detected_to"),
            sort=sort,
        )
        if found.detected_from and found.detected_to and found.detected_from > found.detected_to:
            raise ValidationFailed.for_field("detected_to", "The end of the range comes before its start.")
        return found

    def apply(self, flags: QuerySet[AnomalyFlag]) -> QuerySet[AnomalyFlag]:
        if self.rules:
            flags = flags.filter(rule__in=self.rules)
        if self.severities:
            flags = flags.filter(severity__in=self.severities)
        if self.statuses:
            wanted = set(self.statuses)
            if REVIEWED in wanted:
                wanted |= set(AnomalyStatus.values) - {AnomalyStatus.OPEN}
            flags = flags.filter(status__in=sorted(wanted - {REVIEWED}))
        if self.detected_from:
            flags = flags.filter(detected_on__gte=self.detected_from)
        if self.detected_to:
            flags = flags.filter(detected_on__lte=self.detected_to)
        return flags

    def as_query(self) -> list[tuple[str, str]]:
        """The filter as query pairs, for the next-page link."""
        pairs = [("rule", r) for r in self.rules] + [("severity", s) for s in self.severities]
        pairs += [("status", s) for s in self.statuses] or [("status", "all")]
        pairs += [
            (name, day.isoformat()) for name, day in (("detected_from", self.detected_from), ("detected_to", self.detected_to)) if day
        ]
        return [*pairs, ("sort", self.sort)]


def anomaly_flag_list_for_user(*, user: User) -> QuerySet[AnomalyFlag]:
    """The flags ``user`` may read: none for roles outside fraud review, else those on the accounts they see."""
    if not can_read_fraud_queue(user):
        return AnomalyFlag.objects.none()
    return policies.restrict(AnomalyFlag.objects.all(), user, prefix="account__")


def anomaly_flag_page_for_user(
    *, user: User, filters: AnomalyFilter, cursor: str | None = None, limit: int = PAGE_ROWS
) -> Page[AnomalyFlag]:
    """One page of the queue: newest first, or the most severe first (then newest); keyset pages."""
    flags = filters.apply(anomaly_flag_list_for_user(user=user)).select_related("account", "order", "order_return", "reviewed_by")
    return keyset_page(flags, sort=SORTS[filters.sort], cursor=cursor, limit=limit)


def anomaly_flag_get_for_user(*, user: User, flag_id: int) -> AnomalyFlag:
    """One flag with its order, return, customer and reviewer; 404 when the user may not read it."""
    related = ("account", "account__owner", "order", "order__owner", "order_return", "order_return__line", "reviewed_by")
    found = anomaly_flag_list_for_user(user=user).select_related(*related).filter(pk=flag_id).first()
    if found is None:
        raise NotFound("No such anomaly flag.")
    return found
