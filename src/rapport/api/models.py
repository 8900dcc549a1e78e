"""What the API layer keeps: the responses of requests sent with an Idempotency-Key."""

from __future__ import annotations

from django.db import models


class IdempotentRequest(models.Model):
    """The first response to (client, key); a repeat of the request replays it."""

    principal = models.CharField(max_length=64, help_text="hash of the credential that sent the request")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    in_flight = models.BooleanField(default=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
