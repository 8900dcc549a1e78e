"""Fraud review in a real browser: a sales manager narrows the queue to the severe flags, opens one, marks it
as fraud with a note and finds it under its new status; an analyst reads the same flag with no review form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rapport.analytics.models import AnomalyFlag
from rapport.analytics.tests.anomaly_data import flag_book
from rapport.core.models import User
from tests.browser.test_quote_to_cash import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(users):
    """The manager's team: Spiky's unusual amount (high) and burst (medium), Refunder's refund above what was paid (high)."""
    return flag_book(users)


def _rows(page):
    return page.locator("[data-anomaly-table] tbody tr[data-flag]")


def _review(page, *, outcome: str, note: str, save: str) -> None:
    """Choose an outcome, write the note, press the save button (named in the page's language) and wait for the new status."""
    form = page.locator("[data-review-form]")
    form.locator(f"input[name=outcome][value={outcome}]").check()
    form.locator("textarea[name=note]").fill(note)
    form.get_by_role("button", name=save).click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", outcome)


def test_a_manager_reviews_a_severe_flag_as_fraud_and_an_analyst_only_reads_it(browser, page, live_server, users, book, log_in):
    amount = book["flags"]["spiky_amount_outlier"]
    log_in(page, "manager")
    page.get_by_role("link", name="Fraud review").click()
    expect(page.locator("h1")).to_have_text("Fraud review")
    expect(_rows(page)).to_have_count(3)  # the open flags of the manager's team; Southern's are another team's
    _shot(page, "fraud-queue-en")

    page.locator("[data-anomaly-filter] input[name=severity][value=high]").check()
    expect(_rows(page)).to_have_count(2)  # the table is redrawn in place, the address keeps the filter
    expect(page).to_have_url(re.compile(r"[?&]severity=high(&|$)"))
    expect(page.locator("[data-anomaly-table] tbody .badge.severity-medium")).to_have_count(0)

    row = page.locator(f"tr[data-flag='{amount.pk}']")
    expect(row).to_contain_text("Spiky")
    row.get_by_role("link", name="Unusual order amount").click()
    expect(page.locator("[data-evidence]")).to_contain_text("2,000.00")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "open")
    _shot(page, "fraud-flag-en")

    _review(page, outcome="fraud", note="Card used by a stranger; the customer confirmed by phone.", save="Save review")
    expect(page.locator("[data-reviewed]")).to_contain_text("Fraud decided by manager on")
    expect(page.locator(".toast")).to_contain_text("Review saved. Outcome: Fraud.")
    expect(page.locator("[data-history]")).to_contain_text("Card used by a stranger")
    _shot(page, "fraud-flag-reviewed-en")
    reviewed = AnomalyFlag.objects.get(pk=amount.pk)
    assert (reviewed.status, reviewed.note, reviewed.reviewed_by_id) == (
        "fraud",
        "Card used by a stranger; the customer confirmed by phone.",
        users["manager"].pk,
    )

    page.locator(".crumbs").get_by_role("link", name="Fraud review").click()
    # Back to the queue as the manager left it: the high flags still open, so this one has gone.
    expect(page).to_have_url(re.compile(r"[?&]severity=high(&|$)"))
    expect(page.locator("[data-anomaly-filter] input[name=severity][value=high]")).to_be_checked()
    expect(_rows(page)).to_have_count(1)
    expect(page.locator(f"tr[data-flag='{amount.pk}']")).to_have_count(0)
    page.locator("[data-anomaly-filter] select[name=status]").select_option("fraud")
    expect(_rows(page)).to_have_count(1)
    marked = page.locator(f"tr[data-flag='{amount.pk}']")
    expect(marked.locator(".badge.outcome-fraud")).to_have_text("Fraud")
    expect(marked).to_contain_text("manager")

    analyst_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    analyst_context.set_default_timeout(10_000)
    analyst = analyst_context.new_page()
    try:
        log_in(analyst, "analyst")
        analyst.get_by_role("link", name="Fraud review").click()
        expect(analyst.locator("[data-read-only]")).to_be_visible()
        analyst.locator("[data-anomaly-filter] select[name=status]").select_option("all")
        expect(_rows(analyst)).to_have_count(3)
        analyst.locator(f"tr[data-flag='{amount.pk}']").get_by_role("link", name="Unusual order amount").click()
        expect(analyst.locator("[data-status]")).to_have_attribute("data-status", "fraud")
        expect(analyst.locator("[data-reviewed]")).to_contain_text("manager")
        expect(analyst.locator("[data-review-form]")).to_have_count(0)
        expect(analyst.locator("[data-read-only]")).to_be_visible()
        _shot(analyst, "fraud-flag-analyst-en")
    finally:
        analyst_context.close()


@pytest.fixture
def zh_page(browser):
    """A browser set to Chinese too, so the date pickers read as a Chinese user sees them."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_chinese_speaking_manager_reviews_a_flag_in_chinese(zh_page, live_server, users, book, log_in):
    """The same queue and flag in zh-Hans: labels, channel, dates and messages in Chinese; several filter changes in a row
    redraw the table each time, and the way back keeps the filter."""
    page = zh_page
    burst = book["flags"]["spiky_order_burst"]
    User.objects.filter(username="manager").update(language="zh-hans")
    log_in(page, "manager")
    page.get_by_role("link", name="欺诈审核").click()
    expect(page.locator("h1")).to_have_text("欺诈审核")
    expect(_rows(page)).to_have_count(3)
    _shot(page, "fraud-queue-zh-hans")

    page.locator("[data-anomaly-filter] select[name=status]").select_option("legitimate")
    expect(page.locator("[data-anomaly-table] tbody")).to_contain_text("新的订单和退货一到即会检查")
    _shot(page, "fraud-queue-empty-zh-hans")
    page.locator("[data-anomaly-filter] select[name=status]").select_option("open")
    expect(_rows(page)).to_have_count(3)
    page.locator("[data-anomaly-filter] input[name=severity][value=medium]").check()
    expect(_rows(page)).to_have_count(1)

    page.locator(f"tr[data-flag='{burst.pk}'] a").first.click()
    expect(page.locator("[data-evidence]")).to_be_visible()
    expect(page.locator(".anomaly-side")).to_contain_text("线上")
    _shot(page, "fraud-flag-zh-hans")
    _review(page, outcome="follow_up", note="客户周末办活动，已电话确认。", save="保存审核")
    expect(page.locator(".toast")).to_contain_text("审核已保存。结论：需跟进。")
    expect(page.locator("[data-reviewed]")).to_contain_text("由 manager 于")
    _shot(page, "fraud-flag-reviewed-zh-hans")

    page.locator(".crumbs a").click()
    expect(page).to_have_url(re.compile(r"[?&]severity=medium(&|$)"))
    expect(_rows(page)).to_have_count(0)

    refund = book["flags"]["refunder_refund_over_paid"]
    page.goto(f"{live_server.url}/analytics/fraud-review/{refund.pk}/")
    expect(page.locator("[data-return]")).to_contain_text("Arrived broken")
    expect(page.locator(".anomaly-side")).to_contain_text("退货信息")
    _shot(page, "fraud-flag-return-zh-hans")
