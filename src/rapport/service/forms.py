"""The call log on the screen-pop card: what the call was about, said in the agent's words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.sales.forms import ServiceErrorsMixin


class CallLogForm(ServiceErrorsMixin, forms.Form):
    number = forms.CharField(widget=forms.HiddenInput())
    caller = forms.CharField(widget=forms.HiddenInput())
    subject = forms.CharField(
        label=_("What was the call about?"), max_length=255, widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"})
    )
    body = forms.CharField(
        label=_("Notes and answer given"), required=False, max_length=100_000, widget=forms.Textarea(attrs={"class": "input", "rows": 3})
    )
