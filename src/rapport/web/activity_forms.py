"""The HTML forms of activities: the full form and My day's quick add.

Times are typed in the user's own time zone (``datetime-local``) and handed to
the service as aware datetimes; the service checks everything else and its
field errors come back onto the fields they name.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers.activity_selectors import user_zone
from rapport.customers.models import Activity, ActivityKind, ActivityPriority
from rapport.web.service_errors import translate_error

# The activity services' fixed messages, listed so makemessages collects them (``translate_error`` looks them up).
FIXED = (
    gettext_noop("A meeting ends after it starts."),
    gettext_noop("Give a time zone (e.g. 2026-03-12T10:00:00+08:00)."),
    gettext_noop("Name the record as app.model:id, e.g. sales.opportunity:12."),
    gettext_noop("This activity is already done."),
    gettext_noop("This activity is already cancelled."),
    gettext_noop("This activity is already open."),
    gettext_noop("Only calls and meetings go on the timeline."),
    gettext_noop("Link the activity to an account, contact or lead first."),
    gettext_noop("You may see this activity but not change it."),
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
LINKS = ("account_id", "contact_id", "lead_id")


def _label(name: str) -> Any:
    return capfirst(getattr(Activity._meta.get_field(name), "verbose_name", name))


def _when(name: str, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_label(name),
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
        input_formats=[LOCAL_FORMAT, "%Y-%m-%d %H:%M"],
    )


class _ServiceErrors:
    """Put the service's field errors next to the fields they name."""

    def apply_errors(self: Any, exc: ValidationFailed) -> None:
        for name, messages in exc.field_errors.items():
            for message in messages:
                target = name if name in self.fields else None
                self.add_error(target, translate_error(message, field=name) if target else f"{name}: {translate_error(message)}")


class ActivityForm(_ServiceErrors, forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())
    kind = forms.ChoiceField(label=_label("kind"), choices=ActivityKind.choices, initial=ActivityKind.TASK)
    subject = forms.CharField(label=_label("subject"), required=False)
    due_at = _when("due_at")
    ends_at = _when("ends_at")
    reminder_at = _when("reminder_at")
    priority = forms.ChoiceField(label=_label("priority"), choices=ActivityPriority.choices, initial=ActivityPriority.NORMAL)
    location = forms.CharField(label=_label("location"), required=False)
    details = forms.CharField(label=_label("details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    account_id = forms.CharField(label=_label("account"), required=False, widget=forms.HiddenInput())
    contact_id = forms.CharField(required=False, widget=forms.HiddenInput())
    lead_id = forms.CharField(required=False, widget=forms.HiddenInput())
    owner_id = forms.ChoiceField(label=_label("owner"), required=False)
    attendee_ids = forms.MultipleChoiceField(label=_label("attendees"), required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    shared_with_team = forms.BooleanField(label=_label("shared_with_team"), required=False)

    def __init__(
        self, data: QueryDict | None = None, *, actor: User, activity: Activity | None = None, initial: dict[str, Any] | None = None
    ):
        self.actor = actor
        self.activity = activity
        self.zone = user_zone(actor)
        start = dict(initial or {})
        if activity is not None:
            start |= self._initial(activity)
        super().__init__(data, initial=start)
        self.fields["subject"].widget.attrs["autofocus"] = True
        people = [(str(u.pk), str(u)) for u in core_selectors.user_list_for_user(user=actor)[:500]]
        owner_field, attendee_field = self.fields["owner_id"], self.fields["attendee_ids"]
        assert isinstance(owner_field, forms.ChoiceField) and isinstance(attendee_field, forms.ChoiceField)
        owner_field.choices = [("", _("Me")), *people]
        attendee_field.choices = people
        self.fields["shared_with_team"].help_text = _("Everyone in the team may see and change it.")
        self.fields["reminder_at"].help_text = _("You get an email and a notice in Rapport.")
        self.fields["ends_at"].help_text = _("For meetings.")

    def _initial(self, activity: Activity) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(activity, name) for name in ("kind", "subject", "priority", "location", "details")}
        for name in ("due_at", "ends_at", "reminder_at"):
            moment = getattr(activity, name)
            values[name] = moment.astimezone(user_zone(self.actor)).replace(tzinfo=None) if moment else None
        for name in (*LINKS, "owner_id"):
            value = getattr(activity, name)
            values[name] = "" if value is None else str(value)
        values["attendee_ids"] = [str(u.pk) for u in activity.attendees.all()]
        values["shared_with_team"] = activity.shared_with_team
        values["version"] = activity.version
        return values

    def _aware(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=self.zone) if timezone.is_naive(value) else value

    def to_data(self) -> dict[str, Any]:
        """What the user typed, as the service's ``data``."""
        data = {name: self.cleaned_data[name] for name in ("kind", "subject", "priority", "location", "details", "shared_with_team")}
        for name in ("due_at", "ends_at", "reminder_at"):
            data[name] = self._aware(self.cleaned_data[name])
        for name in LINKS:
            data[name] = self.cleaned_data[name] or None
        if self.cleaned_data["owner_id"]:
            data["owner_id"] = self.cleaned_data["owner_id"]
        elif self.activity is None:
            data["owner_id"] = self.actor.pk
        data["attendee_ids"] = [int(pk) for pk in self.cleaned_data["attendee_ids"]]
        return data


REMIND_CHOICES = (
    ("", _("No reminder")),
    ("0", _("At the time")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("The day before")),
)


class QuickAddForm(_ServiceErrors, forms.Form):
    """My day's one-line add: what, which day, and optionally when."""

    subject = forms.CharField(
        label=_("What needs doing?"), required=False, widget=forms.TextInput(attrs={"class": "input quick-subject", "autocomplete": "off"})
    )
    kind = forms.ChoiceField(
        label=_label("kind"),
        choices=ActivityKind.choices,
        initial=ActivityKind.TASK,
        widget=forms.Select(attrs={"class": "input input-auto"}),
    )
    due_date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "input input-auto"}, format="%Y-%m-%d")
    )
    due_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time", "class": "input input-auto"}, format="%H:%M")
    )
    remind = forms.ChoiceField(
        label=_("Reminder"), required=False, choices=REMIND_CHOICES, widget=forms.Select(attrs={"class": "input input-auto"})
    )

    def due_at(self, actor: User) -> datetime:
        """The day and time in the user's zone; without a time, at five in the afternoon (the end of a working day)."""
        zone = user_zone(actor)
        day = self.cleaned_data.get("due_date") or timezone.now().astimezone(zone).date()
        at = self.cleaned_data.get("due_time") or time(17, 0)
        return datetime.combine(day, at, tzinfo=zone)

    def reminder_at(self, due_at: datetime) -> datetime | None:
        minutes = self.cleaned_data.get("remind")
        return due_at - timedelta(minutes=int(minutes)) if minutes not in (None, "") else None
