"""The analytics app's own rows: warehouse builds and their progress."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel


class WarehouseBuildStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WarehouseBuild(TimeStampedModel):
    """One run of the warehouse build; the task updates its progress so the analytics page can show it."""

    full = models.BooleanField(_("full rebuild"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=WarehouseBuildStatus.choices, default=WarehouseBuildStatus.QUEUED)
    requested_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    version = models.CharField(_("warehouse version"), max_length=20, blank=True)
    step = models.CharField(_("current step"), max_length=60, blank=True)
    rows_total = models.BigIntegerField(_("rows to extract"), default=0)
    rows_done = models.BigIntegerField(_("rows extracted"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("warehouse build")
        verbose_name_plural = _("warehouse builds")

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == WarehouseBuildStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def is_active(self) -> bool:
        return self.status in (WarehouseBuildStatus.QUEUED, WarehouseBuildStatus.RUNNING)
