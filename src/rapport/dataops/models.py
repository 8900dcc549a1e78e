"""Bookkeeping of data operations: how far a demo load got."""

from __future__ import annotations

from django.db import models


class DemoLoadPhase(models.Model):
    """One phase of ``rapport demo`` (accounts, contacts...) and the batches it has committed.

    A batch's rows and the bump of ``batches_done`` commit in one transaction,
    so an interrupted load resumes at the first batch that is not in the
    database. The row named ``plan`` holds the options of the load.
    """

    phase = models.CharField(max_length=20, unique=True)
    batches_done = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Id of the phase's first row: the phase's rows are the ids from here on, in the order they were generated.
    first_id = models.BigIntegerField(null=True, blank=True)
    finished = models.BooleanField(default=False)
    plan = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.phase}: {self.rows_done} rows{' (finished)' if self.finished else ''}"
