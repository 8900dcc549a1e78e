"""The fraud-review queue over REST: the list (same filters and order as the page), one flag, and its review."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from rapport.analytics.anomaly_present import anomaly_explain
from rapport.analytics.anomaly_queue import PAGE_ROWS, AnomalyFilter, anomaly_flag_get_for_user, anomaly_flag_page_for_user
from rapport.analytics.anomaly_review import NOTE_MAX, anomaly_flag_review
from rapport.analytics.models import AnomalyFlag
from rapport.common.ninja import Id, expected_version
from rapport.common.pagination import MAX_PAGE_SIZE
from rapport.core.selectors import actor_of, base_currency

router = Router(tags=["analytics: fraud review"])

WHO = (
    "Administrators read and review every flag; sales managers the flags of the customers their team and reports look after; "
    "analysts read the same as a manager of their team but may not review (403). Other roles see no flag: an empty list, 404 for one."
)


class AnomalyParams(Schema):
    rule: str | None = Field(
        None, max_length=120, description="Comma-separated: amount_outlier, order_burst, refund_ratio, quick_returns, refund_over_paid"
    )
    severity: str | None = Field(None, max_length=40, description="Comma-separated: low, medium, high")
    status: str | None = Field(
        None, max_length=60, description="Comma-separated: open, legitimate, fraud, follow_up, reviewed (any outcome); all when left out"
    )
    detected_from: str | None = Field(None, max_length=10, description="First detection date (YYYY-MM-DD), inclusive")
    detected_to: str | None = Field(None, max_length=10, description="Last detection date (YYYY-MM-DD), inclusive")
    sort: str | None = Field(None, max_length=10, description="newest (the default) or severity (most severe first, then newest)")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(PAGE_ROWS, ge=1, le=MAX_PAGE_SIZE)


class AnomalyOut(Schema):
    id: int
    version: int
    rule: str
    rule_label: str
    severity: str = Field(description="low, medium or high")
    score: float = Field(description="The rule's own measure (z-score, -log10 of a probability, a ratio...): compare within a rule")
    status: str = Field(description="open, legitimate, fraud or follow_up")
    detected_on: date
    account_id: int
    account_name: str = Field(validation_alias="account.name")
    order_id: int
    order_number: str | None = Field(validation_alias="order.number")
    return_id: int | None = Field(validation_alias="order_return_id")
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    note: str

    @staticmethod
    def resolve_rule_label(obj: AnomalyFlag) -> str:
        return str(obj.get_rule_display())


class AnomalyPage(Schema):
    items: list[AnomalyOut]
    next_cursor: str | None


class FactOut(Schema):
    label: str
    value: str


class AnomalyDetailOut(AnomalyOut):
    base_currency: str
    explanation: str = Field(description="Why it was flagged, in the caller's language")
    facts: list[FactOut] = Field(description="The numbers the rule compared, in the caller's language")
    evidence: dict[str, Any] = Field(description="The rule's figures as stored (amounts in the base currency)")


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["legitimate", "fraud", "follow_up"]
    note: str = Field("", max_length=NOTE_MAX)
    version: int | None = Field(None, ge=1, description="The version you read (or send If-Match); a stale one is a 409 and nothing changes")


def _detail(flag: AnomalyFlag) -> AnomalyFlag:
    """The flag with its explanation attached (an object, not a dict: the schema reads names through dotted aliases)."""
    currency = base_currency()
    explained = anomaly_explain(flag, currency=currency)
    flag.base_currency = currency  # type: ignore[attr-defined]
    flag.explanation = explained.summary  # type: ignore[attr-defined]
    flag.facts = [{"label": label, "value": value} for label, value in explained.facts]  # type: ignore[attr-defined]
    return flag


@router.get(
    "/analytics/anomalies",
    response=AnomalyPage,
    summary="The fraud-review queue: anomaly flags on orders and returns (filters: rule, severity, status, detection dates)",
    description=f"Newest first, or the most severe first with sort=severity; keyset pages. {WHO} "
    "An unknown rule, severity, status or sort, or a bad date, is a 422 naming it.",
)
def anomaly_list(request: HttpRequest, params: Query[AnomalyParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    filters = AnomalyFilter.from_params(params.model_dump(exclude_none=True))
    page = anomaly_flag_page_for_user(user=actor_of(request), filters=filters, cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/analytics/anomalies/{flag_id}",
    response=AnomalyDetailOut,
    summary="One anomaly flag: why it was flagged, the figures compared, and its review",
    description=WHO,
)
def anomaly_detail(request: HttpRequest, flag_id: Id) -> AnomalyFlag:
    return _detail(anomaly_flag_get_for_user(user=actor_of(request), flag_id=flag_id))


@router.post(
    "/analytics/anomalies/{flag_id}/review",
    response=AnomalyDetailOut,
    summary="Review a flag: legitimate, fraud or needs follow-up, with a note",
    description="Carries the version you read (body or If-Match): if someone reviewed it since, 409 (412 with If-Match) and nothing "
    f"changes. A missing or unknown outcome is a 422 naming 'outcome'. {WHO}",
)
def anomaly_review(request: HttpRequest, flag_id: Id, payload: ReviewIn) -> AnomalyFlag:
    user = actor_of(request)
    flag = anomaly_flag_get_for_user(user=user, flag_id=flag_id)
    anomaly_flag_review(
        actor=user,
        flag=flag,
        outcome=payload.outcome,
        note=payload.note,
        expected_version=expected_version(request, payload.version),
        via="api",
    )
    return _detail(anomaly_flag_get_for_user(user=user, flag_id=flag_id))
