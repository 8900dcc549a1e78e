"""The campaign pages' forms: a campaign, a cost paid for it, and a person's response."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rapport.core.models import User
from rapport.marketing.models import DEFAULT_ATTRIBUTION_DAYS, Campaign, CampaignKind, CampaignStatus, ResponseKind
from rapport.sales.forms import CURRENCIES, DATE, ServiceErrorsMixin

TEXT = {"class": "input"}


class CampaignForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices, widget=forms.Select(attrs=TEXT))
    status = forms.ChoiceField(label=_("Status"), choices=CampaignStatus.choices, widget=forms.Select(attrs=TEXT))
    parent_id = forms.TypedChoiceField(
        label=_("Part of campaign"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=TEXT)
    )
    run_by_id = forms.TypedChoiceField(
        label=_("Run by"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("For a lecture, exhibition or event: the day goes on their list as a meeting, reminded the day before."),
        widget=forms.Select(attrs=TEXT),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)
    audience = forms.CharField(
        label=_("Audience"), max_length=255, required=False, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("Who it is for")})
    )
    goal_minimum = forms.IntegerField(
        label=_("Minimum goal (responses)"), min_value=0, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    goal_stretch = forms.IntegerField(
        label=_("Stretch goal (responses)"), min_value=0, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, widget=forms.Select(attrs=TEXT))
    budget = forms.DecimalField(
        label=_("Budget"), max_digits=18, decimal_places=2, required=False, widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"})
    )
    attribution_days = forms.IntegerField(
        label=_("Orders count for (days after the end)"),
        min_value=0,
        max_value=1095,
        initial=DEFAULT_ATTRIBUTION_DAYS,
        help_text=_("A responder's orders from their first response until this many days after the campaign ends make its revenue."),
        widget=forms.NumberInput(attrs=TEXT),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20_000, widget=forms.Textarea(attrs={**TEXT, "rows": 4})
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=20_000,
        help_text=_("What came of it, recorded afterwards."),
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    account_pickers = ()
    point_fields = ()
    SECTIONS = (
        (_("Campaign"), ("name", "kind", "status", "parent_id", "run_by_id", "starts_on", "ends_on", "audience", "description")),
        (_("Goals and money"), ("goal_minimum", "goal_stretch", "currency", "budget", "attribution_days")),
        (_("Afterwards"), ("outcome",)),
    )

    def __init__(self, *args: Any, record: Campaign | None = None, **kwargs: Any):
        self.record = record
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(record, name) for name in self.base_fields if hasattr(record, name)}
        kwargs.setdefault("initial", {}).setdefault("currency", settings.RAPPORT_BASE_CURRENCY)
        super().__init__(*args, **kwargs)
        mains = Campaign.objects.filter(parent__isnull=True).order_by("-starts_on", "-id")
        if record is not None:
            mains = mains.exclude(pk=record.pk)
        cast(forms.TypedChoiceField, self.fields["run_by_id"]).choices = [
            ("", _("Nobody in particular")),
            *((u.pk, str(u)) for u in User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")[:500]),
        ]
        cast(forms.TypedChoiceField, self.fields["parent_id"]).choices = [
            ("", _("None: a main campaign")),
            *((c.pk, f"{c.name} ({c.starts_on:%Y-%m-%d})") for c in mains[:200]),
        ]

    @property
    def sections(self) -> list[tuple[Any, list[str]]]:
        return [(title, [n for n in names if n in self.fields]) for title, names in self.SECTIONS]

    def to_data(self) -> dict[str, Any]:
        """Every field on create; on edit only those that changed."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if data.get("budget") is None:
            data["budget"] = 0
        if self.record is None:
            return data
        return {name: value for name, value in data.items() if value != getattr(self.record, name, None)}


class CostForm(ServiceErrorsMixin, forms.Form):
    description = forms.CharField(
        label=_("What for"), max_length=200, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("Stand, travel, printing...")})
    )
    spent_on = forms.DateField(label=_("Spent on"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=0, widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"})
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, widget=forms.Select(attrs=TEXT))


class ResponseForm(ServiceErrorsMixin, forms.Form):
    contact_id = forms.IntegerField(label=_("Contact"), required=False, widget=forms.HiddenInput())
    lead_id = forms.IntegerField(label=_("or lead"), required=False, widget=forms.HiddenInput())
    kind = forms.ChoiceField(label=_("Response"), choices=ResponseKind.choices, widget=forms.Select(attrs=TEXT))
    responded_on = forms.DateField(label=_("Responded on"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.TextInput(attrs=TEXT))

    def to_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
