"""The funnel of one pipeline: where deals are, how many get from each stage to
the next, how long they stay in each stage, and how many are won.

The period picks a cohort: the deals created in it (filtered by owner, team
and source). Every figure comes from two GROUP BYs in the database (one over
the cohort, one over its stage changes); Python only walks the handful of
groups and stages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, QuerySet, Sum
from django.utils import timezone

from rapport.core.models import User
from rapport.sales import selectors
from rapport.sales.forecast import Converter
from rapport.sales.models import Opportunity, OpportunityStatus, Pipeline, Stage, StageChange

SECONDS_PER_DAY = Decimal(86400)


@dataclass
class FunnelStage:
    stage: Stage
    open_count: int = 0
    open_value: Decimal = Decimal(0)
    reached: int = 0  # deals of the cohort that got to this stage or further
    conversion: Decimal | None = None  # % of those that reached the previous stage
    avg_days: Decimal | None = None  # average days a deal stayed in the stage before moving on


@dataclass
class Funnel:
    pipeline: Pipeline
    start: dt.date
    end: dt.date
    currency: str
    created: int = 0
    won: int = 0
    lost: int = 0
    won_value: Decimal = Decimal(0)
    stages: list[FunnelStage] = field(default_factory=list)

    @property
    def win_rate(self) -> Decimal | None:
        """Won as a share of the cohort's closed deals, in per cent."""
        closed = self.won + self.lost
        return None if closed == 0 else (Decimal(self.won * 100) / closed).quantize(Decimal("0.1"))


def cohort_for_user(
    *,
    user: User,
    pipeline: Pipeline,
    start: dt.date,
    end: dt.date,
    owner_id: int | None = None,
    team_id: int | None = None,
    source: str | None = None,
) -> QuerySet[Opportunity]:
    """The visible deals of the pipeline created from ``start`` up to (not including) ``end``."""
    # A range on the column itself (not created_at__date) so that the index serves it.
    zone = timezone.get_current_timezone()
    since, until = (timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone) for day in (start, end))
    qs = selectors.opportunity_list_for_user(user=user).filter(pipeline=pipeline, created_at__gte=since, created_at__lt=until)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if source:
        qs = qs.filter(source=source)
    return qs.order_by()


def funnel(
    *,
    user: User,
    pipeline: Pipeline,
    start: dt.date,
    end: dt.date,
    owner_id: int | None = None,
    team_id: int | None = None,
    source: str | None = None,
) -> Funnel:
    cohort = cohort_for_user(user=user, pipeline=pipeline, start=start, end=end, owner_id=owner_id, team_id=team_id, source=source)
    convert = Converter()
    today = timezone.localdate()
    result = Funnel(pipeline=pipeline, start=start, end=end, currency=convert.base)
    stages = [FunnelStage(stage) for stage in pipeline.stages.order_by("position", "id")]
    by_id = {s.stage.pk: s for s in stages}

    # One pass over the cohort: every figure but the days in stage comes from these few groups.
    furthest: dict[int, int] = {}
    for status, stage_id, reached, currency, count, value in (
        cohort.values_list("status", "stage_id", "furthest_position", "currency").annotate(Count("id"), Sum("amount")).order_by()
    ):
        furthest[reached] = furthest.get(reached, 0) + count
        result.created += count
        if status == OpportunityStatus.OPEN:
            by_id[stage_id].open_count += count
            by_id[stage_id].open_value += convert(value, currency, today)
        elif status == OpportunityStatus.WON:
            result.won += count
            result.won_value += convert(value, currency, today)
        elif status == OpportunityStatus.LOST:
            result.lost += count
    previous: int | None = None
    for entry in stages:
        if entry.stage.is_lost:
            continue
        entry.reached = sum(n for position, n in furthest.items() if position >= entry.stage.position)
        if previous is not None:
            entry.conversion = (Decimal(entry.reached * 100) / previous).quantize(Decimal("0.1")) if previous else None
        previous = entry.reached

    durations = (
        StageChange.objects.filter(opportunity__in=cohort.values("pk"), from_stage__pipeline=pipeline, seconds_in_previous__isnull=False)
        .values_list("from_stage_id")
        .annotate(Avg("seconds_in_previous"))
        .order_by()
    )
    for stage_id, seconds in durations:
        if stage_id in by_id and seconds is not None:
            by_id[stage_id].avg_days = (Decimal(str(seconds)) / SECONDS_PER_DAY).quantize(Decimal("0.1"))

    result.stages = stages
    return result
