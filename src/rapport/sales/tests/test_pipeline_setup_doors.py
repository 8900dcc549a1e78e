"""The pipeline set-up through its doors: the API (who may, 422 naming the field) and the pages (HTMX stage table, budgets)."""

from __future__ import annotations

import pytest

from rapport.sales.models import Pipeline, Stage

pytestmark = pytest.mark.django_db


def test_managers_set_up_pipelines_over_the_api_and_reps_only_read(users, api_for, pipeline):
    manager, rep = api_for(users["manager"]), api_for(users["north_rep"])
    created = manager.post("pipelines", {"name": "Tenders", "kind": "channel"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [(s["name"], s["is_archived"]) for s in body["stages"]][:2] == [("Qualification", False), ("Proposal", False)]
    stage = manager.post(f"pipelines/{body['id']}/stages", {"name": "Site visit", "probability": 40}).json()
    assert stage["position"] == 3
    ids = [s["id"] for s in manager.get(f"pipelines/{body['id']}").json()["stages"]]
    reordered = manager.put(f"pipelines/{body['id']}/stage-order", {"stage_ids": [ids[2], ids[0], ids[1], *ids[3:]]})
    assert [s["name"] for s in reordered.json()] == ["Site visit", "Qualification", "Proposal", "Won", "Lost"]
    assert manager.patch(f"stages/{stage['id']}", {"probability": 15}).json()["probability"] == 15
    assert manager.patch(f"pipelines/{body['id']}", {"is_archived": True}).json()["is_archived"] is True
    assert [p["name"] for p in rep.get("pipelines").json()] == ["New business", "Channel", "Renewal", "Tenders"]
    refused = [
        rep.post("pipelines", {"name": "Mine"}),
        rep.patch(f"pipelines/{body['id']}", {"name": "Mine"}),
        rep.post(f"pipelines/{body['id']}/stages", {"name": "Mine", "probability": 5}),
        rep.patch(f"stages/{stage['id']}", {"probability": 99}),
        rep.delete(f"stages/{stage['id']}"),
        rep.put(f"pipelines/{body['id']}/stage-order", {"stage_ids": ids}),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert Stage.objects.get(pk=stage["id"]).probability == 15
    assert manager.delete(f"stages/{stage['id']}").status_code == 204
    assert manager.get("stages/999999").status_code in (404, 405)
    assert manager.patch("stages/999999", {"name": "x"}).status_code == 404


def test_refusals_are_problems_naming_the_field(users, api_for, pipeline, stages, make_deal):
    api = api_for(users["admin"])
    make_deal(users["north_rep"])
    prospecting = stages["Prospecting"].pk
    cases = [
        (api.delete(f"stages/{prospecting}"), "stage_id"),
        (api.patch(f"stages/{prospecting}", {"is_archived": True}), "is_archived"),
        (api.patch(f"stages/{prospecting}", {"probability": 101}), "probability"),
        (api.post(f"pipelines/{pipeline.pk}/stages", {"name": "Won", "probability": 100, "is_won": True}), "name"),
        (api.patch(f"pipelines/{pipeline.pk}", {"is_archived": True}), "is_archived"),
        (api.post("pipelines", {"name": ""}), "name"),
        (api.put(f"pipelines/{pipeline.pk}/stage-order", {"stage_ids": [prospecting]}), "stage_ids"),
    ]
    for response, field in cases:
        assert response.status_code == 422, response.content
        assert field in str(response.json()["errors"]), (field, response.json())
    assert "1 opportunities are in the stage 'Prospecting'" in cases[0][0].json()["errors"]["stage_id"][0]
    assert Stage.objects.filter(pipeline=pipeline, is_archived=False).count() == 7


def test_the_settings_pages_for_managers_404_for_others(users, client_for, pipeline, django_assert_max_num_queries):
    manager, rep = client_for(users["manager"]), client_for(users["north_rep"])
    assert rep.get("/sales/pipelines/new/")["Location"] == "/sales/pipelines/"
    read_only = rep.get("/sales/pipelines/")
    assert read_only.status_code == 200 and b"/sales/pipelines/new/" not in read_only.content
    assert f"/sales/pipelines/{pipeline.pk}/".encode() not in read_only.content
    for url in (
        f"/sales/pipelines/{pipeline.pk}/",
        f"/sales/stages/{pipeline.stages.first().pk}/edit/",
    ):
        assert rep.get(url).status_code == 404
        assert manager.get(url).status_code == 200
    with django_assert_max_num_queries(8):
        listing = manager.get("/sales/pipelines/")
    assert listing.content.count(b'<li class="stage-chip') == 18
    with django_assert_max_num_queries(9):
        settings = manager.get(f"/sales/pipelines/{pipeline.pk}/")
    assert settings.content.count(b"data-stage-row") == 7
    assert b"Set up pipelines" in client_for(users["admin"]).get("/sales/").content
    assert b"Set up pipelines" not in rep.get("/sales/").content


def test_stage_table_actions_answer_htmx_with_the_table_and_the_refusal(users, client_for, pipeline, stages, make_deal):
    page = client_for(users["manager"])
    make_deal(users["north_rep"])
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "pipeline-stages"}
    refused = page.post(f"/sales/stages/{stages['Prospecting'].pk}/delete/", **htmx)
    assert refused.status_code == 422
    assert b"data-stage-error" in refused.content and b"move them to another stage first" in refused.content
    assert b"<html" not in refused.content
    moved = page.post(f"/sales/stages/{stages['Qualification'].pk}/move/", {"direction": "up"}, **htmx)
    assert moved.status_code == 200
    assert list(Stage.objects.filter(pipeline=pipeline).order_by("position").values_list("name", flat=True)[:2]) == [
        "Qualification",
        "Prospecting",
    ]
    bad = page.post(f"/sales/pipelines/{pipeline.pk}/stages/", {"name": "", "probability": "150"}, **htmx)
    assert bad.status_code == 422 and bad.content.count(b'class="field-error"') == 2
    added = page.post(f"/sales/pipelines/{pipeline.pk}/stages/", {"name": "Demo", "probability": "50"}, **htmx)
    assert added.status_code == 200 and b"Demo" in added.content
    archived = page.post(f"/sales/stages/{stages['Negotiation'].pk}/archive/", {"archived": "1"}, **htmx)
    assert archived.status_code == 200 and Stage.objects.get(pk=stages["Negotiation"].pk).is_archived
    board = page.get(f"/sales/board/{pipeline.pk}/")
    assert b'aria-label="Negotiation"' not in board.content and b'aria-label="Demo"' in board.content


def test_pipeline_forms_save_and_show_errors_inline(users, client_for, pipeline):
    page = client_for(users["admin"])
    created = page.post("/sales/pipelines/new/", {"name": "Tenders", "kind": "channel"})
    tenders = Pipeline.objects.get(name="Tenders")
    assert created.status_code == 302 and created["Location"] == f"/sales/pipelines/{tenders.pk}/"
    clash = page.post("/sales/pipelines/new/", {"name": "tenders", "kind": "channel"})
    assert clash.status_code == 422 and b"already a pipeline called" in clash.content
    refused = page.post(
        f"/sales/pipelines/{pipeline.pk}/", {"name": "New business", "kind": "new_business", "is_default": "on", "is_archived": "on"}
    )
    assert refused.status_code == 422 and b"cannot be archived" in refused.content
    stage = tenders.stages.get(name="Proposal")
    edited = page.post(f"/sales/stages/{stage.pk}/edit/", {"name": "Offer", "probability": "65"})
    assert edited.status_code == 302
    assert Stage.objects.get(pk=stage.pk).name == "Offer"
    wrong = page.post(f"/sales/stages/{stage.pk}/edit/", {"name": "Offer", "probability": "65", "is_won": "on"})
    assert wrong.status_code == 422 and b"win probability of 100" in wrong.content
