"""The shared kernel's abstract base model: no concrete models live here."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row that clients update with optimistic concurrency.

    ``version`` starts at 1 and goes up by one on every update; an update that
    carries an older version is refused (see ``common.concurrency``).
    """

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
