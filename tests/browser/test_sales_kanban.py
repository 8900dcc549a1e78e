"""The pipeline board in a real browser: drag a card, see it refused when someone else moved it first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.sales.models import Opportunity, Stage, StageChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deals(users):
    from rapport.customers.services import account_create
    from rapport.sales.services import opportunity_create, sales_setup

    sales_setup()
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "上海华通科技"})
    made = {}
    for name, amount in (("Forklifts", "12000"), ("Conveyor belts", "3500")):
        made[name] = opportunity_create(
            actor=rep, data={"name": name, "account_id": account.pk, "amount": amount, "expected_close_date": "2026-12-15"}
        )
    return made


def _stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__name="New business", name=name)


def _drag(page, card_selector: str, stage: Stage) -> None:
    card = page.locator(card_selector)
    target = page.locator(f'[data-stage="{stage.pk}"]')
    card.scroll_into_view_if_needed()
    box, goal = card.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    steps = 12
    for i in range(1, steps + 1):
        page.mouse.move(
            box["x"] + box["width"] / 2 + (goal["x"] + goal["width"] / 2 - box["x"] - box["width"] / 2) * i / steps,
            box["y"] + box["height"] / 2 + (goal["y"] + 30 - box["y"] - box["height"] / 2) * i / steps,
        )
    page.mouse.up()


def _shot(page, name: str) -> None:
    folder = os.environ.get("RAPPORT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_drag_a_card_to_another_stage(page, live_server, users, deals, log_in):
    forklifts = deals["Forklifts"]
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/")
    proposal = _stage("Proposal")
    expect(page.locator(f"#col-head-{proposal.pk} [data-count]")).to_have_text("0 deals")
    _shot(page, "board")

    _drag(page, f"#deal-{forklifts.pk}", proposal)
    expect(page.locator(f'[data-stage="{proposal.pk}"] #deal-{forklifts.pk}')).to_have_attribute("data-version", "2")
    expect(page.locator(f"#col-head-{proposal.pk} [data-count]")).to_have_text("1 deal")
    expect(page.locator(f"#col-head-{proposal.pk} [data-total]")).to_have_text("12,000 CNY")
    forklifts.refresh_from_db()
    assert (forklifts.stage, forklifts.version) == (proposal, 2)
    assert StageChange.objects.filter(opportunity=forklifts).count() == 2


def test_a_card_someone_else_moved_first_snaps_back(page, live_server, users, deals, log_in):
    from rapport.sales.services import opportunity_move_stage

    belts = deals["Conveyor belts"]
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/")
    # The manager moves the deal while the rep's board still shows version 1.
    opportunity_move_stage(actor=users["manager"], opportunity=belts, stage_id=_stage("Qualification").pk, expected_version=1)

    prospecting, negotiation = _stage("Prospecting"), _stage("Negotiation")
    _drag(page, f"#deal-{belts.pk}", negotiation)
    message = page.locator("#board-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Someone else moved or changed this deal")
    expect(page.locator(f'[data-stage="{prospecting.pk}"] #deal-{belts.pk}')).to_be_visible()
    _shot(page, "board_refused")
    belts.refresh_from_db()
    assert (belts.stage.name, belts.version) == ("Qualification", 2)
    assert Opportunity.objects.filter(stage=negotiation).count() == 0


def test_dropping_on_lost_asks_why(page, live_server, users, deals, log_in):
    forklifts = deals["Forklifts"]
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/")
    page.once("dialog", lambda dialog: dialog.accept("Went with a cheaper supplier"))
    lost = _stage("Lost")
    _drag(page, f"#deal-{forklifts.pk}", lost)
    expect(page.locator(f'[data-stage="{lost.pk}"] #deal-{forklifts.pk}')).to_have_attribute("data-version", "2")
    forklifts.refresh_from_db()
    assert (forklifts.status, forklifts.lost_reason) == ("lost", "Went with a cheaper supplier")


def test_the_sales_pages_in_the_browser(page, live_server, users, deals, log_in):
    from rapport.sales.deal_services import sales_cost_add
    from rapport.sales.quotas import quota_set
    from rapport.sales.services import opportunity_move_stage

    forklifts = deals["Forklifts"]
    opportunity_move_stage(actor=users["north_rep"], opportunity=forklifts, stage_id=_stage("Won").pk, expected_version=1)
    sales_cost_add(
        actor=users["north_rep"],
        opportunity=forklifts,
        kind="travel",
        amount="800",
        currency="CNY",
        incurred_on=forklifts.expected_close_date,
    )
    quota_set(
        actor=users["manager"],
        user_id=users["north_rep"].pk,
        period_start="2026-11-01",
        period_end="2026-11-30",
        amount="20000",
        currency="CNY",
    )
    log_in(page, "manager")

    page.goto(f"{live_server.url}/")
    page.locator(".nav-link", has_text="Sales").click()
    page.wait_for_url(f"{live_server.url}/sales/")
    expect(page.locator(".nav-link.is-active")).to_contain_text("Sales")

    page.goto(f"{live_server.url}/sales/opportunities/")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    _shot(page, "opportunity_list")

    page.goto(f"{live_server.url}/sales/opportunities/{forklifts.pk}/")
    expect(page.locator("h1")).to_have_text("Forklifts")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Won")
    page.get_by_role("tab", name="Costs").click()
    expect(page.locator("#tab-costs")).to_contain_text("800.00 CNY")
    _shot(page, "opportunity_detail")

    page.goto(f"{live_server.url}/sales/opportunities/new/")
    page.fill("input[name=name]", "Cranes")
    page.fill("input[name=amount]", "-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-form-errors]")).to_be_visible()
    expect(page.locator(".has-error")).to_have_count(3)  # amount, account, close date
    _shot(page, "opportunity_form_errors")

    page.goto(f"{live_server.url}/sales/forecast/?start=2026-10&end=2027-03")
    expect(page.locator("[data-forecast-table] tbody")).to_contain_text("north_rep")
    expect(page.locator("[data-chart] .chart-bar")).to_have_count(6 * 4)
    _shot(page, "forecast")

    page.goto(f"{live_server.url}/sales/funnel/?start=2026-01&end=2026-12")
    expect(page.locator("[data-win-rate]")).to_have_text("100.0%")
    expect(page.locator("[data-costs] tbody")).to_contain_text("800.00")
    _shot(page, "funnel")
