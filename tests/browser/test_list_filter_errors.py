"""A refused filter is seen where the rows would be, naming the filter (HTMX swaps the 422 table), in English and in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.shots import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _speaks(user, language: str) -> None:
    from rapport.core.models import User

    User.objects.filter(pk=user.pk).update(language=language)


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "Number or account: At most 200 characters."), ("zh-hans", "编号或客户：最多 200 个字符。")],
)
def test_a_too_long_search_on_the_quote_list_is_shown_naming_the_filter(page, live_server, log_in, users, make_quote, language, said):
    _speaks(users["north_rep"], language)
    make_quote()
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/quotes/")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    with page.expect_response(lambda response: "/sales/quotes/?" in response.url) as answer:
        page.fill("#d-q", "x" * 201)
    assert answer.value.status == 422
    expect(page.locator("#results [data-filter-errors]")).to_have_text(said)
    expect(page.locator("#results tbody tr")).to_have_count(0)
    shoot(page, f"quote-list-filter-error-{language}")
    # Mended, the rows come back in the same place.
    page.fill("#d-q", "")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results [data-filter-errors]")).to_have_count(0)


@pytest.fixture
def make_quote(users):
    from rapport.customers.services import account_create
    from rapport.sales.quotes import quote_create

    def make():
        account = account_create(actor=users["north_rep"], data={"name": "华星科技（上海）有限公司"})
        return quote_create(actor=users["north_rep"], data={"account_id": account.pk, "currency": "CNY", "title": "服务器扩容"})

    return make
