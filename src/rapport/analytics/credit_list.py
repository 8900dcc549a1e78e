"""The list of accounts by credit grade: one filter for the page, its HTMX partial and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum

from rapport.analytics.credit import GRADE_FLOORS
from rapport.common.errors import ValidationFailed
from rapport.common.pagination import Page, keyset_page
from rapport.core.models import User
from rapport.customers.models import CustomerProfile
from rapport.customers.profiles import customer_profile_list_for_user

GRADES = tuple(grade for grade, _ in GRADE_FLOORS)
PAGE_ROWS = 50
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class CreditFilter:
    grades: tuple[str, ...] = ()
    overdue_only: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CreditFilter:
        """From ``?grade=D,E&overdue=1`` (the page sends one ``grade`` per ticked box; the API a comma list)."""
        raw = params.getlist("grade") if hasattr(params, "getlist") else [params.get("grade") or ""]
        grades = tuple(dict.fromkeys(g.strip().upper() for value in raw for g in str(value or "").split(",") if g.strip()))
        unknown = [g for g in grades if g not in GRADES]
        if unknown:
            raise ValidationFailed.for_field("grade", f"Unknown grade {', '.join(unknown)}; choose from {', '.join(GRADES)}.")
        overdue = str(params.get("overdue") or "").lower()
        if overdue and overdue not in TRUE | {"0", "false", "no", "off"}:
            raise ValidationFailed.for_field("overdue", "Give true or false.")
        return cls(grades=grades, overdue_only=overdue in TRUE)

    def apply(self, profiles: QuerySet[CustomerProfile]) -> QuerySet[CustomerProfile]:
        rated = profiles.filter(credit_score__isnull=False)
        if self.grades:
            rated = rated.filter(credit_grade__in=self.grades)
        if self.overdue_only:
            rated = rated.filter(overdue_base__gt=0)
        return rated


def credit_page_for_user(*, user: User, filters: CreditFilter, cursor: str | None = None, limit: int = PAGE_ROWS) -> Page[CustomerProfile]:
    """The visible rated accounts, the lowest score first (keyset pages)."""
    return keyset_page(filters.apply(customer_profile_list_for_user(user=user)), sort="credit_score", cursor=cursor, limit=limit)


def credit_grade_counts(*, user: User) -> list[dict[str, Any]]:
    """Accounts and overdue amount per grade over the accounts the user sees (one query)."""
    rows = (
        customer_profile_list_for_user(user=user)
        .filter(credit_score__isnull=False)
        .values("credit_grade")
        .annotate(accounts=Count("pk"), overdue=Sum("overdue_base"))
        .order_by()
    )
    found: dict[str, dict[str, Any]] = {row["credit_grade"]: dict(row) for row in rows}
    empty: dict[str, Any] = {"accounts": 0, "overdue": 0}
    return [{"grade": g, "accounts": found.get(g, empty)["accounts"], "overdue": found.get(g, empty)["overdue"] or 0} for g in GRADES]
