"""The HTML forms for contracts, their documents and returns: raw values to the services, their errors inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rapport.core.models import User
from rapport.customers.selectors import visible_account
from rapport.sales.forms import CURRENCIES, DATE, ServiceErrorsMixin, _input
from rapport.sales.order_models import Contract, ContractStatus, OrderLine, PaymentMethod


class ContractForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=_input(forms.TextInput()))
    account_id = forms.IntegerField(label=_("Account"), required=False, widget=forms.HiddenInput())
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    value = forms.DecimalField(
        label=_("Value"), required=False, max_digits=18, decimal_places=2, widget=_input(forms.NumberInput(attrs={"step": "0.01"}))
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, widget=_input(forms.Select()))
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in (ContractStatus.DRAFT, ContractStatus.ACTIVE)],
        widget=_input(forms.Select()),
    )
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    notice_days = forms.IntegerField(
        label=_("Notice period (days)"), initial=30, min_value=0, max_value=3650, widget=_input(forms.NumberInput())
    )
    reminder_days = forms.IntegerField(
        label=_("Remind me (days before the end)"), initial=60, min_value=0, max_value=3650, widget=_input(forms.NumberInput())
    )
    renewal_terms = forms.CharField(
        label=_("Renewal terms"), required=False, max_length=20000, widget=_input(forms.Textarea(attrs={"rows": 4}))
    )
    shared_with_team = forms.BooleanField(label=_("Shared with my team"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    # The fields web/components/form_sections.html draws as an account picker (no phone/email rows here).
    account_pickers = ("account_id",)
    point_fields = ()
    SECTIONS = (
        (_("Contract"), ("title", "account_id", "start_date", "end_date", "value", "currency", "status")),
        (_("Renewal"), ("auto_renew", "notice_days", "reminder_days", "renewal_terms", "shared_with_team")),
    )

    def __init__(self, *args: Any, actor: User, record: Contract | None = None, **kwargs: Any):
        self.record = record
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(record, name) for name in self.base_fields if hasattr(record, name)}
        kwargs.setdefault("initial", {}).setdefault("currency", settings.RAPPORT_BASE_CURRENCY)
        super().__init__(*args, **kwargs)
        if record is not None:
            del self.fields["account_id"]
            if record.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
                del self.fields["status"]
        raw = self.data.get("account_id") if self.is_bound else self.initial.get("account_id")
        account = visible_account(actor, int(str(raw))) if str(raw or "").isdigit() else None
        self.picker_labels = {"account_id": account.name if account else ""}

    @property
    def sections(self) -> list[tuple[Any, list[str]]]:
        return [(title, [n for n in names if n in self.fields]) for title, names in self.SECTIONS]

    def to_data(self) -> dict[str, Any]:
        """Every field on create; on edit only those that changed."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if data.get("value") is None:
            data["value"] = 0
        if self.record is None:
            return data
        return {name: value for name, value in data.items() if value != getattr(self.record, name, None)}


class RenewForm(ServiceErrorsMixin, forms.Form):
    start_date = forms.DateField(
        label=_("New term starts"),
        required=False,
        widget=DATE,
        help_text=_("The day after this term ends when left empty; today, if the contract has lapsed."),
    )
    end_date = forms.DateField(label=_("New end date"), required=False, widget=DATE, help_text=_("As long as this term when left empty."))
    value = forms.DecimalField(
        label=_("New value"), required=False, max_digits=18, decimal_places=2, widget=_input(forms.NumberInput(attrs={"step": "0.01"}))
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())


class TerminateForm(ServiceErrorsMixin, forms.Form):
    ended_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE, help_text=_("Today when left empty."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())


class DocumentForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("Document"),
        required=False,
        allow_empty_file=True,  # the service says what is wrong with it, the same on every door
        help_text=_("PDF, PNG, JPEG, Word (.docx), Excel (.xlsx) or plain text (.txt)."),
        widget=forms.ClearableFileInput(attrs={"class": "input", "accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.txt"}),
    )


class ReturnForm(ServiceErrorsMixin, forms.Form):
    line_id = forms.TypedChoiceField(label=_("Line"), coerce=int, widget=_input(forms.Select()))
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=14, decimal_places=3, widget=_input(forms.NumberInput(attrs={"step": "any", "min": "0"}))
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, widget=_input(forms.TextInput()))
    refund_amount = forms.DecimalField(
        label=_("Refund"),
        required=False,
        max_digits=18,
        decimal_places=2,
        help_text=_("The line's value for this quantity when left empty."),
        widget=_input(forms.NumberInput(attrs={"step": "0.01"})),
    )

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["line_id"]
        field.choices = [(line.pk, f"{line.position}. {line.description}") for line in lines]


class RefundForm(ServiceErrorsMixin, forms.Form):
    method = forms.ChoiceField(label=_("Paid back by"), choices=PaymentMethod.choices, widget=_input(forms.Select()))
    refunded_on = forms.DateField(label=_("Date"), required=False, widget=DATE)
