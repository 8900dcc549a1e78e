"""Activities as iCalendar (RFC 5545), built with the ``icalendar`` package.

One meeting as an .ics file to open in any calendar program, and a user's
feed of open work that calendar programs subscribe to. Every activity is a
VEVENT (calendar programs that subscribe to feeds mostly ignore VTODO); its
UID is stable and its SEQUENCE is the row's version, so an updated activity
replaces the old entry instead of being added beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from rapport.customers.models import Activity, ActivityKind

# The icalendar package is imported by the functions that build a calendar: the API's URL conf imports
# this module, and every web process would otherwise load it at start for the few requests that use it.
if TYPE_CHECKING:
    from icalendar import Calendar, Event, vCalAddress

PRODUCT = "-//Rapport CRM//Activities//EN"
# Length shown in a calendar when an activity has no end time of its own.
DEFAULT_LENGTH: dict[str, timedelta] = {
    ActivityKind.MEETING: timedelta(hours=1),
    ActivityKind.CALL: timedelta(minutes=30),
    ActivityKind.TASK: timedelta(minutes=15),
}


def activity_uid(activity: Activity) -> str:
    return f"rapport-activity-{activity.pk}@rapport"


def _address(user: object, role: str | None = None) -> vCalAddress | None:
    from icalendar import vCalAddress, vText

    email = getattr(user, "email", "")
    if not email:
        return None
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(str(user))
    if role:
        address.params["ROLE"] = vText(role)
    return address


def _event(activity: Activity) -> Event:
    from icalendar import Alarm, Event

    event = Event()
    event.add("uid", activity_uid(activity))
    event.add("dtstamp", activity.updated_at or timezone.now())
    event.add("sequence", activity.version)
    event.add("dtstart", activity.due_at)
    event.add("dtend", activity.ends_at or activity.due_at + DEFAULT_LENGTH.get(activity.kind, timedelta(minutes=15)))
    prefix = "" if activity.kind == ActivityKind.MEETING else f"{activity.get_kind_display()}: "
    event.add("summary", f"{prefix}{activity.subject}")
    customer = activity.contact or activity.account or activity.lead
    description = "\n\n".join(part for part in (str(customer) if customer else "", activity.details) if part)
    if description:
        event.add("description", description)
    if activity.location:
        event.add("location", activity.location)
    event.add("status", "CONFIRMED")
    event.add("categories", [activity.kind])
    organizer = _address(activity.owner)
    if organizer is not None:
        event.add("organizer", organizer)
    for person in activity.attendees.all():
        attendee = _address(person, "REQ-PARTICIPANT")
        if attendee is not None:
            event.add("attendee", attendee, encode=False)
    if activity.reminder_at is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", activity.subject)
        alarm.add("trigger", activity.reminder_at - activity.due_at)
        event.add_component(alarm)
    return event


def _calendar(name: str | None = None) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def activity_ics(activity: Activity) -> bytes:
    calendar = _calendar()
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(activity))
    return calendar.to_ical()


def feed_ics(activities: Iterable[Activity], *, name: str) -> bytes:
    calendar = _calendar(name)
    for activity in activities:
        calendar.add_component(_event(activity))
    return calendar.to_ical()
