"""The REST API under /api/v1/: one router per app, assembled here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from rapport.analytics.api import router as analytics_router
from rapport.api import errors
from rapport.api.auth import AUTH
from rapport.api.openapi import RapportAPI
from rapport.core.api import router as core_router
from rapport.customers.api import router as customers_router
from rapport.dataops.api import router as dataops_router
from rapport.marketing.api import router as marketing_router
from rapport.sales.api import router as sales_router
from rapport.service.api import router as service_router

api = RapportAPI(
    title="Rapport API",
    version="1",
    description="The Rapport CRM API. Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", core_router)
# Before customers: /leads/imports would otherwise be taken for /leads/{record_id}.
api.add_router("/", dataops_router)
api.add_router("/", customers_router)
api.add_router("/", sales_router)
api.add_router("/", marketing_router)
api.add_router("/", service_router)
api.add_router("/", analytics_router)


def unmatched_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """A path under /api/v1/ that no operation serves (``/assignment-rules/null``) answers as every API error does."""
    return errors.problem(api, request, status=404, title="Not found", detail=f"No API operation at '{request.path}'.")
