"""Sales test data: the default pipelines (from the data migration), accounts, a deal factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def pipeline(db: Any) -> Any:
    from rapport.sales.models import Pipeline
    from rapport.sales.services import sales_setup

    sales_setup()
    return Pipeline.objects.prefetch_related("stages").get(name="New business")


@pytest.fixture
def stages(pipeline: Any) -> dict[str, Any]:
    return {s.name: s for s in pipeline.stages.all()}


@pytest.fixture
def make_account(db: Any) -> Callable[..., Any]:
    from rapport.customers.services import account_create

    def make(owner: Any, name: str = "Acme", **data: Any) -> Any:
        return account_create(actor=owner, data={"name": name, **data}, via="test")

    return make


@pytest.fixture
def make_deal(pipeline: Any, make_account: Callable[..., Any]) -> Callable[..., Any]:
    from rapport.sales.services import opportunity_create

    def make(owner: Any, *, account: Any = None, **data: Any) -> Any:
        account = account or make_account(owner)
        values = {"name": "Deal", "account_id": account.pk, "amount": "1000.00", "currency": "CNY", "expected_close_date": "2026-03-15"}
        return opportunity_create(actor=owner, data={**values, **data}, via="test")

    return make


from rapport.sales.tests.commerce_fixtures import catalogue  # noqa: E402, F401
