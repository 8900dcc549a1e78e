"""The service pages' forms: the call log on the screen-pop card, and a case's form, answer and status buttons."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from rapport.core.models import User
from rapport.customers.models import CONTACT_CHANNELS, Channel
from rapport.customers.selectors import contact_list_for_user, visible_account
from rapport.sales.catalog_models import Product
from rapport.sales.forms import ServiceErrorsMixin
from rapport.service.models import Case, CaseKind, CasePriority
from rapport.service.surveys import SCORES


class CallLogForm(ServiceErrorsMixin, forms.Form):
    number = forms.CharField(widget=forms.HiddenInput())
    caller = forms.CharField(widget=forms.HiddenInput())
    subject = forms.CharField(
        label=_("What was the call about?"), max_length=255, widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"})
    )
    body = forms.CharField(
        label=_("Notes and answer given"), required=False, max_length=100_000, widget=forms.Textarea(attrs={"class": "input", "rows": 3})
    )


class CaseForm(ServiceErrorsMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, widget=forms.TextInput(attrs={"class": "input"}))
    account_id = forms.IntegerField(label=_("Account"), required=False, widget=forms.HiddenInput())
    contact_id = forms.TypedChoiceField(
        label=_("Raised by"),
        coerce=int,
        required=False,
        empty_value=None,
        # The account's people: drawn again when another account is picked.
        widget=forms.Select(
            attrs={
                "class": "input",
                "hx-get": reverse_lazy("service:case_contacts"),
                "hx-trigger": "change from:[name='account_id']",
                "hx-include": "[name='account_id']",
                "hx-target": "this",
                "hx-swap": "outerHTML",
            }
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, widget=forms.Select(attrs={"class": "input"}))
    priority = forms.ChoiceField(
        label=_("Priority"), choices=CasePriority.choices, initial=CasePriority.NORMAL, widget=forms.Select(attrs={"class": "input"})
    )
    channel = forms.ChoiceField(label=_("Came in by"), choices=(), initial=Channel.PHONE, widget=forms.Select(attrs={"class": "input"}))
    product_id = forms.TypedChoiceField(
        label=_("Product"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs={"class": "input"})
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"class": "input", "rows": 5})
    )
    shared_with_team = forms.BooleanField(label=_("Shared with my team"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    # What web/components/form_sections.html draws as an account picker, and the form's sections.
    account_pickers = ("account_id",)
    point_fields = ()
    SECTIONS = (
        (
            _("Case"),
            ("subject", "account_id", "contact_id", "kind", "priority", "channel", "product_id", "description", "shared_with_team"),
        ),
    )

    def __init__(self, *args: Any, actor: User, record: Case | None = None, **kwargs: Any):
        self.record = record
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(record, name) for name in self.base_fields if hasattr(record, name)}
        super().__init__(*args, **kwargs)
        contact_field = cast(forms.TypedChoiceField, self.fields["contact_id"])
        product_field = cast(forms.TypedChoiceField, self.fields["product_id"])
        cast(forms.ChoiceField, self.fields["channel"]).choices = [(c.value, c.label) for c in Channel if c.value in CONTACT_CHANNELS]
        if record is not None:
            del self.fields["account_id"], self.fields["channel"]
            account_id: Any = record.account_id
        else:
            account_id = self.data.get("account_id") if self.is_bound else self.initial.get("account_id")
        account = visible_account(actor, int(str(account_id))) if str(account_id or "").isdigit() else None
        self.picker_labels = {"account_id": account.name if account else ""}
        people = contact_list_for_user(user=actor).filter(account=account).order_by("full_name", "id")[:200] if account else []
        contact_field.choices = [("", _("Not said")), *((c.pk, c.full_name) for c in people)]
        product_field.choices = [("", _("None")), *Product.objects.filter(is_active=True).order_by("name").values_list("pk", "name")[:500]]

    @property
    def sections(self) -> list[tuple[Any, list[str]]]:
        return [(title, [n for n in names if n in self.fields]) for title, names in self.SECTIONS]

    def to_data(self) -> dict[str, Any]:
        """Every field on create; on edit only those that changed."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if self.record is None:
            return data
        return {name: value for name, value in data.items() if value != getattr(self.record, name, None)}


class ResolveForm(ServiceErrorsMixin, forms.Form):
    resolution = forms.CharField(
        label=_("The answer given, or what was done"), max_length=20_000, widget=forms.Textarea(attrs={"class": "input", "rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())


class CaseStatusForm(ServiceErrorsMixin, forms.Form):
    """Open ⇄ waiting on the customer, and close or reopen: the buttons on the case page."""

    action = forms.ChoiceField(choices=(("open", "open"), ("waiting", "waiting"), ("close", "close"), ("reopen", "reopen")))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())


class SurveyAnswerForm(ServiceErrorsMixin, forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=[(n, str(n)) for n in SCORES],
        widget=forms.RadioSelect(attrs={"class": "score-choice"}),
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "input", "rows": 3}),
    )


class PhoneScoreForm(SurveyAnswerForm):
    """The same answer, taken by an agent on the phone: labels for the agent, not the customer."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["score"].label = _("Score the customer gave on the phone")
        self.fields["comment"].label = _("What the customer said")
        self.fields["comment"].widget.attrs["rows"] = 2
