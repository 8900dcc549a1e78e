"""What we sell and at what price: products, price books per currency and
customer group, and quotes with their lines.

Imported by ``models.py`` so that Django registers them with the sales app.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel, VersionedModel


class Product(VersionedModel):
    """A thing or service we sell. ``attributes`` holds facts rules can use later (author, warranty_months...)."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=80, blank=True, db_index=True)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["name", "id"], name="product_name_idx")]
        constraints = [models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_range")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class PriceBook(TimeStampedModel):
    """Prices in one currency: the default book, or one for a customer group.

    A group is an account (the price applies to it and to every subsidiary
    below it, so a corporate group's discount reaches all its companies) or a
    tag that marks the accounts of a customer group.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("account group")
    )
    tag = models.ForeignKey(
        "customers.Tag", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer tag")
    )
    is_default = models.BooleanField(_("default for the currency"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["currency", "-is_default", "name", "id"]
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        constraints = [
            models.UniqueConstraint(fields=["currency"], condition=Q(is_default=True), name="price_book_one_default_per_currency"),
            models.CheckConstraint(condition=Q(account__isnull=True) | Q(tag__isnull=True), name="price_book_account_or_tag"),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(account__isnull=True, tag__isnull=True), name="price_book_default_for_everyone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceBookEntry(TimeStampedModel):
    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="entries", verbose_name=_("price book"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("product"))
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["book_id", "product_id"]
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["book", "product"], name="price_once_per_book"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} at {self.unit_price}"


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


def amount_field(verbose_name: Any) -> models.DecimalField[Decimal, Decimal]:
    """An amount on a document: 18 digits, 2 places (a currency without minor units stores .00)."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=Decimal(0))


class Quote(VersionedModel):
    """An offer to a customer. Revising a sent quote makes the next revision of the same family.

    The totals are the sums of the lines, written by the service in the same
    transaction as every line change (never computed on read).
    """

    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    family = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("first revision"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    title = models.CharField(_("title"), max_length=200)
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="quotes", verbose_name=_("account"))
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("to")
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes", verbose_name=_("opportunity")
    )
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    subtotal = amount_field(_("subtotal"))
    discount_total = amount_field(_("discounts"))
    tax_total = amount_field(_("tax"))
    grand_total = amount_field(_("total"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["owner", "status", "created_at"], name="quote_owner_idx"),
            models.Index(fields=["team", "status", "created_at"], name="quote_team_idx"),
            models.Index(fields=["account", "created_at"], name="quote_account_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["family", "revision"], name="quote_revision_once")]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.title}"


class QuoteLine(TimeStampedModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    discount_amount = amount_field(_("discount"))
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    line_discount = amount_field(_("line discount"))
    line_tax = amount_field(_("line tax"))
    line_total = amount_field(_("line total"))

    class Meta:
        ordering = ["quote_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"
