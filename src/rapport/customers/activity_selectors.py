"""Every read of activities (to-dos, calls, meetings), scoped to the user.

Who sees an activity: administrators all; a sales manager (and an analyst)
those of their tree, as for customer records; everyone else their own and
those shared with their team. Roles that see every *customer* (service
agents, marketers) do not see everyone's *work*: they get the "own" rule.
Attendees and the person who handed the work over see it too.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.common.errors import NotFound, ValidationFailed
from rapport.core import policies
from rapport.core.models import Role, User
from rapport.customers.models import Account, Activity, ActivityKind, ActivityStatus, CalendarFeed, Contact, Lead

UPCOMING_DAYS = 7
UPCOMING_LIMIT = 20
BUCKET_LIMIT = 100
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180


def activity_visibility_q(user: User) -> Q | None:
    """The filter on activities that ``user`` may see; None means every one."""
    if user.is_administrator:
        return None
    condition = policies.ownership_q(user)
    if condition is None:
        condition = Q(owner_id=user.pk)
        if user.team_id:
            condition |= Q(team_id=user.team_id, shared_with_team=True)
    attending = Activity.attendees.through.objects.filter(user_id=user.pk).values("activity_id")
    return condition | Q(created_by_id=user.pk) | Q(pk__in=attending)


def activity_list_for_user(*, user: User) -> QuerySet[Activity]:
    base = Activity.objects.select_related("owner", "account", "contact", "lead")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    condition = activity_visibility_q(user)
    return base if condition is None else base.filter(condition)


def activity_get_for_user(*, user: User, activity_id: int) -> Activity:
    found = activity_list_for_user(user=user).filter(pk=activity_id).prefetch_related("attendees").first()
    if found is None:
        raise NotFound("No such activity.")
    return found


def activity_may_change(user: User, activity: Activity) -> bool:
    """Owner, the one who handed it over, their managers, the team when shared, administrators.

    Attendees only look; so do analysts and marketers at what others share.
    """
    if user.is_administrator or user.pk in (activity.owner_id, activity.created_by_id):
        return True
    if user.role == Role.SALES_MANAGER:
        return policies.can_see(user, activity)
    if user.role in policies.READ_ONLY:
        return False
    return bool(activity.shared_with_team and activity.team_id and activity.team_id == user.team_id)


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_day(user: User, on: date) -> tuple[datetime, datetime]:
    """Start and end of ``on`` in the user's time zone, as aware datetimes."""
    zone = user_zone(user)
    return datetime.combine(on, time.min, tzinfo=zone), datetime.combine(on + timedelta(days=1), time.min, tzinfo=zone)


def user_today(user: User, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(user_zone(user)).date()


@dataclass(frozen=True)
class MyDay:
    on: date
    now: datetime
    overdue: list[Activity]
    today: list[Activity]
    upcoming: list[Activity]
    done_today: int

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.today)


def my_day(*, user: User, on: date | None = None, now: datetime | None = None) -> MyDay:
    """The user's own open work: overdue (before ``on``), due on ``on``, and the next days (bounded)."""
    now = now or timezone.now()
    on = on or user_today(user, now)
    start, end = local_day(user, on)
    mine = Activity.objects.filter(owner=user, status=ActivityStatus.OPEN).select_related("account", "contact", "lead")
    mine = mine.order_by("due_at", "id")
    done_today = Activity.objects.filter(owner=user, status=ActivityStatus.DONE, completed_at__gte=start, completed_at__lt=end).count()
    return MyDay(
        on=on,
        now=now,
        overdue=list(mine.filter(due_at__lt=start)[:BUCKET_LIMIT]),
        today=list(mine.filter(due_at__gte=start, due_at__lt=end)[:BUCKET_LIMIT]),
        upcoming=list(mine.filter(due_at__gte=end, due_at__lt=end + timedelta(days=UPCOMING_DAYS))[:UPCOMING_LIMIT]),
        done_today=done_today,
    )


def activities_for_record(
    *, user: User, account: Account | None = None, contact: Contact | None = None, lead: Lead | None = None, limit: int = 20
) -> list[Activity]:
    """Open activities about a customer the user sees, soonest first. An account's include its contacts'."""
    qs = activity_list_for_user(user=user).filter(status=ActivityStatus.OPEN)
    if account is not None:
        qs = qs.filter(Q(account=account) | Q(contact__account=account))
    elif contact is not None:
        qs = qs.filter(contact=contact)
    elif lead is not None:
        qs = qs.filter(lead=lead)
    else:
        return []
    return list(qs.order_by("due_at", "id")[:limit])


def due_reminders_for(*, user: User, now: datetime | None = None, limit: int = 20) -> list[Activity]:
    """The user's open activities whose reminder time has come and that they have not dismissed."""
    now = now or timezone.now()
    qs = Activity.objects.filter(owner=user, status=ActivityStatus.OPEN, reminder_at__lte=now).select_related("account", "contact", "lead")
    qs = qs.filter(Q(reminder_dismissed_at__isnull=True) | Q(reminder_dismissed_at__lt=F("reminder_at")))
    return list(qs.order_by("reminder_at", "id")[:limit])


def calendar_feed_for(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_activities(*, user: User, now: datetime | None = None) -> list[Activity]:
    """What a user's calendar feed lists: their open activities (owned or attended), -30 to +180 days."""
    now = now or timezone.now()
    attending = Activity.attendees.through.objects.filter(user_id=user.pk).values("activity_id")
    qs = Activity.objects.filter(Q(owner=user) | Q(pk__in=attending), status=ActivityStatus.OPEN)
    qs = qs.filter(due_at__gte=now - timedelta(days=FEED_PAST_DAYS), due_at__lt=now + timedelta(days=FEED_FUTURE_DAYS))
    return list(qs.select_related("owner", "account", "contact", "lead").prefetch_related("attendees").order_by("due_at", "id")[:2000])


FILTERS = ("owner_id", "status", "kind", "due_after", "due_before", "account_id", "contact_id", "lead_id", "concerns", "mine")


def activity_filter(queryset: QuerySet[Activity], *, user: User, params: Mapping[str, Any]) -> QuerySet[Activity]:
    """The list's filters, shared by the page and the API; a bad value is a ValidationFailed naming it."""
    errors: dict[str, list[str]] = {}
    for name in ("owner_id", "account_id", "contact_id", "lead_id"):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if not str(raw).isdigit() or not 1 <= int(raw) < 2**63:
            errors[name] = [f"'{raw}' is not an id."]
        else:
            queryset = queryset.filter(**{name: int(raw)})
    for name, choices in (("status", ActivityStatus.values), ("kind", ActivityKind.values)):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if raw not in choices:
            errors[name] = [f"'{raw}' is not one of: {', '.join(choices)}."]
        else:
            queryset = queryset.filter(**{name: raw})
    for name, lookup in (("due_after", "due_at__gte"), ("due_before", "due_at__lt")):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        moment = _moment(str(raw), user)
        if moment is None:
            errors[name] = [f"'{raw}' is not a date (YYYY-MM-DD) or a date and time with a time zone."]
        else:
            queryset = queryset.filter(**{lookup: moment})
    if params.get("concerns"):
        queryset = queryset.filter(concerns=str(params["concerns"])[:80])
    if params.get("mine") in (True, "1", "true", "on"):
        queryset = queryset.filter(owner=user)
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", field_errors=errors)
    return queryset


def _moment(raw: str, user: User) -> datetime | None:
    """A date meaning its start in the user's time zone, or a datetime with a zone."""
    try:
        return local_day(user, date.fromisoformat(raw))[0]
    except ValueError:
        pass
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        return None
    return None if parsed is None or timezone.is_naive(parsed) else parsed
