"""Pipelines and their stages, opportunities, who is involved in them, what
they cost and how they moved through the pipeline."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel, VersionedModel


class PipelineKind(models.TextChoices):
    NEW_BUSINESS = "new_business", _("New business")
    RENEWAL = "renewal", _("Renewal")
    CHANNEL = "channel", _("Channel")


class Pipeline(TimeStampedModel):
    """A sequence of stages an opportunity moves through; each kind of selling has its own."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PipelineKind.choices, default=PipelineKind.NEW_BUSINESS)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    # An archived pipeline keeps its deals and history but takes no new deals and leaves the board's picker.
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_default")]

    def __str__(self) -> str:
        return self.name


class Stage(TimeStampedModel):
    """One step of a pipeline, with the chance that a deal in it is won."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline"))
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"))
    probability = models.PositiveSmallIntegerField(_("win probability (%)"))
    is_won = models.BooleanField(_("won"), default=False)
    is_lost = models.BooleanField(_("lost"), default=False)
    # An archived stage keeps the history that names it (the funnel still counts it) but no deal can enter it.
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["pipeline_id", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "position"], name="stage_unique_position"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_range"),
            models.CheckConstraint(condition=~Q(is_won=True, is_lost=True), name="stage_not_won_and_lost"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.probability}%)"

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    """Where the owner puts a deal in the forecast, as Salesforce names them."""

    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    OMITTED = "omitted", _("Omitted")
    CLOSED = "closed", _("Closed")


class Competitor(TimeStampedModel):
    """A company we meet in deals, with what they do well and badly."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class Opportunity(VersionedModel):
    """A deal being worked: what it is worth, when it should close, and where it stands.

    ``status`` mirrors the stage's won/lost flags so that lists and reports
    filter open deals on an index instead of a join.
    """

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("account"))
    primary_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("primary contact")
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_date = models.DateField(_("expected close date"))
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("stage"))
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    # The position of the furthest open or won stage ever reached: the funnel counts
    # "reached stage k or beyond" with one GROUP BY on it.
    furthest_position = models.PositiveSmallIntegerField(default=0, editable=False)
    status = models.CharField(_("status"), max_length=4, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN)
    forecast_category = models.CharField(
        _("forecast category"), max_length=10, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    partner = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    partner_share = models.DecimalField(_("partner share (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True, help_text=_("trade show, web form, referral, partner..."))
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["expected_close_date", "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["expected_close_date", "id"], name="opp_close_idx"),
            models.Index(fields=["owner", "status", "expected_close_date"], name="opp_owner_idx"),
            models.Index(fields=["team", "status", "expected_close_date"], name="opp_team_idx"),
            models.Index(fields=["pipeline", "status", "stage"], name="opp_board_idx"),
            models.Index(fields=["status", "expected_close_date"], name="opp_status_idx"),
            models.Index(fields=["source", "status"], name="opp_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opp_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(partner_share__isnull=True) | Q(partner_share__gte=0, partner_share__lte=100), name="opp_partner_share_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    TECHNICAL_BUYER = "technical_buyer", _("Technical buyer")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    USER = "user", _("User")
    OTHER = "other", _("Other")


class OpportunityContact(TimeStampedModel):
    """A person at the customer who takes part in the deal, and their part in it."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="opportunity_roles")
    role = models.CharField(_("role"), max_length=16, choices=ContactRole.choices, default=ContactRole.OTHER)

    class Meta:
        ordering = ["opportunity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "contact"], name="opp_contact_once")]

    def __str__(self) -> str:
        return f"{self.contact_id} as {self.role}"


class OpportunityCompetitor(TimeStampedModel):
    """A competitor met in one deal, with what we learned about them there."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="competitors")
    competitor = models.ForeignKey(Competitor, on_delete=models.PROTECT, related_name="deals")
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["opportunity_id", "id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "competitor"], name="opp_competitor_once")]

    def __str__(self) -> str:
        return f"{self.competitor_id} in {self.opportunity_id}"


class StageChange(models.Model):
    """One move of an opportunity from a stage to another: the funnel and sales velocity are built on these."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Null for the first entry (the opportunity was created in ``to_stage``).
    seconds_in_previous = models.PositiveBigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["opportunity_id", "at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "at"], name="stage_change_opp_idx"),
            models.Index(fields=["from_stage", "at"], name="stage_change_from_idx"),
            models.Index(fields=["to_stage", "at"], name="stage_change_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id} at {self.at:%Y-%m-%d %H:%M}"


class SalesCostKind(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    SAMPLES = "samples", _("Samples")
    DEMO = "demo", _("Demo")
    ENTERTAINMENT = "entertainment", _("Entertainment")
    OTHER = "other", _("Other")


class SalesCost(TimeStampedModel):
    """Money spent to win one deal, for the cost of sales per deal, rep and source."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("kind"), max_length=16, choices=SalesCostKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    incurred_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["opportunity_id", "incurred_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="sales_cost_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class Quota(TimeStampedModel):
    """What a rep is expected to win in a period (a month or a quarter), set by their manager."""

    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("rep"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (inclusive)"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    set_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("set by"))

    class Meta:
        ordering = ["period_start", "user_id", "id"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="quota_once_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="quota_period_order"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period_start}..{self.period_end}: {self.amount} {self.currency}"


# Products, quotes, orders, billing and contracts live in their own modules; importing them here registers them with the app.
from rapport.sales.catalog_models import PriceBook, PriceBookEntry, Product, Quote, QuoteLine, QuoteStatus  # noqa: E402, F401
from rapport.sales.order_models import (  # noqa: E402, F401
    Contract,
    ContractDocument,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderReturn,
    OrderStatus,
    Payment,
    PaymentMethod,
    ReturnStatus,
)


class AssignmentDistribution(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Fewest open leads")


class AssignmentRule(TimeStampedModel):
    """Who gets a new lead: the first active rule (by position) whose conditions all hold.

    ``conditions`` is a list of {"field", "operator", "value"} over the lead's
    industry, region, country, source, company size or ``custom.<key>``;
    checked by ``sales.assignment``. A rule gives the lead to one user or
    spreads leads over a team's sales people.
    """

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    owner = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("assign to user")
    )
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("assign to team")
    )
    distribution = models.CharField(
        _("distribution in the team"), max_length=12, choices=AssignmentDistribution.choices, default=AssignmentDistribution.ROUND_ROBIN
    )
    create_follow_up = models.BooleanField(_("give the new owner a follow-up to-do"), default=True)
    follow_up_hours = models.PositiveIntegerField(_("follow-up due in (hours)"), default=24)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, team__isnull=True) | Q(owner__isnull=True, team__isnull=False),
                name="assignment_rule_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentState(models.Model):
    """Where a team rule's round robin stands; its row is locked while a lead is given out."""

    rule = models.OneToOneField(AssignmentRule, on_delete=models.CASCADE, related_name="state")
    last_assigned = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"rule {self.rule_id}: last {self.last_assigned_id}"
