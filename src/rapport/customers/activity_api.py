"""Activities over REST: to-dos, calls and meetings, their .ics, and the calendar feed link.

Mounted on the customers router. Handlers map input to a service or selector
and nothing more.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.common.ninja import Id, OptionalId, expected_version
from rapport.common.pagination import keyset_page
from rapport.core.models import User
from rapport.customers import activities, activity_selectors
from rapport.customers.calendar import activity_ics
from rapport.customers.schemas import ActivityCompleteIn, ActivityIn, ActivityOut, ActivityStatusIn, CalendarFeedOut

router = Router(tags=["activities"])


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityParams(Schema):
    owner_id: OptionalId = None
    mine: bool | None = Field(None, description="Only activities you own")
    status: str | None = Field(None, description="open, done or cancelled")
    kind: str | None = Field(None, description="task, call or meeting")
    due_after: str | None = Field(None, description="A date (in your time zone) or a date and time with a zone; inclusive")
    due_before: str | None = Field(None, description="A date or a date and time; exclusive")
    account_id: OptionalId = None
    contact_id: OptionalId = None
    lead_id: OptionalId = None
    concerns: str | None = Field(None, max_length=80)
    sort: str | None = Field(None, description="due_at (default) or -due_at")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get(request: HttpRequest, activity_id: int) -> Any:
    return activity_selectors.activity_get_for_user(user=_actor(request), activity_id=activity_id)


@router.get("/activities", response=ActivityPage, summary="List activities you may see, soonest first")
def list_activities(request: HttpRequest, params: Query[ActivityParams]) -> dict[str, Any]:  # type: ignore[type-arg]
    user = _actor(request)
    qs = activity_selectors.activity_filter(activity_selectors.activity_list_for_user(user=user), user=user, params=params.model_dump())
    sort = "-due_at" if params.sort == "-due_at" else "due_at"
    page = keyset_page(qs.prefetch_related("attendees"), sort=sort, cursor=params.cursor, limit=params.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/activities", response={201: ActivityOut}, summary="Create a to-do, call or meeting")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    data.pop("version", None)
    activity = activities.activity_create(
        actor=_actor(request),
        kind=data.pop("kind", None) or "task",
        subject=data.pop("subject", ""),
        due_at=data.pop("due_at", None),
        via="api",
        **{k: v for k, v in data.items() if v is not None},
    )
    return Status(201, activity_selectors.activity_get_for_user(user=_actor(request), activity_id=activity.pk))


@router.get("/activities/{activity_id}", response=ActivityOut, summary="Get one activity")
def get_activity(request: HttpRequest, activity_id: Id) -> Any:
    return _get(request, activity_id)


@router.patch(
    "/activities/{activity_id}",
    response=ActivityOut,
    summary="Change an activity",
    description="Send only the fields that change, with the version you read (If-Match header or body).",
)
def update_activity(request: HttpRequest, activity_id: Id, payload: ActivityIn) -> Any:
    activity = _get(request, activity_id)
    data = payload.model_dump(exclude_unset=True)
    version = expected_version(request, data.pop("version", None))
    activities.activity_update(actor=_actor(request), activity=activity, data=data, expected_version=version, via="api")
    return _get(request, activity_id)


@router.delete("/activities/{activity_id}", response={204: None}, summary="Delete an activity")
def delete_activity(request: HttpRequest, activity_id: Id) -> Status[None]:
    activity = _get(request, activity_id)
    activities.activity_delete(actor=_actor(request), activity=activity, expected_version=expected_version(request, None), via="api")
    return Status(204, None)


@router.post("/activities/{activity_id}/complete", response=ActivityOut, summary="Mark an activity done")
def complete_activity(request: HttpRequest, activity_id: Id, payload: ActivityCompleteIn) -> Any:
    activity = _get(request, activity_id)
    activities.activity_complete(
        actor=_actor(request),
        activity=activity,
        expected_version=expected_version(request, payload.version),
        outcome=payload.outcome,
        log_interaction=payload.log_interaction,
        via="api",
    )
    return _get(request, activity_id)


@router.post("/activities/{activity_id}/cancel", response=ActivityOut, summary="Cancel an activity")
def cancel_activity(request: HttpRequest, activity_id: Id, payload: ActivityStatusIn) -> Any:
    activity = _get(request, activity_id)
    version = expected_version(request, payload.version)
    activities.activity_cancel(actor=_actor(request), activity=activity, expected_version=version, via="api")
    return _get(request, activity_id)


@router.post("/activities/{activity_id}/reopen", response=ActivityOut, summary="Reopen a done or cancelled activity")
def reopen_activity(request: HttpRequest, activity_id: Id, payload: ActivityStatusIn) -> Any:
    activity = _get(request, activity_id)
    version = expected_version(request, payload.version)
    activities.activity_reopen(actor=_actor(request), activity=activity, expected_version=version, via="api")
    return _get(request, activity_id)


@router.get(
    "/activities/{activity_id}/ics",
    summary="The activity as an iCalendar file",
    openapi_extra={"responses": {200: {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {}}}}},
)
def activity_ics_file(request: HttpRequest, activity_id: Id) -> HttpResponse:
    response = HttpResponse(activity_ics(_get(request, activity_id)), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{activity_id}.ics"'
    return response


@router.post("/calendar-feed", response={201: CalendarFeedOut}, summary="Issue your private calendar feed link (replaces the old one)")
def issue_calendar_feed(request: HttpRequest) -> Status[Any]:
    secret = activities.calendar_feed_issue(user=_actor(request))
    return Status(201, {"url": request.build_absolute_uri(reverse("web:calendar_feed", args=[secret]))})


@router.delete("/calendar-feed", response={204: None}, summary="Stop your calendar feed")
def revoke_calendar_feed(request: HttpRequest) -> Status[None]:
    activities.calendar_feed_revoke(user=_actor(request))
    return Status(204, None)
