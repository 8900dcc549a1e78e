"""Forecast, funnel, cost analysis and quotas over the API, and the CSV export."""

from __future__ import annotations

import csv
import io

from rapport.sales.models import Quota


def test_forecast_endpoint_and_csv_export(users, api_for, make_deal, stages):
    make_deal(users["north_rep"], amount="1000", expected_close_date="2026-03-10", stage_id=stages["Negotiation"].pk)
    make_deal(users["north_rep2"], amount="500", expected_close_date="2026-04-02", forecast_category="best_case")
    api = api_for(users["manager"])
    body = api.get("forecast", {"start": "2026-03", "end": "2026-04", "group_by": "owner"}).json()
    assert body["currency"] == "CNY"
    assert [(r["period"], r["group_name"], r["commit"], r["best_case"], r["weighted"]) for r in body["rows"]] == [
        ("2026-03", "north_rep", "1000.00", "1000.00", "800.00"),
        ("2026-04", "north_rep2", "0", "500.00", "50.00"),
    ]
    export = api.get("forecast/export.csv", {"start": "2026-03", "end": "2026-04", "period": "quarter", "group_by": "none"})
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:7] == ["period", "none", "closed_won", "commit", "best_case", "pipeline", "weighted"]
    assert rows[1][:7] == ["2026-Q1", "All", "0", "1000.00", "1000.00", "1000.00", "800.00"]
    assert rows[2][:7] == ["2026-Q2", "All", "0", "0", "500.00", "500.00", "50.00"]
    for params, field in [
        ({"period": "week"}, "period"),
        ({"group_by": "colour"}, "group_by"),
        ({"start": "2026-13"}, "start"),
        ({"start": "2026-05", "end": "2026-01"}, "end"),
    ]:
        response = api.get("forecast", params)
        assert (response.status_code, list(response.json()["errors"])) == (422, [field]), params


def test_funnel_and_cost_analysis_endpoints(users, api_for, make_deal, stages, pipeline):
    deal = make_deal(users["north_rep"], amount="700")
    api = api_for(users["north_rep"])
    api.post(f"opportunities/{deal.pk}/move", {"stage_id": stages["Won"].pk, "version": 1, "closed_on": "2026-03-03"})
    api.post(f"opportunities/{deal.pk}/costs", {"kind": "demo", "amount": "70", "currency": "CNY", "incurred_on": "2026-03-01"})
    body = api.get("funnel", {"pipeline_id": pipeline.pk}).json()
    assert (body["created"], body["won"], body["win_rate"], body["won_value"]) == (1, 1, "100.0", "700.00")
    assert [(s["name"], s["reached"]) for s in body["stages"]][:2] == [("Prospecting", 1), ("Qualification", 1)]
    costs = api.get("cost-analysis", {"start": "2026-03", "end": "2026-03", "group_by": "owner"}).json()
    assert [(r["name"], r["cost"], r["won_deals"], r["cost_per_won_deal"], r["cost_share"]) for r in costs["rows"]] == [
        ("north_rep", "70.00", 1, "70.00", "10.0")
    ]
    # Someone who sees none of it gets empty figures, not the rep's
    other = api_for(users["south_rep"]).get("cost-analysis", {"start": "2026-03", "end": "2026-03"}).json()
    assert (other["rows"], other["total"]["cost"]) == ([], "0")


def test_quota_endpoints_follow_the_management_line(users, api_for):
    rep, manager = users["north_rep"], users["manager"]
    body = {"user_id": rep.pk, "period_start": "2026-04-01", "period_end": "2026-06-30", "amount": "90000", "currency": "CNY"}
    assert api_for(rep).post("quotas", body).status_code == 403
    assert api_for(manager).post("quotas", {**body, "user_id": users["south_rep"].pk}).status_code == 404
    bad = api_for(manager).post("quotas", {**body, "period_end": "2026-03-01"})
    assert (bad.status_code, list(bad.json()["errors"])) == (422, ["period_end"])
    assert Quota.objects.count() == 0
    created = api_for(manager).post("quotas", body)
    assert created.status_code == 201 and created.json()["set_by_id"] == manager.pk
    assert [q["amount"] for q in api_for(rep).get("quotas").json()] == ["90000.00"]
    assert api_for(users["south_rep"]).get("quotas").json() == []
