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
