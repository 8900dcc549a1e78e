"""Fixtures every test can use: teams, users of each role, API clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rapport.common.testing import ApiClient

# The loopback SMTP server (``smtp`` fixture) for every test that sends mail.
pytest_plugins = ["rapport.core.tests.smtp"]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def teams(db: Any) -> dict[str, Any]:
    from rapport.core.services import team_get_or_create

    sales = team_get_or_create(slug="sales", name="Sales")
    north = team_get_or_create(slug="north", name="North", parent=sales)
    south = team_get_or_create(slug="south", name="South", parent=sales)
    return {"sales": sales, "north": north, "south": south}


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from rapport.core.services import user_create

    def make(username: str, *, role: str = "sales_rep", team: Any = None, manager: Any = None, **extra: Any) -> Any:
        return user_create(username=username, password=PASSWORD, role=role, team=team, manager=manager, **extra)

    return make


@pytest.fixture
def users(teams: dict[str, Any], make_user: Callable[..., Any]) -> dict[str, Any]:
    """admin; a sales manager over north; reps in north and south; agent, marketer, analyst."""
    admin = make_user("admin", role="administrator")
    manager = make_user("manager", role="sales_manager", team=teams["north"])
    return {
        "admin": admin,
        "manager": manager,
        "north_rep": make_user("north_rep", team=teams["north"], manager=manager),
        "north_rep2": make_user("north_rep2", team=teams["north"], manager=manager),
        "south_rep": make_user("south_rep", team=teams["south"]),
        "agent": make_user("agent", role="service_agent"),
        "marketer": make_user("marketer", role="marketer"),
        "analyst": make_user("analyst", role="analyst", team=teams["north"]),
    }


@pytest.fixture
def api_for(db: Any) -> Callable[..., ApiClient]:
    from rapport.core.services import token_issue

    def make(user: Any, scope: str = "read_write") -> ApiClient:
        _, secret = token_issue(user=user, scope=scope)
        return ApiClient(secret)

    return make


@pytest.fixture
def client_for(db: Any) -> Callable[[Any], Any]:
    """A browser (Django's test client) signed in as the user."""
    from django.test import Client

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2's deliberate slowness would dominate a suite that creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any) -> Any:
    # Login throttles and API rate limits count in the cache: each test starts at zero, in memory (the
    # file cache under var/ would be shared by the parallel test processes).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    # A request in Chinese leaves zh-hans active in the thread; the next test must not inherit it.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path_factory: Any) -> None:
    # Uploaded files (contract documents) land in the run's temporary directory, never in var/.
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")
