"""Django's PostgreSQL backend with parameters bound by the server, so that psycopg can prepare statements.

A statement a connection runs five times is prepared and PostgreSQL plans it once: the 360 pages' joins took
1.5-6 ms to plan each time and under 1 ms to run (docs/benchmarks.md). Bound parameters have a limit the
literals Django's default sends do not: at most 65,535 a statement, so a bulk insert or update is cut into
batches that stay under it.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, features, operations

MAX_PARAMETERS = 65_535


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = MAX_PARAMETERS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields: Any, objs: Any) -> int:
        # An insert binds one parameter a field and row; an update two a field (the row's id and its value in a
        # CASE WHEN) and Django counts the id twice among its fields: twice the fields covers both.
        per_row = 2 * max(1, len(fields))
        return max(1, min(len(objs), MAX_PARAMETERS // per_row))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
