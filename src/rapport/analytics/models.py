"""The analytics app's own rows: warehouse builds and their progress."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.common.models import TimeStampedModel, VersionedModel


class WarehouseBuildStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class TrackedRun(TimeStampedModel):
    """Long work run by the worker: its status and progress, which the page polls while it runs."""

    status = models.CharField(_("status"), max_length=10, choices=WarehouseBuildStatus.choices, default=WarehouseBuildStatus.QUEUED)
    requested_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    step = models.CharField(_("current step"), max_length=60, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True

    def progress_counts(self) -> tuple[int, int]:
        """(done, total) in the run's own unit."""
        raise NotImplementedError

    @property
    def percent(self) -> int:
        if self.status == WarehouseBuildStatus.SUCCEEDED:
            return 100
        done, total = self.progress_counts()
        if not total:
            return 0
        return min(99, done * 100 // total)

    @property
    def is_active(self) -> bool:
        return self.status in (WarehouseBuildStatus.QUEUED, WarehouseBuildStatus.RUNNING)


class WarehouseBuild(TrackedRun):
    """One run of the warehouse build; the task updates its progress so the analytics page can show it."""

    full = models.BooleanField(_("full rebuild"), default=False)
    version = models.CharField(_("warehouse version"), max_length=20, blank=True)
    rows_total = models.BigIntegerField(_("rows to extract"), default=0)
    rows_done = models.BigIntegerField(_("rows extracted"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("warehouse build")
        verbose_name_plural = _("warehouse builds")

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"

    def progress_counts(self) -> tuple[int, int]:
        return self.rows_done, self.rows_total


class SegmentationRun(TrackedRun):
    """One fit of the clusters, requested from the clusters page or the schedule and run by the worker."""

    steps_total = models.PositiveSmallIntegerField(_("steps"), default=0)
    steps_done = models.PositiveSmallIntegerField(_("steps done"), default=0)
    k = models.PositiveSmallIntegerField(_("segments found"), null=True, blank=True)
    accounts = models.PositiveIntegerField(_("customers segmented"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("segmentation run")
        verbose_name_plural = _("segmentation runs")

    def __str__(self) -> str:
        return f"segmentation {self.pk} {self.status}"

    def progress_counts(self) -> tuple[int, int]:
        return self.steps_done, self.steps_total


class ChurnModelRun(TimeStampedModel):
    """One fit of the churn model: when, on which warehouse, its settings, metrics and feature importance."""

    as_of = models.DateField(_("as of"))
    warehouse_version = models.CharField(_("warehouse version"), max_length=20)
    window_days = models.PositiveSmallIntegerField(_("churn window (days)"))
    train_cutoff = models.DateField(_("training cutoff"))
    validation_cutoff = models.DateField(_("validation cutoff"))
    params = models.JSONField(_("parameters"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    importance = models.JSONField(_("feature importance"), default=list)
    scored = models.PositiveIntegerField(_("customers scored"), default=0)
    high_risk = models.PositiveIntegerField(_("customers at high risk"), default=0)
    # The loop's outcome at the time of this run: care calls done since the previous run, and how many of
    # those customers have ordered again since the call.
    contacted = models.PositiveIntegerField(_("contacted since the last run"), default=0)
    retained = models.PositiveIntegerField(_("ordered again since the call"), default=0)
    requested_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("churn model run")
        verbose_name_plural = _("churn model runs")

    def __str__(self) -> str:
        return f"churn run {self.pk} as of {self.as_of}"


class CareTask(TimeStampedModel):
    """A care call for a valuable customer at churn risk: at most one per account per campaign window."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    window_start = models.DateField(_("campaign window"))
    activity = models.ForeignKey(
        "customers.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("activity")
    )
    assigned_to = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned to"))
    churn_risk = models.FloatField(_("churn risk when created"))
    run = models.ForeignKey(ChurnModelRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_tasks")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        constraints = [models.UniqueConstraint(fields=["account", "window_start"], name="care_task_once_per_window")]

    def __str__(self) -> str:
        return f"care task for account {self.account_id} ({self.window_start})"


class AssociationScore(models.Model):
    """What every product recommendation carries from the basket analysis that produced it.

    Both tables are replaced whole by each refresh (``computed_at`` says which), so they share one shape.
    """

    confidence = models.FloatField(_("confidence"))
    lift = models.FloatField(_("lift"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        abstract = True


class CrossSellRule(AssociationScore):
    """ "Customers who bought X also buy Y": one association rule with a single product on each side."""

    product = models.ForeignKey("sales.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("bought"))
    recommended = models.ForeignKey("sales.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("also bought"))
    support = models.FloatField(_("support"))

    class Meta:
        ordering = ["product_id", "-confidence", "-lift", "recommended_id"]
        verbose_name = _("cross-sell rule")
        verbose_name_plural = _("cross-sell rules")
        constraints = [models.UniqueConstraint(fields=["product", "recommended"], name="cross_sell_rule_unique")]

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.recommended_id}"


class NextBestProduct(AssociationScore):
    """The products the association rules recommend most for one account, best first."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    product = models.ForeignKey("sales.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product"))
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        ordering = ["account_id", "rank"]
        verbose_name = _("next best product")
        verbose_name_plural = _("next best products")
        constraints = [models.UniqueConstraint(fields=["account", "rank"], name="next_best_product_rank")]

    def __str__(self) -> str:
        return f"{self.account_id} #{self.rank}: {self.product_id}"


class AnomalyRule(models.TextChoices):
    AMOUNT = "amount_outlier", _("Unusual order amount")
    BURST = "order_burst", _("Burst of orders")
    REFUND_RATIO = "refund_ratio", _("High refund ratio")
    QUICK_RETURNS = "quick_returns", _("Repeated quick returns")
    REFUND_OVER_PAID = "refund_over_paid", _("Refund above the amount paid")


class AnomalySeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class AnomalyStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("anomaly flag", "Open")
    LEGITIMATE = "legitimate", _("Legitimate")
    FRAUD = "fraud", _("Fraud")
    FOLLOW_UP = "follow_up", _("Needs follow-up")


class AnomalyFlag(VersionedModel):
    """An order or a return that a rule found unusual, waiting for (or after) a person's review.

    One flag per rule and subject (``order:12``, ``return:7``): detection runs again and again without
    adding duplicates. The reason is stored as the rule's parameters and rendered in the reader's language.
    """

    rule = models.CharField(_("rule"), max_length=20, choices=AnomalyRule.choices)
    subject = models.CharField(_("subject"), max_length=40)
    order = models.ForeignKey("sales.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order"))
    order_return = models.ForeignKey(
        "sales.OrderReturn", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("return")
    )
    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    score = models.FloatField(_("score"))
    severity = models.CharField(_("severity"), max_length=6, choices=AnomalySeverity.choices)
    # The queue's "most severe first" order needs a number the database can index and page by (keyset).
    severity_rank = models.GeneratedField(
        expression=models.Case(
            models.When(severity=AnomalySeverity.HIGH, then=models.Value(3)),
            models.When(severity=AnomalySeverity.MEDIUM, then=models.Value(2)),
            default=models.Value(1),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("severity rank"),
    )
    evidence = models.JSONField(_("evidence"), default=dict)
    detected_on = models.DateField(_("detected on"))
    status = models.CharField(_("status"), max_length=10, choices=AnomalyStatus.choices, default=AnomalyStatus.OPEN)
    reviewed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-detected_on", "-id"]
        verbose_name = _("anomaly flag")
        verbose_name_plural = _("anomaly flags")
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject"], name="anomaly_flag_once_per_subject"),
            models.CheckConstraint(condition=models.Q(score__gte=0), name="anomaly_flag_score_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "detected_on", "id"], name="anomaly_flag_queue_idx"),
            models.Index(fields=["status", "severity_rank", "detected_on", "id"], name="anomaly_flag_severity_idx"),
            models.Index(fields=["detected_on", "id"], name="anomaly_flag_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.subject}"
