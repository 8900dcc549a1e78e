"""The HTML forms for opportunities: they hand raw values to the services and show their errors inline."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import ValidationFailed
from rapport.common.money import CURRENCY_MINOR_UNITS
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import selectors
from rapport.sales.models import ContactRole, ForecastCategory, Opportunity, OpportunityStatus, SalesCostKind

OPEN_CATEGORIES = [(c.value, c.label) for c in ForecastCategory if c not in (ForecastCategory.CLOSED,)]
CURRENCIES = [(code, code) for code in sorted(CURRENCY_MINOR_UNITS)]
DATE = forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d")


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _input(widget: forms.Widget) -> forms.Widget:
    widget.attrs.setdefault("class", "input")
    return widget


class ServiceErrorsMixin:
    """Put a service's ValidationFailed on the form: each named field inline, the rest on top."""

    def apply_errors(self, exc: ValidationFailed) -> None:
        form: Any = self
        for name, messages in exc.field_errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        if not exc.field_errors:
            form.add_error(None, exc.message)


class OpportunityForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=_input(forms.TextInput()))
    account_id = forms.IntegerField(label=_("Account"), required=False, widget=forms.HiddenInput())
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=18,
        decimal_places=2,
        widget=_input(forms.NumberInput(attrs={"step": "0.01"})),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, widget=_input(forms.Select()))
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    pipeline_id = forms.TypedChoiceField(label=_("Pipeline"), coerce=int, required=False, widget=_input(forms.Select()))
    stage_id = forms.TypedChoiceField(label=_("Stage"), coerce=int, required=False, empty_value=None, widget=_input(forms.Select()))
    forecast_category = forms.ChoiceField(label=_("Forecast category"), choices=OPEN_CATEGORIES, widget=_input(forms.Select()))
    owner_id = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, widget=_input(forms.Select()))
    source = forms.CharField(label=_("Source"), max_length=80, required=False, widget=_input(forms.TextInput()))
    next_step = forms.CharField(label=_("Next step"), max_length=255, required=False, widget=_input(forms.TextInput()))
    partner_id = forms.IntegerField(label=_("Partner"), required=False, widget=forms.HiddenInput())
    partner_share = forms.DecimalField(
        label=_("Partner share (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=_input(forms.NumberInput(attrs={"step": "0.01"})),
    )
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=200, required=False, widget=_input(forms.TextInput()))
    shared_with_team = forms.BooleanField(label=_("Shared with my team"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20000, widget=_input(forms.Textarea(attrs={"rows": 4}))
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    # The fields web/components/form_sections.html draws as an account picker (no phone/email rows here).
    account_pickers = ("account_id", "partner_id")
    point_fields = ()

    SECTIONS = (
        (_("Deal"), ("name", "account_id", "amount", "currency", "expected_close_date", "pipeline_id", "stage_id", "forecast_category")),
        (
            _("Selling"),
            ("owner_id", "source", "next_step", "partner_id", "partner_share", "lost_reason", "shared_with_team", "description"),
        ),
    )

    def __init__(self, *args: Any, actor: User, record: Opportunity | None = None, **kwargs: Any):
        self.record = record
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(record, name) for name in self.base_fields if hasattr(record, name)}
        kwargs.setdefault("initial", {}).setdefault("currency", settings.RAPPORT_BASE_CURRENCY)
        super().__init__(*args, **kwargs)
        pipelines = selectors.pipeline_list()
        if record is None:
            _choices(self, "pipeline_id").choices = [(p.pk, p.name) for p in pipelines]
            _choices(self, "stage_id").choices = [("", _("First stage"))] + [
                (s.pk, f"{p.name} · {s.name} ({s.probability}%)") for p in pipelines for s in p.stages.all() if not s.is_closed
            ]
        else:
            for name in ("pipeline_id", "stage_id"):
                del self.fields[name]
            if record.status != OpportunityStatus.OPEN:
                del self.fields["forecast_category"]
        if record is None or record.status != OpportunityStatus.LOST:
            del self.fields["lost_reason"]
        owners = core_selectors.user_list_for_user(user=actor)
        allowed = core_selectors.assignable_owner_ids(user=actor)
        if allowed is not None:
            owners = owners.filter(pk__in=allowed)
        _choices(self, "owner_id").choices = [(u.pk, str(u)) for u in owners[:500]]
        if record is None:
            self.initial.setdefault("owner_id", actor.pk)
        self.picker_labels = self._picker_labels()

    def _picker_labels(self) -> dict[str, str]:
        from rapport.customers.models import Account

        ids = {}
        for name in self.account_pickers:
            raw = self.data.get(name) if self.is_bound else self.initial.get(name)
            if raw not in (None, ""):
                ids[name] = raw
        names = dict(Account.objects.filter(pk__in=[i for i in ids.values() if str(i).isdigit()]).values_list("pk", "name"))
        return {name: names.get(int(raw), "") if str(raw).isdigit() else "" for name, raw in ids.items()}

    @property
    def sections(self) -> list[tuple[Any, list[str]]]:
        return [(title, [n for n in names if n in self.fields]) for title, names in self.SECTIONS]

    def to_data(self) -> dict[str, Any]:
        """What the service gets: every field on create; on edit only those that changed."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if data.get("amount") is None:
            data["amount"] = 0
        if not data.get("stage_id"):
            data.pop("stage_id", None)
        if self.record is None:
            return {k: v for k, v in data.items() if v is not None or k == "account_id"}
        changed = {}
        for name, value in data.items():
            current = getattr(self.record, name, None)
            if value != current and not (value in (None, "") and current in (None, "")):
                changed[name] = value
        return changed


class SalesCostForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SalesCostKind.choices, widget=_input(forms.Select()))
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=18, decimal_places=2, widget=_input(forms.NumberInput(attrs={"step": "0.01"}))
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=CURRENCIES, initial=settings.RAPPORT_BASE_CURRENCY, widget=_input(forms.Select())
    )
    incurred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=255, required=False, widget=_input(forms.TextInput()))


class DealContactForm(ServiceErrorsMixin, forms.Form):
    contact_id = forms.TypedChoiceField(label=_("Contact"), coerce=int, widget=_input(forms.Select()))
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices, widget=_input(forms.Select()))

    def __init__(self, *args: Any, contacts: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "contact_id").choices = [(c.pk, c.full_name) for c in contacts]


class DealCompetitorForm(ServiceErrorsMixin, forms.Form):
    competitor_id = forms.TypedChoiceField(label=_("Competitor"), coerce=int, required=False, widget=_input(forms.Select()))
    new_competitor = forms.CharField(label=_("…or a new one"), max_length=120, required=False, widget=_input(forms.TextInput()))
    notes = forms.CharField(label=_("What we know in this deal"), max_length=20000, required=False, widget=_input(forms.TextInput()))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "competitor_id").choices = [("", "—")] + [(c.pk, c.name) for c in selectors.competitor_list()]
