"""Story 1 in the browser: an administrator writes a routing rule, a trade-show lead lands with the
regional rep, who finds the follow-up and converts the lead onto an existing account."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("RAPPORT_SCREENSHOTS", "/tmp/rapport-screenshots"))


def _shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_rule_routes_a_lead_and_the_rep_converts_it(page, live_server, log_in, users):
    from rapport.customers.models import Activity, Lead
    from rapport.customers.services import account_create, lead_create
    from rapport.sales.services import sales_setup

    sales_setup()  # an earlier transactional test may have flushed the pipelines the migration made

    tab = page
    # Two cores shared with other test runs: give slow page loads time.
    tab.context.set_default_timeout(60_000)
    log_in(tab, "admin")
    tab.goto(f"{live_server.url}/sales/routing/new/")
    tab.fill("#id_name", "Jiangsu trade shows")
    tab.select_option("#cond-0-field", "region")
    tab.select_option("#cond-0-operator", "in")
    tab.fill("#cond-0-value", "Jiangsu, Zhejiang")
    tab.check("input[name=target][value=owner]")
    tab.select_option("#id_owner_id", str(users["north_rep"].pk))
    _shot(tab, "routing-rule-form")
    tab.click("form.record-form button.btn-primary[type=submit]")
    tab.wait_for_url(f"{live_server.url}/sales/routing/")
    tab.fill("#id_region", "zhejiang")
    tab.click("text=Which rule would fire?")
    assert "The rule “Jiangsu trade shows” would fire." in tab.inner_text(".routing-verdict")
    _shot(tab, "routing-rule-list")

    account_create(actor=users["north_rep"], data={"name": "Suzhou Pumps"})
    lead_create(
        actor=users["admin"],
        data={"last_name": "Chen", "company": "SUZHOU PUMPS", "region": "Jiangsu", "phones": [{"value": "139 1234 5678"}]},
        via="import",
    )
    lead = Lead.objects.get()
    assert (lead.owner, lead.routed_by) == (users["north_rep"], "Jiangsu trade shows")
    assert Activity.objects.get().owner == users["north_rep"]

    tab.context.clear_cookies()
    log_in(tab, "north_rep")
    tab.goto(f"{live_server.url}/leads/{lead.pk}/")
    assert "Jiangsu trade shows" in tab.inner_text(".details")
    tab.click("a[data-convert]")
    assert "Will attach to the existing account" in tab.inner_text("[data-plan=account]")
    tab.check("#id_create_opportunity")
    tab.fill("#id_amount", "12000")
    _shot(tab, "lead-convert")
    tab.click("form.record-form button.btn-primary[type=submit]")
    tab.wait_for_url(f"{live_server.url}/sales/opportunities/**")
    _shot(tab, "lead-converted-opportunity")
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account.name) == ("converted", "Suzhou Pumps")
