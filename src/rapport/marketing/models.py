"""Campaigns: what marketing spends to reach people, who answered, and what that brought in.

A campaign (an exhibition, a product lecture, an email or a letter) has dates, a budget and the costs
actually paid, and goals for its audience. A lecture booked at an exhibition is a campaign under it, so
its cost and its audience count towards the exhibition's return. A response is one person's answer: a
card collected at the booth, a registration, an attendance, a reply. Revenue is never stored here: it is
read from the orders of the customers who responded (``returns``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel, VersionedModel
from rapport.sales.catalog_models import amount_field

# How long after a campaign ends its customers' orders still count as its return, unless the campaign says.
DEFAULT_ATTRIBUTION_DAYS = 180


class CampaignKind(models.TextChoices):
    EXHIBITION = "exhibition", _("Exhibition or trade show")
    LECTURE = "lecture", _("Product lecture or seminar")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter or mailing")
    TELEMARKETING = "telemarketing", _("Telemarketing")
    ONLINE = "online", _("Online advertising")
    EVENT = "event", _("Customer event")
    OTHER = "other", _("Other")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=14, choices=CampaignKind.choices, default=CampaignKind.OTHER)
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("part of campaign")
    )
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=255, blank=True, help_text=_("who it is for"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    budget = amount_field(_("budget"))
    goal_minimum = models.PositiveIntegerField(_("minimum goal (responses)"), null=True, blank=True)
    goal_stretch = models.PositiveIntegerField(_("stretch goal (responses)"), null=True, blank=True)
    attribution_days = models.PositiveIntegerField(_("orders count for (days after the end)"), default=DEFAULT_ATTRIBUTION_DAYS)
    outcome = models.TextField(_("outcome"), blank=True)
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    # Who runs the day (the pre-sales manager at a lecture): the day is a meeting on their list, with a reminder.
    run_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("run by"))

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [
            models.Index(fields=["starts_on", "id"], name="campaign_start_idx"),
            models.Index(fields=["status", "starts_on"], name="campaign_status_idx"),
            models.Index(fields=["kind", "starts_on"], name="campaign_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignCost(TimeStampedModel):
    """Money actually paid for a campaign (the stand, the flights, the printing), in the currency it was paid in."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="costs", verbose_name=_("campaign"))
    description = models.CharField(_("what for"), max_length=200)
    spent_on = models.DateField(_("paid on"))
    amount = amount_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["spent_on", "id"]
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        indexes = [models.Index(fields=["campaign", "spent_on"], name="campaign_cost_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="campaign_cost_positive")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount} {self.currency}"


class ResponseKind(models.TextChoices):
    CARD = "card", _("Left a business card")
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    REPLIED = "replied", _("Replied")
    ASKED = "asked", _("Asked for an offer or information")
    CLICKED = "clicked", _("Clicked through")
    OTHER = "other", _("Other")


class CampaignResponse(TimeStampedModel):
    """One person's answer to a campaign: a lead (a card, a form) or a known contact; once per campaign and kind.

    ``account`` is the customer it counts for when known at once (a contact's company); a lead's account
    is the one it is converted into, read when the return is counted.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses", verbose_name=_("campaign"))
    kind = models.CharField(_("response"), max_length=10, choices=ResponseKind.choices, default=ResponseKind.REPLIED)
    responded_on = models.DateField(_("responded on"))
    lead = models.ForeignKey("customers.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("lead"))
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["-responded_on", "-id"]
        verbose_name = _("campaign response")
        verbose_name_plural = _("campaign responses")
        indexes = [
            models.Index(fields=["campaign", "responded_on", "id"], name="response_campaign_idx"),
            models.Index(fields=["lead"], name="response_lead_idx"),
            models.Index(fields=["contact"], name="response_contact_idx"),
            models.Index(fields=["account", "responded_on"], name="response_account_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False) | Q(contact__isnull=False) | Q(account__isnull=False), name="response_has_someone"
            ),
            models.UniqueConstraint(fields=["campaign", "kind", "lead"], name="response_once_per_lead", condition=Q(lead__isnull=False)),
            models.UniqueConstraint(
                fields=["campaign", "kind", "contact"], name="response_once_per_contact", condition=Q(contact__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.responded_on})"
