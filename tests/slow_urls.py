"""Views that run one query longer than any limit a test sets (the request deadline tests' URL conf, in src/rapport/core/tests)."""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from rapport import urls as rapport_urls

SLOW_SQL = {
    # Counting to a billion: minutes on SQLite, stopped only by interrupt().
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(60)",
}


def _slow(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SLOW_SQL[connection.vendor])
    return JsonResponse({"finished": True})


urlpatterns = [
    path("api/v1/slow-report", _slow),
    path("slow-report/", _slow),
    path("", include(rapport_urls)),
]
