"""Setting up pipelines and stages: services, the API, the pages, and the board/forecast afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.sales import pipelines, selectors
from rapport.sales.board import board_for_user
from rapport.sales.forecast import forecast
from rapport.sales.models import Opportunity, Pipeline, Stage
from rapport.sales.services import opportunity_create, opportunity_move_stage

pytestmark = pytest.mark.django_db


def _names(pipeline):
    return list(Stage.objects.filter(pipeline=pipeline).order_by("position").values_list("name", "position"))


def test_a_new_pipeline_starts_with_stages_and_takes_deals(users, make_account):
    created = pipelines.pipeline_create(actor=users["manager"], data={"name": "Tenders", "kind": "channel"}, via="test")
    assert _names(created) == [("Qualification", 1), ("Proposal", 2), ("Won", 3), ("Lost", 4)]
    deal = opportunity_create(
        actor=users["north_rep"],
        data={
            "name": "Bid",
            "account_id": make_account(users["north_rep"]).pk,
            "pipeline_id": created.pk,
            "expected_close_date": "2026-12-01",
        },
    )
    assert deal.stage.name == "Qualification"
    assert AuditEntry.objects.filter(record_type="sales.pipeline", record_id=created.pk, action="create").exists()


def test_only_administrators_and_sales_managers_set_up_pipelines(users, pipeline):
    for role in ("north_rep", "agent", "marketer", "analyst"):
        with pytest.raises(PermissionDenied):
            pipelines.pipeline_create(actor=users[role], data={"name": "Mine"})
        with pytest.raises(PermissionDenied):
            pipelines.stage_update(actor=users[role], stage=pipeline.stages.first(), data={"probability": 5})
    assert Pipeline.objects.count() == 3
    assert pipeline.stages.first().probability == 10


def test_a_new_open_stage_goes_before_won_and_lost_and_deals_keep_their_furthest_stage(users, pipeline, stages, make_deal):
    deal = make_deal(users["north_rep"])
    opportunity_move_stage(actor=users["north_rep"], opportunity=deal, stage_id=stages["Proposal"].pk, expected_version=None)
    assert Opportunity.objects.get(pk=deal.pk).furthest_position == 4
    demo = pipelines.stage_create(actor=users["admin"], pipeline=pipeline, data={"name": "Demo", "probability": 50}, via="test")
    assert demo.position == 6
    order = [name for name, _ in _names(pipeline)]
    assert order == ["Prospecting", "Qualification", "Needs analysis", "Proposal", "Negotiation", "Demo", "Won", "Lost"]
    ids = {s.name: s.pk for s in Stage.objects.filter(pipeline=pipeline)}
    new_order = ["Qualification", "Prospecting", "Proposal", "Needs analysis", "Demo", "Negotiation", "Won", "Lost"]
    pipelines.stage_reorder(actor=users["manager"], pipeline=pipeline, stage_ids=[ids[n] for n in new_order], via="test")
    assert [name for name, _ in _names(pipeline)] == new_order
    # The deal reached Proposal, now third: the funnel's "reached" follows the stage, not the old number.
    assert Opportunity.objects.get(pk=deal.pk).furthest_position == 3
    entry = AuditEntry.objects.filter(record_type="sales.pipeline", record_id=pipeline.pk).latest("id")
    assert entry.changes["stage_order"][1] == new_order


def test_stage_rules_are_refused_naming_the_field(users, pipeline, stages, make_deal):
    admin = users["admin"]
    make_deal(users["north_rep"])  # sits in Prospecting
    ids = [s.pk for s in pipeline.stages.order_by("position")]
    cases = [
        (lambda: pipelines.stage_create(actor=admin, pipeline=pipeline, data={"name": "X", "probability": 101}), "probability"),
        (lambda: pipelines.stage_create(actor=admin, pipeline=pipeline, data={"name": "proposal", "probability": 5}), "name"),
        (
            lambda: pipelines.stage_create(actor=admin, pipeline=pipeline, data={"name": "Y", "probability": 40, "is_won": True}),
            "probability",
        ),
        (lambda: pipelines.stage_update(actor=admin, stage=stages["Won"], data={"is_lost": True}), "is_lost"),
        (lambda: pipelines.stage_update(actor=admin, stage=stages["Prospecting"], data={"is_archived": True}), "is_archived"),
        (lambda: pipelines.stage_update(actor=admin, stage=stages["Prospecting"], data={"is_lost": True, "probability": 0}), "is_lost"),
        (lambda: pipelines.stage_delete(actor=admin, stage=stages["Prospecting"]), "stage_id"),
        (lambda: pipelines.stage_reorder(actor=admin, pipeline=pipeline, stage_ids=ids[:-1]), "stage_ids"),
        (lambda: pipelines.stage_reorder(actor=admin, pipeline=pipeline, stage_ids=[ids[-2], *ids[:-2], ids[-1]]), "stage_ids"),
        (lambda: pipelines.pipeline_update(actor=admin, pipeline=pipeline, data={"is_archived": True}), "is_archived"),
        (lambda: pipelines.pipeline_update(actor=admin, pipeline=pipeline, data={"is_default": False}), "is_default"),
        (lambda: pipelines.pipeline_create(actor=admin, data={"name": "renewal"}), "name"),
    ]
    before = list(Stage.objects.values_list("pk", "name", "position", "probability", "is_won", "is_lost", "is_archived"))
    for call, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            call()
        assert field in refused.value.field_errors, (field, refused.value.field_errors)
    assert "1 opportunities are in the stage 'Prospecting'" in str(_delete_refusal(stages["Prospecting"], admin))
    assert list(Stage.objects.values_list("pk", "name", "position", "probability", "is_won", "is_lost", "is_archived")) == before


def _delete_refusal(stage, admin):
    with pytest.raises(ValidationFailed) as refused:
        pipelines.stage_delete(actor=admin, stage=stage)
    return refused.value.field_errors["stage_id"][0]


def test_a_stage_with_history_is_archived_not_deleted_and_takes_no_deals(users, pipeline, stages, make_deal):
    rep, admin = users["north_rep"], users["admin"]
    deal = make_deal(rep)
    opportunity_move_stage(actor=rep, opportunity=deal, stage_id=stages["Qualification"].pk, expected_version=None)
    with pytest.raises(ValidationFailed, match="history"):
        pipelines.stage_delete(actor=admin, stage=stages["Prospecting"])
    pipelines.stage_update(actor=admin, stage=stages["Prospecting"], data={"is_archived": True})
    with pytest.raises(ValidationFailed) as refused:
        opportunity_move_stage(
            actor=rep, opportunity=Opportunity.objects.get(pk=deal.pk), stage_id=stages["Prospecting"].pk, expected_version=None
        )
    assert "stage_id" in refused.value.field_errors
    fresh = make_deal(rep)
    assert fresh.stage_id == stages["Qualification"].pk  # the first stage that is not archived
    shown = next(p for p in selectors.pipeline_list() if p.pk == pipeline.pk)
    board = board_for_user(user=rep, pipeline=shown, params={})
    assert "Prospecting" not in [c.stage.name for c in board.columns]
    unused = pipelines.stage_create(actor=admin, pipeline=pipeline, data={"name": "Unused", "probability": 30})
    pipelines.stage_delete(actor=admin, stage=unused)
    assert not Stage.objects.filter(pk=unused.pk).exists()
    assert [p for _, p in _names(pipeline)] == list(range(1, 8))


def test_probability_changes_reach_the_forecast(users, pipeline, stages, make_deal):
    rep = users["north_rep"]
    make_deal(rep, amount="1000.00", expected_close_date="2026-03-15")
    period = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 4, 1), "group_by": "none"}
    before = forecast(user=rep, **period).totals[0].weighted
    pipelines.stage_update(actor=users["manager"], stage=stages["Prospecting"], data={"probability": 30})
    after = forecast(user=rep, **period).totals[0].weighted
    assert (before, after) == (100, 300)


def test_the_default_moves_and_an_archived_pipeline_leaves_the_lists(users, pipeline, make_account):
    renewal = Pipeline.objects.get(name="Renewal")
    pipelines.pipeline_update(actor=users["admin"], pipeline=renewal, data={"is_default": True})
    assert list(Pipeline.objects.filter(is_default=True).values_list("name", flat=True)) == ["Renewal"]
    pipelines.pipeline_update(actor=users["admin"], pipeline=pipeline, data={"is_archived": True})
    assert "New business" not in [p.name for p in selectors.pipeline_list()]
    assert "New business" in [p.name for p in selectors.pipeline_list(include_archived=True)]
    assert selectors.pipeline_default().name == "Renewal"
    account = make_account(users["north_rep"])
    with pytest.raises(ValidationFailed) as refused:
        opportunity_create(
            actor=users["north_rep"],
            data={"name": "X", "account_id": account.pk, "pipeline_id": pipeline.pk, "expected_close_date": "2026-01-01"},
        )
    assert list(refused.value.field_errors) == ["pipeline_id"]
