"""Story 1, the trade show, in the browser: 500 business cards imported in one go land with the
regional reps by industry and province, and each rep finds one follow-up to-do on My day."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "trade-show-500-cards.vcf"
SHOTS = os.environ.get("RAPPORT_SCREENSHOTS")


def shoot(tab: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def regional_reps(users: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """The demo's regional teams, a rep or two in each, and the demo's routing rules."""
    from rapport.core.services import team_get_or_create
    from rapport.dataops.trade_show import trade_show_rules

    reps = {}
    for slug, name, people in (
        ("north-china", "North China", ["rep.north"]),
        ("east-china", "East China", ["rep.east", "rep.east.2"]),
        ("south-china", "South China", ["rep.south"]),
        ("international", "International", ["rep.intl"]),
    ):
        team = team_get_or_create(slug=slug, name=name)
        for username in people:
            reps[username] = make_user(username, team=team)
    trade_show_rules(actor=users["admin"])
    return reps


def test_five_hundred_cards_spread_to_the_regional_reps_with_one_to_do_each(page, live_server, log_in, users, regional_reps):
    from rapport.customers.models import Activity, Lead
    from rapport.dataops.models import LeadImport
    from rapport.dataops.tasks import run_lead_import

    tab = page
    tab.context.set_default_timeout(60_000)  # two cores shared with other runs
    log_in(tab, "admin")
    tab.goto(f"{live_server.url}/leads/")
    tab.click("a[data-import]")
    tab.wait_for_url(f"{live_server.url}/leads/import/")
    tab.set_input_files("#id_file", str(SAMPLE))
    tab.fill("#id_source", "Expo 2026")
    shoot(tab, "lead-import-upload")
    tab.click("form[data-import-upload] button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/leads/imports/**")
    expect(tab.locator("[data-count=would_create]")).to_have_text("492")
    expect(tab.locator("[data-count=duplicates]")).to_have_text("5")
    expect(tab.locator("[data-count=errors]")).to_have_text("3")
    assert "“12345” is not a valid phone number." in tab.inner_text(".import-errors")
    assert "East China" in tab.inner_text(".import-rules")
    shoot(tab, "lead-import-preview")
    assert not Lead.objects.exists()

    tab.click("[data-confirm-import]")
    status = tab.locator("#import-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(tab.locator("progress.import-progress")).to_be_visible()
    with tab.expect_response("**/leads/imports/*/progress/") as poll:  # HTMX asks for the progress every second
        pass
    assert poll.value.ok
    shoot(tab, "lead-import-progress")
    # The worker's part, run here. The page leaves first: the test database (SQLite in memory,
    # shared between this thread and the live server's) locks a table being written for readers.
    detail = tab.url
    tab.goto("about:blank")
    job = LeadImport.objects.get()
    assert run_lead_import.call(lead_import_id=job.pk) == {"created": 492, "duplicates": 5, "errors": 3}
    tab.goto(detail)
    expect(status).to_have_attribute("data-status", "done")
    expect(tab.locator("[data-count=created]")).to_have_text("492")
    shoot(tab, "lead-import-result")

    leads = list(Lead.objects.select_related("owner__team"))
    assert len(leads) == 492
    for lead in leads:
        if lead.industry == "Energy":
            assert lead.owner == users["manager"], lead
        elif lead.country == "CN":
            assert lead.owner.team.name == lead.routed_by, lead
        else:
            assert lead.owner.team.slug == "international", lead
    per_owner = Counter(lead.owner.username for lead in leads)
    assert per_owner["rep.east"] and abs(per_owner["rep.east"] - per_owner["rep.east.2"]) <= 1  # round robin in the team
    todos = Counter(Activity.objects.values_list("owner__username", flat=True))
    assert todos == Counter(dict.fromkeys(per_owner, 1))

    tab.context.clear_cookies()
    log_in(tab, "rep.east")
    n = per_owner["rep.east"]
    expect(tab.locator("[data-activity]", has_text=f"Follow up on {n} new leads from trade-show-500-cards.vcf")).to_have_count(1)
    shoot(tab, "lead-import-my-day")
