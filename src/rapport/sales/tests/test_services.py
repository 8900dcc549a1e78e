"""Services: create, update, move through stages, delete, and the deal's contacts, competitors and costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rapport.common import events
from rapport.common.errors import PermissionDenied, StaleVersion, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers.services import contact_create
from rapport.sales import deal_services, selectors, services
from rapport.sales.events import OpportunityLost, OpportunityStageChanged, OpportunityWon
from rapport.sales.models import Opportunity, Pipeline, SalesCost, StageChange


@pytest.fixture
def published():
    seen: list[object] = []

    def record(event: object) -> None:
        seen.append(event)

    for kind in (OpportunityStageChanged, OpportunityWon, OpportunityLost):
        events.subscribe(kind)(record)
    yield seen
    for kind in (OpportunityStageChanged, OpportunityWon, OpportunityLost):
        events.unsubscribe(kind, record)


def test_default_pipelines_are_set_up_once(db):
    services.sales_setup()  # the data migration made them, unless a transactional test flushed them since
    assert services.sales_setup() == 0
    names = {p.name: [(s.name, s.probability, s.is_won, s.is_lost) for s in p.stages.order_by("position")] for p in Pipeline.objects.all()}
    assert sorted(names) == ["Channel", "New business", "Renewal"]
    assert names["New business"] == [
        ("Prospecting", 10, False, False),
        ("Qualification", 20, False, False),
        ("Needs analysis", 40, False, False),
        ("Proposal", 60, False, False),
        ("Negotiation", 80, False, False),
        ("Won", 100, True, False),
        ("Lost", 0, False, True),
    ]
    assert Pipeline.objects.get(is_default=True).name == "New business"


def test_create_starts_in_the_first_open_stage_and_is_audited(users, make_deal, stages, django_capture_on_commit_callbacks, published):
    rep = users["north_rep"]
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(rep, name="Forklifts", amount="2500.50", currency="usd")
    assert (deal.stage, deal.status, deal.currency, deal.amount) == (stages["Prospecting"], "open", "USD", Decimal("2500.50"))
    assert (deal.owner, deal.team, deal.forecast_category) == (rep, rep.team, "pipeline")
    history = list(StageChange.objects.filter(opportunity=deal).values_list("from_stage", "to_stage", "seconds_in_previous"))
    assert history == [(None, stages["Prospecting"].pk, None)]
    entry = AuditEntry.objects.get(record_type="sales.opportunity", record_id=deal.pk)
    assert entry.action == "create" and entry.changes["name"] == [None, "Forklifts"]
    assert published == [OpportunityStageChanged(deal.pk, deal.pipeline_id, None, stages["Prospecting"].pk, rep.pk, "test")]


def test_create_names_every_wrong_field(users, make_account):
    rep = users["north_rep"]
    other = make_account(users["south_rep"], name="Not mine")
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_create(
            actor=rep,
            data={
                "name": "",
                "account_id": other.pk,
                "amount": "-5",
                "currency": "XXX",
                "expected_close_date": "soon",
                "partner_share": 10,
            },
        )
    assert set(caught.value.field_errors) == {"name", "account_id", "amount", "currency", "expected_close_date", "partner_share"}
    assert Opportunity.objects.count() == 0


def test_create_refuses_a_stage_of_another_pipeline(users, make_account, stages):
    renewal = Pipeline.objects.get(name="Renewal")
    account = make_account(users["north_rep"])
    data = {"name": "X", "account_id": account.pk, "expected_close_date": "2026-01-01", "pipeline_id": renewal.pk}
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_create(actor=users["north_rep"], data={**data, "stage_id": stages["Proposal"].pk})
    assert list(caught.value.field_errors) == ["stage_id"]
    deal = services.opportunity_create(actor=users["north_rep"], data=data)
    assert (deal.pipeline, deal.stage.name) == (renewal, "Upcoming")


def test_move_records_the_change_and_time_in_the_previous_stage(users, make_deal, stages, django_capture_on_commit_callbacks, published):
    rep = users["north_rep"]
    deal = make_deal(rep)
    Opportunity.objects.filter(pk=deal.pk).update(stage_entered_at=deal.stage_entered_at - dt.timedelta(days=3))
    deal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.opportunity_move_stage(actor=rep, opportunity=deal, stage_id=stages["Proposal"].pk, expected_version=1)
    assert (moved.stage, moved.version, moved.status) == (stages["Proposal"], 2, "open")
    change = StageChange.objects.filter(opportunity=deal).latest("at")
    assert (change.from_stage, change.to_stage, change.by) == (stages["Prospecting"], stages["Proposal"], rep)
    assert 3 * 86400 <= change.seconds_in_previous < 3 * 86400 + 60
    assert published == [OpportunityStageChanged(deal.pk, deal.pipeline_id, stages["Prospecting"].pk, stages["Proposal"].pk, rep.pk, "web")]
    update = AuditEntry.objects.get(record_type="sales.opportunity", record_id=deal.pk, action="update")
    assert update.changes == {"stage_id": [stages["Prospecting"].pk, stages["Proposal"].pk]}


def test_winning_closes_the_deal_and_announces_it(users, make_deal, stages, django_capture_on_commit_callbacks, published):
    rep = users["north_rep"]
    deal = make_deal(rep, forecast_category="commit")
    with django_capture_on_commit_callbacks(execute=True):
        won = services.opportunity_move_stage(
            actor=rep, opportunity=deal, stage_id=stages["Won"].pk, expected_version=1, closed_on=dt.date(2026, 2, 27)
        )
    assert (won.status, won.forecast_category, won.expected_close_date) == ("won", "closed", dt.date(2026, 2, 27))
    assert won.closed_at is not None
    assert published[-1] == OpportunityWon(deal.pk, deal.account_id, rep.pk, Decimal("1000.00"), "CNY", rep.pk, "web")


def test_losing_needs_a_reason(users, make_deal, stages, django_capture_on_commit_callbacks, published):
    rep = users["north_rep"]
    deal = make_deal(rep)
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_move_stage(actor=rep, opportunity=deal, stage_id=stages["Lost"].pk, expected_version=1)
    assert list(caught.value.field_errors) == ["lost_reason"]
    deal.refresh_from_db()
    assert (deal.stage, deal.version, StageChange.objects.filter(opportunity=deal).count()) == (stages["Prospecting"], 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        lost = services.opportunity_move_stage(
            actor=rep, opportunity=deal, stage_id=stages["Lost"].pk, expected_version=1, lost_reason="Price too high"
        )
    assert (lost.status, lost.forecast_category, lost.lost_reason) == ("lost", "omitted", "Price too high")
    assert published[-1] == OpportunityLost(deal.pk, deal.account_id, rep.pk, "Price too high", rep.pk, "web")
    reopened = services.opportunity_move_stage(actor=rep, opportunity=lost, stage_id=stages["Proposal"].pk, expected_version=2)
    assert (reopened.status, reopened.forecast_category, reopened.lost_reason, reopened.closed_at) == ("open", "pipeline", "", None)


def test_move_refuses_a_stage_of_another_pipeline(users, make_deal):
    rep = users["north_rep"]
    deal = make_deal(rep)
    renewed = Pipeline.objects.get(name="Renewal").stages.get(name="Renewed")
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_move_stage(actor=rep, opportunity=deal, stage_id=renewed.pk, expected_version=1)
    assert list(caught.value.field_errors) == ["stage_id"]
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version) == ("Prospecting", 1)


def test_two_moves_from_the_same_version_one_wins(users, make_deal, stages):
    rep = users["north_rep"]
    deal = make_deal(rep)
    first = selectors.opportunity_get_for_user(user=rep, opportunity_id=deal.pk)
    second = selectors.opportunity_get_for_user(user=users["manager"], opportunity_id=deal.pk)
    services.opportunity_move_stage(actor=rep, opportunity=first, stage_id=stages["Proposal"].pk, expected_version=1)
    with pytest.raises(StaleVersion) as caught:
        services.opportunity_move_stage(actor=users["manager"], opportunity=second, stage_id=stages["Qualification"].pk, expected_version=1)
    assert caught.value.current_version == 2
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Proposal"], 2)
    assert [c.to_stage.name for c in selectors.stage_history_for(opportunity=deal)] == ["Prospecting", "Proposal"]


def test_update_checks_the_version_and_the_policy(users, make_deal):
    rep = users["north_rep"]
    deal = make_deal(rep)
    updated = services.opportunity_update(actor=rep, opportunity=deal, data={"amount": "1500", "next_step": "Call CFO"}, expected_version=1)
    assert (updated.amount, updated.next_step, updated.version) == (Decimal("1500"), "Call CFO", 2)
    with pytest.raises(StaleVersion):
        services.opportunity_update(actor=rep, opportunity=deal, data={"amount": "1"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.opportunity_update(actor=users["analyst"], opportunity=deal, data={"amount": "1"}, expected_version=2)
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_update(
            actor=rep, opportunity=deal, data={"stage_id": 1, "status": "won", "owner_id": users["south_rep"].pk}, expected_version=2
        )
    assert set(caught.value.field_errors) == {"stage_id", "status", "owner_id"}
    deal.refresh_from_db()
    assert (deal.amount, deal.version, deal.owner) == (Decimal("1500.00"), 2, rep)


def test_manager_reassigns_within_the_team(users, make_deal, teams):
    deal = make_deal(users["north_rep"])
    moved = services.opportunity_update(
        actor=users["manager"], opportunity=deal, data={"owner_id": users["north_rep2"].pk}, expected_version=1
    )
    assert (moved.owner, moved.team) == (users["north_rep2"], teams["north"])


def test_partner_share_needs_a_partner(users, make_account, make_deal):
    rep = users["north_rep"]
    partner = make_account(rep, name="Channel Co")
    deal = make_deal(rep, partner_id=partner.pk, partner_share="15.5")
    assert (deal.partner, deal.partner_share) == (partner, Decimal("15.5"))
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_update(actor=rep, opportunity=deal, data={"partner_share": "101"}, expected_version=1)
    assert list(caught.value.field_errors) == ["partner_share"]


def test_delete_is_audited_and_checks_the_policy(users, make_deal):
    deal = make_deal(users["north_rep"])
    with pytest.raises(PermissionDenied):
        services.opportunity_delete(actor=users["marketer"], opportunity=deal)
    services.opportunity_delete(actor=users["north_rep"], opportunity=deal, expected_version=1)
    assert not Opportunity.objects.filter(pk=deal.pk).exists()
    assert AuditEntry.objects.get(record_type="sales.opportunity", record_id=deal.pk, action="delete").changes["name"] == ["Deal", None]


def test_contacts_competitors_and_costs(users, make_deal):
    rep = users["north_rep"]
    deal = make_deal(rep)
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "account_id": deal.account_id})
    deal_services.opportunity_contact_add(actor=rep, opportunity=deal, contact_id=contact.pk, role="influencer")
    deal_services.opportunity_contact_add(actor=rep, opportunity=deal, contact_id=contact.pk, role="decision_maker")
    assert [(c.contact, c.role) for c in selectors.opportunity_contacts_for(user=rep, opportunity=deal)] == [(contact, "decision_maker")]
    hidden = contact_create(actor=users["south_rep"], data={"last_name": "Li"})
    with pytest.raises(ValidationFailed):
        deal_services.opportunity_contact_add(actor=rep, opportunity=deal, contact_id=hidden.pk)

    rival = deal_services.competitor_create(actor=rep, name="Globex", strengths="Cheap", weaknesses="Slow support")
    with pytest.raises(ValidationFailed):
        deal_services.competitor_create(actor=rep, name="globex")
    deal_services.opportunity_competitor_add(actor=rep, opportunity=deal, competitor_id=rival.pk, notes="Offered 10% off")
    assert [(c.competitor.name, c.notes) for c in selectors.opportunity_competitors_for(opportunity=deal)] == [
        ("Globex", "Offered 10% off")
    ]

    cost = deal_services.sales_cost_add(
        actor=rep, opportunity=deal, kind="travel", amount="820.40", currency="CNY", incurred_on="2026-01-12", note="Flight to Wuhan"
    )
    with pytest.raises(ValidationFailed) as caught:
        deal_services.sales_cost_add(actor=rep, opportunity=deal, kind="bribes", amount="0", currency="CNY", incurred_on="")
    assert set(caught.value.field_errors) == {"kind", "amount", "incurred_on"}
    with pytest.raises(PermissionDenied):
        deal_services.sales_cost_add(
            actor=users["analyst"], opportunity=deal, kind="demo", amount="1", currency="CNY", incurred_on="2026-01-01"
        )
    assert list(SalesCost.objects.values_list("kind", "amount", "recorded_by")) == [("travel", Decimal("820.40"), rep.pk)]
    deal_services.sales_cost_remove(actor=rep, cost=cost)
    assert SalesCost.objects.count() == 0
    assert AuditEntry.objects.filter(record_type="sales.salescost", record_id=cost.pk).count() == 2
