"""The HTML forms for setting up pipelines and stages; the services check and name the wrong fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.sales.forms import ServiceErrorsMixin, _input
from rapport.sales.models import Pipeline, PipelineKind, Stage


class _RecordForm(ServiceErrorsMixin, forms.Form):
    record_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, record: Pipeline | Stage | None = None, **kwargs: Any):
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(record, name) for name in self.record_fields}
        super().__init__(*args, **kwargs)
        self.record = record

    def to_data(self) -> dict[str, Any]:
        """What changed (everything for a new record), as the service and the API take it."""
        data = {name: self.cleaned_data[name] for name in self.record_fields if name in self.cleaned_data}
        if self.record is None:
            return data
        return {name: value for name, value in data.items() if value != getattr(self.record, name)}


class PipelineForm(_RecordForm):
    record_fields = ("name", "kind", "is_default", "is_archived")

    name = forms.CharField(label=_("Name"), max_length=100, widget=_input(forms.TextInput()))
    kind = forms.ChoiceField(label=_("Kind"), choices=PipelineKind.choices, widget=_input(forms.Select()))
    is_default = forms.BooleanField(label=_("Default pipeline for new deals"), required=False)
    is_archived = forms.BooleanField(
        label=_("Archived"), required=False, help_text=_("Takes no new deals and leaves the board; its deals and history stay.")
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.record is None:
            del self.fields["is_archived"]


class StageForm(_RecordForm):
    record_fields = ("name", "probability", "is_won", "is_lost", "is_archived")

    name = forms.CharField(label=_("Name"), max_length=80, widget=_input(forms.TextInput()))
    probability = forms.IntegerField(
        label=_("Win probability (%)"), min_value=0, max_value=100, widget=_input(forms.NumberInput(attrs={"step": "1"}))
    )
    is_won = forms.BooleanField(label=_("Deals here are won"), required=False)
    is_lost = forms.BooleanField(label=_("Deals here are lost"), required=False)
    is_archived = forms.BooleanField(label=_("Archived"), required=False, help_text=_("Takes no deals; the history that names it stays."))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.record is None:
            del self.fields["is_archived"]
