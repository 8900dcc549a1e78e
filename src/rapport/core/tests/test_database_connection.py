"""What the database connection promises beyond Django's defaults."""

from __future__ import annotations

import pytest
from django.db import connection

from rapport.core.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_postgresql_prepares_a_statement_a_connection_keeps_running(users):
    """Planning a 360 page's joins took 1.5-6 ms every time; a prepared statement is planned once (docs/benchmarks.md)."""

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])

    before = prepared()
    for user in list(users.values()) * 2:
        assert User.objects.filter(pk=user.pk, is_active=True).exists()
    assert prepared() > before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the 65,535 bound parameters are PostgreSQL's limit")
def test_a_bulk_write_beyond_what_one_statement_binds_is_cut_into_batches(users):
    """With parameters bound by the server, one statement takes at most 65,535 (core.postgresql)."""
    from rapport.core.models import AuditEntry

    rep = users["north_rep"]
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    rows = 65_535 // len(fields) + 500  # one statement would bind more than 65,535
    made = AuditEntry.objects.bulk_create(
        [AuditEntry(actor=rep, actor_name="bulk", action="update", record_type="contact", record_id=i) for i in range(rows)]
    )
    assert len(made) == rows == AuditEntry.objects.filter(actor_name="bulk").count()
    # An update binds each row's id and value per field, and the ids once more.
    updated_fields = ["record_repr", "via", "actor_name"]
    batch = connection.ops.bulk_batch_size([AuditEntry._meta.pk, AuditEntry._meta.pk, *updated_fields], made)
    assert 0 < batch * (2 * len(updated_fields) + 1) <= 65_535
