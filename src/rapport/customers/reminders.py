"""Activity reminders by email: found by the scheduler every minute, each sent once.

The reminder is claimed (``reminded_at`` set) and its emails are queued in one
transaction: a worker killed half-way leaves both undone for the next run, and
two runs (or two workers) racing on one activity serialise on the row, so only
one of them claims it. The email itself is ``core.jobs.mail``'s: a stored
message with a fixed Message-ID, sent by the worker after commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from rapport.common.errors import ValidationFailed
from rapport.core.jobs.mail import email_queue
from rapport.core.models import User
from rapport.customers.activity_selectors import user_zone
from rapport.customers.models import Activity, ActivityStatus

logger = logging.getLogger(__name__)

BATCH = 200


def _due(now: datetime) -> list[int]:
    due = Activity.objects.filter(status=ActivityStatus.OPEN, reminded_at__isnull=True, reminder_at__lte=now)
    return list(due.order_by("reminder_at", "id").values_list("id", flat=True)[:BATCH])


def _message(activity: Activity, person: User) -> tuple[str, str]:
    """Subject and body in the person's language, times in their time zone."""
    with translation.override(person.language or "en"):
        when = formats.date_format(activity.due_at.astimezone(user_zone(person)), "DATETIME_FORMAT")
        subject = gettext("Reminder: %(subject)s (%(when)s)") % {"subject": activity.subject, "when": when}
        lines = [
            gettext("%(kind)s: %(subject)s") % {"kind": activity.get_kind_display(), "subject": activity.subject},
            gettext("Due: %(when)s") % {"when": when},
        ]
        if activity.location:
            lines.append(gettext("Where: %(location)s") % {"location": activity.location})
        customer = activity.contact or activity.account or activity.lead
        if customer is not None:
            lines.append(gettext("With: %(customer)s") % {"customer": customer})
        if activity.details:
            lines += ["", activity.details]
    # A subject is one header line: the activity's own line breaks must not reach it.
    return " ".join(subject.split())[:998], "\n".join(lines)


def activity_send_due_reminders(*, now: datetime | None = None) -> int:
    """Email the owner and attendees of every activity whose reminder is due; returns how many fired."""
    now = now or timezone.now()
    fired = 0
    for activity_id in _due(now):
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=activity_id, status=ActivityStatus.OPEN, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue  # another run took it, or it was completed meanwhile
            activity = Activity.objects.select_related("owner", "account", "contact", "lead").get(pk=activity_id)
            people = [activity.owner, *activity.attendees.exclude(pk=activity.owner_id).filter(is_active=True)]
            for person in people:
                if not person.email or not person.is_active:
                    continue
                subject, body = _message(activity, person)
                try:
                    email_queue(to=[person.email], subject=subject, body=body)
                except ValidationFailed as exc:
                    # One bad address must not hold back everyone else's reminders.
                    logger.warning("Activity %s: no reminder for user %s: %s", activity_id, person.pk, exc.message)
            fired += 1
    if fired:
        logger.info("Activity reminders: %s fired", fired)
    return fired
