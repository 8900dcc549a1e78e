"""Signed-in browsers (Django's test client) and customer records made through the services."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def zhang(users: dict[str, Any]) -> Any:
    """A north rep's contact 张伟 with a mobile phone, at an account."""
    from rapport.customers import services

    account = services.account_create(actor=users["north_rep"], data={"name": "上海华通科技"})
    return services.contact_create(
        actor=users["north_rep"],
        data={"first_name": "伟", "last_name": "张", "title": "采购经理", "account_id": account.pk, "phones": [{"value": "138 0013 8000"}]},
    )
