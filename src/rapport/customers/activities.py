"""Writes to activities: to-dos, calls and meetings someone must do.

Sales, service, marketing and (later) automation all create activities
through ``activity_create``; each write checks who may do it, validates
naming the field, writes, audits and announces a domain event after commit.
Reads are in ``activity_selectors``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.common import events
from rapport.common.concurrency import save_if_version
from rapport.common.errors import PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers import selectors, services
from rapport.customers.activity_selectors import activity_may_change
from rapport.customers.events import ActivityCancelled, ActivityCompleted, ActivityCreated, ActivityDeleted, ActivityUpdated
from rapport.customers.models import (
    Activity,
    ActivityKind,
    ActivityPriority,
    ActivityStatus,
    CalendarFeed,
    Channel,
    Direction,
)
from rapport.customers.validation import Errors, clean_text

TEXT_FIELDS = {"subject": 255, "details": 20000, "location": 255, "concerns": 80}
TIME_FIELDS = ("due_at", "ends_at", "reminder_at")
LINKS = {"account_id": selectors.visible_account, "contact_id": selectors.visible_contact, "lead_id": selectors.visible_lead}
EDITABLE = frozenset({*TEXT_FIELDS, *TIME_FIELDS, *LINKS, "kind", "priority", "owner_id", "attendee_ids", "shared_with_team"})
AUDITED = (*sorted(EDITABLE - {"attendee_ids"}), "status", "completed_at")
CONCERNS = re.compile(r"[a-z_]+\.[a-z_]+:\d+")
MAX_ATTENDEES = 50
FEED_PREFIX = "cal_"


# -- checking input -----------------------------------------------------------------


def _clean_time(value: Any, *, field: str, errors: Errors) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, datetime) else None
    if parsed is None and isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add(field, f"'{value}' is not a date and time (e.g. 2026-03-12T10:00:00+08:00).")
        return None
    if timezone.is_naive(parsed):
        errors.add(field, "Give a time zone (e.g. 2026-03-12T10:00:00+08:00).")
        return None
    return parsed


def _clean_id(value: Any, *, field: str, errors: Errors) -> int | None:
    if value in (None, ""):
        return None
    try:
        ident = int(value)
    except (TypeError, ValueError):
        errors.add(field, "Must be an id.")
        return None
    if not 1 <= ident < 2**63:
        errors.add(field, "Must be an id.")
        return None
    return ident


def _clean_attendees(raw: Any, errors: Errors) -> list[User] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple):
        errors.add("attendee_ids", "Must be a list of user ids.")
        return None
    ids = list(dict.fromkeys(i for i in (_clean_id(v, field="attendee_ids", errors=errors) for v in raw) if i is not None))
    if len(ids) > MAX_ATTENDEES:
        errors.add("attendee_ids", f"At most {MAX_ATTENDEES} attendees.")
        return None
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    for ident in ids:
        if ident not in found:
            errors.add("attendee_ids", f"No such user: {ident}.")
    return [found[i] for i in ids if i in found]


@dataclass
class _Cleaned:
    values: dict[str, Any]
    owner: User | None
    attendees: list[User] | None


def _clean(*, actor: User, data: Mapping[str, Any], activity: Activity | None) -> _Cleaned:
    errors = Errors()
    values: dict[str, Any] = {}
    for key in data:
        if key not in EDITABLE:
            errors.add(key, "This field is set by the server and cannot be changed." if hasattr(Activity, key) else "Unknown field.")
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            values[name] = clean_text(data[name], field=name, max_length=limit, errors=errors, required=name == "subject")
        elif activity is None and name == "subject":
            errors.add(name, "This field is required.")
    if values.get("concerns") and not CONCERNS.fullmatch(values["concerns"]):
        errors.add("concerns", "Name the record as app.model:id, e.g. sales.opportunity:12.")
    for name, choices in (("kind", ActivityKind.values), ("priority", ActivityPriority.values)):
        if name in data:
            if data[name] in choices:
                values[name] = data[name]
            else:
                errors.add(name, f"'{data[name]}' is not one of: {', '.join(choices)}.")
    for name in TIME_FIELDS:
        if name in data:
            values[name] = _clean_time(data[name], field=name, errors=errors)
    missing_due = activity is None and "due_at" not in data
    if missing_due or ("due_at" in data and values.get("due_at") is None and "due_at" not in errors.fields):
        errors.add("due_at", "This field is required.")
    due_at = values.get("due_at") or (activity.due_at if activity else None)
    ends_at = values.get("ends_at", activity.ends_at if activity else None)
    if due_at and ends_at and ends_at < due_at and "ends_at" not in errors.fields:
        errors.add("ends_at", "A meeting ends after it starts.")
    if "shared_with_team" in data:
        values["shared_with_team"] = data["shared_with_team"] in (True, "true", "on", "1", 1)
    for name, resolve in LINKS.items():
        if name not in data:
            continue
        ident = _clean_id(data[name], field=name, errors=errors)
        if ident is not None and resolve(actor, ident) is None:
            errors.add(name, f"No such record: {ident}.")
        elif name not in errors.fields:
            values[name] = ident
    owner = None
    if data.get("owner_id") not in (None, ""):
        ident = _clean_id(data["owner_id"], field="owner_id", errors=errors)
        owner = User.objects.filter(pk=ident, is_active=True).first() if ident else None
        if owner is None and "owner_id" not in errors.fields:
            errors.add("owner_id", "No such user.")
    attendees = _clean_attendees(data.get("attendee_ids"), errors) if "attendee_ids" in data else None
    errors.raise_if_any()
    return _Cleaned(values, owner, attendees)


def _check_people_see_links(*, activity: Activity, people: Iterable[tuple[str, User]]) -> None:
    """Whoever the activity is given to or shared with must be able to see the customer it is about."""
    errors = Errors()
    linked = [r for r in (activity.account, activity.contact, activity.lead) if r is not None]
    for field, person in people:
        for record in linked:
            if not policies.can_see(person, record):
                errors.add(field, f"{person} may not see {record._meta.verbose_name} “{record}”.")
                break
    errors.raise_if_any()


def snapshot(activity: Activity) -> dict[str, Any]:
    data = {name: getattr(activity, name) for name in AUDITED}
    if activity.pk:
        data["attendee_ids"] = sorted(u.pk for u in activity.attendees.all())
    return data


def _require_change(actor: User, activity: Activity) -> None:
    if not activity_may_change(actor, activity):
        raise PermissionDenied("You may see this activity but not change it.")


# -- the services ---------------------------------------------------------------------


def activity_create(
    *,
    actor: User,
    kind: str,
    subject: str,
    due_at: datetime | str | None,
    owner: User | None = None,
    owner_id: int | None = None,
    details: str = "",
    priority: str = ActivityPriority.NORMAL,
    ends_at: datetime | str | None = None,
    location: str = "",
    reminder_at: datetime | str | None = None,
    account_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
    concerns: str = "",
    attendee_ids: list[int] | None = None,
    shared_with_team: bool = False,
    via: str = "web",
) -> Activity:
    """Put a to-do, call or meeting on someone's list (the actor's unless ``owner`` says otherwise).

    Work may be handed to any active user who can see the customer it is about;
    the one who handed it over keeps seeing it.
    """
    data: dict[str, Any] = {
        "kind": kind,
        "subject": subject,
        "due_at": due_at,
        "details": details,
        "priority": priority,
        "ends_at": ends_at,
        "location": location,
        "reminder_at": reminder_at,
        "account_id": account_id,
        "contact_id": contact_id,
        "lead_id": lead_id,
        "concerns": concerns,
        "shared_with_team": shared_with_team,
        "owner_id": owner.pk if owner is not None else owner_id,
    }
    if attendee_ids is not None:
        data["attendee_ids"] = attendee_ids
    cleaned = _clean(actor=actor, data=data, activity=None)
    assignee = cleaned.owner or actor
    activity = Activity(owner=assignee, team_id=assignee.team_id, created_by=actor, **cleaned.values)
    people = [("owner_id", assignee)] if assignee.pk != actor.pk else []
    _check_people_see_links(activity=activity, people=people + [("attendee_ids", u) for u in cleaned.attendees or []])
    with transaction.atomic():
        activity.save()
        if cleaned.attendees:
            activity.attendees.set(cleaned.attendees)
        audit_record(actor=actor, action=AuditAction.CREATE, record=activity, changes=diff({}, snapshot(activity)), via=via)
        events.publish(ActivityCreated(activity.pk, activity.kind, assignee.pk, actor.pk, activity.concerns, via))
    return activity


def activity_update(
    *, actor: User, activity: Activity, data: Mapping[str, Any], expected_version: int | None, via: str = "web"
) -> Activity:
    """Change the fields given in ``data`` if ``expected_version`` is still the stored one."""
    _require_change(actor, activity)
    cleaned = _clean(actor=actor, data=data, activity=activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update(of=("self",)).select_related("account", "contact", "lead").get(pk=activity.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(current_version=locked.version)
        before = snapshot(locked)
        values = dict(cleaned.values)
        if cleaned.owner is not None and cleaned.owner.pk != locked.owner_id:
            values["owner_id"], values["team_id"] = cleaned.owner.pk, cleaned.owner.team_id
        if "reminder_at" in values and values["reminder_at"] != locked.reminder_at:
            # A new reminder time is a new reminder: it fires (and shows) again.
            values["reminded_at"] = values["reminder_dismissed_at"] = None
        for name, value in values.items():
            setattr(locked, name, value)
        for name in LINKS:
            if name in values:
                # The cached related object is stale once the id changed.
                locked._state.fields_cache.pop(name.removesuffix("_id"), None)
        people: list[tuple[str, User]] = []
        if cleaned.owner is not None and cleaned.owner.pk != actor.pk:
            people.append(("owner_id", cleaned.owner))
        if cleaned.attendees is not None or any(name in values for name in LINKS):
            current = cleaned.attendees if cleaned.attendees is not None else list(locked.attendees.all())
            people += [("attendee_ids", u) for u in current]
        _check_people_see_links(activity=locked, people=people)
        save_if_version(locked, expected_version=locked.version, fields=values)
        if cleaned.attendees is not None:
            locked.attendees.set(cleaned.attendees)
        changes = diff(before, snapshot(locked))
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=changes, via=via)
        if changes:
            events.publish(ActivityUpdated(locked.pk, actor.pk, tuple(changes), via))
    return locked


def _set_status(actor: User, activity: Activity, *, status: str, expected_version: int | None, via: str) -> tuple[Activity, dict[str, Any]]:
    """Lock, check the version and the current status, write the new status; returns the row and its snapshot before."""
    _require_change(actor, activity)
    locked = Activity.objects.select_for_update(of=("self",)).select_related("account", "contact", "lead").get(pk=activity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(current_version=locked.version)
    if status != ActivityStatus.OPEN and locked.status != ActivityStatus.OPEN:
        raise ValidationFailed.for_field("status", f"This activity is already {locked.status}.")
    if status == ActivityStatus.OPEN and locked.status == ActivityStatus.OPEN:
        raise ValidationFailed.for_field("status", "This activity is already open.")
    before = snapshot(locked)
    completed_at = timezone.now() if status == ActivityStatus.DONE else None
    save_if_version(locked, expected_version=locked.version, fields={"status": status, "completed_at": completed_at})
    audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, snapshot(locked)), via=via)
    return locked, before


def activity_complete(
    *,
    actor: User,
    activity: Activity,
    expected_version: int | None = None,
    outcome: str = "",
    log_interaction: bool = False,
    via: str = "web",
) -> Activity:
    """Mark the activity done; a call or meeting with a customer can go on their timeline at the same time."""
    errors = Errors()
    outcome = clean_text(outcome, field="outcome", max_length=20000, errors=errors)
    if log_interaction and activity.kind == ActivityKind.TASK:
        errors.add("log_interaction", "Only calls and meetings go on the timeline.")
    elif log_interaction and not (activity.account_id or activity.contact_id or activity.lead_id):
        errors.add("log_interaction", "Link the activity to an account, contact or lead first.")
    errors.raise_if_any()
    with transaction.atomic():
        done, _ = _set_status(actor, activity, status=ActivityStatus.DONE, expected_version=expected_version, via=via)
        interaction = None
        if log_interaction:
            interaction = services.interaction_log(
                actor=actor,
                channel=Channel.PHONE if done.kind == ActivityKind.CALL else Channel.FACE_TO_FACE,
                direction=Direction.OUTBOUND,
                subject=done.subject,
                body=outcome or done.details,
                occurred_at=done.completed_at,
                account_id=done.account_id,
                contact_id=done.contact_id,
                lead_id=done.lead_id,
                concerns=done.concerns,
                via=via,
            )
        events.publish(
            ActivityCompleted(done.pk, done.kind, done.owner_id, actor.pk, done.concerns, interaction.pk if interaction else None)
        )
    return done


def activity_cancel(*, actor: User, activity: Activity, expected_version: int | None = None, via: str = "web") -> Activity:
    with transaction.atomic():
        cancelled, _ = _set_status(actor, activity, status=ActivityStatus.CANCELLED, expected_version=expected_version, via=via)
        events.publish(ActivityCancelled(cancelled.pk, actor.pk))
    return cancelled


def activity_reopen(*, actor: User, activity: Activity, expected_version: int | None = None, via: str = "web") -> Activity:
    """Undo a completion or cancellation (a timeline entry logged on completion stays: it happened)."""
    with transaction.atomic():
        reopened, _ = _set_status(actor, activity, status=ActivityStatus.OPEN, expected_version=expected_version, via=via)
        events.publish(ActivityUpdated(reopened.pk, actor.pk, ("status", "completed_at"), via))
    return reopened


def activity_delete(*, actor: User, activity: Activity, expected_version: int | None = None, via: str = "web") -> None:
    _require_change(actor, activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(current_version=locked.version)
        before = snapshot(locked)
        pk = locked.pk
        locked.delete()
        locked.pk = pk
        audit_record(actor=actor, action=AuditAction.DELETE, record=locked, changes=diff(before, {}), via=via)
        events.publish(ActivityDeleted(pk, actor.pk, via))


# -- reminders in the browser: the owner's own view, not the record's data -------------


def activity_reminder_dismiss(*, actor: User, activity: Activity) -> None:
    _require_change(actor, activity)
    Activity.objects.filter(pk=activity.pk).update(reminder_dismissed_at=timezone.now())


def activity_reminder_snooze(*, actor: User, activity: Activity, minutes: int) -> None:
    """Show the reminder again in ``minutes``; the email, if already sent, is not sent again."""
    _require_change(actor, activity)
    if not 1 <= minutes <= 7 * 24 * 60:
        raise ValidationFailed.for_field("minutes", "Between 1 minute and 7 days.")
    Activity.objects.filter(pk=activity.pk).update(reminder_at=timezone.now() + timedelta(minutes=minutes), reminder_dismissed_at=None)


# -- the calendar feed -------------------------------------------------------------------


def _feed_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def calendar_feed_issue(*, user: User) -> str:
    """A new secret for the user's calendar feed; the previous link stops working. Shown once, stored hashed."""
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(user=user, defaults={"key_hash": _feed_hash(secret), "last_used_at": None})
        audit_record(actor=user, action=AuditAction.UPDATE, record=user, changes={"calendar_feed": [None, "issued"]}, via="web")
    return secret


def calendar_feed_revoke(*, user: User) -> None:
    with transaction.atomic():
        deleted, _ = CalendarFeed.objects.filter(user=user).delete()
        if deleted:
            audit_record(actor=user, action=AuditAction.UPDATE, record=user, changes={"calendar_feed": ["issued", None]}, via="web")


def calendar_feed_user(*, secret: str) -> User | None:
    """The active user whose feed this secret opens, or None (the door answers 404 either way)."""
    if not secret.startswith(FEED_PREFIX) or len(secret) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(key_hash=_feed_hash(secret)).first()
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
