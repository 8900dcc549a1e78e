"""The HTML forms of the sales documents: quote lines, sending a quote, invoices and payments.

Like ``forms.py`` they only collect raw values; the services check them and
their errors are put back on the fields (``ServiceErrorsMixin``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.sales.forms import CURRENCIES, DATE, ServiceErrorsMixin, _input
from rapport.sales.order_models import PaymentMethod

MONEY = {"step": "0.01", "inputmode": "decimal"}


class PaymentForm(ServiceErrorsMixin, forms.Form):
    amount = forms.CharField(label=_("Amount received"), max_length=40, widget=_input(forms.TextInput(attrs=MONEY)))
    paid_on = forms.CharField(label=_("Paid on"), max_length=20, widget=DATE)
    method = forms.ChoiceField(
        label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER, widget=_input(forms.Select())
    )
    reference = forms.CharField(label=_("Reference"), max_length=80, required=False, widget=_input(forms.TextInput()))


class InvoiceForm(ServiceErrorsMixin, forms.Form):
    issued_on = forms.CharField(label=_("Issued on"), max_length=20, required=False, widget=DATE)
    due_in_days = forms.IntegerField(label=_("Due in (days)"), min_value=0, max_value=365, initial=30, widget=_input(forms.NumberInput()))


class QuoteLineForm(ServiceErrorsMixin, forms.Form):
    """One line of a draft quote: a product (priced from the customer's book) or free text with a price."""

    product_id = forms.CharField(label=_("Product"), required=False, widget=_input(forms.Select()))
    description = forms.CharField(label=_("Description"), max_length=500, required=False, widget=_input(forms.TextInput()))
    quantity = forms.CharField(
        label=_("Quantity"), max_length=40, initial="1", widget=_input(forms.TextInput(attrs={"inputmode": "decimal"}))
    )
    unit_price = forms.CharField(label=_("Unit price"), max_length=40, required=False, widget=_input(forms.TextInput(attrs=MONEY)))
    discount_percent = forms.CharField(
        label=_("Discount (%)"), max_length=40, required=False, initial="0", widget=_input(forms.TextInput(attrs={"inputmode": "decimal"}))
    )
    tax_rate = forms.CharField(
        label=_("Tax (%)"), max_length=40, required=False, widget=_input(forms.TextInput(attrs={"inputmode": "decimal"}))
    )

    def to_data(self) -> dict[str, str]:
        """What the user filled in: an empty price or tax means "from the product and the price book"."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "") or name == "quantity"}


class QuoteForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=_input(forms.TextInput()))
    account_id = forms.CharField(required=False, widget=forms.HiddenInput())
    opportunity_id = forms.CharField(required=False, widget=forms.HiddenInput())
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="CNY", widget=_input(forms.Select()))
    valid_until = forms.CharField(label=_("Valid until"), max_length=20, required=False, widget=DATE)
    contact_id = forms.CharField(label=_("Addressed to"), required=False, widget=_input(forms.Select()))
    notes = forms.CharField(
        label=_("Notes for the customer"), max_length=20000, required=False, widget=_input(forms.Textarea(attrs={"rows": 3}))
    )


class QuoteHeaderForm(ServiceErrorsMixin, forms.Form):
    """A draft quote's header, edited in place on the quote page. ``opened_at`` dates what the user saw,
    so that a stale save can say what others changed since."""

    title = forms.CharField(label=_("Title"), max_length=200, widget=_input(forms.TextInput()))
    valid_until = forms.CharField(label=_("Valid until"), max_length=20, required=False, widget=DATE)
    contact_id = forms.CharField(label=_("Addressed to"), required=False, widget=_input(forms.Select()))
    opportunity_id = forms.CharField(label=_("Opportunity"), required=False, widget=_input(forms.Select()))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, required=False, widget=_input(forms.Select()))
    notes = forms.CharField(
        label=_("Notes for the customer"), max_length=20000, required=False, widget=_input(forms.Textarea(attrs={"rows": 4}))
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())
    opened_at = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput())

    def to_data(self, *, currency_editable: bool) -> dict[str, object]:
        """What the service changes: every header field as typed (empty clears it); currency only while it may change."""
        skip = {"version", "opened_at"} | (set() if currency_editable else {"currency"})
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class QuoteSendForm(ServiceErrorsMixin, forms.Form):
    to = forms.CharField(
        label=_("To"), max_length=1000, help_text=_("One or more email addresses, separated by commas."), widget=_input(forms.TextInput())
    )
    message = forms.CharField(label=_("Message"), max_length=5000, required=False, widget=_input(forms.Textarea(attrs={"rows": 4})))

    def recipients(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["to"].replace(";", ",").split(",") if part.strip()]


class ProductForm(ServiceErrorsMixin, forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64, widget=_input(forms.TextInput()))
    name = forms.CharField(label=_("Name"), max_length=200, widget=_input(forms.TextInput()))
    category = forms.CharField(label=_("Category"), max_length=80, required=False, widget=_input(forms.TextInput()))
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="pcs", widget=_input(forms.TextInput()))
    tax_rate = forms.CharField(
        label=_("Tax rate (%)"), max_length=40, initial="0", widget=_input(forms.TextInput(attrs={"inputmode": "decimal"}))
    )
    is_active = forms.BooleanField(label=_("Still sold"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), max_length=20000, required=False, widget=_input(forms.Textarea(attrs={"rows": 3}))
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def to_data(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class PriceBookForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, widget=_input(forms.TextInput()))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="CNY", widget=_input(forms.Select()))
    is_default = forms.BooleanField(label=_("Default book for this currency (every customer)"), required=False)
    account_id = forms.CharField(label=_("For a corporate group (account)"), required=False, widget=forms.HiddenInput())
    tag = forms.CharField(
        label=_("Or for a customer tag"),
        max_length=60,
        required=False,
        help_text=_("e.g. vip, distributor"),
        widget=_input(forms.TextInput()),
    )


class PriceEntryForm(ServiceErrorsMixin, forms.Form):
    product_id = forms.CharField(label=_("Product"), widget=_input(forms.Select()))
    unit_price = forms.CharField(label=_("Unit price"), max_length=40, widget=_input(forms.TextInput(attrs=MONEY)))


class QuotaForm(ServiceErrorsMixin, forms.Form):
    user_id = forms.TypedChoiceField(label=_("Rep"), coerce=int, widget=_input(forms.Select()))
    period_start = forms.CharField(label=_("From"), max_length=20, widget=DATE)
    period_end = forms.CharField(label=_("To (inclusive)"), max_length=20, widget=DATE)
    amount = forms.CharField(label=_("Quota"), max_length=40, widget=_input(forms.TextInput(attrs=MONEY)))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="CNY", widget=_input(forms.Select()))
