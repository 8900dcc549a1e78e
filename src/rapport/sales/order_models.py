"""What a customer bought and paid: orders and their lines, invoices, payments,
returns; and the contracts that bind us.

Imported by ``models.py`` so that Django registers them with the sales app.
Balances (an invoice's paid and credited amounts, a line's returned quantity)
change only through ``F()`` updates under a row lock: see
docs/adr/0004-balances-and-locks.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel, VersionedModel
from rapport.sales.catalog_models import amount_field


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderChannel(models.TextChoices):
    """How an order reached us; an order made from a quote came through the sales team."""

    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    SALES = "sales", _("Sales team")
    PARTNER = "partner", _("Partner")


class Order(VersionedModel):
    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="orders", verbose_name=_("account"))
    quote = models.ForeignKey(
        "sales.Quote", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders", verbose_name=_("quote")
    )
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED)
    ordered_on = models.DateField(_("ordered on"))
    channel = models.CharField(_("channel"), max_length=20, default="sales", help_text=_("sales, online, phone..."))
    reference = models.CharField(_("customer reference"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    subtotal = amount_field(_("subtotal"))
    discount_total = amount_field(_("discounts"))
    tax_total = amount_field(_("tax"))
    grand_total = amount_field(_("total"))

    class Meta:
        ordering = ["-ordered_on", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["owner", "ordered_on"], name="order_owner_idx"),
            models.Index(fields=["team", "ordered_on"], name="order_team_idx"),
            models.Index(fields=["account", "ordered_on"], name="order_account_idx"),
            models.Index(fields=["ordered_on", "id"], name="order_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def channel_label(self) -> str:
        """The channel in the reader's language (the column has no choices: older rows may hold other words, shown as stored)."""
        return str(OrderChannel(self.channel).label) if self.channel in OrderChannel.values else self.channel


class OrderLine(TimeStampedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey("sales.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
    returned_quantity = models.DecimalField(_("returned"), max_digits=14, decimal_places=3, default=Decimal(0))

    class Meta:
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0, returned_quantity__lte=F("quantity")), name="order_line_returned_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class Invoice(TimeStampedModel):
    """What the customer owes for an order: ``amount - credited - paid`` is outstanding."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("order"))
    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    currency = models.CharField(_("currency"), max_length=3)
    amount = amount_field(_("amount"))
    paid_amount = amount_field(_("paid"))
    credited_amount = amount_field(_("credited"))
    status = models.CharField(_("status"), max_length=6, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [models.Index(fields=["status", "due_on"], name="invoice_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, credited_amount__gte=0, paid_amount__lte=F("amount") - F("credited_amount")),
                name="invoice_not_overpaid",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.credited_amount - self.paid_amount


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")


class Payment(TimeStampedModel):
    """Money received against an invoice; a refund is a negative payment."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    recorded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["invoice_id", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="payment_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected")


class OrderReturn(TimeStampedModel):
    """Goods sent back from one order line, and the refund owed for them."""

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order line"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=255)
    refund_amount = amount_field(_("refund"))
    status = models.CharField(_("status"), max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    recorded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["line_id", "id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="return_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class Contract(VersionedModel):
    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("account"))
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    value = amount_field(_("value"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=30)
    reminder_days = models.PositiveSmallIntegerField(_("remind the owner (days before the end)"), default=60)
    renewal_terms = models.TextField(_("renewal terms"), blank=True)

    class Meta:
        ordering = ["end_date", "id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["status", "end_date"], name="contract_end_idx"),
            models.Index(fields=["owner", "end_date"], name="contract_owner_idx"),
            models.Index(fields=["account", "end_date"], name="contract_account_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="contract_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.title}"


class ContractDocument(TimeStampedModel):
    """A signed copy, an annex...: stored under MEDIA_ROOT with a name of our own, served only to who sees the contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="contracts/%Y/%m/", max_length=255)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["contract_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename
