"""Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: run ./dev test (or apt-get install chromium).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def log_in(live_server: Any) -> Any:
    def sign_in(tab: Any, username: str) -> None:
        import urllib.request

        from conftest import PASSWORD

        # The first request to a fresh live server loads the URL conf, templates and static
        # manifest: on a busy machine that alone can pass the page's 10 s timeout.
        urllib.request.urlopen(f"{live_server.url}/login/", timeout=120).close()  # noqa: S310 (our own live server)
        tab.goto(f"{live_server.url}/login/")
        tab.fill("#id_username", username)
        tab.fill("#id_password", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{live_server.url}/")

    return sign_in


@pytest.fixture
def zhang_in_db(users: dict[str, Any]) -> Any:
    from rapport.customers import services

    return services.contact_create(
        actor=users["north_rep"], data={"first_name": "伟", "last_name": "张", "phones": [{"value": "138 0013 8000"}]}
    )
