"""Completion keys: work that commits together with the record that it is done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from rapport.core.models import IdempotencyKey


@contextmanager
def once(key: str) -> Iterator[bool]:
    """Yield True the first time ``key`` is seen, False on every repeat.

    The key is inserted in the same transaction as the work inside the block,
    so a worker killed half-way commits neither and the retry does it all;
    a repeat after success finds the key and skips. Two workers racing on one
    key serialise on its unique index: the loser sees False.

        with once(f"reminder:{activity_id}:{due_on}") as first:
            if first:
                activity_send_reminder(activity_id=activity_id)
    """
    if not key or len(key) > 200:
        raise ValueError("An idempotency key has 1 to 200 characters.")
    with transaction.atomic():
        _, created = IdempotencyKey.objects.get_or_create(key=key)
        yield created
